"""``classpulse demo``: a simulated class through the REAL pipeline, with the live dashboard.

Why real: the demo is a newcomer's first look and also our end-to-end smoke test. Synthetic
gallery frames (redistributable faces: FER2013 only if the local ../shared copy exists, else a
public-domain NASA portrait) go through grid detection, OCR, face detection, the classifier and
SQLite exactly as a captured Zoom window would; only the frame source is simulated.
"""

from __future__ import annotations

from pathlib import Path

from classpulse.commands import (
    check_dashboard_exposure,
    err,
    run_worker_until_done,
    session_spec,
    setup_logging,
    start_dashboard_child,
    stop_child,
)
from classpulse.config import Config
from classpulse.worker import Worker, live_clock


def demo_db_url(cfg: Config) -> str:
    """The configured DB, else ``runs/demo.db`` under the current folder: the demo must not mix
    simulated students into a teacher's real sessions."""
    if cfg.storage.db_url:
        return cfg.storage.db_url
    return f"sqlite:///{(Path.cwd() / 'runs' / 'demo.db').absolute()}"


def make_demo_source(participants: int, fps: float, seed: int, realtime: bool = True):
    from classpulse.adapters import synthetic_source_class

    return synthetic_source_class()(n=participants, style="zoom", size=(1920, 1080), fps=fps,
                                  seed=seed, realtime=realtime)


def run_demo(cfg: Config, duration: float | None = None, participants: int = 25,
             fps: float = 2.0, seed: int = 7) -> int:
    setup_logging()
    problem = check_dashboard_exposure(cfg) if cfg.dashboard.enabled else None
    if problem:
        err(f"error: {problem}")
        return 2
    db_url = demo_db_url(cfg)
    source = make_demo_source(participants, fps, seed)
    spec = session_spec(cfg, "demo")
    worker = Worker(cfg, db_url, source, spec, clock=live_clock, live=True)
    proc = None
    try:
        worker.init_database()  # the dashboard child needs the schema before it starts
        print(f"ClassPulse demo: {participants} simulated participants -> {db_url}", flush=True)
        proc = start_dashboard_child(cfg, db_url)
        if proc is None:
            print("dashboard disabled (--no-dashboard)", flush=True)
        else:
            print("Open the address above in a browser; Ctrl-C stops the demo.", flush=True)
        summary = run_worker_until_done(worker, duration)
    finally:
        stop_child(proc)
    print(f"demo session {summary.session_id}: {summary.frames} frames, {summary.observations} "
          f"observations, {len(summary.participants)} participants", flush=True)
    return 0
