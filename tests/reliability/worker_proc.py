"""A real ClassPulse ``Worker`` (real Writer, real SQLite/PostgreSQL, real session lifecycle) in
its own process, fed by a fast fake gallery, for fault trials that kill or starve it.

Why fakes for the detectors: the faults under test (kill -9, a locked or vanished database) hit
the worker, the writer and the database; OCR and face detection would only make each trial
slower and less deterministic. Every frame's records are appended to ``--log`` right after they
were handed to the writer (``os.write`` on an O_APPEND fd, so the line survives a SIGKILL), which
lets the test count exactly which submitted observations reached the database.

Usage: python -m tests.reliability.worker_proc DB_URL LOG [--duration S] [--fps F]
Prints ``READY <session_id>`` once the session is open, ``DONE <json>`` after a clean shutdown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from classpulse import adapters
from classpulse.config import load_config, overrides
from classpulse.worker import Worker, install_signal_handlers, live_clock
from storage.records import SessionSpec
from tests.classpulse import fakes


def install_fakes() -> None:
    """The same fake stages as tests/classpulse/test_worker.py, without pytest."""
    adapters.make_grid_detector = lambda: fakes.FakeGrid()
    adapters.make_name_reader = lambda *_: fakes.FakeNames()
    adapters.make_face_detector = lambda: fakes.FakeFaces()
    adapters.make_classifier = lambda path: fakes.FakeClassifier()
    adapters.crop_for_fer = fakes.fake_crop
    adapters.normalize_name = lambda s: " ".join((s or "").split())
    adapters.identity_key = lambda n, o: n.casefold() or f"tile-{o}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("db_url")
    ap.add_argument("log")
    ap.add_argument("--duration", type=float, default=600.0)
    ap.add_argument("--fps", type=float, default=20.0)
    ap.add_argument("--health", type=float, default=0.5)
    args = ap.parse_args(argv)
    install_fakes()
    cfg = load_config(None, overrides(pipeline__every_s=0.0, pipeline__health_interval_s=args.health,
                                      capture__queue_size=64))
    fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def on_result(frame, result) -> None:  # noqa: ANN001
        if result.records:
            line = f"{frame.index} {len(result.records)} {time.time():.6f}\n"
            os.write(fd, line.encode())

    source = fakes.FakeSource(10**9, delay=1.0 / args.fps)
    worker = Worker(cfg, args.db_url, source, SessionSpec("Reliability", "fault trial"),
                    clock=live_clock, live=True, on_result=on_result)
    install_signal_handlers(worker.stop)
    worker.start()
    print(f"READY {worker.session_id}", flush=True)
    try:
        worker.wait(timeout=args.duration)
    finally:
        summary = worker.shutdown()
        os.close(fd)
    out = summary.as_dict() | {"writer_dropped": worker.writer.dropped,
                               "writer_retries": worker.writer.retries,
                               "submitted": worker.inference.observations}
    print("DONE " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
