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


def whiteness(bgr: np.ndarray, fringes: bool = True) -> np.ndarray:
    """Min over channels, zeroed where saturated (red icons, coloured avatars): uint8.

    ``fringes``: a saturated pixel whose mean with its left or right neighbour is grey
    (FRINGE_GREY) is a text stroke drawn with subpixel antialiasing, as Windows' ClearType
    draws it: a 1 px stem split over two pixels comes out orange and blue, each with a low
    min channel, and the plain measure dropped such stems ("Liam" read "iam"). It takes that
    pair's min channel. A red mic or a coloured avatar stays saturated beside its own pixels."""
    bgr = np.ascontiguousarray(bgr)
    b, g, r = cv2.split(bgr)
    lo = cv2.min(cv2.min(b, g), r)
    hi = cv2.max(cv2.max(b, g), r)
    sat = cv2.subtract(hi, lo)
    if fringes:
        _fringe_grey(bgr, lo, sat, hi)
    lo[sat >= SAT_MAX] = 0
    return lo


def _fringe_grey(bgr: np.ndarray, lo: np.ndarray, sat: np.ndarray, hi: np.ndarray) -> None:
    """``lo`` and ``sat`` (in place) with fringe pixels measured as the mean of the pair they
    make grey with a row neighbour (see ``whiteness``). The two must both be saturated and
    complementary, as subpixel halves are: one's strongest channel is the other's weakest,
    both ways (orange beside blue), and one pixel wide: a pixel whose other neighbour has its
    hue is the edge of a region (video's colour bars side by side), not a fringe. Whole-region
    uint8 measures first, the hue checks only on the few pixels that pass them (~0.2 ms for
    a 50x220 px label region)."""
    fringe = (sat >= FRINGE_SAT) & (hi >= FRINGE_MIN)
    if not fringe.any():
        return
    w = lo.shape[1]
    pad = cv2.copyMakeBorder(bgr, 0, 0, 1, 1, cv2.BORDER_REPLICATE)
    fpad = np.pad(sat >= FRINGE_SAT, ((0, 0), (1, 1)), mode="edge")
    for k in (0, 2):  # the left, then the right neighbour
        pair = cv2.addWeighted(bgr, 0.5, np.ascontiguousarray(pad[:, k:k + w]), 0.5, 0)
        pb, pg, pr = cv2.split(pair)
        plo = cv2.min(cv2.min(pb, pg), pr)
        psat = cv2.subtract(cv2.max(cv2.max(pb, pg), pr), plo)
        ys, xs = np.nonzero(fringe & fpad[:, k:k + w] & (psat < FRINGE_GREY * sat)
                            & (plo >= FRINGE_MIN) & (plo > lo))
        if len(ys) == 0:
            continue
        here, nb, opp = bgr[ys, xs], pad[ys, xs + k], pad[ys, xs + 2 - k]
        hi_c, lo_c = here.argmax(axis=1), here.argmin(axis=1)
        region = fpad[ys, xs + 2 - k] & (opp.argmax(axis=1) == hi_c) & (opp.argmin(axis=1) == lo_c)
        ok = (nb.argmin(axis=1) == hi_c) & (nb.argmax(axis=1) == lo_c) & ~region
        lo[ys[ok], xs[ok]] = plo[ys[ok], xs[ok]]
        sat[ys[ok], xs[ok]] = psat[ys[ok], xs[ok]]
