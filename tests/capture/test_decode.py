"""Image files -> frames: broken files get a countable reason, unusual valid images (16-bit,
greyscale, grey + alpha, BGRA, 1x1) are converted instead of refused, and a folder source skips
the broken ones and yields every good one with its own index (media time)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from capture import decode
from capture.sources import ImageFolderSource


def _png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


@pytest.fixture
def picture() -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (40, 64, 3), dtype=np.uint8)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", decode.EMPTY),
    (b"just some text, named .png\n", decode.NOT_IMAGE),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, decode.TRUNCATED),
])
def test_broken_files_raise_with_their_reason(tmp_path, content, reason):
    f = tmp_path / "x.png"
    f.write_bytes(content)
    with pytest.raises(decode.DecodeError) as info:
        decode.read_image(f)
    assert info.value.reason == reason and "\n" not in str(info.value)


def test_a_png_cut_in_half_is_truncated(tmp_path, picture):
    data = _png(picture)
    f = tmp_path / "cut.png"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(decode.DecodeError) as info:
        decode.read_image(f)
    assert info.value.reason == decode.TRUNCATED


def test_a_folder_is_unreadable_not_a_crash(tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(decode.DecodeError) as info:
        decode.read_image(tmp_path / "dir.png")
    assert info.value.reason == decode.UNREADABLE


def test_unusual_valid_images_are_converted(tmp_path, picture):
    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    cases = {
        "16bit.png": (picture.astype(np.uint16) * 257, picture),  # 16-bit scaled back to 8 bit
        "grey.png": (grey, cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)),
        "bgra.png": (np.dstack([picture, np.full(grey.shape, 200, np.uint8)]), picture),
        "one.png": (np.full((1, 1, 3), 7, np.uint8), np.full((1, 1, 3), 7, np.uint8)),
    }
    for name, (stored, expected) in cases.items():
        assert cv2.imwrite(str(tmp_path / name), stored), name
        got = decode.read_image(tmp_path / name)
        assert got.dtype == np.uint8 and got.shape == expected.shape, name
        assert np.array_equal(got, expected), name


def test_grey_plus_alpha_png_is_expanded(tmp_path, picture):
    from PIL import Image

    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    Image.fromarray(np.dstack([grey, grey]), mode="LA").save(tmp_path / "la.png")
    assert np.array_equal(decode.read_image(tmp_path / "la.png"),
                          cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))


def test_float_pixels_are_refused_with_a_reason():
    with pytest.raises(decode.DecodeError) as info:
        decode.to_bgr8(np.zeros((4, 4, 3), np.float32))
    assert info.value.reason == decode.PIXEL_TYPE and "float32" in str(info.value)


def test_folder_source_skips_broken_files_and_keeps_going(tmp_path, picture):
    (tmp_path / "f1.png").write_bytes(_png(picture))
    (tmp_path / "f2.png").write_bytes(b"")
    (tmp_path / "f3.png").write_text("not a picture")
    (tmp_path / "f4.png").write_bytes(_png(picture)[:100])
    (tmp_path / "f5.png").write_bytes(b"")
    (tmp_path / "f6.png").write_bytes(_png(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)))
    src = ImageFolderSource(tmp_path, fps=0)
    frames = list(src.frames())
    assert [f.index for f in frames] == [0, 5]  # each file keeps its slot in media time
    assert all(f.image.shape == picture.shape for f in frames)
    assert dict(src.skipped) == {"empty file": 2, "not an image": 1, "truncated": 1}


class _FlakyCapture:
    """Stands in for cv2.VideoCapture: 6 frames, frame 2 cannot be decoded, frame 4 is 16-bit
    (rejected at the capture boundary)."""

    def __init__(self, _path: str) -> None:
        self.pos = -1

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def get(self, _prop: int) -> float:
        return 2.0

    def grab(self) -> bool:
        self.pos += 1
        return self.pos < 6

    def retrieve(self):  # noqa: ANN201
        if self.pos == 2:
            return False, None
        dtype = np.uint16 if self.pos == 4 else np.uint8
        return True, np.zeros((24, 32, 3), dtype)

    def release(self) -> None:
        pass


def test_video_source_skips_undecodable_frames_and_keeps_going(tmp_path, monkeypatch):
    from capture import sources

    video = tmp_path / "v.mkv"
    video.write_bytes(b"x")
    monkeypatch.setattr(sources.cv2, "VideoCapture", _FlakyCapture)
    src = sources.VideoFileSource(video)
    assert [f.index for f in src.frames()] == [0, 1, 3, 5]  # media time kept
    assert dict(src.skipped) == {"undecodable frame": 1, "rejected frame": 1}
