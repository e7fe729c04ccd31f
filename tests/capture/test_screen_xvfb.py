"""End to end on a real X server: Xvfb shows a gallery in a real Tk window, ScreenSource grabs
the screen, and the frame splits into the right tiles with the right names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from capture.grid import GridDetector
from capture.names import NameReader
from capture.sources import CaptureError, ScreenSource
from capture.synthetic import SyntheticGallerySource
from tests.xwindow import SHOW_AT

pytestmark = pytest.mark.slow



@pytest.fixture()
def gallery_window(xvfb_display: str, tmp_path: Path):
    """A borderless Tk window at (40, 30) showing a 9-person Meet-style gallery."""
    try:
        import tkinter  # noqa: F401
    except ImportError:
        pytest.skip("tkinter is not available for this Python (apt-get install python3-tk)")
    src = SyntheticGallerySource(n=9, style="meet", size=(1280, 720), seed=4, events=False)
    image, truth = src.render(0)
    png = tmp_path / "gallery.png"
    cv2.imwrite(str(png), image)
    env = {**os.environ, "DISPLAY": xvfb_display}
    proc = subprocess.Popen([sys.executable, "-c", SHOW_AT, str(png), "40", "30"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", "Tk window did not come up"
        yield truth, (40, 30)
    finally:
        proc.stdin.close()
        proc.terminate()
        proc.wait(timeout=10)


def test_screen_capture_splits_gallery_into_named_tiles(gallery_window, xvfb_display,
                                                        monkeypatch) -> None:
    truth, (ox, oy) = gallery_window
    monkeypatch.setenv("DISPLAY", xvfb_display)
    src = ScreenSource(monitor=1, fps=0)
    try:
        frame = src.grab()
    finally:
        src.close()
    assert frame.image.shape == (1080, 1920, 3)
    grid = NameReader().read(GridDetector().detect(frame))
    assert grid.is_gallery, grid.reason
    assert len(grid.tiles) == len(truth.tiles)
    for tile, want in zip(grid.tiles, truth.tiles, strict=True):
        shifted = type(want.box)(want.box.x + ox, want.box.y + oy, want.box.w, want.box.h)
        assert tile.box.iou(shifted) >= 0.9, (tile.box, shifted)
        assert tile.name == want.name
        assert tile.camera_on == want.camera_on


def test_screen_source_region_and_recovery(xvfb_display, monkeypatch) -> None:
    """A dead display gives CaptureError (not a crash); the same source recovers later."""
    monkeypatch.setenv("DISPLAY", ":59999")
    src = ScreenSource(region=(0, 0, 320, 200), fps=0)
    with pytest.raises(CaptureError, match="screen"):
        src.grab()
    monkeypatch.setenv("DISPLAY", xvfb_display)
    frame = src.grab()
    assert frame.image.shape == (200, 320, 3)
    assert frame.index == 0
    frames = src.frames()
    assert next(frames).index == 1
    src.close()
    with pytest.raises(CaptureError, match="closed"):
        src.grab()
