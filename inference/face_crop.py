"""The crop the FER model expects, from a tile and its face box: framed like FER2013's faces,
or (with keypoints and ``align``) levelled on the eyes.

Why apart from ``inference.face``: detection and framing change for different reasons. The
framing constants are measured on FER2013 itself (``bench.bench_face_path``), and the model
card's accuracy depends on them, not on how the box was found.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.types import FER_SIZE, FaceBox

# Crop = square of side k * box side around the box centre shifted by dy * side. BlazeFace's
# (k, dy) is MEASURED on FER2013 Training (`python -m bench.bench_face_path measure --n 3000`:
# 2,887 of 3,000 faces detected, medians of 48 / box side and (24 - box centre y) / 48), so a
# box-framed crop matches the training faces. Haar's is the older synthetic-tile calibration.
FRAMING = {"blazeface": (1.164, -0.065), "haar": (1.04, 0.0)}
FRAMING_SYNTHETIC = (1.26, -0.09)  # the earlier synthetic-tile value, kept for the A/B bench
# Where FER2013 has the eyes, in 48x48 crop pixels, from the same measurement: eye midpoint at
# (24.08, 18.81) (medians; p10-p90 of y 14.2-21.7) and eye distance 17.47 (p10-p90 12.7-20.8).
# An aligned crop rotates the eye line level and puts the eyes there.
EYE_MID = (24.08, 18.81)
EYE_DIST = 17.47
SCALE_FROM = ("eyes", "box", "level")
# Eye alignment is OFF by default, by measurement (python -m bench.bench_face_path ab, all 3,589
# PublicTest faces re-detected in tiles): with the shipped model, trained on unaligned FER2013
# crops (whose own eye lines tilt -13..+12 deg, p10-p90), aligned crops score up to 3 points
# BELOW box-framed ones (models/MODEL_CARD.md), even on faces rotated by up to 15 deg. Turn it
# on together with a model trained on aligned crops.
ALIGN_DEFAULT = False


def check_tile(tile: object) -> np.ndarray:
    if not isinstance(tile, np.ndarray):
        raise TypeError(f"tile: expected numpy.ndarray, got {type(tile).__name__}")
    if tile.ndim != 3 or tile.shape[2] != 3 or tile.dtype != np.uint8:
        raise ValueError(f"tile: expected uint8 (H, W, 3) BGR, got {tile.dtype} {tile.shape}")
    return tile


def fer_square(box: FaceBox, backend: str = "blazeface") -> tuple[int, int, int]:
    """(x, y, side) of the square that frames ``box`` like a FER2013 image."""
    k, dy = FRAMING.get(backend, (1.0, 0.0))
    side = max(box.w, box.h) * k
    cx, cy = box.x + box.w / 2, box.y + box.h / 2 + dy * side
    return round(cx - side / 2), round(cy - side / 2), max(1, round(side))


def crop_for_fer(tile_bgr: np.ndarray, box: FaceBox, backend: str = "blazeface",
                 align: bool = ALIGN_DEFAULT, scale_from: str = "eyes") -> np.ndarray:
    """48x48 uint8 greyscale crop where the face fills the frame, as in FER2013. Parts of the
    square that fall outside the tile are filled by edge replication (faces at tile borders).

    With keypoints (BlazeFace) and ``align`` (off by default: see ALIGN_DEFAULT), the eye line is levelled and the eyes land where
    FER2013 has them (EYE_MID, EYE_DIST); ``scale_from="box"`` takes the zoom from the box size
    instead of the eye distance. Without keypoints the box framing (FRAMING) is used.
    """
    tile = check_tile(tile_bgr)
    grey = cv2.cvtColor(tile, cv2.COLOR_BGR2GRAY)
    if align and box.keypoints is not None:
        return _aligned(grey, box, backend, scale_from)
    x, y, side = fer_square(box, backend)
    h, w = tile.shape[:2]
    pad = max(0, -x, -y, x + side - w, y + side - h)
    if pad:
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x, y = x + pad, y + pad
    crop = grey[y:y + side, x:x + side]
    interp = cv2.INTER_AREA if side >= FER_SIZE else cv2.INTER_CUBIC
    return cv2.resize(crop, (FER_SIZE, FER_SIZE), interpolation=interp)


def eye_transform(box: FaceBox, backend: str = "blazeface", scale_from: str = "eyes"
                  ) -> np.ndarray:
    """2x3 similarity matrix from tile pixels to 48x48 crop pixels that levels the eye line
    (keypoints 0 and 1). ``scale_from``: "eyes" = zoom from the eye distance, eye midpoint to
    EYE_MID; "box" = zoom from the box (FRAMING k), eye midpoint to EYE_MID; "level" = the
    box-framed square (fer_square), only rotated about its centre."""
    if scale_from not in SCALE_FROM:
        raise ValueError(f"scale_from: expected one of {SCALE_FROM}, got {scale_from!r}")
    (lx, ly), (rx, ry) = box.keypoints[:2]
    dist = max(1e-3, float(np.hypot(rx - lx, ry - ly)))
    k, dy = FRAMING.get(backend, (1.0, 0.0))
    side = max(box.w, box.h) * k
    scale = EYE_DIST / dist if scale_from == "eyes" else FER_SIZE / side
    if scale_from == "level":
        centre, target = (box.x + box.w / 2, box.y + box.h / 2 + dy * side), (24.0, 24.0)
    else:
        centre, target = ((lx + rx) / 2, (ly + ry) / 2), EYE_MID
    m = cv2.getRotationMatrix2D(centre, float(np.degrees(np.arctan2(ry - ly, rx - lx))), scale)
    m[:, 2] += (target[0] - centre[0], target[1] - centre[1])
    return m


def _aligned(grey: np.ndarray, box: FaceBox, backend: str, scale_from: str) -> np.ndarray:
    """Warp to the 48x48 frame. Big faces are warped at an integer multiple of 48 first and
    then shrunk with INTER_AREA (as the box path does), so they do not alias."""
    m = eye_transform(box, backend, scale_from)
    up = max(1, min(8, int(1.0 / max(1e-6, float(np.hypot(m[0, 0], m[0, 1]))))))
    if up == 1:
        return cv2.warpAffine(grey, m, (FER_SIZE, FER_SIZE), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REPLICATE)
    big = cv2.warpAffine(grey, m * up, (FER_SIZE * up, FER_SIZE * up), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    return cv2.resize(big, (FER_SIZE, FER_SIZE), interpolation=cv2.INTER_AREA)
