"""kill -9 at 20 random moments of a live run: the SQLite file passes ``PRAGMA integrity_check``,
at most the last unflushed batch is lost (every lost observation was submitted in the 2 s before
the kill), nothing is duplicated, and the next start closes the session the crash left open.

The worker is the real ``Worker`` + ``Writer`` + SQLite in its own process
(tests/reliability/worker_proc.py); only the detectors are fakes, so each trial takes ~2 s.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from tests.reliability import faultlog
from tests.reliability.procs import (
    db_frames,
    duplicates,
    finish,
    kill9,
    lost_rows,
    read_log,
    start_worker,
    wait_ready,
)

TRIALS = 20
MAX_LOSS_S = 2.0  # the bound: at most the last unflushed batch, <= 2 s of observations
SEED = 20261122


def _integrity(db) -> str:  # noqa: ANN001
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _session(url: str, sid: int) -> tuple[datetime | None, float | None]:
    """(ended_at, last activity: newest observation/health time, else the start)."""
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            ended = conn.execute(text("select ended_at from class_session where id = :s"),
                                 {"s": sid}).scalar()
            started = conn.execute(text("select started_at from class_session where id = :s"),
                                   {"s": sid}).scalar()
            last = conn.execute(text(
                "select max(t) from (select t from observation where session_id = :s "
                "union all select t from health_sample where session_id = :s) x"),
                {"s": sid}).scalar()
    finally:
        eng.dispose()
    ended, started = _aware(ended), _aware(started)
    # a session killed before its first row ends where it started (storage.sessions' rule)
    last = started.timestamp() if last is None else max(float(last), started.timestamp())
    return ended, last


def _aware(value):  # noqa: ANN001, ANN202
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_kill9_twenty_random_moments(tmp_path):
    rng = random.Random(SEED)
    db = tmp_path / "kill.db"
    url = f"sqlite:///{db}"
    previous: int | None = None
    failures: list[str] = []
    for trial in range(TRIALS):
        log = tmp_path / f"submitted-{trial}.log"
        proc = start_worker(url, log)
        sid = wait_ready(proc)
        if previous is not None:  # the start we just watched must have closed the last crash
            ended, last = _session(url, previous)
            if ended is None or last is None or abs(ended.timestamp() - last) > 1e-3:
                failures.append(f"trial {trial}: session {previous} not reconciled: "
                                f"ended_at={ended} last activity={last}")
        delay = rng.uniform(0.1, 3.0)
        time.sleep(delay)
        killed_at = kill9(proc)
        check = _integrity(db)
        sub = read_log(log)
        lost, times = lost_rows(sub, db_frames(url, sid))
        late = [killed_at - t for t in times if killed_at - t > MAX_LOSS_S]
        dup = duplicates(url)
        ok = check == "ok" and not late and dup == 0
        faultlog.record("kill -9 worker (SQLite)", ok, lost, trial=trial, delay_s=round(delay, 3),
                        submitted=sub.rows, integrity=check, oldest_lost_s=max(
                            [killed_at - t for t in times], default=0.0), duplicates=dup)
        if not ok:
            failures.append(f"trial {trial}: integrity={check!r} dup={dup} lost={lost} rows "
                            f"submitted up to {max(late, default=0):.2f} s before the kill")
        previous = sid
    # one more clean start: reconciles the last crash, then runs and stops normally
    log = tmp_path / "final.log"
    proc = start_worker(url, log, "--duration", "1")
    wait_ready(proc)
    finish(proc)
    ended, last = _session(url, previous)
    assert ended is not None and last is not None and abs(ended.timestamp() - last) < 1e-3
    eng = create_engine(url)
    with eng.connect() as conn:
        open_ = conn.execute(text("select count(*) from class_session where ended_at is null"))
        assert open_.scalar() == 0
    eng.dispose()
    assert not failures, "\n".join(failures)
