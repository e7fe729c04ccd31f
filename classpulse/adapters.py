"""Thin adapters over the capture and inference packages.

Why: those packages were built in parallel with this one; keeping every call into them in one
small file means a signature change there is a one-line fix here, not a hunt through the worker.
Imports are lazy so ``classpulse --help`` and ``config check`` start fast and work even when a
heavy dependency (LiteRT, tesseract) is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from capture.types import GridResult
from inference.types import FaceBox


def normalize_name(raw: str) -> str:
    from capture.name_text import normalize_name as _norm

    return _norm(raw or "")


class _NeverRaised(Exception):
    """Stands in for CaptureError while capture.sources is absent (tests with fake sources)."""


def capture_error_class() -> type[Exception]:
    try:
        from capture.sources import CaptureError
    except ImportError:
        return _NeverRaised
    return CaptureError


def synthetic_source_class():
    try:
        from capture.sources import SyntheticGallerySource
    except ImportError:
        from capture.synthetic import SyntheticGallerySource
    return SyntheticGallerySource


def make_grid_detector():
    from capture.grid import GridDetector

    return GridDetector()


def make_name_reader(lang: str | None = None):
    """A name reader for ``lang`` (tesseract codes, "auto"); ValueError if a pack is missing."""
    from capture.names import NameReader

    return NameReader(lang)


def make_face_detector():
    from inference.face import FaceDetector

    return FaceDetector()


def for_stream(detector):
    """``detector`` behind FaceReuse for a stream of frames (live, recordings): tiles whose
    pixels did not change keep their last box. Not for independent screenshots (check), where
    each image must get the answer it gets alone. Other detectors (test doubles) pass through."""
    from inference.face import FaceDetector
    from inference.face_reuse import FaceReuse

    return FaceReuse(detector) if isinstance(detector, FaceDetector) else detector


def make_classifier(model_path: str | Path):
    from inference.classifier import ExpressionClassifier

    p = Path(model_path)
    if not p.is_file():
        raise FileNotFoundError(
            f"pipeline.model_path: expression model not found at {p} "
            "(train one with `classpulse train`, or use --presence-only)"
        )
    return ExpressionClassifier(p)


def read_names(reader, grid: GridResult) -> GridResult:
    """The grid with ``Tile.name`` filled in by OCR (cached per tile inside the reader)."""
    return reader.read(grid)


def identity_key(name: str, order: int) -> str:
    from capture.name_text import identity_key as _key

    return _key(name, order)


def detect_faces(detector, images: list[np.ndarray], keys: list | None = None
                 ) -> list[FaceBox | None]:
    """``keys`` (one hashable per image, e.g. the tile box) go to detectors that reuse boxes
    of unchanged tiles (inference.face_reuse); other detectors get the images only."""
    if not images:
        return []
    if keys is not None and getattr(detector, "reuses", False):
        return list(detector.detect_batch(images, keys=keys))
    return list(detector.detect_batch(images))


def crop_for_fer(image: np.ndarray, box: FaceBox) -> np.ndarray:
    from inference.face_crop import crop_for_fer as _crop

    return _crop(image, box)
