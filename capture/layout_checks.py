"""Checks a fitted layout as a whole must pass to be a gallery (capture.grid's ``_fit_ok``):
gaps in the gutter colour, the gutter colour around it, tiles that show content, and name
labels where the apps draw them.

Why apart from ``capture.layout_evidence``: that module measures the border evidence the fit
searches over, hypothesis by hypothesis; these look at one finished layout's boxes, once.
"""

from __future__ import annotations

import numpy as np

from capture.label_find import find_label
from capture.layout_evidence import GUTTER_TOL, MAX_GAP, RING_SAT
from capture.types import Box

SURROUND_BAND = (8, 14)  # px outside a layout's extent where ``surround`` looks
LABEL_SAMPLE = 12  # tiles of a fitted layout looked at for labels (labelled)
LABEL_LEFT = 0.35  # a name starts in the left third of its label region (a mic icon before it)
LABEL_PLACED = 80  # px: tiles at least this tall must show it there; in smaller ones a 200 %
#                    label fills the tile and only parts of it are found, anywhere


def gaps_clear(gray: np.ndarray, sat: np.ndarray, boxes: list[Box], bg_luma: float) -> float:
    """Share of gutter-coloured (or speaker-ring) pixels along the middle of the gaps between
    neighbouring tiles (1.0 when no gap is 3 px or wider: a 1-2 px gap blurs into the tiles
    under JPEG/H.264, and touching tiles have none). The apps draw every gap in the gutter
    colour; a "grid" whose gutter is a white title bar has dark window pixels between its
    tiles."""
    ok = n = 0
    for a in boxes:
        for b in boxes:
            right = abs(a.y - b.y) <= 2 and 3 <= b.x - a.x - a.w <= MAX_GAP
            below = abs(a.x - b.x) <= a.w // 2 and 3 <= b.y - a.y - a.h <= MAX_GAP
            if right:
                x = (a.x + a.w + b.x) // 2
                ys = np.arange(a.y + a.h // 10, a.y + a.h - a.h // 10)
                xs = np.full_like(ys, x)
            elif below:
                y = (a.y + a.h + b.y) // 2
                xs = np.arange(max(a.x, b.x) + a.w // 10, min(a.x, b.x) + a.w - a.w // 10)
                ys = np.full_like(xs, y)
            else:
                continue
            px = np.abs(gray[ys, xs].astype(np.float32) - bg_luma) <= 1.5 * GUTTER_TOL
            ok += int((px | (sat[ys, xs] >= RING_SAT)).sum())
            n += len(xs)
    return ok / n if n else 1.0


def surround(gray: np.ndarray, boxes: list[Box], bg_luma: float) -> float:
    """Mean share of gutter-coloured pixels in bands just outside the layout's extent, one per
    side that lies inside the frame (SURROUND_BAND px out: past a speaker ring). The apps draw
    a gallery on their background colour, so a true layout's surroundings are that colour on
    most sides. A "grid" fitted on another colour is not: a white title bar as the gutter of
    dark empty window space above the tiles has tiles and window beside it."""
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
    d0, d1 = SURROUND_BAND
    bands = ((slice(y0 - d1, y0 - d0), slice(x0, x1)), (slice(y1 + d0, y1 + d1), slice(x0, x1)),
             (slice(y0, y1), slice(x0 - d1, x0 - d0)), (slice(y0, y1), slice(x1 + d0, x1 + d1)))
    shares = [float((np.abs(gray[ys, xs].astype(np.float32) - bg_luma)
                     <= 1.5 * GUTTER_TOL).mean())
              for ys, xs in bands
              if ys.start >= 0 and xs.start >= 0
              and ys.stop <= gray.shape[0] and xs.stop <= gray.shape[1]]
    return float(np.mean(shares)) if shares else 1.0


def filled(gray: np.ndarray, boxes: list[Box], bg_luma: float) -> float:
    """Mean share of the tiles' insides that is NOT gutter-coloured. Tiles show video or a card
    in another colour; text, icons and slide elements that happen to line up show their
    background inside, and are no gallery. Sampled in the middle third of the width: a
    pillarboxed phone or 4:3 camera fills only that, between bars of the gutter colour."""
    full = 0.0
    for b in boxes:
        ys = np.linspace(b.y + b.h * 0.1, b.y + b.h * 0.9, 7).astype(int)
        xs = np.linspace(b.x + b.w * 0.36, b.x + b.w * 0.64, 5).astype(int)
        px = gray[ys[:, None], xs[None, :]].astype(np.float32)
        full += 1.0 - (np.abs(px - bg_luma) <= GUTTER_TOL).mean()
    return full / max(1, len(boxes))


def textured(gray: np.ndarray, boxes: list[Box], min_std: float = 4.0) -> float:
    """Share of the tiles that show anything at all (grey-level spread >= ``min_std`` over the
    whole tile). Every real tile does: video, or a camera-off card with the name or initials
    in its centre, and a name label at the bottom. A flat slide rectangle cut by a "grid" of
    touching tiles (gaps under 3 px, so ``gaps_clear`` cannot see them) shows nothing."""
    if not boxes:
        return 0.0
    n = 0
    for b in boxes:
        ys = np.linspace(b.y, b.y + b.h - 1, 16).astype(int)
        xs = np.linspace(b.x, b.x + b.w - 1, 24).astype(int)
        n += float(gray[ys[:, None], xs[None, :]].std()) >= min_std
    return n / len(boxes)


def labelled(image: np.ndarray, boxes: list[Box]) -> float:
    """Share of the tiles (up to LABEL_SAMPLE, spread over the grid) that show a name label:
    at the bottom starting in the left third (LABEL_LEFT), or centred on a camera-off card.
    Every app labels every tile so; a "grid" fitted on a lone speaker's window, its chrome
    and the desktop around it shows toolbar words or the real label off to one side in a few
    of its "tiles" at most. Single-tile screens (2 seeds x 48) taken for galleries of 2-27
    tiles: 17 / 14 without this check, 9 / 7 with any label, 6 / 6 with the left third in
    tiles LABEL_PLACED tall. A true layout on bench_downscaled's screens shows labels in 0.67
    or more of its tiles; 95 / 99 % of true labels start within 0.25 / 0.37 of the region
    (shrunk screens)."""
    pick = np.unique(np.linspace(0, len(boxes) - 1, min(LABEL_SAMPLE, len(boxes))).astype(int))
    crops = [find_label(image[b.y:b.y + b.h, b.x:b.x + b.w]) for b in (boxes[i] for i in pick)]
    seen = [c is not None and (c.where == "centre" or c.left <= LABEL_LEFT
                               or boxes[i].h < LABEL_PLACED)
            for i, c in zip(pick, crops, strict=True)]
    return sum(seen) / max(1, len(seen))
