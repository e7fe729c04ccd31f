"""Layout fitting: find the gallery by fitting the grid the apps draw, not by segmenting blobs.

Why: on real screens tile content touches the gutter, dark video merges with it, and phone
cameras are pillarboxed with bars of the background colour, so tiles do not separate into clean
blobs. What survives is the layout itself: equal tiles of one aspect, one gutter width, every
row centred on the same vertical axis (an incomplete last row too), and tile borders that are
straight edges with background-coloured pixels just outside them.

How: four boundary maps mark pixels where the luma steps across a row/column boundary (2 px
averages, so JPEG/H.264 blur still counts) AND the pixel just outside is the gutter colour
("top", "bottom", "left", "right" boundaries). Row profiles of the top/bottom maps give
candidate row tops and bottoms; each (top, bottom) pair fixes the tile height, the width comes
from 16:9 and from the band's vertical boundaries, the gap from the next row or the columns.
For each such hypothesis, every row's tile count and the common centre are chosen by
maximising (1 + a) * border hits - a * border length over the tiles, computed with cumulative
sums in O(width) per row and count. Dark tiles and pillarbox bars merely add no hits; the
structure (equal sizes, centred rows) carries them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from capture.types import Box

EDGE_T = 3.0  # luma step (2-px means) that counts as an edge
GUTTER_TOL = 8.0  # luma distance from the background that still counts as gutter
ALPHA = 0.5  # weight of border length without evidence
#             hide a tile's own edges, and its inside still says "tile"
MIN_W, MIN_H = 70, 40
MAX_GAP = 30
RING_SAT = 60  # max - min channel of a speaker ring pixel
ASPECTS = (16 / 9,)
ASPECT_TOL = 0.06  # the apps' tiles are 16:9 up to whole-pixel rounding; a window edge or a
#                    tile plus the chrome above it is not
INK_TOL = 4  # luma distance from the gutter that counts as tile content (camera-off cards)
WEAK_GUTTER = 0.85  # share of gutter pixels on 3 of a weak tile's 4 sides (the 4th may be
#                     a neighbour's speaker ring)
WEAK_INK = 0.25  # share of content pixels inside a weak tile (a 9:16 phone: ~0.4)
WEAK_VALUE = 0.05  # score per px of border of a weak tile: positive, far below a seen one
WEAK_SHARE = 0.5  # border share a weak tile counts as in Fit.quality


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

    def row_cum(self, which: np.ndarray, y: int) -> np.ndarray:
        """Cumulative hits along boundary row ``y`` (length W+1)."""
        return which[y + 1] - which[y]

    def band_cols(self, which: np.ndarray, y0: int, y1: int) -> np.ndarray:
        """Hits per boundary column summed over pixel rows y0..y1-1 (length W+1)."""
        return np.diff(which[y1] - which[y0]).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Fit:
    boxes: list[Box]
    score: float
    quality: float  # border hits / border length over all tiles
    gap: int


def luma(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _steps(dev: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(rising, falling) boundary masks for boundaries 2..n-2 along ``axis`` of ``dev`` (luma
    distance from the gutter): the 2 px outside (before / after) are gutter, the 2 px inside
    deviate at least EDGE_T more, and so does the first inside pixel from the last outside one
    (which puts the boundary on the exact pixel, not one early, under blur)."""
    if axis == 1:
        rise, fall = _steps(np.ascontiguousarray(dev.T), 0)
        return np.ascontiguousarray(rise.T), np.ascontiguousarray(fall.T)
    s = cv2.add(dev[:-1], dev[1:], dtype=cv2.CV_16U)  # s[y] = dev[y] + dev[y+1]
    a, b = s[:-2], s[2:]  # rows y-2,y-1 and y,y+1 for boundary y
    p, q = dev[1:-2].astype(np.int16), dev[2:-1].astype(np.int16)  # rows y-1 and y
    lo, step = 2 * GUTTER_TOL, 2 * EDGE_T
    rise = (cv2.compare(a, lo, cv2.CMP_LE) & cv2.compare(cv2.subtract(b, a), step, cv2.CMP_GE)
            & cv2.compare(q - p, EDGE_T, cv2.CMP_GE))
    fall = (cv2.compare(b, lo, cv2.CMP_LE) & cv2.compare(cv2.subtract(a, b), step, cv2.CMP_GE)
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
    hot_h: np.ndarray  # saturated pixels of one luma with their left/right neighbours
    hot_v: np.ndarray  # ... with their upper/lower neighbours (255/0)


def rings(gray: np.ndarray, sat: np.ndarray) -> Rings:
    """The Rings of one frame."""
    rc = _ring_steps(np.ascontiguousarray(gray.T), np.ascontiguousarray(sat.T))
    hot = cv2.compare(sat, RING_SAT, cv2.CMP_GE)
    flat = []
    for k in (np.ones((1, 3), np.uint8), np.ones((3, 1), np.uint8)):  # a ring is one colour
        spread = cv2.subtract(cv2.dilate(gray, k), cv2.erode(gray, k))
        flat.append(hot & cv2.compare(spread, 6, cv2.CMP_LE))
    return Rings(_ring_steps(gray, sat), (np.ascontiguousarray(rc[0].T),
                                          np.ascontiguousarray(rc[1].T)), flat[0], flat[1])


def evidence(gray: np.ndarray, bg_luma: float, ring: Rings | None = None) -> Evidence:
    """Boundary maps of ``gray`` (uint8 luma) against the gutter luma, as integral images of
    the maps widened by 1 px (rounding, blur); the row profiles come from the exact maps."""
    h, w = gray.shape
    dev = cv2.absdiff(gray, np.full_like(gray, int(round(bg_luma))))
    maps, raw, prof = [], [], []
    if ring is None:
        rows, cols = _steps(dev, 0), _steps(dev, 1)
    else:
        rows = tuple(a | b for a, b in zip(_steps(dev, 0), ring.rows, strict=True))
        cols = tuple(a | b for a, b in zip(_steps(dev, 1), ring.cols, strict=True))
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
    gut = cv2.compare(dev, GUTTER_TOL, cv2.CMP_LE)
    gi = cv2.integral(gut & 1)
    ii = cv2.integral(cv2.compare(dev, INK_TOL, cv2.CMP_GT) & 1)
    rh = rv = None
    if ring is not None:
        rh, rv = cv2.integral(ring.hot_h & 1), cv2.integral(ring.hot_v & 1)
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


def _insets(w: int, h: int) -> tuple[int, int]:
    """Border ends left out: rounded corners and corner blur carry no straight edge."""
    return max(2, w // 14), max(2, h // 14)


def _band(ev: Evidence, t: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) boundary hits per column over the inner rows of a tile row at ``t``."""
    iy = max(2, h // 14)
    return ev.band_cols(ev.left, t + iy, t + h - iy), ev.band_cols(ev.right, t + iy, t + h - iy)


def tile_hits(ev: Evidence, t: int, h: int, w: int) -> np.ndarray:
    """Border hits of a ``w x h`` tile at every x (array over x = 0..W-w) with its top at t."""
    W = ev.shape[1]
    ix, _ = _insets(w, h)
    top, bot = ev.row_cum(ev.top, t), ev.row_cum(ev.bot, t + h)
    lp, rp = _band(ev, t, h)
    n = W - w + 1
    hits = (top[w - ix:w - ix + n] - top[ix:ix + n]) + (bot[w - ix:w - ix + n] - bot[ix:ix + n])
    return hits.astype(np.float32) + lp[:n] + rp[w:w + n]


def _box_sums(band: np.ndarray, x0: int, bw: int, n: int) -> np.ndarray:
    """Sums over boxes [x0 + i, x0 + i + bw) for i < n of a band ``ii[y1] - ii[y0]`` of an
    integral image (the box rows); the caller keeps every box inside the frame."""
    return (band[x0 + bw:x0 + bw + n] - band[x0:x0 + n]).astype(np.float32)


def weak_tiles(ev: Evidence, t: int, h: int, w: int, g: int) -> np.ndarray:
    """Per x (0..W-w): does a ``w x h`` tile at (x, t) show the weaker evidence that holds
    where edges do not (pillarboxed phones, dark video, camera-off cards near the gutter
    colour): gutter pixels in the gap on at least 3 sides (a neighbour's speaker ring may
    fill the 4th), or ring pixels (saturated, of one luma along the strip) on all 4 (the
    speaker's own ring, around video too colourful to show a ring-to-tile step; a tile put
    on a photo wallpaper beyond the window has the window's gutter on one side), and content
    inside. False where a strip
    leaves the frame."""
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
    def sides(ih: np.ndarray, iv: np.ndarray) -> np.ndarray:  # strips >= WEAK_GUTTER (0..4)
        mid = iv[t + h] - iv[t]
        share = (_box_sums(ih[t - o] - ih[t - e], lo, w, m) / (d * w),
                 _box_sums(ih[t + h + e] - ih[t + h + o], lo, w, m) / (d * w),
                 _box_sums(mid, lo - e, d, m) / (d * h), _box_sums(mid, lo + w + o, d, m) / (d * h))
        return sum((s >= WEAK_GUTTER).astype(np.int8) for s in share)

    framed = sides(ev.gut, ev.gut) >= 3
    if ev.ring_h is not None and ev.ring_v is not None:
        framed |= sides(ev.ring_h, ev.ring_v) == 4
    ix, iy = max(1, w // 10), max(1, h // 10)
    ink = _box_sums(ev.ink[t + h - iy] - ev.ink[t + iy], lo + ix, w - 2 * ix, m)
    out[lo:lo + m] = framed & (ink >= WEAK_INK * (w - 2 * ix) * (h - 2 * iy))
    return out


def tile_length(w: int, h: int) -> float:
    ix, iy = _insets(w, h)
    return float(2 * (w - 2 * ix) + 2 * (h - 2 * iy))


def _candidates(ev: Evidence, t: int, h: int, tops: list[int]) -> tuple[float, list[int], list[int]]:
    """For the tile row [t, t+h): support of its side edges, widths and gaps to try.
    Widths: 16:9 and the spacing of the band's left/right edge pairs; gaps: to the next row
    top, and between a right edge and the next left edge."""
    lp, rp = _band(ev, t, h)
    floor = 0.5 * (h - 2 * max(2, h // 14))
    ls, rs = peaks(lp, 10, floor), peaks(rp, 10, floor)
    support = float(sum(lp[x] for x in ls) + sum(rp[x] for x in rs))
    widths = {int(round(h * a)) for a in ASPECTS}
    pairs: dict[int, float] = {}
    gaps: dict[int, float] = {}
    for lx in ls:
        for rx in rs:
            if any(abs(rx - lx - a * h) <= ASPECT_TOL * a * h for a in ASPECTS):
                pairs[rx - lx] = pairs.get(rx - lx, 0.0) + lp[lx] + rp[rx]
            if 0 < lx - rx <= MAX_GAP:
                gaps[lx - rx] = gaps.get(lx - rx, 0.0) + lp[lx] + rp[rx]
    for w, _ in sorted(pairs.items(), key=lambda kv: -kv[1])[:1]:
        widths.add(w)
    b = t + h
    gap_list = [t2 - b for t2 in tops if 0 < t2 - b <= MAX_GAP][:2]
    gap_list += [g for g, _ in sorted(gaps.items(), key=lambda kv: -kv[1])[:2]]
    gap_list = sorted(set(gap_list)) or [max(2, h // 60)]
    return support, sorted(x for x in widths if x >= MIN_W), gap_list


def fit_rows(ev: Evidence, t: int, h: int, w: int, g: int, max_rows: int = 99,
             weak: bool = True) -> tuple[float, list[Box], float]:
    """Best centred grid with tile ``w x h``, gap ``g`` and first row top ``t``:
    (score, boxes, hits). Every row but the last has the same count C, the last 1..C, and
    all rows share one centre: dropping a dark tile from each end of a full row would keep
    the centring, so counts are not chosen row by row. ``weak``: tiles that show only the
    weaker evidence (weak_tiles) count a little; off for ranking hypotheses by their edges."""
    H, W = ev.shape
    p = w + g
    cmax = max(1, min((W + g) // p, 16))
    length = tile_length(w, h)
    table: list[np.ndarray] = []  # per row: (cmax, W+1) score of c+1 tiles centred at x
    k = 0
    while t + k * (h + g) + h < H and k < max_rows:
        y = t + k * (h + g)
        tv = (1 + ALPHA) * tile_hits(ev, y, h, w) - ALPHA * length
        if weak:
            tv = np.where(weak_tiles(ev, y, h, w, g), np.maximum(tv, WEAK_VALUE * length), tv)
        rows = np.full((cmax, W + 1), -np.inf, np.float32)
        acc = np.zeros(0, np.float32)
        for c in range(1, cmax + 1):
            span = c * w + (c - 1) * g
            n0 = W - span + 1  # possible x0 values
            if n0 <= 0:
                break
            acc = tv[:n0] if c == 1 else acc[:n0] + tv[(c - 1) * p:(c - 1) * p + n0]
            rows[c - 1, span // 2:span // 2 + n0] = acc
        table.append(rows)
        k += 1
        if rows.max() < 0:
            break
    if not table:
        return -np.inf, [], 0.0
    a = np.stack(table)  # (K, cmax, W+1)
    # each row is centred on its own in whole pixels, so a last row whose span differs in
    # parity from the full rows' may sit 1 px off their common centre
    a1 = cv2.dilate(a.reshape(-1, W + 1), np.ones((1, 3), np.uint8)).reshape(a.shape)
    last = np.maximum.accumulate(a1, axis=1)  # best last row with at most C tiles
    full = np.cumsum(a, axis=0)  # rows 0..k all with C tiles
    total = last.copy()
    total[1:] = full[:-1] + last[1:]
    total = np.nan_to_num(total, nan=-np.inf)
    k_last, c_idx, cx = np.unravel_index(int(np.argmax(total)), total.shape)
    score = float(total[k_last, c_idx, cx])
    counts = [c_idx + 1] * k_last + [int(np.argmax(a1[k_last, :c_idx + 1, cx])) + 1]
    near = [x for x in (cx, cx - 1, cx + 1) if 0 <= x <= W]
    dx = max(near, key=lambda x: a[k_last, counts[-1] - 1, x]) - cx
    boxes: list[Box] = []
    hits = 0.0
    for r, c in enumerate(counts):
        x0 = cx + (dx if r == k_last else 0) - (c * w + (c - 1) * g) // 2
        y = t + r * (h + g)
        row_hits = tile_hits(ev, y, h, w)
        seen_weak = weak_tiles(ev, y, h, w, g)
        for i in range(c):
            boxes.append(Box(int(x0 + i * p), int(y), w, h))
            x = x0 + i * p
            hits += max(float(row_hits[x]), WEAK_SHARE * length * seen_weak[x])
    return score, boxes, hits


def saturation(image: np.ndarray) -> np.ndarray:
    """max - min over the BGR channels (uint8)."""
    b, g, r = cv2.split(image)
    return cv2.subtract(cv2.max(cv2.max(b, g), r), cv2.min(cv2.min(b, g), r))


def fit(gray: np.ndarray, bg_luma: float, min_tiles: int = 2, max_pairs: int = 10,
        sat: np.ndarray | None = None, min_area: float = 0.0,
        ring: Rings | None = None) -> Fit | None:
    """The best layout hypothesis for one background luma, or None. ``sat`` (saturation)
    or ``ring`` (``rings`` of the frame, computed once for all gutter colours tried) lets
    speaker rings count as a tile's outside. Hypotheses whose tiles cover less than
    ``min_area`` px are skipped before they can hide the real grid: a gallery fills its
    window, a row of taskbar or toolbar icons does not."""
    if ring is None and sat is not None:
        ring = rings(gray, sat)
    ev = evidence(gray, bg_luma, ring)
    H, W = ev.shape
    floor = max(20.0, 0.1 * float(max(ev.ptop.max(), ev.pbot.max())))
    tops, bots = peaks(ev.ptop, 12, floor), peaks(ev.pbot, 12, floor)
    pairs = []  # ranked by the first row's score per pixel of height: a hypothesis that
    for t in tops:  # merges 2x2 tiles explains no more border than one true row
        for b in bots:
            h = b - t
            if MIN_H <= h <= 0.97 * H:
                _, widths, gaps = _candidates(ev, t, h, tops)
                for w in widths:
                    for g in gaps:
                        if w <= 0.99 * W:
                            one = fit_rows(ev, t, h, w, g, max_rows=1, weak=False)[0]
                            pairs.append((one / h, t, h, w, g))
    pairs.sort(key=lambda x: -x[0])
    by_raw = sorted(pairs, key=lambda x: -x[0] * x[2])  # big tiles: raw score
    chosen = pairs[:max_pairs // 2 + 1] + [p for p in by_raw[:max_pairs // 2]
                                           if p not in pairs[:max_pairs // 2 + 1]]
    best: Fit | None = None
    params = None
    for _, t, h, w, g in chosen:
        score, boxes, hits = fit_rows(ev, t, h, w, g)
        if len(boxes) < min_tiles or (best is not None and score <= best.score):
            continue
        if len(boxes) * w * h < min_area:
            continue
        best = Fit(boxes, score, hits / (tile_length(w, h) * len(boxes)), g)
        params = (t, h, w, g)
    if best is None or params is None:
        return None
    params, best = _refine(ev, params, best, min_tiles)
    t, h, w, g = params
    k = 1
    grew = False
    while t - k * (h + g) >= 0:  # the pair found may be a later row: try starting higher up
        score, boxes, hits = fit_rows(ev, t - k * (h + g), h, w, g)
        if score > best.score and len(boxes) >= min_tiles:
            best = Fit(boxes, score, hits / (tile_length(w, h) * len(boxes)), g)
            params, grew = (t - k * (h + g), h, w, g), True
        k += 1
    if grew:
        params, best = _refine(ev, params, best, min_tiles)
    return best if len(best.boxes) >= min_tiles else None


def _refine(ev: Evidence, params: tuple[int, int, int, int], best: Fit, min_tiles: int
            ) -> tuple[tuple[int, int, int, int], Fit]:
    """``refine`` as a Fit (scored on the widened maps, like the hypotheses): pixel-exact
    boxes before extending the grid upwards (a 1 px error in width and gap puts the row
    above 2 px off) and after."""
    boxes, new = refine(ev, *params)
    if len(boxes) < min_tiles:
        return params, best
    t, h, w, g = new
    score, _, hits = fit_rows(ev, t, h, w, g)
    return new, Fit(boxes, score, hits / (tile_length(w, h) * len(boxes)), g)


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


def refine(ev: Evidence, t: int, h: int, w: int, g: int
           ) -> tuple[list[Box], tuple[int, int, int, int]]:
    """Pixel-exact boxes: the widened maps tolerate 1 px errors (16:9 rounding, blur), so
    move top, height, width and gap by 1 px while the exact maps score better."""
    ex = ev.exact
    cur = [t, h, w, g]
    best = fit_rows(ex, *cur)
    for dw in range(-2, 3):  # width and gap together: one px of pitch moves outer columns
        for dg in range(-2, 3):
            if (dw or dg) and w + dw >= MIN_W and g + dg >= 0:
                res = fit_rows(ex, t, h, w + dw, g + dg)
                if res[0] > best[0] and len(res[1]) >= len(best[1]):
                    best, cur = res, [t, h, w + dw, g + dg]
    for _ in range(2):
        improved = False
        for i in range(4):
            for d in (-1, 1):
                cand = list(cur)
                cand[i] += d
                if cand[1] < MIN_H or cand[2] < MIN_W or cand[3] < 0 or cand[0] < 0:
                    continue
                res = fit_rows(ex, *cand)
                if res[0] > best[0] and len(res[1]) >= len(best[1]):
                    best, cur, improved = res, cand, True
        if not improved:
            break
    return best[1], (cur[0], cur[1], cur[2], cur[3])
