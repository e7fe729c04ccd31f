"""Process helpers shared by the reliability tests: start the worker helper, wait for READY,
read the submitted-records log back, count what reached the database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


@dataclass
class Submitted:
    """What the worker handed to its writer: frame index -> (records, submit wall time)."""

    frames: dict[int, tuple[int, float]]

    @property
    def rows(self) -> int:
        return sum(n for n, _ in self.frames.values())


def read_log(path: Path) -> Submitted:
    frames: dict[int, tuple[int, float]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3:  # a torn last line (killed mid-write) is ignored
                frames[int(parts[0])] = (int(parts[1]), float(parts[2]))
    return Submitted(frames)


def start_worker(db_url: str, log: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "-m", "tests.reliability.worker_proc", db_url, str(log), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def wait_ready(proc: subprocess.Popen, timeout: float = 60) -> int:
    """The session id the worker announced; fails with its stderr if it died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY "):
            return int(line.split()[1])
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"worker never became ready: {proc.stderr.read()[-3000:]}")


def finish(proc: subprocess.Popen, timeout: float = 60) -> dict:
    """Wait for a clean exit and return the DONE summary."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker exit {proc.returncode}: {err[-3000:]}"
    done = [ln for ln in out.splitlines() if ln.startswith("DONE ")]
    assert done, f"no DONE line: {out[-2000:]} {err[-2000:]}"
    return json.loads(done[-1][5:])


def kill9(proc: subprocess.Popen) -> float:
    """SIGKILL now; returns the wall time of the kill."""
    t = time.time()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    for stream in (proc.stdout, proc.stderr):
        stream.close()
    return t


def db_frames(db_url: str, session_id: int) -> dict[int, int]:
    """frame index -> observation rows stored for one session."""
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(text(
                "select frame_index, count(*) from observation where session_id = :s "
                "group by frame_index"), {"s": session_id}).all()
    finally:
        eng.dispose()
    return {int(f): int(n) for f, n in rows}


def duplicates(db_url: str) -> int:
    """Observation rows beyond one per (participant, frame): must always be 0."""
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            total = conn.execute(text("select count(*) from observation")).scalar()
            distinct = conn.execute(text(
                "select count(*) from (select distinct participant_id, frame_index "
                "from observation) d")).scalar()
    finally:
        eng.dispose()
    return int(total) - int(distinct)


def lost_rows(sub: Submitted, stored: dict[int, int]) -> tuple[int, list[float]]:
    """(rows submitted but not stored, submit times of the frames they came from)."""
    lost, times = 0, []
    for frame, (n, t) in sub.frames.items():
        missing = n - stored.get(frame, 0)
        if missing > 0:
            lost += missing
            times.append(t)
    return lost, times
