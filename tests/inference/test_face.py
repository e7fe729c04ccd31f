"""Face detection on gallery tiles and FER-style crops. Uses the synthetic gallery only as a
picture generator (inference itself never imports capture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capture import synthetic
from capture.types import Box
from inference.face import FaceDetector, crop_for_fer, fer_square
from inference.types import FaceBox


def _tiles(n: int, style: str, seed: int):
    image, truth = synthetic.SyntheticGallerySource(n, style, (1920, 1080), seed=seed,
                                                    events=False).render(0)
    tiles = [image[t.box.y:t.box.y + t.box.h, t.box.x:t.box.x + t.box.w] for t in truth.tiles]
    return tiles, truth


@pytest.fixture(scope="module")
def blaze() -> FaceDetector:
    return FaceDetector("blazeface")


@pytest.mark.parametrize("style", ["zoom", "meet", "teams"])
def test_faces_found_in_camera_on_tiles(blaze: FaceDetector, style: str) -> None:
    tiles, truth = _tiles(25, style, seed=11)
    found = blaze.detect_batch(tiles)
    on = [f for f, t in zip(found, truth.tiles, strict=True) if t.camera_on]
    assert sum(f is not None for f in on) >= 0.9 * len(on)  # bench: ~99 % over 1000s
    for f, t in zip(found, truth.tiles, strict=True):
        if f is not None and t.camera_on:  # the box sits on the pasted head
            hx, hy, hs, _ = t.head_box
            cx, cy = f.x + f.w / 2, f.y + f.h / 2
            assert hx <= cx <= hx + hs and hy <= cy <= hy + hs


def test_batch_equals_single(blaze: FaceDetector) -> None:
    tiles, _ = _tiles(5, "zoom", seed=2)
    batch = blaze.detect_batch(tiles)
    single = [blaze.detect(t) for t in tiles]
    for a, b in zip(batch, single, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert abs(a.x - b.x) <= 3 and abs(a.w - b.w) <= 3


def test_no_face_in_flat_or_noise_tiles(blaze: FaceDetector) -> None:
    flat = np.full((180, 320, 3), 52, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    assert blaze.detect_batch([flat, noise]) == [None, None]


def test_haar_backend_runs() -> None:
    tiles, truth = _tiles(4, "teams", seed=3)
    found = FaceDetector("haar").detect_batch(tiles)
    assert len(found) == 4 and all(f is None or isinstance(f, FaceBox) for f in found)


def test_bad_input_names_the_problem(blaze: FaceDetector) -> None:
    with pytest.raises(ValueError, match="uint8"):
        blaze.detect(np.zeros((10, 10, 3), np.float32))
    with pytest.raises(TypeError, match="ndarray"):
        blaze.detect(None)
    with pytest.raises(ValueError, match="backend"):
        FaceDetector("yolo")


def test_crop_shape_and_border_faces() -> None:
    tile = np.random.default_rng(1).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    for box in (FaceBox(60, 20, 40, 40, 0.9), FaceBox(0, 0, 30, 30, 0.9),
                FaceBox(140, 70, 20, 20, 0.9)):
        crop = crop_for_fer(tile, box)
        assert crop.shape == (48, 48) and crop.dtype == np.uint8


def test_crop_is_framed_like_fer2013(blaze: FaceDetector) -> None:
    """The crop square should cover the pasted FER2013 image (IoU), and its pixels should
    follow that image inside the face ellipse."""
    faces = synthetic._fer_faces()
    if faces is None:
        pytest.skip(f"FER2013 not found at {synthetic.FER_DIR} (shared data folder absent)")
    src = synthetic.SyntheticGallerySource(16, "zoom", (1920, 1080), seed=5, events=False,
                                           camera_off_ratio=0.0)
    image, truth = src.render(0)
    people = src._state(0)[0]
    yy, xx = np.mgrid[:48, :48]
    ellipse = ((xx - 23.5) / 22) ** 2 + ((yy - 23.5) / 22) ** 2 <= 1
    ious, corrs = [], []
    for t, p in zip(truth.tiles, people, strict=True):
        tile = image[t.box.y:t.box.y + t.box.h, t.box.x:t.box.x + t.box.w]
        box = blaze.detect(tile)
        if box is None:
            continue
        x, y, side = fer_square(box)
        hx, hy, hs, _ = t.head_box
        ious.append(Box(x, y, side, side).iou(Box(hx, hy, hs, hs)))
        crop = crop_for_fer(tile, box).astype(np.float32)
        ref = faces[0][p.face_index % len(faces[0])].astype(np.float32)
        corrs.append(np.corrcoef(crop[ellipse], ref[ellipse])[0, 1])
    assert len(ious) >= 14
    assert np.median(ious) >= 0.75, ious
    assert np.median(corrs) >= 0.5, corrs


def test_fallback_faces_without_fer(monkeypatch, blaze: FaceDetector) -> None:
    """On a machine without FER2013 the gallery uses public-domain faces, still detected."""
    monkeypatch.setattr(synthetic, "FER_DIR", Path("/nonexistent"))
    synthetic._fer_faces.cache_clear()
    try:
        tiles, truth = _tiles(9, "meet", seed=6)
        assert all(t.fer_label is None for t in truth.tiles)
        found = blaze.detect_batch(tiles)
        on = [f for f, t in zip(found, truth.tiles, strict=True) if t.camera_on]
        assert all(f is not None for f in on)
    finally:
        synthetic._fer_faces.cache_clear()
