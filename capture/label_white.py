"""How white a label pixel is: the measure the label finder's stroke mask starts from.

Why a module of its own: name labels are white text, and what counts as white decides which
strokes survive. Video, red mic icons and coloured avatars must not; text drawn with grey
antialiasing, JPEG colour bleed, or Windows' subpixel antialiasing (ClearType) must.
"""

from __future__ import annotations

import cv2
import numpy as np

SAT_MAX = 110  # max - min channel: white text, even with JPEG colour bleed; not the red mic
FRINGE_SAT = 40  # a pixel this saturated may be a subpixel-antialiased stroke's half...
FRINGE_GREY = 0.5  # ...when its mean with a row neighbour is under half as saturated
FRINGE_MIN = 130  # ...and that mean is bright: a stroke, not two video pixels


def whiteness(bgr: np.ndarray) -> np.ndarray:
    """Min over channels, zeroed where saturated (red icons, coloured avatars): uint8.

    A saturated pixel whose mean with its left or right neighbour is grey (FRINGE_GREY) is a
    text stroke drawn with subpixel antialiasing, as Windows' ClearType draws it: a 1 px stem
    split over two pixels comes out orange and blue, each with a low min channel, and the
    plain measure dropped such stems ("Liam" read "iam"). It takes that pair's min channel.
    A red mic or a coloured avatar stays saturated beside its own pixels."""
    b, g, r = cv2.split(np.ascontiguousarray(bgr))
    lo = cv2.min(cv2.min(b, g), r)
    sat = cv2.subtract(cv2.max(cv2.max(b, g), r), lo)
    fringe = sat >= FRINGE_SAT
    if fringe.any():
        lo, sat = _fringe_grey(np.asarray(bgr, np.int16), lo, sat, fringe)
    lo[sat >= SAT_MAX] = 0
    return lo


def _fringe_grey(px: np.ndarray, lo: np.ndarray, sat: np.ndarray, fringe: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(min channel, saturation) with fringe pixels measured as the mean of the pair they
    make grey with a row neighbour (see ``whiteness``). The two must both be saturated and
    complementary, as subpixel halves are: one's strongest channel is the other's weakest,
    both ways (orange beside blue), and one pixel wide: a pixel whose other neighbour has its
    hue is the edge of a region (video's colour bars side by side), not a fringe."""
    lo, sat = lo.copy(), sat.copy()
    pad = np.pad(px, ((0, 0), (1, 1), (0, 0)), mode="edge")
    limit = FRINGE_GREY * sat.astype(np.int16)
    hi_c, lo_c = px.argmax(axis=2), px.argmin(axis=2)
    w = px.shape[1]

    def beside(a: np.ndarray, k: int) -> np.ndarray:  # the left (k=0) or right (k=2) neighbour
        return np.pad(a, ((0, 0), (1, 1)), mode="edge")[:, k:k + w]

    for k, nb in ((0, pad[:, :-2]), (2, pad[:, 2:])):
        pair = (px + nb) // 2
        plo = pair.min(axis=2)
        psat = pair.max(axis=2) - plo
        opp = 2 - k  # the other side: a fringe is a pixel wide, a video region is not
        region = beside(fringe, opp) & (beside(hi_c, opp) == hi_c) & (beside(lo_c, opp) == lo_c)
        take = (fringe & beside(fringe, k) & ~region & (psat < limit) & (plo > lo)
                & (plo >= FRINGE_MIN) & (hi_c == beside(lo_c, k)) & (lo_c == beside(hi_c, k)))
        lo[take] = plo[take]
        sat[take] = psat[take]
    return lo, sat
