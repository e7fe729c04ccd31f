"""The worker's threads: capture -> [bounded queue] -> inference (-> storage writer), plus health.

Each stage is a small class with a ``run()`` loop that checks a shared ``stop_event`` and waits on
it (``stop_event.wait``) instead of sleeping, so Ctrl-C stops every loop within one poll.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from capture.types import Frame
from classpulse import adapters
from classpulse.faults import FrameFaults, error_site, one_line
from classpulse.framequeue import DropQueue
from classpulse.processor import ClockFn, FrameProcessor, FrameResult
from storage.records import HealthRecord

log = logging.getLogger("classpulse.worker")


class HealthState:
    """Counters shared by the stages; ``snapshot`` turns them into a ``HealthRecord``.

    Why a separate object: capture knows online/offline and frame times, inference knows tiles and
    gallery-ness, the queue knows drops; the health stage reads all three without coupling them.
    """

    def __init__(self, queue: DropQueue[Frame], window_s: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._queue = queue
        self._window_s = window_s
        self._processed: collections.deque[float] = collections.deque()
        self.capture_online = True
        self.last_frame_at: datetime | None = None
        self.last_error = "starting: no frame processed yet"
        self.tiles_found = 0
        self.is_gallery = False
        self.frames_captured = 0
        self.frames_processed = 0
        self.frames_failed = 0
        self.frames_skipped = 0
        self.skipped_reasons: dict[str, int] = {}
        self.degraded = False

    def on_frame(self, frame: Frame) -> None:
        with self._lock:
            if not self.capture_online:
                self.last_error = ""  # recovered: the old capture error is history
            self.capture_online = True
            self.frames_captured += 1
            self.last_frame_at = datetime.fromtimestamp(frame.t_wall, UTC)

    def on_capture_error(self, message: str) -> None:
        with self._lock:
            self.capture_online = False
            self.last_error = message

    def on_skipped(self, reasons: dict[str, int]) -> None:
        """The source's cumulative skip counts (broken files), reason -> count."""
        with self._lock:
            self.skipped_reasons = dict(reasons)
            self.frames_skipped = sum(self.skipped_reasons.values())

    def on_failure(self, message: str, degraded: bool) -> None:
        """A stage raised on a frame: it was dropped, the session goes on."""
        with self._lock:
            self.frames_failed += 1
            self.last_error = message
            self.degraded = degraded

    def on_result(self, result: FrameResult) -> None:
        now = time.monotonic()
        with self._lock:
            self.degraded = False
            self.frames_processed += 1
            self.tiles_found = len(result.grid.tiles)
            self.is_gallery = result.grid.is_gallery
            if not result.grid.is_gallery:
                self.last_error = f"no gallery: {result.grid.reason}"
            elif result.grid.extra.get("fallback"):
                self.last_error = f"no grid: {len(result.grid.tiles)} faces found on the whole frame"
            elif self.last_error.startswith(("no gallery", "starting", "no grid")):
                self.last_error = ""
            self._processed.append(now)
            while self._processed and now - self._processed[0] > self._window_s:
                self._processed.popleft()

    def fps(self) -> float:
        """Processed frames per second over the recent window."""
        with self._lock:
            if len(self._processed) < 2:
                return float(len(self._processed))
            span = self._processed[-1] - self._processed[0]
            return (len(self._processed) - 1) / span if span > 0 else 0.0

    def snapshot(self, session_id: int) -> HealthRecord:
        fps = self.fps()
        with self._lock:
            return HealthRecord(
                session_id=session_id,
                ts=datetime.now(UTC),
                fps=round(fps, 3),
                dropped_frames=self._queue.dropped,
                tiles_found=self.tiles_found,
                capture_online=self.capture_online,
                is_gallery=self.is_gallery,
                last_frame_at=self.last_frame_at,
                last_error=self.last_error,
                frames_failed=self.frames_failed,
                frames_skipped=self.frames_skipped,
                degraded=self.degraded,
            )


@dataclass
class CaptureStage:
    """Pulls frames from a source into the bounded queue; survives a vanished screen.

    A ``CaptureError`` (window closed, display gone) marks capture offline in health and retries
    after ``retry_s`` rather than ending the class session: the teacher may just reopen the call.
    Live (``retry``), any other exception from the source is retried the same way. Files a
    recording source skips (its ``skipped`` counter) are copied into health as they happen.
    """

    source: object
    queue: DropQueue[Frame]
    stop_event: threading.Event
    health: HealthState
    retry_s: float = 2.0
    max_frames: int | None = None
    retry: bool = True  # live: wait and retry; a recording: a source that cannot go on ends it
    # (one broken file does not: recording sources skip it and count it in ``skipped``)
    _logged: set[str] = field(default_factory=set)

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                if self._pump() or not self.retry:
                    break  # the source is exhausted (end of a recording) or cannot recover
                self.stop_event.wait(self.retry_s)
        except Exception as exc:  # noqa: BLE001 - a dead capture thread must be visible in health
            log.exception("capture stage failed")
            self.health.on_capture_error(f"{type(exc).__name__}: {exc}")
        finally:
            self.queue.close()

    def _pump(self) -> bool:
        """Feed frames until the source ends (True) or fails (False: retry if live)."""
        capture_error = adapters.capture_error_class()
        n = 0
        try:
            for frame in self.source.frames():
                self._sync_skips()
                if self.stop_event.is_set():
                    return True
                self.health.on_frame(frame)
                self.queue.put(frame, self.stop_event)
                n += 1
                if self.max_frames is not None and n >= self.max_frames:
                    return True
        except capture_error as exc:
            if self.stop_event.is_set():
                return True  # the worker closed the source to stop: not an outage
            log.warning("capture offline: %s", exc)
            self.health.on_capture_error(str(exc))
            return False
        except Exception as exc:
            if self.stop_event.is_set():
                return True
            if not self.retry:
                raise  # a recording's generator cannot resume: run() reports it
            key = f"{type(exc).__name__} at {error_site(exc)}"
            if key not in self._logged:  # a traceback once per distinct error, not every retry
                self._logged.add(key)
                log.exception("capture failed; retrying every %.1f s", self.retry_s)
            self.health.on_capture_error(one_line(exc))
            return False
        finally:
            self._sync_skips()
        return True

    def _sync_skips(self) -> None:
        skipped = getattr(self.source, "skipped", None)
        if skipped:
            self.health.on_skipped(skipped)


@dataclass
class InferenceStage:
    """Takes frames off the queue, runs the processor, hands records to the storage writer.

    Each frame is handled in its own try: a frame that raises anywhere (grid, OCR, faces,
    classifier, records, the writer hand-off) is dropped and counted (``faults``, health), and the
    next frame is processed as usual. Many failures in a row make health say "degraded"; the
    stage never stops by itself, so a live class keeps being monitored.
    """

    queue: DropQueue[Frame]
    processor: FrameProcessor
    writer: object
    clock: ClockFn
    stop_event: threading.Event
    health: HealthState
    on_result: Callable[[Frame, FrameResult], None] | None = None
    observations: int = 0
    error: BaseException | None = None
    faults: FrameFaults | None = None

    def __post_init__(self) -> None:
        if self.faults is None:
            self.faults = FrameFaults()

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                frame = self.queue.get(timeout=0.2)
                if frame is None:
                    if self.queue.closed and len(self.queue) == 0:
                        return
                    continue
                self._handle_isolated(frame)
        except BaseException as exc:  # noqa: BLE001 - outside any frame: a bug in the loop itself
            log.exception("inference stage failed")
            self.error = exc
            self.stop_event.set()

    def _handle_isolated(self, frame: Frame) -> None:
        """``_handle`` one frame; an exception drops that frame only."""
        try:
            self._handle(frame)
        except Exception as exc:  # noqa: BLE001 - one bad frame never ends a class
            message = self.faults.on_failure(frame.index, exc)
            self.health.on_failure(message, self.faults.degraded)
        else:
            self.faults.on_success()

    def _handle(self, frame: Frame) -> None:
        t, ts = self.clock(frame)
        result = self.processor.process(frame, t, ts)
        if result.records:
            self.writer.submit_observations(result.records)
            self.observations += len(result.records)
        self.health.on_result(result)
        if self.on_result is not None:
            self.on_result(frame, result)


@dataclass
class HealthStage:
    """Writes a health record every ``interval_s`` (and once more on the way out)."""

    writer: object
    health: HealthState
    session_id: int
    stop_event: threading.Event
    interval_s: float = 2.0

    def run(self) -> None:
        while not self.stop_event.wait(self.interval_s):
            self.emit()

    def emit(self) -> None:
        try:
            self.writer.submit_health(self.health.snapshot(self.session_id))
        except Exception:  # noqa: BLE001 - health must never take the worker down
            log.exception("health record failed")
