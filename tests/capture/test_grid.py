"""Grid detection over generated layouts and sizes, layout caching, non-gallery screens and
bad frames (which must yield a reason, never an exception)."""

from __future__ import annotations

import numpy as np
import pytest

from capture.grid import GridDetector
from capture.synthetic import SyntheticGallerySource, gallery_layout
from capture.types import Box, Frame

CASES = [(style, n, size) for style in ("zoom", "meet", "teams") for n, size in
         ((2, (1366, 768)), (9, (2560, 1440)), (25, (1920, 1080)), (49, (1366, 768)))]


@pytest.mark.parametrize(("style", "n", "size"), CASES)
def test_tiles_match_truth(style: str, n: int, size: tuple[int, int]) -> None:
    image, truth = SyntheticGallerySource(n, style, size, seed=n, events=False).render(0)
    result = GridDetector().detect(Frame(image, 0, 0.0, 0.0))
    assert result.is_gallery, result.reason
    assert len(result.tiles) == n
    for tile, want in zip(result.tiles, truth.tiles, strict=True):
        assert tile.box.iou(want.box) >= 0.9, (tile.box, want.box)
        assert tile.camera_on == want.camera_on
        assert tile.is_speaker == want.is_speaker
    assert [t.order for t in result.tiles] == list(range(n))


@pytest.mark.parametrize("gutter", [2, 12])
def test_gutter_extremes(gutter: int) -> None:
    src = SyntheticGallerySource(16, "teams", (1600, 900), seed=2, events=False, gutter=gutter)
    image, truth = src.render(0)
    result = GridDetector().detect(image)
    assert [t.box for t in result.tiles] and all(
        a.box.iou(b.box) >= 0.9 for a, b in zip(result.tiles, truth.tiles, strict=True))


def test_last_row_is_centred() -> None:
    boxes = gallery_layout(8, Box(0, 0, 1200, 700), 8)  # 3 + 3 + 2
    last_row = [b for b in boxes if b.y == boxes[-1].y]
    assert len(boxes) == 8 and len(last_row) == 2
    centre = (last_row[0].x + last_row[-1].x + last_row[-1].w) / 2
    assert abs(centre - 600) <= 2


def test_layout_is_cached_and_redetected_on_change() -> None:
    src = SyntheticGallerySource(12, "zoom", (1600, 900), seed=1, events=True, event_every=3)
    det = GridDetector()
    counts = []
    for i in range(10):
        image, truth = src.render(i)
        result = det.detect(image, index=i)
        assert len(result.tiles) == len(truth.tiles), (i, truth.events)
        assert all(a.box.iou(b.box) >= 0.9 for a, b in zip(result.tiles, truth.tiles, strict=True))
        counts.append(len(truth.tiles))
    # 10 frames, events at 3 (join), 6 (reorder: same layout), 9 (leave): few full detections
    assert det.full_detections <= 4, det.full_detections
    image, _ = src.render(9)
    again = det.detect(image, index=10)
    assert again.extra["cached"] and not again.layout_changed


def test_resize_triggers_redetection() -> None:
    det = GridDetector()
    a, _ = SyntheticGallerySource(9, "meet", (1920, 1080), events=False).render(0)
    b, truth = SyntheticGallerySource(9, "meet", (1366, 768), events=False).render(0)
    det.detect(a)
    result = det.detect(b)
    assert result.layout_changed and result.tiles[0].box.iou(truth.tiles[0].box) >= 0.9


def _slide() -> np.ndarray:
    import cv2

    img = np.full((1080, 1920, 3), 245, np.uint8)
    cv2.rectangle(img, (0, 0), (1920, 140), (120, 60, 20), -1)
    cv2.putText(img, "Photosynthesis", (80, 100), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
    for k in range(6):
        cv2.putText(img, f"- bullet point number {k}", (120, 260 + 110 * k),
                    cv2.FONT_HERSHEY_SIMPLEX, 2, (30, 30, 30), 3)
    return img


def _screen_share() -> np.ndarray:
    """A dark app frame around one shared slide: one big rectangle, not a grid."""
    img = np.full((1080, 1920, 3), 26, np.uint8)
    img[60:1000, 160:1760] = _slide()[:940, :1600]
    return img


@pytest.mark.parametrize("make", [_slide, _screen_share])
def test_not_a_gallery(make) -> None:
    result = GridDetector().detect(make())
    assert not result.is_gallery and not result.tiles and result.reason


BAD = {
    "black": np.zeros((1080, 1920, 3), np.uint8),
    "white": np.full((768, 1366, 3), 255, np.uint8),
    "noise": np.random.default_rng(0).integers(0, 256, (1080, 1920, 3), dtype=np.uint8),
    "1x1": np.zeros((1, 1, 3), np.uint8),
    "20000x20000": np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (20000, 20000, 3)),
    "grayscale": np.zeros((1080, 1920), np.uint8),
    "float": np.zeros((1080, 1920, 3), np.float32),
    "int16": np.zeros((1080, 1920, 3), np.int16),
    "bgra": np.zeros((1080, 1920, 4), np.uint8),
    "empty": np.zeros((0, 0, 3), np.uint8),
    "none": None,
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_frames_give_a_reason(name: str) -> None:
    det = GridDetector()
    result = det.detect(BAD[name])
    assert not result.is_gallery and result.tiles == ()
    assert result.reason, name
    # and the detector keeps working afterwards
    image, _ = SyntheticGallerySource(4, "zoom", (1366, 768), events=False).render(0)
    assert len(det.detect(image).tiles) == 4


def test_single_participant_is_opt_in() -> None:
    image, truth = SyntheticGallerySource(1, "zoom", (1920, 1080), events=False).render(0)
    assert not GridDetector().detect(image).is_gallery  # could be a screen share
    result = GridDetector(min_tiles=1).detect(image)
    assert len(result.tiles) == 1 and result.tiles[0].box.iou(truth.tiles[0].box) >= 0.9


def test_unchanged_slide_is_not_redetected() -> None:
    det = GridDetector()
    slide = _screen_share()
    first, second = det.detect(slide), det.detect(slide.copy())
    assert not first.is_gallery and second.reason == first.reason
    assert det.full_detections == 1 and second.extra.get("cached")
    image, _ = SyntheticGallerySource(9, "zoom", (1920, 1080), events=False).render(0)
    assert det.detect(image).is_gallery  # back to the gallery: detected again


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _mp4v(frames: list[np.ndarray], path) -> list[np.ndarray]:
    import cv2

    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (w, h))
    if not vw.isOpened():
        pytest.skip("OpenCV cannot write mp4v video here")
    for f in frames:
        vw.write(f)
    vw.release()
    cap, out = cv2.VideoCapture(str(path)), []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    cap.release()
    assert len(out) == len(frames)
    return out


LOSSY_CASES = [(style, n, size) for style in ("zoom", "meet", "teams") for n, size in
               ((2, (1366, 768)), (9, (1920, 1080)), (25, (1920, 1080)), (49, (1366, 768)))]


def _assert_tiles(result, truth) -> None:
    assert result.is_gallery, result.reason
    assert len(result.tiles) == len(truth.tiles)
    for tile, want in zip(result.tiles, truth.tiles, strict=True):
        assert tile.box.iou(want.box) >= 0.9, (tile.box, want.box)


@pytest.mark.parametrize(("style", "n", "size"), LOSSY_CASES)
def test_lossy_jpeg_and_mp4v(style: str, n: int, size: tuple[int, int], tmp_path) -> None:
    """Compression rings and bleeds colour into the gutters: tiles must still be found."""
    src = SyntheticGallerySource(n, style, size, seed=n, events=False)
    image, truth = src.render(0)
    for quality in (60, 75):
        _assert_tiles(GridDetector().detect(_jpeg(image, quality)), truth)
    det = GridDetector()
    for i, frame in enumerate(_mp4v([src.render(i)[0] for i in range(3)], tmp_path / "g.mp4")):
        _assert_tiles(det.detect(frame, index=i), truth)
    assert det.full_detections == 1  # the cached layout survives the codec noise


@pytest.mark.parametrize("make", [_slide, _screen_share])
def test_lossy_non_gallery_still_rejected(make) -> None:
    result = GridDetector().detect(_jpeg(make(), 70))
    assert not result.is_gallery and not result.tiles and result.reason
