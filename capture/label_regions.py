"""Where on a tile a name label is looked for: the label search regions, and whether the tile
is a flat camera-off card (whose name is centred).

Why apart from ``capture.label_find``: the name cache (``capture.names.quick_mask``) samples the
same regions to tell whether a label changed, without finding the label again.
"""

from __future__ import annotations

import numpy as np

BOTTOM_TOP = 0.62  # the small label lives in the lower part of a tile...
LABEL_PX = 56  # ...but keeps its pixel size in small tiles: this many px above the bottom
#                 are always searched (a small tile's 15 px name with its box and margin
#                 takes ~36 px at 150 % scaling, ~43 px at 200 %)
BOTTOM_RIGHT = 0.9  # ...and starts in its left part


def is_flat(tile_bgr: np.ndarray) -> bool:
    """A camera-off tile: most pixels (sampled) share one colour."""
    small = tile_bgr[::4, ::4].reshape(-1, 3).astype(np.int16)
    med = np.median(small, axis=0)
    return float((np.abs(small - med).max(axis=1) <= 10).mean()) >= 0.55


def bottom_top(h: int) -> int:
    """First row of the label search. The apps draw the name at a fixed UI size, so in the
    small tiles of a 49-person gallery (70 px tall) the label reaches up to mid-tile."""
    return min(int(h * BOTTOM_TOP), max(int(h * 0.3), h - LABEL_PX))


def bottom_region(tile_bgr: np.ndarray, step: int = 1) -> np.ndarray:
    h, w = tile_bgr.shape[:2]
    return tile_bgr[bottom_top(h):h:step, 0:int(w * BOTTOM_RIGHT):step]


def centre_region(tile_bgr: np.ndarray, step: int = 1) -> np.ndarray:
    h, w = tile_bgr.shape[:2]
    return tile_bgr[int(h * 0.25):int(h * 0.75):step, int(w * 0.03):int(w * 0.97):step]
