"""What each CLI command does, as plain functions returning an exit code (testable without typer).

Why the dashboard runs as a child process of ``run``/``demo``: the worker's RSS budget (1 GB) and
its threads stay separate from Dash's, a crash in one does not take the other down, and both sit
in one process group, so Ctrl-C in the terminal reaches both.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from classpulse.config import PASSWORD_ENV, USERNAME_ENV, Config, resolve_db_url
from classpulse.worker import Worker, install_signal_handlers, live_clock, media_clock
from storage.records import SessionSpec

log = logging.getLogger("classpulse")


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- dashboard ---------------------------------------------------------------------------------
def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_dashboard_exposure(cfg: Config) -> str | None:
    """The message to refuse with, or None. Names and expressions of minors must not be served to
    the whole network without a password."""
    d = cfg.dashboard
    if not is_loopback(d.host) and not d.password:
        return (
            f"dashboard.host: refusing to serve on non-loopback address {d.host!r} without a "
            f"password; set {PASSWORD_ENV} (or dashboard.password in the config) or use --host 127.0.0.1"
        )
    return None


def serve_dashboard(cfg: Config) -> int:
    problem = check_dashboard_exposure(cfg)
    if problem:
        err(f"error: {problem}")
        return 2
    from dashboard.app import serve
    from storage.migrate import upgrade

    d = cfg.dashboard
    # Credentials go together or not at all (dashboard.app refuses half a pair).
    user, pw = (d.username or "teacher", d.password) if d.password else (None, None)
    try:
        url = resolve_db_url(cfg)
        # A dashboard opened before the first class (or on a new --db) must show the empty
        # state, not answer 500: Dash builds the layout, which queries the sessions, on the
        # very first request.
        upgrade(url)
        rules = cfg.attendance.rules()
        serve(url, host=d.host, port=d.port, username=user, password=pw, threads=d.threads,
              attendance=rules)
    except ValueError as exc:
        err(f"error: {exc}")
        return 2
    return 0


def spawn_dashboard(cfg: Config, db_url: str) -> subprocess.Popen:
    """``classpulse dashboard`` as a child in our process group; the password goes via env."""
    d = cfg.dashboard
    cmd = [sys.executable, "-m", "classpulse.cli", "dashboard", "--db", db_url,
           "--host", d.host, "--port", str(d.port), "--threads", str(d.threads)]
    env = dict(os.environ)
    if d.password:
        env[PASSWORD_ENV] = d.password
        env[USERNAME_ENV] = d.username
    # The child's log lines go to stderr: our stdout stays for the address line.
    return subprocess.Popen(cmd, env=env, stdout=sys.stderr.fileno())


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.25)
    return False


def stop_child(proc: subprocess.Popen | None, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def start_dashboard_child(cfg: Config, db_url: str) -> subprocess.Popen | None:
    """Start the dashboard child and print its address once it answers."""
    if not cfg.dashboard.enabled:
        return None
    proc = spawn_dashboard(cfg, db_url)
    d = cfg.dashboard
    if wait_for_port(d.host, d.port, timeout=90, proc=proc):
        print(f"Dashboard: http://{d.host}:{d.port}", flush=True)
    else:
        err(f"warning: the dashboard did not come up on {d.host}:{d.port}; the worker goes on")
    return proc


# ---- live capture ------------------------------------------------------------------------------
def session_spec(cfg: Config, source: str, started_at: datetime | None = None) -> SessionSpec:
    s, p = cfg.session, cfg.pipeline
    return SessionSpec(
        course=s.course, title=s.title, instructor=s.instructor, presence_only=p.presence_only,
        sample_interval_s=p.every_s if p.every_s > 0 else 0.001, source=source,
        started_at=started_at,
    )


def run_worker_until_done(worker: Worker, duration: float | None, ended_at=None):
    """Start, wait (Ctrl-C, SIGTERM, end of source or ``duration``), then shut down cleanly."""
    install_signal_handlers(worker.stop)
    worker.start()
    try:
        worker.wait(timeout=duration)
    finally:
        summary = worker.shutdown(ended_at=ended_at() if callable(ended_at) else ended_at)
    return summary


def run_live(cfg: Config, duration: float | None = None) -> int:
    setup_logging(verbose=True)
    problem = check_dashboard_exposure(cfg) if cfg.dashboard.enabled else None
    if problem:
        err(f"error: {problem}")
        return 2
    from capture.sources import CaptureError, ScreenSource

    c = cfg.capture
    db_url = resolve_db_url(cfg)
    region = tuple(c.region) if c.region else None
    probe = ScreenSource(monitor=c.monitor, region=region, fps=c.fps)
    try:  # fail fast at start-up (no display, bad monitor); later outages are retried
        probe.grab()
    except CaptureError as exc:
        err(f"error: capture.monitor/region: cannot capture the screen: {exc}")
        return 2
    finally:
        probe.close()  # mss handles are per-thread: the capture thread opens its own
    source = ScreenSource(monitor=c.monitor, region=region, fps=c.fps)
    label = f"screen:{c.monitor}" + (f":{','.join(map(str, c.region))}" if c.region else "")
    worker = Worker(cfg, db_url, source, session_spec(cfg, label), clock=live_clock, live=True)
    proc = None
    try:
        worker.init_database()  # the dashboard child needs the schema before it starts
        proc = start_dashboard_child(cfg, db_url)
        summary = run_worker_until_done(worker, duration)
    finally:
        stop_child(proc)
    err(f"session {summary.session_id}: {summary.frames} frames, {summary.observations} "
        f"observations, {len(summary.participants)} participants, {summary.dropped_frames} dropped, "
        f"{summary.frames_failed} failed")
    return 0


# ---- analysis of a recording -------------------------------------------------------------------
def probe_video(path: Path) -> tuple[float, int | None]:
    """(frames per second, frame count or None) of a video file, as OpenCV reports them."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ValueError(f"PATH: OpenCV cannot open {path} as a video")
        rate = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()
    return (rate if 0 < rate < 1000 else 25.0), (count if count > 0 else None)


def open_recording(path: Path, fps: float | None):
    """(source, frames-per-second, frame count or None) for a video file or a folder of images.

    Sources are opened unpaced and unsampled: analysis runs as fast as the CPU allows, and the
    stride (``StridedSource``) keeps the video's own frame indices for media time.
    """
    from capture import sources

    if not path.exists():
        raise FileNotFoundError(f"PATH: no such file or folder: {path}")
    if fps is not None and fps <= 0:
        raise ValueError(f"--fps: expected > 0, got {fps}")
    try:
        if path.is_dir():
            src = sources.ImageFolderSource(path, fps=0)
            return src, fps or 1.0, len(src.files)
        rate, count = probe_video(path)
        return sources.VideoFileSource(path), fps or rate, count
    except sources.CaptureError as exc:
        raise ValueError(str(exc)) from None


def analyze_path(cfg: Config, path: Path, fps: float | None = None, as_json: bool = False,
                 started_at: str | None = None, progress: bool = True) -> int:
    setup_logging()
    source, rate, total = open_recording(path, fps)
    if started_at:
        try:
            start = datetime.fromisoformat(started_at)
        except ValueError:
            raise ValueError(f"--started-at: expected ISO 8601, got {started_at!r}") from None
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    else:
        length = (total or 0) / rate
        start = (datetime.now(UTC) - timedelta(seconds=length)).replace(microsecond=0)
    stride = analysis_stride(rate, cfg.pipeline.analysis_fps, cfg.pipeline.every_s)
    source = StridedSource(source, stride)
    if total:
        total = -(-total // stride)
    kind = "folder" if path.is_dir() else "video"
    spec = session_spec(cfg, f"{kind}:{path.resolve()}", start)
    last_t = [0.0]
    bar = _ProgressBar(total, enabled=progress)

    def on_result(frame, _result) -> None:
        last_t[0] = frame.index / rate
        bar.advance()

    worker = Worker(cfg, resolve_db_url(cfg), source, spec, clock=media_clock(start, rate),
                    live=False, on_result=on_result)
    with bar:
        summary = run_worker_until_done(
            worker, None, ended_at=lambda: start + timedelta(seconds=last_t[0] + 1.0 / rate)
        )
    if summary.frames == 0:  # at least one processed frame is a success (exit 0)
        why = worker.health.last_error or "empty"
        if summary.skipped_reasons:
            why += "; skipped: " + ", ".join(f"{n} {r}" for r, n in summary.skipped_reasons.items())
        err(f"error: PATH: no frame of {path} could be read ({why})")
        return 1
    out = summary.as_dict() | {"frames": source.read, "frames_processed": summary.frames,
                               "source": str(path), "fps": rate, "stride": stride}
    if as_json:
        print(json.dumps(out), flush=True)
    else:
        print(f"session {out['session_id']}: {out['frames']} frames, {out['observations']} "
              f"observations, participants: {', '.join(out['participants'])}")
        if summary.frames_failed or summary.frames_skipped:
            print(f"{summary.frames_failed} frames failed, {summary.frames_skipped} skipped "
                  f"{summary.skipped_reasons or ''}".rstrip())
    return 0


def analysis_stride(rate: float, analysis_fps: float, every_s: float) -> int:
    """Process every k-th frame of a recording.

    Why: a 30 fps hour is 108k frames; sampling one observation per 2 s needs a few frames per
    interval (for the EMA), not thirty a second. ``--every 0`` (every frame recorded) and
    ``analysis_fps = 0`` process all frames.
    """
    if every_s == 0 or analysis_fps <= 0 or rate <= analysis_fps:
        return 1
    return max(1, int(rate / analysis_fps))


class StridedSource:
    """Yields every ``stride``-th frame of ``source``, keeping source indices (media time)."""

    def __init__(self, source, stride: int) -> None:
        self.source, self.stride, self.read = source, stride, 0
        # the source's reason -> count of skipped files (health and the summary show it)
        self.skipped = getattr(source, "skipped", {})

    def frames(self):
        for frame in self.source.frames():
            self.read += 1
            if frame.index % self.stride == 0:
                yield frame

    def close(self) -> None:
        self.source.close()


class _ProgressBar:
    """A rich progress bar with ETA on stderr (stdout stays clean for --json)."""

    def __init__(self, total: int | None, enabled: bool = True) -> None:
        self.total, self.enabled = total, enabled
        self._progress = None

    def __enter__(self) -> _ProgressBar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), TimeElapsedColumn(), console=Console(stderr=True),
            )
            self._progress.start()
            self._task = self._progress.add_task("frames", total=self.total)
        return self

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
