"""The ClassPulse worker: one class session from a frame source into the database.

Start-up reads as a list of calls (see ``Worker.start``), each one small and named for what it
does, so a failure points at one step. Shutdown is the same list in reverse, and runs on Ctrl-C,
SIGTERM, the end of a recording, or a crashed stage: the session row is closed and every buffered
row is flushed before the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from capture.types import Frame
from classpulse import adapters
from classpulse.config import Config
from classpulse.faults import FrameFaults
from classpulse.framequeue import DropQueue
from classpulse.processor import ClockFn, FrameProcessor, FrameResult
from classpulse.smoothing import EmaSmoother, Sampler
from classpulse.stages import CaptureStage, HealthStage, HealthState, InferenceStage
from storage.records import SessionSpec

log = logging.getLogger("classpulse.worker")
RECONCILE_EVERY_S = 10.0


def live_clock(frame: Frame) -> tuple[float, datetime]:
    """Live capture: the monotonic clock for intervals, the wall clock for stored timestamps."""
    return frame.t_monotonic, datetime.fromtimestamp(frame.t_wall, UTC)


def media_clock(started_at: datetime, fps: float) -> ClockFn:
    """A recording: time is the video's own (frame index / fps) added to the session start.

    Why not wall clock: a one-hour video analysed in five minutes must still produce a one-hour
    session whose observations sit where they happened in the class.
    """

    def clock(frame: Frame) -> tuple[float, datetime]:
        t = frame.index / fps
        return t, started_at + timedelta(seconds=t)

    return clock


@dataclass
class WorkerSummary:
    """What a finished run reports (``analyze --json`` prints it)."""

    session_id: int
    frames: int
    participants: list[str]
    observations: int
    dropped_frames: int
    faces: int
    started_at: str
    ended_at: str
    presence_only: bool
    frames_failed: int = 0  # a stage raised on them: dropped, the session went on
    frames_skipped: int = 0  # the source could not read them (broken files)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # "Type at file:line" -> count
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "extra"} | self.extra


class Worker:
    """Runs the stages for one session. ``live=False`` (recordings) never drops frames."""

    def __init__(
        self,
        cfg: Config,
        db_url: str,
        source,
        spec: SessionSpec,
        clock: ClockFn = live_clock,
        live: bool = True,
        on_result: Callable[[Frame, FrameResult], None] | None = None,
        max_frames: int | None = None,
    ) -> None:
        self.cfg = cfg
        self.db_url = db_url
        self.source = source
        self.spec = spec
        self.clock = clock
        self.live = live
        self.on_result = on_result
        self.max_frames = max_frames
        self.stop_event = threading.Event()
        self.session_id: int | None = None
        self.threads: list[threading.Thread] = []
        self.engine = None
        self.writer = None

    # ---- start-up, in order -------------------------------------------------------------------
    def start(self) -> None:
        self.init_database()
        self.reconcile_crashed_sessions()
        self.init_detectors()
        self.open_session()
        self.init_writer()
        self.init_stages()
        self.start_threads()

    def init_database(self) -> None:
        if self.engine is not None:
            return  # already done by the caller (run/demo start the dashboard child after it)
        from storage.engine import make_engine
        from storage.migrate import upgrade

        upgrade(self.db_url)
        self.engine = make_engine(self.db_url)

    def reconcile_crashed_sessions(self) -> None:
        """Close sessions a crash left open. Only those silent for a while: another worker (an
        ``analyze`` beside a live ``run``, or another classroom on PostgreSQL) writes health
        every few seconds, and its live session must not be closed under it."""
        from storage.sessions import reconcile_open_sessions

        quiet = timedelta(seconds=max(30.0, 10 * self.cfg.pipeline.health_interval_s))
        closed = reconcile_open_sessions(self.engine, stale_after=quiet)
        if closed:
            log.info("closed %s session(s) a crash left open", closed)

    def init_detectors(self) -> None:
        """Before the session row exists, so a missing model does not leave an empty session."""
        p = self.cfg.pipeline
        classifier = None if p.presence_only else adapters.make_classifier(p.model_path)
        self.processor = FrameProcessor(
            grid_detector=adapters.make_grid_detector(),
            name_reader=adapters.make_name_reader(self.cfg.capture.ocr_languages),
            face_detector=adapters.for_stream(adapters.make_face_detector()),
            classifier=classifier,
            smoother=EmaSmoother(p.smoothing_alpha, p.smoothing_reset_s, enabled=p.smoothing),
            sampler=Sampler(p.every_s),
        )

    def open_session(self) -> None:
        from storage.sessions import start_session

        self.session_id = int(start_session(self.engine, self.spec))
        self.processor.session_id = self.session_id
        log.info("session %s started (%s)", self.session_id, self.spec.source)

    def init_writer(self) -> None:
        from storage.writer import Writer

        self.writer = Writer(self.engine)
        self.writer.start()

    def init_stages(self) -> None:
        self.queue: DropQueue[Frame] = DropQueue(self.cfg.capture.queue_size, block=not self.live)
        self.health = HealthState(self.queue)
        self.capture = CaptureStage(
            self.source, self.queue, self.stop_event, self.health, max_frames=self.max_frames,
            retry=self.live,
        )
        self.inference = InferenceStage(
            self.queue, self.processor, self.writer, self.clock, self.stop_event, self.health,
            on_result=self.on_result,
            faults=FrameFaults(self.cfg.pipeline.max_consecutive_failures),
        )
        self.health_stage = HealthStage(
            self.writer, self.health, self.session_id, self.stop_event,
            self.cfg.pipeline.health_interval_s,
        )

    def start_threads(self) -> None:
        for name, target in (
            ("capture", self.capture.run),
            ("inference", self.inference.run),
            ("health", self.health_stage.run),
            ("reconcile", self._reconcile_loop),
        ):
            th = threading.Thread(target=target, name=f"classpulse-{name}", daemon=True)
            th.start()
            self.threads.append(th)

    def _reconcile_loop(self) -> None:
        """Keep closing crashed sessions while this one runs. Why: a worker restarted seconds
        after a kill -9 finds the crashed session silent for less than the quiet period, so the
        start-up pass leaves it open; without this it would stay "live" until the next start.
        Skipped right after a database outage, while our own backlog (health included) may still
        be unwritten and our own session could look silent."""
        retries = self.writer.retries if self.writer is not None else 0
        while not self.stop_event.wait(RECONCILE_EVERY_S):
            now = self.writer.retries if self.writer is not None else 0
            if now != retries:
                retries = now
                continue
            try:
                self.reconcile_crashed_sessions()
            except Exception:  # noqa: BLE001 - the database may be down; try again next tick
                log.debug("periodic reconcile failed", exc_info=True)

    # ---- running and shutdown -----------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> None:
        """Block until the source is exhausted, a stage fails, stop() is called, or ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        inference = self.threads[1]
        while inference.is_alive() and not self.stop_event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            inference.join(0.2)

    def stop(self) -> None:
        self.stop_event.set()

    def shutdown(self, ended_at: datetime | None = None) -> WorkerSummary:
        """Stop the stages, flush the writer, close the session. Safe to call once per start."""
        self.stop_event.set()
        try:
            self.source.close()
        except Exception:  # noqa: BLE001 - closing a dead screen grabber must not block shutdown
            log.debug("source close failed", exc_info=True)
        for th in self.threads:
            th.join(timeout=10)
        if self.writer is not None:
            self.health_stage.emit()
            self.writer.flush()
            self.writer.stop()
        from storage.sessions import end_session

        end_session(self.engine, self.session_id, ended_at=ended_at)
        if self.inference.error is not None:
            raise RuntimeError(f"inference failed: {self.inference.error}") from self.inference.error
        return self.summary(ended_at)

    def summary(self, ended_at: datetime | None) -> WorkerSummary:
        started = self.spec.started_at or datetime.now(UTC)
        return WorkerSummary(
            session_id=int(self.session_id),
            frames=self.processor.frames,
            participants=list(self.processor.participants.values()),
            observations=int(getattr(self.writer, "written", self.inference.observations)),
            dropped_frames=self.queue.dropped,
            faces=self.processor.faces,
            started_at=started.isoformat(),
            ended_at=(ended_at or datetime.now(UTC)).isoformat(),
            presence_only=self.processor.presence_only,
            frames_failed=self.inference.faults.failed,
            frames_skipped=self.health.frames_skipped,
            skipped_reasons=dict(self.health.skipped_reasons),
            errors=dict(self.inference.faults.errors),
        )


def install_signal_handlers(stop: Callable[[], None]) -> None:
    """Ctrl-C and SIGTERM ask the worker to stop; the main thread then runs ``shutdown``.

    Why not let KeyboardInterrupt fly: it could land inside a DB commit; setting an event lets
    every loop finish its current step and the writer flush cleanly.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, _frame) -> None:
        log.warning("signal %s: stopping (flushing rows, closing the session)", signum)
        stop()
        # A second Ctrl-C while shutdown hangs (e.g. a dead DB server) kills the process.
        signal.signal(signum, signal.SIG_DFL)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
