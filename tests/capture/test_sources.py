"""Frame sources: image folder order, video sampling, synthetic truth, raw-array checks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from capture.sources import (
    CaptureError,
    FrameSource,
    ImageFolderSource,
    SyntheticGallerySource,
    VideoFileSource,
    to_frame,
)


def test_to_frame_accepts_bgr_and_bgra_only() -> None:
    assert to_frame(np.zeros((4, 5, 4), np.uint8)).image.shape == (4, 5, 3)
    with pytest.raises(CaptureError, match="dtype uint8, got float32"):
        to_frame(np.zeros((4, 5, 3), np.float32))
    with pytest.raises(CaptureError, match=r"shape \(H, W, 3\)"):
        to_frame(np.zeros((4, 5), np.uint8))
    with pytest.raises(CaptureError, match="numpy.ndarray, got list"):
        to_frame([[1, 2, 3]])


def test_image_folder_in_natural_name_order(tmp_path: Path) -> None:
    for i in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"shot{i}.png"), np.full((20, 30, 3), i, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    with ImageFolderSource(tmp_path, fps=0) as src:
        frames = list(src.frames())
    assert [int(f.image[0, 0, 0]) for f in frames] == [1, 2, 10]
    assert [f.index for f in frames] == [0, 1, 2]
    assert frames[0].t_monotonic <= frames[-1].t_monotonic


def test_image_folder_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no .* files"):
        ImageFolderSource(tmp_path)
    with pytest.raises(CaptureError, match="does not exist"):
        ImageFolderSource(tmp_path / "missing")


def test_video_file_sampled_every_second(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(35):  # 3.5 s at 10 fps
        out.write(np.full((48, 64, 3), i * 7, np.uint8))
    out.release()
    every = list(VideoFileSource(path).frames())
    sampled = list(VideoFileSource(path, every_s=1.0).frames())
    assert len(every) == 35
    assert len(sampled) == 4 and [f.index for f in sampled] == [0, 1, 2, 3]
    assert abs(int(sampled[1].image.mean()) - 70) <= 4  # frame 10 of the clip
    with pytest.raises(CaptureError, match="does not exist"):
        VideoFileSource(tmp_path / "nope.mp4")


def test_synthetic_source_yields_frames_with_truth() -> None:
    src = SyntheticGallerySource(n=5, style="teams", size=(1366, 768), n_frames=3)
    assert isinstance(src, FrameSource)
    frames = list(src.frames())
    assert [f.index for f in frames] == [0, 1, 2]
    truth = src.last_truth
    assert truth is not None and len(truth.tiles) == 5 and truth.style == "teams"
    assert all(t.name for t in truth.tiles)
    with pytest.raises(ValueError, match="style"):
        SyntheticGallerySource(style="webex")
    with pytest.raises(ValueError, match="n: expected"):
        SyntheticGallerySource(n=0)


def test_synthetic_events_join_leave_reorder() -> None:
    src = SyntheticGallerySource(n=6, seed=1, event_every=1)
    seen = {src.truth(i).events for i in range(1, 4)}
    assert seen == {("join",), ("reorder",), ("leave",)}
    assert src.truth(1).events == ("reorder",)
    before, after = src.truth(0).tiles, src.truth(1).tiles
    assert sorted(t.key for t in before) == sorted(t.key for t in after)  # same people
    assert [t.key for t in before] != [t.key for t in after]  # in another order
    assert len(src.truth(2).tiles) == 5 and len(src.truth(3).tiles) == 6  # leave, join
