"""The ONE preprocessing function shared by training and inference.

Why one function: a model is only as good as the match between what it saw in training and
what it sees live. Resizing and scaling live here so `inference.train` and
`inference.classifier` cannot drift apart (fer's mini-Xception drops ~15 points when the
framing/scaling differs from its training crops).
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.types import FER_SIZE


def check_batch(faces: object, name: str = "faces") -> np.ndarray:
    """Validate an N x H x W uint8 batch; raise a ValueError stating expected vs actual."""
    if not isinstance(faces, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array N x H x W uint8, got {type(faces).__name__}")
    if faces.dtype != np.uint8:
        raise ValueError(f"{name}: expected dtype uint8, got {faces.dtype}")
    if faces.ndim != 3:
        raise ValueError(f"{name}: expected shape (N, H, W), got {faces.shape}")
    if faces.shape[0] > 0 and (faces.shape[1] < 1 or faces.shape[2] < 1):
        raise ValueError(f"{name}: expected H, W >= 1, got {faces.shape}")
    return faces


def preprocess_faces(faces: np.ndarray, size: int = FER_SIZE) -> np.ndarray:
    """Turn N x H x W uint8 grey face crops into the model input N x size x size x 1 float32 in [0, 1].

    Crops that are not already size x size are resized with INTER_AREA when shrinking (keeps the
    averaging that produced FER2013's 48x48 crops) and INTER_LINEAR when enlarging.
    """
    faces = check_batch(faces)
    n, h, w = faces.shape
    if n and (h, w) != (size, size):
        interp = cv2.INTER_AREA if h >= size and w >= size else cv2.INTER_LINEAR
        faces = np.stack([cv2.resize(f, (size, size), interpolation=interp) for f in faces])
    elif n == 0:
        faces = np.zeros((0, size, size), np.uint8)
    out = faces.astype(np.float32)
    out *= 1.0 / 255.0
    return out[..., None]
