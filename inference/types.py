"""Typed objects at inference's boundary. Inference never imports capture: it takes plain numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# FER2013 label order; index i of every probability vector is EXPRESSIONS[i].
EXPRESSIONS: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")
NEGATIVE = frozenset({"Angry", "Disgust", "Fear", "Sad"})
FER_SIZE = 48
N_KEYPOINTS = 6  # BlazeFace: 2 eyes, nose, mouth, 2 ear tragions


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face found in a tile, in tile pixel coordinates, with the detector's score.

    ``keypoints``: BlazeFace's six (x, y) points in tile pixels, in its order (eye on the image's
    left, eye on the image's right, nose tip, mouth centre, two ear tragions), or None (Haar).
    The crop uses the eyes to level the face (inference.face_crop.crop_for_fer).
    """

    x: int
    y: int
    w: int
    h: int
    score: float
    keypoints: tuple[tuple[float, float], ...] | None = None

    def __post_init__(self) -> None:
        if self.w <= 0 or self.h <= 0:
            raise ValueError(f"FaceBox: expected positive w and h, got w={self.w} h={self.h}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"FaceBox.score: expected 0..1, got {self.score}")
        kp = self.keypoints
        if kp is not None and (len(kp) != N_KEYPOINTS or any(len(p) != 2 for p in kp)):
            raise ValueError(f"FaceBox.keypoints: expected {N_KEYPOINTS} (x, y) pairs or None, "
                             f"got {kp!r}")

    def iou(self, other: FaceBox) -> float:
        """Intersection over union of the two boxes (0 when apart): how detections of one face
        at different window sizes are recognised as the same face."""
        iw = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        ih = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = iw * ih
        return inter / float(self.w * self.h + other.w * other.h - inter)


@dataclass(frozen=True, slots=True)
class FaceObservation:
    """One face's expression estimate: 7 probabilities in EXPRESSIONS order (sum ~1)."""

    probs: np.ndarray

    def __post_init__(self) -> None:
        p = self.probs
        if p.shape != (len(EXPRESSIONS),):
            raise ValueError(f"FaceObservation.probs: expected shape (7,), got {p.shape}")
        if not np.isfinite(p).all() or abs(float(p.sum()) - 1.0) > 1e-3:
            raise ValueError(f"FaceObservation.probs: expected finite and summing to 1, got {p}")

    @property
    def top(self) -> str:
        return EXPRESSIONS[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.probs))
