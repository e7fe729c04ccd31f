"""A writer process SIGKILLed in the middle of a batch leaves a consistent database that holds
only whole batches, and a restarted writer completes it without duplicates."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.models import Observation
from storage.records import SessionSpec
from storage.sessions import reconcile_open_sessions, start_session
from storage.writer import Writer
from tests.storage.data import T0
from tests.storage.test_writer import frames

ROOT = Path(__file__).resolve().parents[2]
BATCH, PEOPLE = 5_000, 50


def run_and_kill(url: str, sid: int, kill_at_begin: int, delay_s: float, log: Path) -> None:
    with open(log, "w") as err:  # a file, not a pipe: a full pipe would block the child
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.storage.crash_writer", url, str(sid), str(BATCH),
             str(PEOPLE)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
        )
    try:
        begins = 0
        deadline = time.monotonic() + 120
        while begins < kill_at_begin:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"crash_writer exited early: {log.read_text()[-2000:]}")
            begins += line.strip() == "BEGIN"
            assert time.monotonic() < deadline, "crash_writer too slow"
        time.sleep(delay_s)  # building or inserting the rows of a 5,000-row batch
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        after = proc.stdout.read().split()
        assert "COMMIT" not in after, "the batch committed before the kill: not mid-batch"
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def check_consistent(engine, sid: int, whole_batches: bool = True) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).where(Observation.session_id == sid)
        ).scalar()
        per_frame = conn.execute(
            select(Observation.frame_index, func.count())
            .where(Observation.session_id == sid)
            .group_by(Observation.frame_index)
        ).all()
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    if whole_batches:
        assert n >= BATCH and n % BATCH == 0, f"{n} rows: not a whole number of {BATCH}-row batches"
    assert sorted(f for f, _ in per_frame) == list(range(n // PEOPLE))
    assert all(c == PEOPLE for _, c in per_frame)
    return int(n)


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_only_whole_batches(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    rng = random.Random(7)
    rounds = 2 if engine.dialect.name == "sqlite" else 1
    for i in range(rounds):
        sid = start_session(engine, SessionSpec(course="C", title=f"crash {i}", started_at=T0))
        run_and_kill(db_url, sid, kill_at_begin=3 + i, delay_s=rng.uniform(0.0, 0.01),
                     log=tmp_path / f"writer{i}.log")
        n = check_consistent(engine, sid)
        # Restart: the session a crash left open is closed, and resubmitting everything that
        # was in flight (and more) adds no duplicates.
        assert sid in reconcile_open_sessions(engine)
        w = Writer(engine).start()
        for batch in frames(sid, 0, n // PEOPLE + 10, PEOPLE):
            assert w.submit_observations(batch)
        assert w.stop(60), w.last_error
        assert check_consistent(engine, sid, whole_batches=False) == n + 10 * PEOPLE
