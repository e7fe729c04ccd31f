"""Scoring one layout hypothesis (capture.layout_fit): the best centred grid of one tile size
and gutter, from a first row top, against one set of boundary maps.

Why a module of its own: this is the fit's inner loop (hundreds of hypotheses per gutter
colour, each refined), so it is kept small and vectorised: per row and tile count, the score
of every centre x comes from running sums over the row's border hits, in O(width).
"""

from __future__ import annotations

import cv2
import numpy as np

from capture.layout_evidence import Evidence, tile_hits, tile_length, weak_tiles
from capture.types import Box

ALPHA = 0.5  # weight of border length without evidence
WEAK_VALUE = 0.05  # score per px of border of a weak tile: positive, far below a seen one
WEAK_SHARE = 0.5  # border share a weak tile counts as in a fit's quality (its hits)


def fit_rows(ev: Evidence, t: int, h: int, w: int, g: float, max_rows: int = 99,
             weak: bool = True, gy: float | None = None) -> tuple[float, list[Box], float]:
    """Best centred grid with tile ``w x h``, gap ``g`` (``gy`` between rows, when it differs)
    and first row top ``t``: (score, boxes, hits). Every row but the last has the same count
    C, the last 1..C, and all rows share one centre: dropping a dark tile from each end of a
    full row would keep the centring, so counts are not chosen row by row. ``weak``: tiles
    that show only the weaker evidence (weak_tiles) count a little; off for ranking
    hypotheses by their edges."""
    H, W = ev.shape
    p, py = w + g, h + (g if gy is None else gy)
    cmax = max(1, min(int((W + g) // p), 16))
    length = tile_length(w, h)
    table: list[np.ndarray] = []  # per row: (cmax, W+1) score of c+1 tiles centred at x
    k = 0
    while t + at(k, py) + h < H and k < max_rows:
        y = t + at(k, py)
        tv = (1 + ALPHA) * tile_hits(ev, y, h, w) - ALPHA * length
        if weak:
            tv = np.where(weak_tiles(ev, y, h, w, at(1, g)), np.maximum(tv, WEAK_VALUE * length),
                          tv)
        rows = np.full((cmax, W + 1), -np.inf, np.float32)
        acc = np.zeros(0, np.float32)
        for c in range(1, cmax + 1):
            span = c * w + at(c - 1, g)
            n0 = W - span + 1  # possible x0 values
            if n0 <= 0:
                break
            off = at(c - 1, p)
            acc = tv[:n0] if c == 1 else acc[:n0] + tv[off:off + n0]
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
    last, full = running(a1, a)
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
        x0 = cx + (dx if r == k_last else 0) - (c * w + at(c - 1, g)) // 2
        y = t + at(r, py)
        row_hits = tile_hits(ev, y, h, w)
        seen_weak = weak_tiles(ev, y, h, w, at(1, g))
        for i in range(c):
            x = int(x0 + at(i, p))
            boxes.append(Box(x, int(y), w, h))
            hits += max(float(row_hits[x]), WEAK_SHARE * length * seen_weak[x])
    return score, boxes, hits


def running(a1: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(running max of ``a1`` over counts: the best last row with at most C tiles, running
    sum of ``a`` over rows: rows 0..k all with C tiles). Slice by slice, since numpy's
    accumulate along an inner axis is ten times slower, and this is the fit's inner loop."""
    last, full = a1.copy(), a.copy()
    for c in range(1, a.shape[1]):
        np.maximum(last[:, c - 1], last[:, c], out=last[:, c])
    for k in range(1, a.shape[0]):
        np.add(full[k - 1], full[k], out=full[k])
    return last, full


def at(k: int, pitch: float) -> int:
    """Offset of the k-th tile (or gap) at a pitch that may be fractional: a screenshot
    scaled by 0.61 has 1.5 px gutters, drawn 1 and 2 px in turn, and a whole-pixel pitch
    puts the fourth row 2 px off. Halves round up (not to even), so that whole tiles plus
    rounded gaps give the same offsets as the rounded pitch."""
    return int(np.floor(k * pitch + 0.5))
