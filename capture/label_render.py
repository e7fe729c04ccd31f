"""The label crop as tesseract reads it best: dark text on white, contrast-stretched, scaled
to one line height, with a white margin.

Why not the stroke mask as it is: the mask (``capture.label_find``) is strict so that video
never passes for text, and on a shrunk or compressed screen it drops the faint pixels of real
letters. The picture keeps the mask's strokes and adds the pixels that can only be ink: faint
ones touching a kept stroke, parts wholly inside the line's box, or (``soft``) all of the
box for text too blurred for any mask.
"""

from __future__ import annotations

import cv2
import numpy as np

TARGET_H = 34.0  # px: the line height tesseract reads best
BORDER = 0.2  # white margin around the line, x TARGET_H (1/3 read worse: bench CJK, Hangul -3..9 %)
WEAK_WHITE = 115  # fainter stroke pixels, drawn when they touch a kept stroke...
FAINT_MAX = 1.6  # ...and add at most 60 % to its part
INNER_INK = 0.35  # x the text's contrast: a part inside the crop this bright is ink (bench
#                   bench_downscaled names as drawn / shrunk: none 714 / 406, 0.35 721 / 446)


def _faint_strokes(sub: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Fainter pixels of the kept glyphs: a 12 px Han glyph's stem lands split over two
    columns at whiteness ~120, under the stroke mask's 150 (王 would read 三). Only parts that
    stay small next to the strokes they touch and off the crop's edge: not bright video."""
    n, faint, stats, _ = cv2.connectedComponentsWithStats((sub >= WEAK_WHITE).astype(np.uint8),
                                                          connectivity=8)
    strong = np.bincount(faint[k], minlength=n)
    x, y, w, h, area = (stats[:, i] for i in range(5))
    inside = (x > 0) & (y > 0) & (x + w < sub.shape[1]) & (y + h < sub.shape[0])
    lit = inside & (strong > 0) & (area <= FAINT_MAX * strong)
    lit[0] = False
    return lit[faint]


def _inner_parts(ink: np.ndarray) -> np.ndarray:
    """Parts of an ink mask that lie wholly inside the crop, off its edge: a letter whose
    strokes all stayed under the stroke mask's levels (the 1 px stem of an "i" or "l" on a
    shrunk or compressed screen, smeared over two columns) sits between kept letters.
    Video reaching into the crop touches its edge and stays out."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    x, y, w, h = (stats[:, i] for i in range(4))
    inside = (x > 0) & (y > 0) & (x + w < ink.shape[1]) & (y + h < ink.shape[0])
    inside[0] = False
    return inside[labels]


def ink_level(white: np.ndarray, keep: np.ndarray) -> float:
    """The letters' whiteness: the 90th percentile over their kept strokes."""
    return float(np.percentile(white[keep], 90)) if keep.any() else 255.0


def render(white: np.ndarray, keep: np.ndarray, box: tuple[int, int, int, int], hi: float,
           soft: bool = False) -> np.ndarray:
    """Dark-on-light, contrast-stretched, upscaled crop of the kept strokes inside ``box``
    (``soft``: of all its pixels, for blurred text whose mask misses strokes); ``hi``: their
    ``ink_level``, the stretch's white end."""
    x0, y0, x1, y1 = box
    sub = white[y0:y1, x0:x1].astype(np.float32)
    k = keep[y0:y1, x0:x1]
    near = cv2.dilate(k.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    near |= _faint_strokes(sub, k)
    lo = float(np.percentile(sub[~near], 50)) if (~near).any() else 0.0
    lo = min(lo, hi - 40)
    near |= _inner_parts(sub >= lo + INNER_INK * (hi - lo))
    if soft:
        near[:] = True
    ink = np.clip((sub - lo) / max(1.0, hi - lo), 0, 1)
    ink[~near] = 0
    grey = (255 - ink * 255).astype(np.uint8)
    scale = float(np.clip(TARGET_H / max(1, y1 - y0), 0.3, 6.0))
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    b = int(TARGET_H * BORDER)
    return cv2.copyMakeBorder(grey, b, b, b, b, cv2.BORDER_CONSTANT, value=255)
