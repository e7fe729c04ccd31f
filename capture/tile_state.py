"""Per-tile state read from pixels around a known box: camera off, speaker ring, and the cheap
border re-check that keeps a cached layout.

Why here and not in grid.py: these look at one box at a time with a few hundred sampled
pixels, so they stay fast on 49 tiles, and they are the same for every way the grid is found.
"""

from __future__ import annotations

import numpy as np

from capture.types import Box

FLAT_TOL = 3  # camera-off cards are one exact fill (compression leaves flat areas flat),
#              measured on 2x2 means: sensor noise of sigma ~2 per pixel is ~1 on a mean
FLAT_OFF = 0.8  # share of flat sample points that turns a tile camera-off
FLAT_KEEP = 0.6  # ... that keeps a tile camera-off that was so last frame (hysteresis)
CARD_SPREAD = 28  # max - min channel of a camera-off card's fill: the apps draw grey cards
#                   (Teams' purple-grey: 22); a flat wall in a video that the 2x2 means
#                   make look flat is coloured (38-137 on bench_capture's screens)
RING_SAT = 40  # speaker rings are saturated (yellow-green, blue, purple)


def _card_points(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Top band and both side bands of a tile: where a camera-off card shows only its fill
    and video shows the room (the name, avatar or label sit in the middle and bottom). The
    bands keep ~10 % of the tile off its edges (6 % more than before): in the small tiles of a shrunk JPEG or H.264
    screen, rounded corners and JPEG's ringing reach that far (bench_downscaled's screens,
    Latin and Korean, as drawn and shrunk, 236 with a grid: camera-off cards found 703 ->
    732 of 737, black video called off 125 -> 111 of 293, face tiles 2 of 2444 as before)."""
    xs = np.linspace(0.08 * w, 0.92 * w, 16).astype(int)
    ys = np.linspace(0.06 * h, 0.6 * h, 8).astype(int)
    rows = np.concatenate([np.full(16, int(0.11 * h)), np.full(16, int(0.2 * h)),
                           ys, ys, ys, ys])
    cols = np.concatenate([xs, xs, np.full(8, int(0.1 * w)), np.full(8, int(0.16 * w)),
                           np.full(8, int(0.84 * w)), np.full(8, int(0.9 * w))])
    return np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)


def _means2(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Means of the 2x2 blocks at (rows, cols) (float32, (..., 3)): per-pixel sensor noise
    (sigma ~2) would push a third of single pixels past FLAT_TOL and make the camera flag of
    a static tile flicker; a 2x2 mean halves it. Points stay inside ``image``."""
    H, W = image.shape[:2]
    r0, c0 = np.clip(rows, 0, H - 2), np.clip(cols, 0, W - 2)
    acc = np.zeros((*np.shape(rows), 3), np.float32)
    for dr in (0, 1):
        for dc in (0, 1):
            acc += image[r0 + dr, c0 + dc]
    return acc * 0.25


def _off(px: np.ndarray, bg: np.ndarray | None, was_off: np.ndarray | bool = False
         ) -> np.ndarray:
    """Camera off per tile from sample means ``px`` (..., P, 3): flat around their median
    and not the gutter colour; ``was_off`` lowers the bar (hysteresis)."""
    fill = np.median(px, axis=-2)
    flat = (np.abs(px - fill[..., None, :]).max(axis=-1) <= FLAT_TOL).mean(axis=-1)
    off = (flat >= np.where(was_off, FLAT_KEEP, FLAT_OFF)) & (np.ptp(fill, axis=-1) <= CARD_SPREAD)
    if bg is not None:
        off &= np.abs(fill - bg).max(axis=-1) > 3
    return off


def is_camera_off(tile: np.ndarray, bg: np.ndarray | None, was_off: bool = False) -> bool:
    """Camera off: the top and side bands are one flat fill that is not the gutter colour.
    Pillarbox bars are the gutter colour and the video between them is not flat; webcam walls
    carry lighting gradients and noise; the apps' cards are one exact colour."""
    h, w = tile.shape[:2]
    if h < 16 or w < 16:
        return False
    return bool(_off(_means2(tile, *_card_points(h, w)), bg, was_off))


def ring_outside(image: np.ndarray, box: Box, bg: np.ndarray) -> bool:
    """The active-speaker ring drawn just OUTSIDE the tile: at 1-2 px out, on at least three
    sides, a saturated colour far from the gutter, the same colour all round."""
    H, W = image.shape[:2]
    xs = np.linspace(box.x + box.w * 0.1, box.x + box.w * 0.9, 10).astype(int)
    ys = np.linspace(box.y + box.h * 0.1, box.y + box.h * 0.9, 8).astype(int)
    sides = []
    for d in (1, 2):
        sides.append((np.full(10, box.y - d), xs))
        sides.append((np.full(10, box.y + box.h - 1 + d), xs))
        sides.append((ys, np.full(8, box.x - d)))
        sides.append((ys, np.full(8, box.x + box.w - 1 + d)))
    good, colours = [0, 0, 0, 0], []
    for i, (r, c) in enumerate(sides):
        if r.min() < 0 or r.max() >= H or c.min() < 0 or c.max() >= W:
            continue
        px = image[r, c].astype(np.int16)
        sat = px.max(axis=1) - px.min(axis=1)
        far = np.abs(px - bg).max(axis=1)
        ok = (sat >= RING_SAT) & (far >= 40)
        if ok.mean() >= 0.7:
            good[i % 4] = 1
            colours.append(np.median(px[ok], axis=0))
    if sum(good) < 3:
        return False
    return float(np.ptp(np.array(colours), axis=0).max()) <= 60


def border_points(boxes: list[Box], shape: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Sample points on every tile border: (tile index, outer rows/cols, inner rows/cols) for
    each of 4 sides x 8 points, 2 px each side of the boundary."""
    H, W = shape
    idx, o1y, o1x, o2y, o2x, i1y, i1x, i2y, i2x = ([] for _ in range(9))
    for k, b in enumerate(boxes):
        xs = np.linspace(b.x + b.w * 0.15, b.x + b.w * 0.85, 8).astype(int)
        ys = np.linspace(b.y + b.h * 0.15, b.y + b.h * 0.85, 8).astype(int)
        for (oy, ox, iy, ix, d) in (
                (b.y - 1, None, b.y, None, -1), (b.y + b.h, None, b.y + b.h - 1, None, 1),
                (None, b.x - 1, None, b.x, -1), (None, b.x + b.w, None, b.x + b.w - 1, 1)):
            if oy is not None:
                rows_o1, rows_o2 = np.full(8, oy), np.full(8, oy + d)
                rows_i1, rows_i2 = np.full(8, iy), np.full(8, iy - d)
                cols_o1 = cols_o2 = cols_i1 = cols_i2 = xs
            else:
                cols_o1, cols_o2 = np.full(8, ox), np.full(8, ox + d)
                cols_i1, cols_i2 = np.full(8, ix), np.full(8, ix - d)
                rows_o1 = rows_o2 = rows_i1 = rows_i2 = ys
            idx.append(np.full(8, k))
            o1y.append(rows_o1), o1x.append(cols_o1), o2y.append(rows_o2), o2x.append(cols_o2)
            i1y.append(rows_i1), i1x.append(cols_i1), i2y.append(rows_i2), i2x.append(cols_i2)
    cat = [np.concatenate(a) for a in (o1y, o1x, o2y, o2x, i1y, i1x, i2y, i2x)]
    cat = [np.clip(a, 0, (H if j % 2 == 0 else W) - 1) for j, a in enumerate(cat)]
    return (np.concatenate(idx), *cat)


_LUMA = np.array([0.114, 0.587, 0.299], np.float32)  # BGR -> Y (BT.601, as cv2)


def border_hits(image: np.ndarray, pts: tuple[np.ndarray, ...], bg_luma: float,
                n_tiles: int) -> np.ndarray:
    """Per tile, the share of its border points where the outside is gutter and the inside
    differs (the layout fit's evidence, sampled: ~256 pixels a tile, no full-frame pass)."""
    idx, o1y, o1x, o2y, o2x, i1y, i1x, i2y, i2x = pts

    def dev(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return np.abs(image[ys, xs].astype(np.float32) @ _LUMA - bg_luma)

    out = (dev(o1y, o1x) + dev(o2y, o2x)) * 0.5
    inn = (dev(i1y, i1x) + dev(i2y, i2x)) * 0.5
    hit = (out <= 8.0) & (inn >= out + 3.0)
    return np.bincount(idx, weights=hit, minlength=n_tiles) / np.maximum(
        1, np.bincount(idx, minlength=n_tiles))


def _gather(image: np.ndarray, boxes: list[Box], rows: np.ndarray, cols: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Pixels at tile-relative (rows, cols) of every box: (n, P, 3) int16, and a validity
    mask (n, P) for points that fell outside the frame (clipped)."""
    H, W = image.shape[:2]
    ys = np.array([b.y for b in boxes])[:, None] + rows[None, :]
    xs = np.array([b.x for b in boxes])[:, None] + cols[None, :]
    valid = (ys >= 0) & (ys < H) & (xs >= 0) & (xs < W)
    px = image[np.clip(ys, 0, H - 1), np.clip(xs, 0, W - 1)].astype(np.int16)
    return px, valid


def grid_states(image: np.ndarray, boxes: list[Box], bg: np.ndarray,
                was_off: list[bool] | None = None) -> tuple[list[bool], list[bool]]:
    """(camera off, speaker) for every tile of one grid in a few vectorised gathers: the
    per-tile functions above cost ~5 ms a tile in Python overhead, 250 ms for 49 tiles.
    All tiles of a grid have one size, so the sample pattern is shared. ``was_off``: the
    flags of the same boxes last frame, so that a tile near the bar keeps its state."""
    prev = was_off if was_off is not None and len(was_off) == len(boxes) else [False] * len(boxes)
    if not boxes or len({(b.w, b.h) for b in boxes}) != 1:
        return ([is_camera_off(image[b.y:b.y + b.h, b.x:b.x + b.w], bg, p)
                 for b, p in zip(boxes, prev, strict=True)],
                [ring_outside(image, b, bg) for b in boxes])
    h, w = boxes[0].h, boxes[0].w
    rows, cols = _card_points(h, w)
    ys = np.array([b.y for b in boxes])[:, None] + rows[None, :]
    xs = np.array([b.x for b in boxes])[:, None] + cols[None, :]
    off = _off(_means2(image, ys, xs), bg, np.array(prev, bool))
    speaker = _rings_outside(image, boxes, bg, h, w) | _rings_inside(image, boxes, h, w)
    return [bool(v) for v in off], [bool(v) for v in speaker]


def _rings_outside(image: np.ndarray, boxes: list[Box], bg: np.ndarray, h: int, w: int
                   ) -> np.ndarray:
    xs = np.linspace(w * 0.1, w * 0.9, 10).astype(int)
    ys = np.linspace(h * 0.1, h * 0.9, 10).astype(int)
    rows, cols = [], []
    for d in (1, 2):
        rows += [np.full(10, -d), np.full(10, h - 1 + d), ys, ys]
        cols += [xs, xs, np.full(10, -d), np.full(10, w - 1 + d)]
    px, valid = _gather(image, boxes, np.concatenate(rows), np.concatenate(cols))
    sat = px.max(axis=2) - px.min(axis=2)
    far = np.abs(px - bg).max(axis=2)
    ok = ((sat >= RING_SAT) & (far >= 40)).reshape(len(boxes), 8, 10)
    side_ok = (ok.mean(axis=2) >= 0.7) & valid.reshape(len(boxes), 8, 10).all(axis=2)
    good = side_ok[:, :4] | side_ok[:, 4:]
    out = good.sum(axis=1) >= 3
    for i in np.flatnonzero(out):  # the same colour all round (rare: only candidates)
        out[i] = ring_outside(image, boxes[i], bg)
    return out


def _rings_inside(image: np.ndarray, boxes: list[Box], h: int, w: int) -> np.ndarray:
    """The older renderer's ring: a uniform saturated band 1 px inside the tile edge that
    differs from what is 8 px further in."""
    if h < 24 or w < 24:
        return np.zeros(len(boxes), bool)
    xs = np.linspace(10, w - 11, 16).astype(int)
    ys = np.linspace(10, h - 11, 8).astype(int)
    o16, o8 = np.ones(16, int), np.ones(8, int)
    rows = np.concatenate([o16, o16 * (h - 2), ys, ys])
    cols = np.concatenate([xs, xs, o8, o8 * (w - 2)])
    irows = np.concatenate([o16 * 8, o16 * (h - 9), ys, ys])
    icols = np.concatenate([xs, xs, o8 * 8, o8 * (w - 9)])
    ring = _gather(image, boxes, rows, cols)[0].astype(np.float32)
    inner = _gather(image, boxes, irows, icols)[0].astype(np.float32)
    sat = ring.max(axis=2) - ring.min(axis=2)
    uniform = ring.std(axis=1).max(axis=1) < 12
    differs = np.abs(ring.mean(axis=1) - inner.mean(axis=1)).max(axis=1) > 30
    return uniform & (np.median(sat, axis=1) > 60) & differs
