"""Gutter colour candidates for grid detection: the commonest colours of a frame, and the
commonest colours beside its long straight edges.

Why two lists: the gutter is usually the commonest colour of a gallery, but at 200 % in a
light theme the chrome bars and a camera-off card cover more pixels than the thin gutters;
every tile's four edges still have the gutter on one side. ``capture.grid`` tries both.
"""

from __future__ import annotations

import cv2
import numpy as np


def common_colours(image: np.ndarray, k: int = 3) -> list[np.ndarray]:
    """The ``k`` most common (quantised) colours of a subsampled frame."""
    small = image[::4, ::4].reshape(-1, 3).astype(np.int32) >> 2
    packed = (small[:, 0] << 12) | (small[:, 1] << 6) | small[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    flat = image[::4, ::4].reshape(-1, 3)
    out = []
    for v in values[np.argsort(counts)[::-1][:k]]:
        out.append(np.median(flat[packed == v], axis=0).astype(np.int16))
    return out


def edge_colours(image: np.ndarray, k: int = 2, run: int = 41) -> list[np.ndarray]:
    """The ``k`` commonest (quantised) colours just beside long straight luma edges. Every
    tile has four such edges with the gutter on one side, so the gutter colour leads here even
    where it covers few pixels (a 200 % light theme: its chrome bars and a camera-off card
    outnumber the thin gutters, and the count of ``common_colours`` never reaches it)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    kern = ((np.ones((1, run), np.uint8), 0), (np.ones((run, 1), np.uint8), 1))
    picks = []
    for k_, axis in kern:  # rows y, y+2 differ (a 1 px blur still counts), along a long run
        a = gray[:-2] if axis == 0 else gray[:, :-2]
        b = gray[2:] if axis == 0 else gray[:, 2:]
        edge = cv2.erode((cv2.absdiff(a, b) > 12).astype(np.uint8), k_)
        ys, xs = np.nonzero(edge[::2, ::2])
        ys, xs = ys * 2, xs * 2
        for dy, dx in (((0, 0), (2, 0)) if axis == 0 else ((0, 0), (0, 2))):
            picks.append(image[ys + dy, xs + dx])
    px = np.concatenate(picks) if picks else np.zeros((0, 3), np.uint8)
    if len(px) == 0:
        return []
    q = px.astype(np.int32) >> 2
    packed = (q[:, 0] << 12) | (q[:, 1] << 6) | q[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    return [np.median(px[packed == v], axis=0).astype(np.int16)
            for v in values[np.argsort(counts)[::-1][:k]]]
