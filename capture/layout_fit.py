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
sums in O(width) per row and count. Dark tiles and pillarbox bars add few hits; a position
that shows gutter all round and content inside (capture.layout_evidence.weak_tiles) scores a
little above zero, so the structure (equal sizes, centred rows) completes edge columns and
last rows of such tiles. The evidence itself lives in capture.layout_evidence.

A shrunk screenshot's gutters are fractional, and differ across and down (2 px at 0.66: 1.5
and 0.8 px): gaps are tried to the half pixel, also as the row tops' pitch says, and refined
across and down apart. Shrunk further, Zoom's 2-4 px gutters are 1 px wide or blended, and
the boundary maps lose every edge between neighbours: a second search runs on seam maps (one
gutter pixel outside an edge is enough; ``_seams_win``). Measurements: README, "How tiles are
found".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from capture.layout_evidence import (
    MAX_GAP,
    Evidence,
    Rings,
    band_hits,
    evidence,
    gap_columns_clear,
    peaks,
    ring_gaps,
    rings,
    row_closed,
    tile_hits,
    tile_length,
)
from capture.layout_rows import at, fit_rows
from capture.types import Box

MIN_W, MIN_H = 60, 34  # px: as grid.MIN_TILE_W/H. 25 tiles in a small window shared shrunk
#                       are 68x37 (70x40 lost all 25; bench_downscaled seeds 11/7/21 shrunk:
#                       tiles matched +25/+49/+49, precision up 0.4-0.6 points, as drawn unchanged)
ASPECTS = (16 / 9,)
ASPECT_TOL = 0.06  # the apps' tiles are 16:9 up to whole-pixel rounding; a window edge or a
#                    tile plus the chrome above it is not
TRIES = 3  # hypotheses finished and checked, best first ...
RUNNER_UP = 0.9  # ... while they score this close to the best (each costs a refinement)
OUTER_SHARE = 0.25  # border share an outer column or row only the widened maps fit must show
GROWN_GAPS = 0.3  # share of a grown row's gaps that must show the gutter (_grown_rows_clear)
SMALL_AREA = 0.5  # x min_area: hypotheses this big are finished when no bigger one passes
#                  (a lower row in a small window, grown upwards, covers the area; tiles-only
#                  harness: +49 tiles on a seed as drawn, one more exact frame shrunk)
SEAM_GAP = 2  # px: widest gutter (across or down) of a layout taken from the seam maps


Params = tuple[int, int, int, float, float]  # a layout: top, tile height, width, gaps across, down


@dataclass(frozen=True, slots=True)
class Fit:
    boxes: list[Box]
    score: float
    quality: float  # border hits / border length over all tiles
    gap: float  # may be fractional (``_at``)


Ranked = tuple[float, tuple[int, int, int, float], Fit]  # a hypothesis' score, its (top, height,
#                                                         width, gap) and its fitted rows


def _outer_tiles(ev: Evidence, exact: list[Box], wide: list[Box]) -> list[Box]:
    """``exact``, or the rows that only the widened maps fit in full (``wide``: the same
    lattice, maybe 1 px off). After shrinking or compression the outer columns' edges blur
    and the exact maps drop them (a 9-column grid came out as 7), yet they are tiles: the
    wide rows are taken when their extra tiles show edges along ``OUTER_SHARE`` of their
    length (a column of the weaker evidence alone, wallpaper beside a window, does not), and
    a new row when it also shows its top and bottom edges (``row_closed``)."""
    if len(wide) <= len(exact):
        return exact
    w, h = exact[0].w, exact[0].h
    ref = next((b for b in wide if b.y == exact[0].y and abs(b.x - exact[0].x) <= 2), None)
    dx = 0 if ref is None else exact[0].x - ref.x
    wide = [Box(b.x + dx, b.y, w, h) for b in wide if 0 <= b.x + dx <= ev.shape[1] - w]
    have = {(b.x, b.y) for b in exact}
    by_row: dict[int, list[Box]] = {}
    for b in wide:
        by_row.setdefault(b.y, []).append(b)
    rows = {b.y for b in exact}
    kept = [b for b in exact if b.y not in by_row]
    length = tile_length(w, h)

    row_hits = {y: tile_hits(ev, y, h, w) for y in by_row}

    def seen(tiles: list[Box]) -> bool:
        hits = sum(float(row_hits[b.y][b.x]) for b in tiles)
        return hits >= OUTER_SHARE * length * len(tiles)

    extra = [b for y in rows & by_row.keys() for b in by_row[y] if (b.x, b.y) not in have]
    use_wide = not extra or seen(extra)
    for y in rows & by_row.keys():
        kept += by_row[y] if use_wide else [b for b in exact if b.y == y]
    for side in (sorted(y for y in by_row if y > max(rows)),
                 sorted((y for y in by_row if y < min(rows)), reverse=True)):
        kept += _new_rows([by_row[y] for y in side], seen, lambda row: row_closed(
            ev, row, OUTER_SHARE))
    return sorted(kept, key=lambda b: (b.y, b.x))


def _new_rows(rows: list[list[Box]], seen: Callable[[list[Box]], bool],
              closed: Callable[[list[Box]], bool]) -> list[Box]:
    """The new rows beyond the exact ones on one side (``rows``, nearest first) that join
    them: a row that shows edges and its top and bottom is taken with the rows between,
    which must show edges at least; the first row with none ends the grid. The apps draw no
    hole in a grid: a shrunk Zoom row whose top edge hid under the bodies above it was left
    out while the row under it came in."""
    out: list[Box] = []
    pending: list[Box] = []
    for row in rows:
        if not seen(row):
            break
        pending += row
        if closed(row):
            out, pending = out + pending, []
    return out


def _candidates(ev: Evidence, t: int, h: int, tops: list[int]) -> tuple[float, list[int], list[int]]:
    """For the tile row [t, t+h): support of its side edges, widths and gaps to try.
    Widths: 16:9 and the spacing of the band's left/right edge pairs; gaps: to the next row
    top, and between a right edge and the next left edge."""
    lp, rp = band_hits(ev, t, h)
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
    gap_list += _pitch_gaps(tops, t, h)
    gap_list = sorted(set(gap_list)) or [max(2, h // 60)]
    return support, sorted(x for x in widths if x >= MIN_W), gap_list


def _pitch_gaps(tops: list[int], t: int, h: int) -> list[float]:
    """Gaps, to the half pixel, that put later row tops k rows below ``t``: a shrunk
    screenshot's gutter is fractional (2 px at 0.66: rows 114.8 px apart), and a whole-pixel
    gap from one pair of rows puts the seventh row 2-3 px off. Gaps that two row tops or more
    agree on, the two most agreed first."""
    votes = Counter(round(((t2 - t) / k - h) * 2) / 2 for t2 in tops if t2 > t + h
                    for k in range(2, 9) if 0 <= (t2 - t) / k - h <= MAX_GAP)
    return [g for g, v in votes.most_common(2) if v >= 2]


def fit(gray: np.ndarray, bg_luma: float, min_tiles: int = 2, max_pairs: int = 10,
        sat: np.ndarray | None = None, min_area: float = 0.0,
        ring: Rings | None = None, accept: Callable[[Fit], bool] | None = None
        ) -> Fit | None:
    """The best layout hypothesis for one background luma, or None. ``sat`` (saturation)
    or ``ring`` (``rings`` of the frame, computed once for all gutter colours tried) lets
    speaker rings count as a tile's outside. A layout whose tiles cover less than
    ``min_area`` px is not taken: a gallery fills its window, a row of taskbar or toolbar
    icons does not (smaller hypotheses are finished only as ``_search`` says). ``accept`` (the caller's checks on
    a finished layout): the close runners-up (up to TRIES) are finished and checked too. A
    speaker ring's outer box is a perfect gutter-bounded rectangle, and a 2-tile call has
    little else to outvote it; the true layout is the runner-up. A runner-up also wins when,
    finished, it scores higher at no lower quality: a lower row grown upwards past a dark
    ringed tile beats tiles as tall as that row plus the toolbar (``_search``).
    The search runs twice: on the boundary maps, then on the seam maps (``evidence(seam=
    True)``: 1 px gutters of a shrunk screenshot), whose layout wins as ``_seams_win`` says."""
    if ring is None and sat is not None:
        ring = rings(gray, sat)
    ev = evidence(gray, bg_luma, ring)
    plain = _search(ev, min_tiles, max_pairs, min_area, accept)
    seams = _search(evidence(gray, bg_luma, ring, seam=True, like=ev), min_tiles, max_pairs,
                    min_area, accept)
    return seams if _seams_win(plain, seams) else plain


def _seams_win(plain: Fit | None, seams: Fit | None) -> bool:
    """Whether the layout found on the seam maps replaces the plain one: only one whose
    gutters are 1-2 px across and down (what those maps add; with wider gutters they only add
    the thin lines of video and wallpaper: a photo's lattice towers fitted as 4 tiles beside
    a 4-tile window), and only where the plain search found nothing or fewer tiles within the
    seam layout's area (2x2 tiles merged into one, half of the grid)."""
    if seams is None or max(gutters(seams.boxes)) > SEAM_GAP:
        return False
    if plain is None:
        return True
    a, b = _extent(plain.boxes), _extent(seams.boxes)
    inside = all(a[i] >= b[i] - 3 for i in (0, 1)) and all(a[i] <= b[i] + 3 for i in (2, 3))
    return len(seams.boxes) > len(plain.boxes) and inside


def gutters(boxes: list[Box]) -> tuple[int, int]:
    """(across, down): the narrowest gap between neighbours in a row, and between rows (0
    where a layout has one column or one row)."""
    h = boxes[0].h
    across = [b.x - a.x - a.w for a, b in pairwise(boxes) if abs(b.y - a.y) <= 2]
    ys = sorted({b.y for b in boxes})
    down = [y2 - y1 - h for y1, y2 in pairwise(ys)]
    return min(across, default=0), min(down, default=0)


def _extent(boxes: list[Box]) -> tuple[int, int, int, int]:
    return (min(b.x for b in boxes), min(b.y for b in boxes),
            max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes))


def _search(ev: Evidence, min_tiles: int, max_pairs: int, min_area: float,
            accept: Callable[[Fit], bool] | None) -> Fit | None:
    """The best accepted layout on one set of boundary maps (see ``fit``). Hypotheses that
    cover under ``min_area`` are finished only when no bigger one passes (they may be a later
    row of a small window's grid, and grow upwards to the area), and apart from the big ones:
    a row of taskbar icons scores above a gallery's row and must not crowd it out."""
    big: list[Ranked] = []
    small: list[Ranked] = []
    tops, bots = _row_peaks(ev)
    for t, h, w, g in _hypotheses(ev, tops, bots, max_pairs):  # in rank order, no repeats
        score, boxes, hits = fit_rows(ev, t, h, w, g)
        area = len(boxes) * w * h
        if len(boxes) < min_tiles or area < SMALL_AREA * min_area:
            continue
        (big if area >= min_area else small).append(
            (score, (t, h, w, g), Fit(boxes, score, hits / (tile_length(w, h) * len(boxes)), g)))
    chosen = _choose(ev, big, min_tiles, tops, 0.0, accept)
    return chosen if chosen is not None else _choose(ev, small, min_tiles, tops, min_area, accept)


def _choose(ev: Evidence, ranked: list[Ranked], min_tiles: int, tops: list[int], min_area: float,
            accept: Callable[[Fit], bool] | None) -> Fit | None:
    """Of ``ranked``'s best and its close runners-up (TRIES, RUNNER_UP), finished: the first
    that covers ``min_area`` and passes ``accept``, or a later one that scores higher at no
    lower quality."""
    ranked = sorted(ranked, key=lambda r: -r[0])  # stable: the better-ranked pair wins a tie
    close = [r for r in ranked[:TRIES] if r is ranked[0] or r[0] >= RUNNER_UP * ranked[0][0]]
    chosen: Fit | None = None
    for _, (t, h, w, g), best in close:
        found = _finish(ev, (t, h, w, g, g), best, min_tiles, tops)
        if found is None or len(found.boxes) * found.boxes[0].w * found.boxes[0].h < min_area:
            continue
        if accept is not None and not accept(found):
            continue
        if chosen is None or (found.score > chosen.score and found.quality >= chosen.quality):
            chosen = found
    return chosen


def _hypotheses(ev: Evidence, tops: list[int], bots: list[int], max_pairs: int
                ) -> list[tuple[int, int, int, float]]:
    """(top, tile height, width, gap) to fit, from the row profiles' (top, bottom) pairs,
    ranked by the first row's score per pixel of height (a hypothesis that merges 2x2 tiles
    explains no more border than one true row), some by raw score (big tiles)."""
    H, W = ev.shape
    pairs = []
    for t in tops:
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
    by_raw = sorted(pairs, key=lambda x: -x[0] * x[2])
    chosen = pairs[:max_pairs // 2 + 1] + [p for p in by_raw[:max_pairs // 2]
                                           if p not in pairs[:max_pairs // 2 + 1]]
    return list(dict.fromkeys((t, h, w, g) for _, t, h, w, g0 in chosen
                              for g in [g0, *ring_gaps(ev, t, h)]))


def _row_peaks(ev: Evidence) -> tuple[list[int], list[int]]:
    """(tops, bottoms): the strongest rows of the top and bottom boundary profiles."""
    floor = max(20.0, 0.1 * float(max(ev.ptop.max(), ev.pbot.max())))
    return peaks(ev.ptop, 12, floor), peaks(ev.pbot, 12, floor)


def _finish(ev: Evidence, params: Params, best: Fit, min_tiles: int, tops: list[int]
            ) -> Fit | None:
    """One hypothesis made pixel-exact and grown upwards (the pair found may be a later row;
    ``tops``: the row tops the hypotheses came from)."""
    params, best = _refine(ev, params, best, min_tiles)
    t, h, w, g, gy = params
    grew = False
    # the pair found may be a later row: try starting higher up, with the row gap refined on
    # the rows seen so far, the gap across (two rows cannot tell 7 from 7.5 px), or the gap a
    # row top above says, across too (a row below whose ring and phone hid its gaps)
    tries = [(g, down) for down in (gy, g)]
    for t2 in tops:
        if 0 < t - t2 - h <= MAX_GAP:
            tries += [(t - t2 - h, t - t2 - h), (g, t - t2 - h)]
    for across, down in dict.fromkeys(tries):
        k = 1
        while t - at(k, h + down) >= 0:
            top = t - at(k, h + down)
            score, boxes, hits = fit_rows(ev, top, h, w, across, gy=down)
            if score > best.score and len(boxes) >= min_tiles and _grown_rows_clear(ev, boxes, t):
                best = Fit(boxes, score, hits / (tile_length(w, h) * len(boxes)), across)
                params, grew = (top, h, w, across, down), True
            k += 1
    if grew:
        params, best = _refine(ev, params, best, min_tiles)
    return best if len(best.boxes) >= min_tiles else None


def _grown_rows_clear(ev: Evidence, boxes: list[Box], t: int) -> bool:
    """Whether each row grown above ``t`` with 3 gaps or more shows the gutter colour down
    GROWN_GAPS of them (``gap_columns_clear``): a 25-tile Teams window just under the top of
    the screen grew a row of "tiles" over its title bar and the starfield wallpaper above it,
    whose one long edge (bar to gutter) outweighed the rest."""
    rows: dict[int, list[Box]] = {}
    for b in boxes:
        if b.y < t - 1:
            rows.setdefault(b.y, []).append(b)
    return all(len(r) < 4 or gap_columns_clear(ev, sorted(r, key=lambda b: b.x)) >= GROWN_GAPS
               for r in rows.values())


def _refine(ev: Evidence, params: Params, best: Fit, min_tiles: int) -> tuple[Params, Fit]:
    """``refine`` as a Fit (scored on the widened maps, like the hypotheses): pixel-exact
    boxes before extending the grid upwards (a 1 px error in width and gap puts the row
    above 2 px off) and after."""
    boxes, new = refine(ev, *params)
    if len(boxes) < min_tiles:
        return params, best
    t, h, w, g, gy = new
    score, wide, hits = fit_rows(ev, t, h, w, g, gy=gy)
    boxes = _outer_tiles(ev, boxes, wide)
    return new, Fit(boxes, score, hits / (tile_length(w, h) * len(boxes)), g)


_HALF = (-1, -0.5, 0.5, 1)  # moves of (top, tile height, width, gap across, gap down):
_TIED_MOVES = ([(d, 0, 0, 0, 0) for d in (-1, 1)] + [(0, d, 0, 0, 0) for d in (-1, 1)]
               + [(0, 0, d, 0, 0) for d in (-1, 1)] + [(0, 0, 0, d, d) for d in _HALF])
_APART_MOVES = [(0, 0, 0, d, 0) for d in _HALF] + [(0, 0, 0, 0, d) for d in _HALF]


def refine(ev: Evidence, t: int, h: int, w: int, g: float, gy: float) -> tuple[list[Box], Params]:
    """Pixel-exact boxes: the widened maps tolerate 1 px errors (16:9 rounding, blur), so
    move top, height, width and the gaps by 1 px (the gaps also by half a pixel: a scaled
    screenshot's) while the exact maps score better; the gaps first together, then across and
    down on their own (a shrunk screenshot's differ: 1.5 px across, 0.8 px down)."""
    ex = ev.exact
    cur = [t, h, w, g, gy]
    best = fit_rows(ex, t, h, w, g, gy=gy)

    def better(cand: list, more: bool = False) -> bool:
        nonlocal best, cur
        if cand[1] < MIN_H or cand[2] < MIN_W or min(cand[0], cand[3], cand[4]) < 0:
            return False
        res = fit_rows(ex, cand[0], cand[1], cand[2], cand[3], gy=cand[4])
        if res[0] > best[0] and len(res[1]) >= len(best[1]) + more:
            best, cur = res, cand
            return True
        return False

    for dw in range(-2, 3):  # width and gap together: one px of pitch moves outer columns
        for dg in range(-2, 3):
            if dw or dg:
                better([t, h, w + dw, g + dg, gy + dg])
    for moves, more in ((_TIED_MOVES, False), (_APART_MOVES, True)):
        for _ in range(2):  # apart, a gap must fit more tiles: its score alone can mislead
            improved = False
            for move in moves:
                improved |= better([v + d for v, d in zip(cur, move, strict=True)], more)
            if not improved:
                break
    return best[1], (cur[0], cur[1], cur[2], cur[3], cur[4])
