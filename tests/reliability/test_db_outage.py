"""The database goes away under a live worker and comes back: no observation is lost (each one
handed to the writer is counted in a side log and found in the database) and none is duplicated.

- SQLite: another process holds an EXCLUSIVE lock on the file for 20 s.
- PostgreSQL: the server is stopped (fast shutdown: every connection is cut) for 30 s, then
  restarted on the same port.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from storage.pgserver import TempPostgres, find_pg_bin
from tests.reliability import faultlog
from tests.reliability.procs import (
    db_frames,
    duplicates,
    finish,
    lost_rows,
    read_log,
    start_worker,
    wait_ready,
)

LOCKER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("LOCKED", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
con.close()
"""


def _check(url: str, sid: int, log, done: dict, fault: str, **detail) -> None:  # noqa: ANN001
    sub = read_log(log)
    stored = db_frames(url, sid)
    lost, _ = lost_rows(sub, stored)
    dup = duplicates(url)
    extra = sum(stored.values()) - sub.rows
    ok = lost == 0 and dup == 0 and extra == 0 and done["writer_dropped"] == 0
    faultlog.record(fault, ok, lost, submitted=sub.rows, stored=sum(stored.values()),
                    duplicates=dup, retries=done["writer_retries"], **detail)
    assert sub.rows > 0 and sub.rows == done["submitted"], (sub.rows, done)
    assert done["writer_retries"] > 0, "the outage never reached the writer: test is vacuous"
    assert (lost, dup, extra, done["writer_dropped"]) == (0, 0, 0, 0), (
        f"lost={lost} duplicated={dup} unexpected={extra} dropped={done['writer_dropped']}")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sqlite_locked_20s_by_another_process(tmp_path):
    db = tmp_path / "locked.db"
    url = f"sqlite:///{db}"
    log = tmp_path / "submitted.log"
    proc = start_worker(url, log, "--duration", "30")
    try:
        sid = wait_ready(proc)
        time.sleep(2.0)
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db), "20"],
                                  stdout=subprocess.PIPE, text=True)
        assert locker.stdout.readline().strip() == "LOCKED"
        t_locked = time.monotonic()
        assert locker.wait(40) == 0
        held = time.monotonic() - t_locked
        done = finish(proc, timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert held >= 19.5
    _check(url, sid, log, done, "SQLite locked 20 s", held_s=round(held, 1))


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_postgres_stopped_30s_then_restarted(tmp_path):
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    server = TempPostgres()  # our own server: stopping the shared one would hurt other tests
    server.start()
    try:
        url = server.create_database("outage")
        log = tmp_path / "submitted.log"
        proc = start_worker(url, log, "--duration", "42")
        try:
            sid = wait_ready(proc)
            time.sleep(2.0)
            server.stop(remove=False)
            t_down = time.monotonic()
            time.sleep(30.0)
            server.start()
            down = time.monotonic() - t_down
            done = finish(proc, timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        _check(url, sid, log, done, "PostgreSQL stopped 30 s", down_s=round(down, 1))
    finally:
        server.stop()
