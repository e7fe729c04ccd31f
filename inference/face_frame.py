"""Every face on a whole screen, when there are no tiles to look in.

Why windows: BlazeFace short range sees a 128x128 input and finds faces that fill a good part
of it; a 70 px face on a 1080p screen shrinks to 8 px if the whole frame is squeezed into one
input. So the frame is cut into overlapping squares of 1, 1/2 and 1/4 of its height (stride
half a square; flat windows skipped), all run in ONE interpreter call, and the boxes are merged.
Measured on 30 of bench_capture's realistic screens, faces on the whole frame: Haar at 1280 px
wide (the earlier way) 157/333 = 47 %, these windows 259/333 = 78 % at the fallback's score
0.6 (279/333 at 0.5), in about the same time (650 ms median each at load 6.5). Once the
renderer drew heads 0.3-0.6 of the tile height instead of 0.56, those windows found 202/333
(61 %); squares of 0.18 of the frame height as well (``FINE``), once the others found a face,
find 269/333 (81 %), with 5 boxes in camera-off cards or outside tiles against 2, at ~2.6x
the time on these galleries (622 against 240 ms median on the loaded 2-core machine); frames
where the others find none cost what they did. Squares of 0.15 found 89 %, but with 10 such
boxes and at 4.5x the time.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.face import FLAT_MAX, FaceDetector, flat_share, shifted
from inference.types import FaceBox

WINDOWS = (1.0, 0.5, 0.25)  # square side as a share of the frame height
# ... and these too, only once the windows above found a face: people are on screen, maybe
# sitting back. Noise, a shared video or a web page cost no more than before (the 1,000
# fuzzed frames test had timed out with them always on).
FINE = (0.18,)
MAX_OVERLAP = 0.3  # IoU above which two boxes are one face
FLAT_STD = 3.0  # grey std below which a window holds no face (flat colour, empty slide areas)
NOISE_STEP = 40.0  # mean grey step between neighbour pixels above which a box is noise
SMALL = 8  # the flatness check looks at the frame shrunk this many times


def windows(h: int, w: int, shares: tuple[float, ...] = WINDOWS) -> list[tuple[int, int, int]]:
    """(x, y, side) squares covering an ``h x w`` frame at each share, half-overlapping."""
    out = []
    for share in shares:
        side = max(1, min(h, w, max(16, int(h * share))))
        step = max(1, side // 2)
        ys = sorted({*range(0, h - side + 1, step), h - side})
        xs = sorted({*range(0, w - side + 1, step), w - side})
        out += [(x, y, side) for y in ys for x in xs]
    return out


def frame_faces(detector: FaceDetector, image: np.ndarray,
                shares: tuple[float, ...] = WINDOWS, fine: tuple[float, ...] = FINE
                ) -> list[FaceBox]:
    """Faces in frame pixels, most confident first, one per place: windows of ``shares``,
    then, when they found a face, of ``fine`` as well. A box on flat pixels (a camera-off
    card's initials circle) or on pixel noise is dropped (_plausible)."""
    h, w = image.shape[:2]
    cands = _found(detector, image, windows(h, w, shares))
    judged: dict[tuple[int, int, int, int], bool] = {}
    keep = _kept(image, cands, judged)
    if keep and fine:
        keep = _kept(image, cands + _found(detector, image, windows(h, w, fine)), judged)
    return keep


def _found(detector: FaceDetector, image: np.ndarray, wins: list[tuple[int, int, int]]
           ) -> list[FaceBox]:
    """Every window's face (one interpreter call), in frame pixels."""
    wins = _textured(image, wins)
    if not wins:
        return []
    found = detector.detect_batch([image[y:y + s, x:x + s] for x, y, s in wins])
    return [shifted(b, x, y) for (x, y, _), b in zip(wins, found, strict=True) if b is not None]


def _kept(image: np.ndarray, cands: list[FaceBox],
          judged: dict[tuple[int, int, int, int], bool]) -> list[FaceBox]:
    """The most confident box of each place, when plausible. ``judged``: plausibility by box,
    filled as boxes are judged, so the coarse windows' boxes are not judged again when the
    fine windows' join them."""
    keep: list[FaceBox] = []
    for b in sorted(cands, key=lambda b: -b.score):
        if not all(b.iou(k) < MAX_OVERLAP and not _centre_in(b, k) for k in keep):
            continue
        key = (b.x, b.y, b.w, b.h)
        if key not in judged:
            judged[key] = _plausible(image[b.y:b.y + b.h, b.x:b.x + b.w])
        if judged[key]:
            keep.append(b)
    return keep


def _plausible(crop: np.ndarray) -> bool:
    """Not a flat card (initials circle) and not pixel noise: on salt-and-pepper or random
    frames BlazeFace windows score up to ~0.7, but neighbour pixels there differ by ~85-125
    grey levels on average, against < 15 on faces in video."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY).astype(np.int16)
    step = float(np.abs(np.diff(grey, axis=1)).mean()) if grey.shape[1] > 1 else 0.0
    return flat_share(crop) <= FLAT_MAX and step <= NOISE_STEP


def _textured(image: np.ndarray, wins: list[tuple[int, int, int]]
              ) -> list[tuple[int, int, int]]:
    """The windows that are not flat, judged on a shrunk grey copy: a flat-colour frame or the
    white of a slide costs no inference (Haar, which this replaced, gave up on those at once)."""
    h, w = image.shape[:2]
    small = cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY),
                       (max(1, w // SMALL), max(1, h // SMALL)), interpolation=cv2.INTER_AREA)
    out = []
    for x, y, s in wins:
        part = small[y // SMALL:(y + s) // SMALL + 1, x // SMALL:(x + s) // SMALL + 1]
        if part.size and float(part.std()) >= FLAT_STD:
            out.append((x, y, s))
    return out


def _centre_in(a: FaceBox, b: FaceBox) -> bool:
    """Either box's centre inside the other: the same face seen at two window sizes."""
    ax, ay, bx, by = a.x + a.w / 2, a.y + a.h / 2, b.x + b.w / 2, b.y + b.h / 2
    return (b.x <= ax < b.x + b.w and b.y <= ay < b.y + b.h) or (
        a.x <= bx < a.x + a.w and a.y <= by < a.y + a.h)
