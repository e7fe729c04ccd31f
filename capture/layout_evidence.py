"""Evidence for layout fitting (capture.layout_fit), from one frame and one gutter colour.

Why a module of its own: the fit is a search over layouts; what it searches against is here:
boundary maps (a luma step with gutter-coloured pixels just outside, or a speaker ring
outside), the weaker evidence of a tile whose edges do not show (gutter all round it, content
inside: pillarboxed phones, dark video, camera-off cards close to the gutter colour), and the
measures of a tile against the maps (its border hits and length, a row's closed edges). The
checks a finished layout must pass are in ``capture.layout_checks``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import cv2
import numpy as np

from capture.types import Box

EDGE_T = 3.0  # luma step (2-px means) that counts as an edge
GUTTER_TOL = 8.0  # luma distance from the background that still counts as gutter
MAX_GAP = 30
RING_SAT = 60  # max - min channel of a speaker ring pixel
INK_TOL = 4  # luma distance from the gutter that counts as tile content (camera-off cards)
WEAK_GUTTER = 0.85  # share of gutter pixels on 3 of a weak tile's 4 sides (the 4th may be
#                     a neighbour's speaker ring)
WEAK_INK = 0.25  # share of content pixels inside a weak tile (a 9:16 phone: ~0.4)


@dataclass(slots=True)
class Evidence:
    """Integral images of the four boundary maps of one frame for one background colour.
    Row boundary y lies between pixel rows y-1 and y; column boundary x between x-1 and x."""

    shape: tuple[int, int]
    top: np.ndarray  # (H+2, W+1) int32 integral of the (H+1, W) top-boundary map
    bot: np.ndarray
    left: np.ndarray  # (H+1, W+2) integral of the (H, W+1) left-boundary map
    right: np.ndarray
    ptop: np.ndarray  # (H+1,) hits per boundary row
    pbot: np.ndarray
    exact: Evidence | None = None  # the same without the 1 px widening, for refinement
    gut: np.ndarray | None = None  # (H+1, W+1) integral of gutter-coloured pixels
    ink: np.ndarray | None = None  # (H+1, W+1) integral of content pixels (INK_TOL)
    ring_h: np.ndarray | None = None  # (H+1, W+1) integral of Rings.hot_h pixels
    ring_v: np.ndarray | None = None  # ... of Rings.hot_v pixels
    memo: dict = field(default_factory=dict)  # tile_hits / weak_tiles rows already measured

    def row_cum(self, which: np.ndarray, y: int) -> np.ndarray:
        """Cumulative hits along boundary row ``y`` (length W+1)."""
        return which[y + 1] - which[y]

    def band_cols(self, which: np.ndarray, y0: int, y1: int) -> np.ndarray:
        """Hits per boundary column summed over pixel rows y0..y1-1 (length W+1)."""
        return np.diff(which[y1] - which[y0]).astype(np.float32)


def luma(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _steps(dev: np.ndarray, axis: int, seam: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(rising, falling) boundary masks for boundaries 2..n-2 along ``axis`` of ``dev`` (luma
    distance from the gutter): the 2 px outside (before / after) are gutter, the 2 px inside
    deviate at least EDGE_T more, and so does the first inside pixel from the last outside one
    (which puts the boundary on the exact pixel, not one early, under blur). ``seam``: the
    one pixel just outside is enough (a gutter shrunk to 1 px, with the next tile beyond it)."""
    def cut(a: np.ndarray, lo: int, hi: int | None) -> np.ndarray:  # a view, no transpose
        return a[lo:hi] if axis == 0 else a[:, lo:hi]

    s = cv2.add(cut(dev, None, -1), cut(dev, 1, None), dtype=cv2.CV_16U)  # dev[y] + dev[y+1]
    a, b = cut(s, None, -2), cut(s, 2, None)  # rows y-2,y-1 and y,y+1 for boundary y
    d1, d2 = cut(dev, 1, -2), cut(dev, 2, -1)  # rows y-1 and y
    p, q = d1.astype(np.int16), d2.astype(np.int16)
    lo, step = 2 * GUTTER_TOL, 2 * EDGE_T
    out_a, out_b = cv2.compare(a, lo, cv2.CMP_LE), cv2.compare(b, lo, cv2.CMP_LE)
    a_out, b_out = a, b  # what the outside side's step is measured from
    if seam:
        out_a |= cv2.compare(d1, GUTTER_TOL, cv2.CMP_LE)
        out_b |= cv2.compare(d2, GUTTER_TOL, cv2.CMP_LE)
        a_out = np.minimum(a, cv2.add(d1, d1, dtype=cv2.CV_16U))
        b_out = np.minimum(b, cv2.add(d2, d2, dtype=cv2.CV_16U))
    rise = (out_a & cv2.compare(cv2.subtract(b, a_out), step, cv2.CMP_GE)
            & cv2.compare(q - p, EDGE_T, cv2.CMP_GE))
    fall = (out_b & cv2.compare(cv2.subtract(a, b_out), step, cv2.CMP_GE)
            & cv2.compare(p - q, EDGE_T, cv2.CMP_GE))
    return rise, fall


def _ring_steps(gray: np.ndarray, sat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row boundaries whose outside is a speaker ring instead of gutter: the 2 px outside are
    saturated (RING_SAT) and of one luma, and the inside steps away from them. Without this
    a ringed tile shows no border at all and a 2-tile call with one speaker is no grid."""
    g = gray.astype(np.int16)
    hot = cv2.compare(sat, RING_SAT, cv2.CMP_GE)
    pair = hot[:-1] & hot[1:] & cv2.compare(np.abs(g[:-1] - g[1:]), 6, cv2.CMP_LE)
    p, q = g[1:-2], g[2:-1]  # rows y-1 and y for boundary y
    step = cv2.compare(np.abs(q - p), 2 * EDGE_T, cv2.CMP_GE)
    rise = pair[:-2] & step & ~hot[2:-1]  # ring above (rows y-2, y-1), tile from row y
    fall = pair[2:] & step & ~hot[1:-2]
    return rise, fall


@dataclass(frozen=True, slots=True)
class Rings:
    """What the speaker ring contributes, computed once per frame (it does not depend on the
    gutter colour tried): ring-to-tile steps per axis."""

    rows: tuple[np.ndarray, np.ndarray]
    cols: tuple[np.ndarray, np.ndarray]
    hot_h: np.ndarray  # (H+1, W+1) integral of saturated pixels of one luma with their
    #                   left/right neighbours
    hot_v: np.ndarray  # ... with their upper/lower neighbours


def rings(gray: np.ndarray, sat: np.ndarray) -> Rings:
    """The Rings of one frame."""
    rc = _ring_steps(np.ascontiguousarray(gray.T), np.ascontiguousarray(sat.T))
    hot = cv2.compare(sat, RING_SAT, cv2.CMP_GE)
    flat = []
    for k in (np.ones((1, 3), np.uint8), np.ones((3, 1), np.uint8)):  # a ring is one colour
        spread = cv2.subtract(cv2.dilate(gray, k), cv2.erode(gray, k))
        flat.append(hot & cv2.compare(spread, 6, cv2.CMP_LE))
    return Rings(_ring_steps(gray, sat), (np.ascontiguousarray(rc[0].T),
                                          np.ascontiguousarray(rc[1].T)),
                 cv2.integral(flat[0] & 1), cv2.integral(flat[1] & 1))


def evidence(gray: np.ndarray, bg_luma: float, ring: Rings | None = None,
             seam: bool = False, like: Evidence | None = None) -> Evidence:
    """Boundary maps of ``gray`` (uint8 luma) against the gutter luma, as integral images of
    the maps widened by 1 px (rounding, blur); the row profiles come from the exact maps.
    ``seam``: a boundary needs one gutter pixel outside, not two (``_steps``): a screenshot
    shrunk to 0.6-0.75 leaves a 2 px gutter 1 px wide, or blends it into the tiles beside it.
    Thin dark lines in video and wallpaper then count too, so it is a second look
    (``capture.layout_fit.fit``). ``like``: evidence of the same frame and gutter colour
    whose gutter and content integrals are taken instead of computed again."""
    h, w = gray.shape
    dev = cv2.absdiff(gray, np.full_like(gray, int(round(bg_luma))))
    maps, raw, prof = [], [], []
    if ring is None:
        rows, cols = _steps(dev, 0, seam), _steps(dev, 1, seam)
    else:
        rows = tuple(a | b for a, b in zip(_steps(dev, 0, seam), ring.rows, strict=True))
        cols = tuple(a | b for a, b in zip(_steps(dev, 1, seam), ring.cols, strict=True))
    for m in rows:  # boundary y = 2..h-2 <- index y-2
        full = np.zeros((h + 1, w), np.uint8)
        full[2:h - 1] = m & 1
        prof.append(full.sum(axis=1, dtype=np.int32).astype(np.float32))
        raw.append(cv2.integral(full))
        maps.append(cv2.integral(cv2.dilate(full, np.ones((3, 1), np.uint8))))
    for m in cols:
        full = np.zeros((h, w + 1), np.uint8)
        full[:, 2:w - 1] = m & 1
        raw.append(cv2.integral(full))
        maps.append(cv2.integral(cv2.dilate(full, np.ones((1, 3), np.uint8))))
    if like is None:
        gi = cv2.integral(cv2.compare(dev, GUTTER_TOL, cv2.CMP_LE) & 1)
        ii = cv2.integral(cv2.compare(dev, INK_TOL, cv2.CMP_GT) & 1)
    else:
        gi, ii = like.gut, like.ink
    rh, rv = (None, None) if ring is None else (ring.hot_h, ring.hot_v)
    exact = Evidence((h, w), *raw, prof[0], prof[1], None, gi, ii, rh, rv)
    return Evidence((h, w), *maps, prof[0], prof[1], exact, gi, ii, rh, rv)


def peaks(p: np.ndarray, k: int, floor: float) -> list[int]:
    """Indices of the ``k`` strongest local maxima (window 7) of ``p`` that reach ``floor``."""
    mx = cv2.dilate(p.astype(np.float32).reshape(1, -1), np.ones((1, 7), np.uint8)).ravel()
    idx = np.flatnonzero((p >= mx) & (p >= floor))
    keep: list[int] = []
    for i in idx[np.argsort(-p[idx], kind="stable")]:
        if all(abs(int(i) - j) > 3 for j in keep):
            keep.append(int(i))
        if len(keep) == k:
            break
    return sorted(keep)


def insets(w: int, h: int) -> tuple[int, int]:
    """Border ends left out: rounded corners and corner blur carry no straight edge."""
    return max(2, w // 14), max(2, h // 14)


def band_hits(ev: Evidence, t: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) boundary hits per column over the inner rows of a tile row at ``t``."""
    iy = max(2, h // 14)
    return ev.band_cols(ev.left, t + iy, t + h - iy), ev.band_cols(ev.right, t + iy, t + h - iy)


def tile_hits(ev: Evidence, t: int, h: int, w: int) -> np.ndarray:
    """Border hits of a ``w x h`` tile at every x (array over x = 0..W-w) with its top at t
    (read-only: kept in ``ev.memo``, since hypotheses that differ only in their gap measure
    the same rows again)."""
    return _kept(ev, ("hits", t, h, w), lambda: _tile_hits(ev, t, h, w))


def _kept(ev: Evidence, key: tuple, measure: Callable[[], np.ndarray]) -> np.ndarray:
    """``measure()``, once per ``key`` and Evidence, made read-only (shared by every caller)."""
    if key not in ev.memo:
        ev.memo[key] = measure()
        ev.memo[key].flags.writeable = False
    return ev.memo[key]


def _tile_hits(ev: Evidence, t: int, h: int, w: int) -> np.ndarray:
    W = ev.shape[1]
    ix, _ = insets(w, h)
    top, bot = ev.row_cum(ev.top, t), ev.row_cum(ev.bot, t + h)
    lp, rp = band_hits(ev, t, h)
    n = W - w + 1
    hits = (top[w - ix:w - ix + n] - top[ix:ix + n]) + (bot[w - ix:w - ix + n] - bot[ix:ix + n])
    return hits.astype(np.float32) + lp[:n] + rp[w:w + n]


def tile_length(w: int, h: int) -> float:
    """Border length a tile's hits are counted along (``insets`` left out)."""
    ix, iy = insets(w, h)
    return float(2 * (w - 2 * ix) + 2 * (h - 2 * iy))


def row_closed(ev: Evidence, row: list[Box], share: float) -> bool:
    """Whether a row's top and bottom edges both show along ``share`` of their inner
    length: a toolbar under the grid shows only one of them (the last row's gutter above
    it, or the window's bottom edge)."""
    ix = insets(row[0].w, row[0].h)[0]
    inner = len(row) * (row[0].w - 2 * ix)
    for y in (row[0].y, row[0].y + row[0].h):
        cum = ev.row_cum(ev.top if y == row[0].y else ev.bot, y)
        if sum(float(cum[b.x + b.w - ix] - cum[b.x + ix]) for b in row) < share * inner:
            return False
    return True


def gap_columns_clear(ev: Evidence, row: list[Box]) -> float:
    """Share of gutter-coloured (or speaker-ring) pixels down the middle of a row's gaps that
    are 3 px or wider (1.0 when none is): the apps draw every gap in the gutter colour. A
    "row" fitted over the window's title bar and the wallpaper above it has the bar and the
    wallpaper in its gaps. (``layout_checks.gaps_clear`` from the evidence's integrals, one row.)"""
    h = row[0].h
    y0, y1 = row[0].y + h // 10, row[0].y + h - h // 10
    ok = n = 0.0
    for a, b in pairwise(row):
        if not 3 <= b.x - a.x - a.w <= MAX_GAP:
            continue
        x = (a.x + a.w + b.x) // 2
        hits = sum(float(ii[y1, x + 1] - ii[y0, x + 1] - ii[y1, x] + ii[y0, x])
                   for ii in (ev.gut, ev.ring_v) if ii is not None)
        ok += min(float(y1 - y0), hits)
        n += y1 - y0
    return ok / n if n else 1.0


def ring_gaps(ev: Evidence, t: int, h: int) -> list[int]:
    """Gutters to try in the tile row [t, t+h) beside its edge-derived ones: the widths of its
    vertical speaker-ring strips (ring pixels over most of the row's height). A ring drawn
    outside a tile fills the gap to its neighbour, hides the edges that would measure it, and
    is exactly as wide as that gap."""
    if ev.ring_v is None:
        return []
    cols = np.diff((ev.ring_v[t + h] - ev.ring_v[t]).astype(np.int32)) >= 0.6 * h
    edges = np.flatnonzero(np.diff(cols.astype(np.int8), prepend=0, append=0))
    widths = edges[1::2] - edges[0::2]
    return sorted({int(r) for r in widths if 2 <= r <= MAX_GAP})


def saturation(image: np.ndarray) -> np.ndarray:
    """max - min over the BGR channels (uint8)."""
    b, g, r = cv2.split(image)
    return cv2.subtract(cv2.max(cv2.max(b, g), r), cv2.min(cv2.min(b, g), r))


def _box_sums(band: np.ndarray, x0: int, bw: int, n: int) -> np.ndarray:
    """Sums over boxes [x0 + i, x0 + i + bw) for i < n of a band ``ii[y1] - ii[y0]`` of an
    integral image (the box rows); the caller keeps every box inside the frame."""
    return (band[x0 + bw:x0 + bw + n] - band[x0:x0 + n]).astype(np.float32)


def weak_tiles(ev: Evidence, t: int, h: int, w: int, g: int) -> np.ndarray:
    """``_weak_tiles``, kept in ``ev.memo`` (read-only): the gap matters only as 1, 2 or 3+."""
    return _kept(ev, ("weak", t, h, w, max(1, min(g, 3))), lambda: _weak_tiles(ev, t, h, w, g))


def _weak_tiles(ev: Evidence, t: int, h: int, w: int, g: int) -> np.ndarray:
    """Per x (0..W-w): does a ``w x h`` tile at (x, t) show the weaker evidence that holds
    where edges do not (pillarboxed phones, dark video, camera-off cards near the gutter
    colour): every side's gap strip shows the gutter or a speaker ring (saturated, of one
    luma along the strip), at least 3 of them the gutter (a neighbour's ring may fill the
    4th) or all 4 a ring (the speaker's own, around video too colourful to show a
    ring-to-tile step), and content inside. A side with something else outside (a photo
    wallpaper beyond a window's edge) counts only where the tile shows the gutter colour
    just inside it (a pillarbox bar): a box the size of a speaker's ring, shifted onto its
    neighbour, has gutter on 3 sides and cuts through the neighbour's video on the 4th.
    False where a strip leaves the frame."""
    H, W = ev.shape
    n = W - w + 1
    out = np.zeros(n, bool)
    if ev.gut is None or ev.ink is None:
        return out
    d = max(1, min(2, g))
    o = 1 if g >= 3 else 0  # blur bleeds into the px next to a tile; a maximised window
    #                         leaves only a few px between the outer tiles and the frame edge
    e = o + d
    if t - e < 0 or t + h + e > H or n - 2 * e <= 0:
        return out
    lo, m = e, n - 2 * e  # x range whose strips stay inside the frame

    def shares(ih: np.ndarray, iv: np.ndarray, s: int = 1) -> tuple[np.ndarray, ...]:
        """Per side (top, bottom, left, right), 0..1, of the strips outside (s=1) or
        just inside (s=-1) the box."""
        a, b = (o, e) if s > 0 else (-e, -o)
        mid = iv[t + h] - iv[t]
        return (_box_sums(ih[t - a] - ih[t - b], lo, w, m) / (d * w),
                _box_sums(ih[t + h + b] - ih[t + h + a], lo, w, m) / (d * w),
                _box_sums(mid, lo - b, d, m) / (d * h), _box_sums(mid, lo + w + a, d, m) / (d * h))

    gut = shares(ev.gut, ev.gut)
    n_gut = sum((s >= WEAK_GUTTER).astype(np.int8) for s in gut)
    if ev.ring_h is not None and ev.ring_v is not None:
        ring = shares(ev.ring_h, ev.ring_v)
        n_ring = sum((s >= WEAK_GUTTER).astype(np.int8) for s in ring)
        sides_ok = [a + b >= WEAK_GUTTER for a, b in zip(gut, ring, strict=True)]
        framed = (n_gut >= 3) | (n_ring == 4)
        if (framed & ~np.logical_and.reduce(sides_ok)).any():  # pillarbox bars just inside
            sides_ok = [ok | (c >= WEAK_GUTTER) for ok, c in
                        zip(sides_ok, shares(ev.gut, ev.gut, -1), strict=True)]
        framed &= np.logical_and.reduce(sides_ok)
    else:
        framed = n_gut >= 3
    ix, iy = max(1, w // 10), max(1, h // 10)
    mid = t + h // 2  # content in both halves: a card, a phone's column or dark video fill
    #                   the tile's height; a taskbar under the toolbar fills only its bottom
    top = _box_sums(ev.ink[mid] - ev.ink[t + iy], lo + ix, w - 2 * ix, m)
    bot = _box_sums(ev.ink[t + h - iy] - ev.ink[mid], lo + ix, w - 2 * ix, m)
    need = WEAK_INK * (w - 2 * ix)
    out[lo:lo + m] = framed & (top >= need * (mid - t - iy)) & (bot >= need * (t + h - iy - mid))
    return out
