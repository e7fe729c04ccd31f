"""Frame sources behind one interface: the screen (mss), a video file, an image folder, and
the synthetic gallery. Every source yields validated ``Frame``s (BGR uint8) with a running
index and two clocks.

Why ``CaptureError``: the worker must tell "the screen is gone" (DISPLAY closed, monitor
unplugged, permission lost) from bugs, record a capture-offline health row, and retry later.
``ScreenSource`` therefore drops its mss handle on failure and re-opens it on the next grab.
"""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from capture.decode import DecodeError, read_image
from capture.synthetic import SyntheticGallerySource
from capture.types import Frame

log = logging.getLogger("capture.sources")

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")

__all__ = ["CaptureError", "FrameSource", "ImageFolderSource", "ScreenSource",
           "SyntheticGallerySource", "VideoFileSource", "to_frame"]


class CaptureError(RuntimeError):
    """A source cannot deliver frames now (screen gone, file unreadable). Retry later."""


class FrameSource(ABC):
    """Anything that yields ``Frame``s. Use as a context manager or call ``close()``."""

    @abstractmethod
    def frames(self) -> Iterator[Frame]: ...

    def close(self) -> None:  # noqa: B027 (optional hook: most sources hold nothing)
        """Release the source's resources; frames() stops after this."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FrameSource.register(SyntheticGallerySource)


class Skips(Counter):
    """Reason -> count of inputs a recording source skipped (broken file, undecodable frame).

    Why a counter and not an exception: one broken file among thousands must not end the
    analysis nor vanish silently; the worker shows the counts in health and in the summary.
    Each reason is logged once with its first example, then only counted.
    """

    def skip(self, reason: str, detail: str) -> None:
        if reason not in self:
            log.warning("skipping %s (further '%s' skips are only counted)", detail, reason)
        self[reason] += 1


def to_frame(array: object, index: int = 0, source: str = "") -> Frame:
    """A ``Frame`` from a raw array: BGRA (what mss returns) loses its alpha; anything that is
    not uint8 ``H x W x 3/4`` raises ``CaptureError`` saying expected vs actual."""
    if not isinstance(array, np.ndarray):
        raise CaptureError(f"frame: expected numpy.ndarray, got {type(array).__name__}")
    if array.dtype != np.uint8:
        raise CaptureError(f"frame: expected dtype uint8, got {array.dtype}")
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise CaptureError(f"frame: expected shape (H, W, 3) BGR or (H, W, 4) BGRA, "
                           f"got {array.shape}")
    if array.shape[2] == 4:
        array = np.ascontiguousarray(array[:, :, :3])
    return Frame(array, index, time.monotonic(), time.time(), source)


class _Pacer:
    """Sleeps so that frames come no faster than ``fps`` (0 or less: no limit)."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps if fps and fps > 0 else 0.0
        self._next = 0.0

    def wait(self) -> None:
        if not self.period:
            return
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.period


class ScreenSource(FrameSource):
    """Grabs a monitor (mss numbering: 1 = first monitor, 0 = all) or a region (x, y, w, h)
    at most ``fps`` times a second. mss handles are per-thread: grab from one thread."""

    def __init__(self, monitor: int = 1, region: tuple[int, int, int, int] | None = None,
                 fps: float = 2.0) -> None:
        if region is not None:
            if len(region) != 4 or region[2] <= 0 or region[3] <= 0:
                raise ValueError(f"region: expected (x, y, w, h) with w, h > 0, got {region}")
        self.monitor, self.region, self.fps = monitor, region, fps
        self._sct = None
        self._index = 0
        self._closed = False

    def _open(self):
        if self._sct is None:
            import mss

            try:
                self._sct = mss.MSS()
            except Exception as exc:
                raise CaptureError(f"screen capture unavailable (cannot open display): {exc}"
                                   ) from exc
        return self._sct

    def _area(self, sct) -> dict:
        if self.region is not None:
            x, y, w, h = self.region
            return {"left": int(x), "top": int(y), "width": int(w), "height": int(h)}
        mons = sct.monitors
        if not 0 <= self.monitor < len(mons):
            raise CaptureError(f"monitor: expected 0..{len(mons) - 1}, got {self.monitor}")
        return mons[self.monitor]

    def grab(self) -> Frame:
        """One frame now. Raises ``CaptureError``; the next call re-opens the display."""
        if self._closed:
            raise CaptureError("screen source is closed")
        sct = self._open()
        try:
            shot = sct.grab(self._area(sct))
            image = np.asarray(shot, dtype=np.uint8)
        except CaptureError:
            self._drop()
            raise
        except Exception as exc:  # mss raises ScreenShotError, XError wrappers, OSError...
            self._drop()
            raise CaptureError(f"screen grab failed: {exc}") from exc
        frame = to_frame(image, self._index, source=f"screen:{self.region or self.monitor}")
        self._index += 1
        return frame

    def frames(self) -> Iterator[Frame]:
        pacer = _Pacer(self.fps)
        while not self._closed:
            pacer.wait()
            yield self.grab()

    def _drop(self) -> None:
        sct, self._sct = self._sct, None
        if sct is not None:
            try:
                sct.close()
            except Exception:  # the display may already be gone; nothing left to release
                pass

    def close(self) -> None:
        self._closed = True
        self._drop()


class VideoFileSource(FrameSource):
    """Frames of a video file (anything OpenCV reads), one every ``every_s`` seconds of video
    time (None: every frame). Does not sleep: files are read as fast as they decode."""

    def __init__(self, path: str | Path, every_s: float | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise CaptureError(f"video file: {self.path} does not exist or is not a file")
        if every_s is not None and every_s <= 0:
            raise ValueError(f"every_s: expected > 0 or None, got {every_s}")
        self.every_s = every_s
        self._cap = None
        self.skipped = Skips()

    def frames(self) -> Iterator[Frame]:
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise CaptureError(f"video file: OpenCV cannot open {self.path}")
        self._cap = cap
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        step = 1 if self.every_s is None else max(1, round(self.every_s * fps))
        pos, index = 0, 0
        try:
            while self._cap is not None:
                if not cap.grab():
                    return
                if pos % step == 0:
                    frame = self._retrieve(cap, pos, index, fps)
                    if frame is not None:
                        yield frame
                    index += 1  # a skipped frame keeps its slot: media time stays right
                pos += 1
        finally:
            cap.release()

    def _retrieve(self, cap, pos: int, index: int, fps: float) -> Frame | None:
        """Frame ``pos`` decoded, or None (counted in ``skipped``) if it cannot be."""
        ok, image = cap.retrieve()
        if not ok or image is None:
            self.skipped.skip("undecodable frame", f"frame {pos} of {self.path}: cannot decode")
            return None
        try:
            return to_frame(image, index, source=f"video:{self.path.name}@{pos / fps:.2f}s")
        except CaptureError as exc:
            self.skipped.skip("rejected frame", f"frame {pos} of {self.path}: {exc}")
            return None

    def close(self) -> None:
        self._cap = None


def _natural_key(p: Path) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


class ImageFolderSource(FrameSource):
    """Image files of a folder in (natural) name order, paced at ``fps`` (0: no pacing)."""

    def __init__(self, path: str | Path, fps: float = 2.0) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise CaptureError(f"image folder: {self.path} does not exist or is not a folder")
        self.files = sorted((p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_EXTS),
                            key=_natural_key)
        if not self.files:
            raise CaptureError(f"image folder: no {'/'.join(IMAGE_EXTS)} files in {self.path}")
        self.fps = fps
        self._closed = False
        self.skipped = Skips()

    def frames(self) -> Iterator[Frame]:
        """Every readable file in order. A broken one is skipped with a counted reason (see
        ``skipped``) and keeps its index, so media time of the files after it stays right."""
        pacer = _Pacer(self.fps)
        for index, file in enumerate(self.files):
            if self._closed:
                return
            try:
                frame = to_frame(read_image(file), index, source=f"image:{file.name}")
            except DecodeError as exc:
                self.skipped.skip(exc.reason, f"image folder file: {exc}")
                continue
            except CaptureError as exc:
                self.skipped.skip("rejected frame", f"image folder file {file}: {exc}")
                continue
            pacer.wait()
            yield frame

    def close(self) -> None:
        self._closed = True
