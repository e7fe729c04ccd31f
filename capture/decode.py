"""One image file -> a BGR uint8 array, or the one-word reason it cannot be a frame.

Why not plain ``cv2.imread(path, IMREAD_COLOR)``: it returns None for every problem alike, so a
folder source could only stop or stay silent. Here a broken file gets a countable reason
("empty file", "not an image", "truncated", ...), and valid images that are merely unusual (16-bit,
greyscale, grey + alpha, BGRA) are converted instead of refused: they are real frames.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# Magic numbers of the formats ImageFolderSource lists (png, jpeg, bmp, webp, tiff).
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*")

EMPTY, NOT_IMAGE, TRUNCATED, CORRUPT, UNREADABLE, PIXEL_TYPE = (
    "empty file", "not an image", "truncated", "corrupt image", "unreadable file",
    "unsupported pixel type",
)


class DecodeError(ValueError):
    """A file that is not a usable frame; ``reason`` is the short label counted in health."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _is_image(data: bytes) -> bool:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data.startswith(_SIGNATURES)


def _looks_truncated(data: bytes) -> bool:
    """A PNG without its IEND chunk or a JPEG without its end marker was cut short."""
    if data.startswith(_SIGNATURES[0]):
        return b"IEND" not in data[-16:]
    if data.startswith(_SIGNATURES[1]):
        return not data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return False


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """Any decoded image as ``H x W x 3`` uint8 BGR: 16-bit scaled to 8 bit, greyscale expanded
    to three channels, alpha dropped. Raises DecodeError for pixel types a screen never has."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)  # 0..65535 -> 0..255, no overflow
    elif image.dtype != np.uint8:
        raise DecodeError(PIXEL_TYPE, f"expected 8- or 16-bit pixels, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] in (1, 2):
        image = image[:, :, 0]  # grey, or grey + alpha
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise DecodeError(PIXEL_TYPE, f"expected 1-4 channels, got shape {image.shape}")


def read_image(path: Path) -> np.ndarray:
    """The file at ``path`` as a BGR uint8 frame image. Raises DecodeError with a reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:  # vanished, no permission, a folder named *.png
        raise DecodeError(UNREADABLE, f"{path}: {exc.strerror or exc}") from None
    if not data:
        raise DecodeError(EMPTY, f"{path} has 0 bytes")
    if not _is_image(data):
        raise DecodeError(NOT_IMAGE, f"{path} has no PNG/JPEG/BMP/WebP/TIFF signature")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        reason = TRUNCATED if _looks_truncated(data) else CORRUPT
        raise DecodeError(reason, f"OpenCV cannot decode {path} ({len(data)} bytes)")
    return to_bgr8(image)
