"""Where a tile's name is, and an OCR-ready picture of it.

Why this shape: real labels are white text on a translucent dark box over moving video (Zoom,
Teams), white text on a soft shadow (Meet), or a large bold name in the middle of a flat
camera-off tile. A fixed "bright pixels" mask also catches white shirts, windows and the
astronaut's badge. Text strokes are *thin* bright structures on something darker, so we keep
the white top-hat (bright minus its morphological opening) of the low-saturation "whiteness"
(the min over B, G, R: the red muted-mic icon is never white), group strokes into one
horizontal line that starts bottom-left, and only read the centre when the tile is flat
(camera off). Trailing baseline dots are an ellipsis ("…": the app cut the name); they are
cut off before OCR and reported as ``truncated``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from capture import ellipsis, label_render
from capture.label_regions import bottom_region, centre_region, is_flat
from capture.label_white import whiteness

MIN_HIT = 90  # tophat level that counts as a text stroke
MIN_CONTRAST = 120  # a glyph's peak over the darkest nearby background
MIN_PART = 0.35  # parts shorter than this x the seed only join as marks (dots, specks)
MAX_PARTS = 300  # bright parts considered in one search region
MAX_SEEDS = 40  # biggest parts tried as the start of the name's line
BELOW = 0.8  # x line height: Thai sara u/uu hang this far below a line of x-height letters
STROKE_WHITE = 150  # whiteness a stroke pixel reaches
UP_BELOW = 200  # px: a tile shorter than this has its label region upscaled x UP first, so the
UP = 2.0  #        px sizes above (line height >= 5, gaps >= 4, pad 2) hold for 8-12 px text
# the soft look, for such a tile's text blurred in a shrunk screenshot (a 1 px stem split over
# two columns at whiteness ~120-140, under STROKE_WHITE: the mask drops letters, cuts the line):
SOFT_WHITE = 120  # lower stroke levels...
SOFT_HIT = 90
SOFT_CONTRAST = 80
#                   ...and the crop drawn from the line box's grey pixels, not the stroke mask.
BLUR_RATIO = 0.12  # blurred: under this share of the faint stroke pixels (tophat >= 60,
#                    whiteness >= 110) reach the sharp level (tophat >= 90, whiteness >= 200).
#                    bench_downscaled --frames 60, names as drawn / shrunk: 0.2 704 / 431,
#                    0.16 708 / 424, 0.12 714 / 406 (715 / 251 without the soft look): a live
#                    capture is never shrunk, so nothing may be lost as drawn
WIDER = 1.4  # x the sharp look's line width: a soft look this much wider found dropped words
#             (bench_downscaled names shrunk: 467 -> 502 of 861, as drawn 721 -> 720)
TINY_LINE = 9  # px: a sharp line shorter than this (marks included) is 1 px strokes, and the
NARROW = 0.9  # soft look reads it better when its line is at least this x as wide
MERGED, MERGED_TINY = 1.3, 1.6  # x a (tiny) sharp line's height: a soft line taller took in video
PAD = 2  # px around the kept strokes in a crop's box (its mask too)
SPILL_PX = 40  # stroke pixels: fewer at the bottom of a flat tile is no label (a 12 px name: 50+)
EDGE_PX = 2  # px (x UP when upscaled): a part this close to the tile's left or bottom edge is
#              the tile's border (a strip of bright video between the edge and a label box's
#              rounded end read "I", "f" or "[" before the name), never a letter: the apps
#              inset labels 6 px or more (bench_downscaled names shrunk +3 of 861)


@dataclass(frozen=True, slots=True)
class LabelCrop:
    """One label: ``image`` dark-on-light grey for OCR, ``mask`` its strokes (for caching),
    ``truncated`` when an ellipsis was cut off, ``where`` "bottom" or "centre", ``soft``
    whether the soft look found it (a reader's hint for the next frame: ``find_label(soft=)``),
    ``left`` where its text starts, as a share of the searched region's width."""

    image: np.ndarray
    mask: np.ndarray
    truncated: bool
    where: str
    soft: bool = False
    left: float = 0.0

    def __post_init__(self) -> None:
        if self.image.ndim != 2 or self.image.dtype != np.uint8:
            raise ValueError(f"LabelCrop.image: expected 2-D uint8, got {self.image.shape} "
                             f"{self.image.dtype}")
        if self.where not in ("bottom", "centre"):
            raise ValueError(f"LabelCrop.where: expected 'bottom' or 'centre', got {self.where!r}")


def stroke_mask(white: np.ndarray, kernel: int, soft: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """(strokes: bool, tophat: uint8): thin bright structures of a whiteness image."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel | 1, kernel | 1))
    top = cv2.morphologyEx(white, cv2.MORPH_TOPHAT, k)
    if soft:
        return (top >= SOFT_HIT) & (white >= SOFT_WHITE), top
    return (top >= MIN_HIT) & (white >= STROKE_WHITE), top


def blurred(region: np.ndarray, kernel: int) -> bool:
    """Whether a label region's text looks blurred (a shrunk screenshot): its bright thin
    structures are mostly faint, where drawn text reaches near white (see BLUR_RATIO)."""
    white = whiteness(region)
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel | 1, kernel | 1))
    top = cv2.morphologyEx(white, cv2.MORPH_TOPHAT, k)
    faint = int(np.count_nonzero((top >= 60) & (white >= 110)))
    sharp = int(np.count_nonzero((top >= 90) & (white >= 200)))
    return faint > 0 and sharp < BLUR_RATIO * faint


def _components(mask: np.ndarray, kernel: int, tile_edge: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels image, label ids, stats rows x, y, w, h, area) of plausible glyph parts: not
    touching the region's edge (nor within ``tile_edge`` px of its left and bottom sides, where
    they are the tile's), not a solid bright patch (thicker than any stroke: a short bar such
    as the left leg of Hebrew he is solid too, but thin)."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    h, w = mask.shape
    x, y, bw, bh, area = (stats[:, i].astype(np.int64) for i in range(5))
    edge = (x <= tile_edge) | (y == 0) | (x + bw >= w) | (y + bh >= h - tile_edge)
    thick = np.minimum(bw, bh)
    solid = ((area > 0.8 * bw * bh) & (thick > max(6.0, 0.6 * kernel))
             & (thick > 0.35 * np.maximum(bw, bh)))
    ok = ~edge & ~solid
    ok[0] = False  # the background
    ids = np.nonzero(ok)[0]
    if len(ids) > MAX_PARTS:  # busy video: a label never has this many parts; keep the biggest
        ids = ids[np.argsort(area[ids])[-MAX_PARTS:]]
    return labels, ids, stats[ids, :5].astype(np.int64)


def _line_from(comps: np.ndarray, seed: int, max_h: float) -> np.ndarray:
    """Indices of the components chained left and right of ``seed`` on its text line."""
    sx, sy, _, sh, _ = comps[seed]
    band0, band1 = sy - 0.35 * sh, sy + 1.35 * sh
    cy = comps[:, 1] + comps[:, 3] / 2
    on = ((cy >= band0) & (cy <= band1) & (comps[:, 3] <= min(max_h, 1.8 * sh))
          & ((comps[:, 3] >= MIN_PART * sh)  # dots and specks only join as marks, inside the span
             | ((comps[:, 3] >= 0.2 * sh) & (comps[:, 2] >= 0.3 * sh))  # short wide Hangul jamo
             | ((comps[:, 2] >= 0.6 * sh) & (comps[:, 2] <= 1.5 * sh))))  # Han bars: 一, 王 at 12 px
    idx = np.nonzero(on)[0]
    idx = idx[np.argsort(comps[idx, 0])]
    gap = max(4.0, 0.9 * sh)
    pos = int(np.nonzero(idx == seed)[0][0])
    lo = hi = pos
    right = comps[seed, 0] + comps[seed, 2]
    while hi + 1 < len(idx) and comps[idx[hi + 1], 0] <= right + gap:
        hi += 1
        right = max(right, comps[idx[hi], 0] + comps[idx[hi], 2])
    left = comps[seed, 0]
    while lo - 1 >= 0 and comps[idx[lo - 1], 0] + comps[idx[lo - 1], 2] >= left - gap:
        lo -= 1
        left = min(left, comps[idx[lo], 0])
    return idx[lo:hi + 1]


def best_line(comps: np.ndarray, max_h: float, prefer: str, luma: np.ndarray) -> np.ndarray:
    """The text line most like a name: many strokes on a dark background (the label box, the
    scrim, the camera-off fill; not whiskers on fur), placed where the app puts it (``prefer``
    "left" starts near the left edge, "centre" is centred)."""
    h, w = luma.shape
    best, best_score = np.zeros(0, np.int64), 0.0
    tall = np.nonzero((comps[:, 3] >= 5) & (comps[:, 3] <= max_h))[0] if len(comps) else []
    tall = tall[np.argsort(comps[tall, 4])[-MAX_SEEDS:]] if len(tall) else tall
    seen: set[tuple[int, ...]] = set()
    for seed in tall:
        line = _line_from(comps, int(seed), max_h)
        key = tuple(line.tolist())
        if key in seen:
            continue
        seen.add(key)
        x0 = comps[line, 0].min()
        x1 = (comps[line, 0] + comps[line, 2]).max()
        y0 = comps[line, 1].min()
        y1 = (comps[line, 1] + comps[line, 3]).max()
        dark = float((luma[y0:y1, x0:x1] < 110).mean())
        score = float(comps[line, 4].sum()) * min(1.0, len(line) / 3) * dark * dark
        if prefer == "left":
            score *= 1.0 if x0 < 0.3 * w else 0.2
        else:
            score *= 1.0 if abs((x0 + x1) / 2 - w / 2) < 0.15 * w else 0.2
        if score > best_score:
            best, best_score = line, score
    return best


def _off_band_ends(comps: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``line`` without parts wholly above or below its letters' band that lie past either
    end of the letters: video streaks next to a label box, not text (marks and dots inside
    the span stay)."""
    if len(line) < 3:
        return line
    top, bottom = comps[line, 1], comps[line, 1] + comps[line, 3]
    b0, b1 = float(np.median(top)), float(np.median(bottom))
    eps = 0.15 * (b1 - b0)
    core = (top < b1 - eps) & (bottom > b0 + eps)
    if not core.any():
        return line
    x0 = comps[line[core], 0].min()
    x1 = (comps[line[core], 0] + comps[line[core], 2]).max()
    m = 2 * eps  # an Arabic ي's dots reach a little past its bowl
    outside = ~core & ((comps[line, 0] >= x1 + m) | (comps[line, 0] + comps[line, 2] <= x0 - m))
    return line[~outside]


def _broken_ends(comps: np.ndarray, body: np.ndarray, dots: np.ndarray) -> np.ndarray:
    """``body`` with a broken letter at either end: on a shrunk screen a faint "s" or "l" next
    to a label box's rounded end keeps only 1 px scraps above the stroke mask's levels, too
    small to chain into the line ("Léa Dubois" read "Léa Duboi"). Scraps within one letter's
    width right past an end, inside the line's band, spanning most of its height, are that
    letter (an ellipsis's dots lie side by side on the baseline); a whole letter after it
    then follows ("Lovelace": a broken "c" cut off the "e")."""
    x, y, bw, bh = (comps[:, i] for i in range(4))
    for _ in range(2):
        x0, x1 = x[body].min(), (x[body] + bw[body]).max()
        y0, y1 = y[body].min(), (y[body] + bh[body]).max()
        lh = y1 - y0
        free = np.ones(len(comps), bool)
        free[body] = free[dots] = False
        free &= (y >= y0 - 1) & (y + bh <= y1 + 1) & (bw <= 0.8 * lh)
        grown = body
        for after in (True, False):
            near = free & ((x >= x1) & (x <= x1 + 0.5 * lh) if after
                           else (x + bw <= x0) & (x + bw >= x0 - 0.5 * lh))
            if not near.any():
                continue
            j = np.nonzero(near)[0]
            first = j[np.argmin(x[j])] if after else j[np.argmax(x[j] + bw[j])]
            col = j[(x[j] <= x[first] + 0.6 * lh) if after  # one letter's width
                    else (x[j] + bw[j] >= x[first] + bw[first] - 0.6 * lh)]
            if (y[col] + bh[col]).max() - y[col].min() >= 0.6 * lh:
                grown = np.union1d(grown, col)
        if len(grown) == len(body):
            break
        body = grown
    return body


def _crop_line(white: np.ndarray, labels: np.ndarray, comps_ids: np.ndarray,
               comps: np.ndarray, line: np.ndarray, where: str,
               mark_gap: float = 0.2, soft: bool = False) -> LabelCrop:
    body = _off_band_ends(comps, line)
    dots = ellipsis.dots(comps, body, white.shape[1])
    body = _broken_ends(comps, np.setdiff1d(body, dots), dots)
    x0 = int(comps[body, 0].min())
    x1 = int((comps[body, 0] + comps[body, 2]).max())
    y0 = int(comps[body, 1].min())
    y1 = int((comps[body, 1] + comps[body, 3]).max())
    lh = y1 - y0
    # marks just above/below the line inside its span: accents, Thai vowels, Arabic dots
    # (centres inside the span: Hangul's wide vowel bars reach past the letters above them)
    # (each touching the line or a mark already taken: Thai stacks two marks, specks float)
    cx = comps[:, 0] + comps[:, 2] / 2
    near = ((cx >= x0) & (cx <= x1) & (comps[:, 0] >= x0 - 0.3 * lh)
            & (comps[:, 0] + comps[:, 2] <= x1 + 0.3 * lh)
            & (comps[:, 1] >= y0 - 0.9 * lh) & (comps[:, 1] + comps[:, 3] <= y1 + BELOW * lh)
            & (comps[:, 3] <= 0.6 * lh))
    near[dots] = False
    marks = np.zeros(len(comps), bool)
    top, bottom = float(y0), float(y1)
    for _ in range(3):
        marks = (near & (comps[:, 1] + comps[:, 3] >= top - mark_gap * lh)
                 & (comps[:, 1] <= bottom + 0.2 * lh))
        if marks.any():
            top = min(top, float(comps[marks, 1].min()))
            bottom = max(bottom, float((comps[marks, 1] + comps[marks, 3]).max()))
    chosen = np.union1d(body, np.nonzero(marks)[0])
    lut = np.zeros(int(labels.max()) + 1, bool)
    lut[comps_ids[chosen]] = True
    keep = lut[labels]
    ys, xs = np.nonzero(keep)
    box = (max(0, int(xs.min()) - PAD), max(0, int(ys.min()) - PAD),
           min(white.shape[1], int(xs.max()) + PAD + 1), min(white.shape[0], int(ys.max()) + PAD + 1))
    ink = label_render.ink_level(white, keep)
    image = label_render.render(white, keep, box, ink, soft)
    cut = len(dots) > 0 or ellipsis.faint_dots(
        white, (x0, y0, ellipsis.letters_end(comps, body), y1), ink)
    return LabelCrop(image, keep[box[1]:box[3], box[0]:box[2]], cut, where, soft,
                     box[0] / white.shape[1])


def _on_dark(white: np.ndarray, comps: np.ndarray, kernel: int,
             contrast: float = MIN_CONTRAST) -> np.ndarray:
    """Which components sit on something much darker than themselves (a label box, a scrim,
    a camera-off fill), unlike whiskers, hair or lights on a bright background."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel | 1, kernel | 1))
    bg = cv2.erode(white, k)
    ok = np.zeros(len(comps), bool)
    for j, (x, y, bw, bh, _) in enumerate(comps):
        peak = cv2.minMaxLoc(white[y:y + bh, x:x + bw])[1]
        ok[j] = peak - cv2.mean(bg[y:y + bh, x:x + bw])[0] >= contrast
    return ok


def _find(region: np.ndarray, kernel: int, max_h: float, prefer: str,
          where: str, mark_gap: float = 0.2, up: float = 1.0,
          soft: bool = False) -> LabelCrop | None:
    if up != 1.0:
        region = cv2.resize(region, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC)
        kernel, max_h = int(kernel * up), max_h * up
    white = whiteness(region)
    if where == "centre":  # a flat camera-off fill: plain brightness over it is the text
        mask = white >= max(150.0, float(np.median(white)) + 90)
    else:
        mask, _ = stroke_mask(white, kernel, soft)
    labels, ids, comps = _components(mask, kernel, round(EDGE_PX * up) if where == "bottom" else 0)
    keep = _on_dark(white, comps, kernel, SOFT_CONTRAST if soft else MIN_CONTRAST)
    ids, comps = ids[keep], comps[keep]
    if not len(comps):
        return None
    line = best_line(comps, max_h, prefer, cv2.cvtColor(region, cv2.COLOR_BGR2GRAY))
    if len(line) == 0 or comps[line, 4].sum() < 12:
        return None
    if where == "centre" and not _on_fill(region, mask, comps, line):
        return None  # initials in an avatar circle, not a name
    return _crop_line(white, labels, ids, comps, line, where, mark_gap, soft)


def _on_fill(region: np.ndarray, mask: np.ndarray, comps: np.ndarray, line: np.ndarray) -> bool:
    """Whether a line is written straight on the tile's flat fill (a camera-off name), not
    inside a coloured avatar circle: most non-text pixels around it have the fill colour."""
    fill = np.median(region[::3, ::3].reshape(-1, 3), axis=0)
    x0, y0 = comps[line, 0].min(), comps[line, 1].min()
    x1 = (comps[line, 0] + comps[line, 2]).max()
    y1 = (comps[line, 1] + comps[line, 3]).max()
    m = int(0.4 * (y1 - y0)) + 2
    ya, yb, xa, xb = max(0, y0 - m), y1 + m, max(0, x0 - m), x1 + m
    around = region[ya:yb, xa:xb][~mask[ya:yb, xa:xb]].astype(np.int16)
    return len(around) > 0 and float((np.abs(around - fill).max(axis=1) <= 14).mean()) >= 0.6


def _wider(sharp: LabelCrop | None, soft: LabelCrop | None) -> LabelCrop | None:
    """The soft look's line where the sharp look found none, or a much shorter one: on a
    shrunk screen the sharp look drops faint words ("Lucas Martin" over bright video read
    "Lucas"), while light themes fool ``blurred`` (the UI around a dark label box is sharp).
    A tiny sharp line (under ``TINY_LINE``: 8-9 px text on a shrunk screen) is drawn from 1 px
    strokes and loses letters ("이서연" read "서연"): the soft look's upscaled grey crop wins
    unless its line is much shorter."""
    if sharp is None or soft is None:
        return sharp or soft
    if _merged(sharp, soft):
        return sharp
    ratio = soft.mask.shape[1] / UP / sharp.mask.shape[1]
    tiny = sharp.mask.shape[0] - 2 * PAD < TINY_LINE
    return soft if ratio > WIDER or (tiny and ratio >= NARROW) else sharp


def _merged(sharp: LabelCrop | None, soft: LabelCrop | None) -> bool:
    """Whether the soft look's line is much taller than the sharp look's: its low levels took
    busy video (gravel, shelves) into the line, and its grey crop reads as noise ("서지우" ->
    "023"), on JPEG/H.264 screens as drawn too, which ``blurred`` takes for shrunk ones.
    bench_downscaled names, Latin/Korean: as drawn 740 -> 744 / 758 -> 771, shrunk 510 -> 513
    / 597 -> 606 of 861."""
    if sharp is None or soft is None:
        return False
    tiny = sharp.mask.shape[0] - 2 * PAD < TINY_LINE
    return soft.mask.shape[0] / UP > (MERGED_TINY if tiny else MERGED) * sharp.mask.shape[0]


def find_label(tile_bgr: np.ndarray, mark_gap: float = 0.2,
               soft: bool | None = None) -> LabelCrop | None:
    """The tile's name label: the small one bottom-left, else (camera off) the centred one.
    ``mark_gap`` (x line height): how far above the letters a mark may float and still be
    kept (``capture.script_ocr.label_options``: wider for Tamil's pulli). ``soft``: the look
    for blurred text (see SOFT_WHITE) or not; None: decided in small tiles (``blurred``, else
    both looks and ``_wider``), sharp in big ones (upscaled sharp text reads worse soft)."""
    h = tile_bgr.shape[0]
    region, kernel = bottom_region(tile_bgr), max(7, int(h * 0.05))

    def look(soft_look: bool) -> LabelCrop | None:
        return _find(region, kernel, max(0.2 * h, 28.0), "left", "bottom", mark_gap,
                     UP if soft_look else 1.0, soft_look)

    if soft is not None or h >= UP_BELOW:
        soft = bool(soft)
        found = look(soft)
    elif blurred(region, kernel):
        wide, sharp = look(True), look(False)
        found = sharp if _merged(sharp, wide) else wide
        soft = found is not None and found is wide
    else:
        wide = look(True)
        found = _wider(look(False), wide)
        soft = found is not None and found is wide
    if (found is None or found.mask.sum() < SPILL_PX * (UP if soft else 1.0) ** 2) \
            and is_flat(tile_bgr):
        # a few bottom pixels on a camera-off tile may be a vowel of the big centred name
        # hanging into the search region of a small tile (Thai สุ, ญ), not a label
        centre = _find(centre_region(tile_bgr), max(15, int(h * 0.12)), 0.3 * h, "centre",
                       "centre", mark_gap)
        found = centre if centre is not None else found
    return found
