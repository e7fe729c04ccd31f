"""Typed objects that cross capture's boundary: ``Frame`` in, ``Tile``/``GridResult`` out.

Every object validates itself in ``__post_init__`` and says expected vs actual, so a bad frame
fails loudly at the edge instead of deep inside OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class CameraState(StrEnum):
    """What a tile shows. Stored as its ``value`` string."""

    FACE = "face"  # a face was found and classified (or would be, in presence-only mode)
    CAMERA_OFF = "camera_off"  # avatar, initials or name only
    NO_FACE = "no_face"  # video is on but no face was found


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured image: BGR uint8 ``H x W x 3``, with its index and two clocks."""

    image: np.ndarray
    index: int
    t_monotonic: float
    t_wall: float  # seconds since the epoch (UTC)
    source: str = ""

    def __post_init__(self) -> None:
        img = self.image
        if not isinstance(img, np.ndarray):
            raise TypeError(f"Frame.image: expected numpy.ndarray, got {type(img).__name__}")
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"Frame.image: expected shape (H, W, 3), got {img.shape}")
        if img.dtype != np.uint8:
            raise ValueError(f"Frame.image: expected dtype uint8, got {img.dtype}")
        if self.index < 0:
            raise ValueError(f"Frame.index: expected >= 0, got {self.index}")


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned pixel box, ``x, y`` top-left, half-open extents."""

    x: int
    y: int
    w: int
    h: int

    def __post_init__(self) -> None:
        if self.w <= 0 or self.h <= 0:
            raise ValueError(f"Box: expected positive w and h, got w={self.w} h={self.h}")

    def iou(self, other: Box) -> float:
        ix = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union else 0.0


@dataclass(frozen=True, slots=True)
class Tile:
    """One participant tile cut out of a frame.

    ``image`` is a view into the frame (BGR uint8); ``order`` is the reading order in the grid
    (row-major, 0-based). ``name`` is the OCR'd label, whitespace-normalised, or "" if unread.
    ``camera_on`` is capture's guess from the tile's pixels (avatar/initials tiles are False).
    """

    box: Box
    order: int
    image: np.ndarray
    name: str = ""
    camera_on: bool = True
    is_speaker: bool = False

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[:2] != (self.box.h, self.box.w):
            raise ValueError(
                f"Tile.image: expected shape ({self.box.h}, {self.box.w}, 3), got {self.image.shape}"
            )


@dataclass(frozen=True, slots=True)
class GridResult:
    """What grid detection made of one frame.

    ``tiles`` is empty when ``is_gallery`` is False, and ``reason`` says why (e.g. "black frame",
    "screen share or slide: no tile grid found", "frame too small: 1x1").
    """

    frame_index: int
    tiles: tuple[Tile, ...] = ()
    is_gallery: bool = False
    reason: str = ""
    layout_changed: bool = False
    style: str = ""  # "zoom" | "meet" | "teams" | "" when unknown
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.is_gallery and self.tiles:
            raise ValueError(f"GridResult: not a gallery but got {len(self.tiles)} tiles")
        if not self.is_gallery and not self.reason:
            raise ValueError("GridResult: a non-gallery result must give a reason")
