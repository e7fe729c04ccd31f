"""The Writer: idempotent batches, a bounded buffer that counts drops, retries that keep the
buffer, and a long-running reader that never blocks it."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.models import Observation, Participant
from storage.records import ObservationRecord, SessionSpec
from storage.sessions import start_session
from storage.writer import Writer
from tests.storage.data import HAPPY, T0, math_records


def count(engine, model=Observation) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar())


def frames(sid: int, start: int, n: int, people: int = 10) -> list[list[ObservationRecord]]:
    return [
        [ObservationRecord(sid, f"p{i}", f"P {i}", T0 + timedelta(seconds=f), f, "face", HAPPY, i)
         for i in range(people)]
        for f in range(start, start + n)
    ]


@pytest.fixture
def sid(engine) -> int:  # noqa: ANN001
    return start_session(engine, SessionSpec(course="C", title="T", started_at=T0))


def test_resubmitted_records_are_not_duplicated(engine, sid) -> None:  # noqa: ANN001
    recs = math_records(sid)
    w = Writer(engine, batch_size=5).start()
    assert w.submit_observations(recs) and w.submit_observations(recs)
    assert w.stop(30)
    w2 = Writer(engine).start()  # a new process: empty participant cache
    w2.submit_observations(recs)
    assert w2.stop(30)
    assert count(engine) == len(recs) and count(engine, Participant) == 3


def test_participant_rows_track_latest_name_and_order(engine, sid) -> None:  # noqa: ANN001
    w = Writer(engine).start()
    w.submit_observations([ObservationRecord(sid, "k", "Old Name", T0, 0, "face", HAPPY, 4)])
    assert w.flush(30)
    later = T0 + timedelta(seconds=9)
    w.submit_observations([ObservationRecord(sid, "k", "New Name", later, 1, "face", HAPPY, 1)])
    assert w.stop(30)
    with engine.connect() as conn:
        row = conn.execute(select(Participant)).one()
    assert (row.display_name, row.tile_order) == ("New Name", 1)
    assert row.first_seen == T0 and row.last_seen == later


def test_full_buffer_drops_whole_frames_and_counts_them(engine, sid, caplog) -> None:  # noqa: ANN001
    w = Writer(engine, max_buffer=25)
    batches = frames(sid, 0, 3)
    assert w.submit_observations(batches[0]) and w.submit_observations(batches[1])
    with caplog.at_level("ERROR"):
        assert w.submit_observations(batches[2]) is False
    assert w.dropped == 10 and "DROPPED 10 observations" in caplog.text
    w.start()
    assert w.stop(30) and w.written == 20 and count(engine) == 20


def test_records_of_a_deleted_session_are_dropped_loudly_and_writing_goes_on(
    engine, sid, caplog  # noqa: ANN001
) -> None:
    w = Writer(engine, flush_interval_s=0.05).start()
    with caplog.at_level("ERROR"):
        w.submit_observations(frames(sid + 1000, 0, 1)[0])  # no such session: FK violation
        assert w.flush(30)
    assert w.dropped == 10 and "not found" in (w.last_error or "")
    assert f"DROPPED 10 records of deleted session(s) [{sid + 1000}]" in caplog.text
    w.submit_observations(frames(sid, 0, 1)[0])
    assert w.stop(30) and count(engine) == 10


def locked_db(tmp_path, name: str, busy_timeout_ms: int):  # noqa: ANN001, ANN201
    """A migrated SQLite file with a session, and a second connection holding it EXCLUSIVE:
    every write through the returned engine fails with 'database is locked' until released."""
    url = f"sqlite:///{tmp_path / name}"
    upgrade(url)
    engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
    sid = start_session(engine, SessionSpec(course="C", title="T", started_at=T0))
    blocker = sqlite3.connect(tmp_path / name, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    return engine, sid, blocker


def test_locked_sqlite_keeps_buffer_and_retries(tmp_path) -> None:  # noqa: ANN001
    engine, sid, blocker = locked_db(tmp_path, "lock.db", busy_timeout_ms=20)
    w = Writer(engine, flush_interval_s=0.01, max_backoff_s=0.1).start()
    w.submit_observations(frames(sid, 0, 1)[0])
    deadline = time.monotonic() + 10
    while w.retries < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert w.retries >= 3 and "locked" in (w.last_error or "")
    assert w.pending == 10 and w.written == 0 and w.dropped == 0
    blocker.execute("ROLLBACK")
    blocker.close()
    assert w.stop(30) and w.written == 10 and count(engine) == 10


def test_reader_holding_a_long_transaction_does_not_block_the_writer(engine, sid) -> None:  # noqa: ANN001
    w = Writer(engine, batch_size=100, flush_interval_s=0.02).start()
    w.submit_observations(frames(sid, 0, 1)[0])
    assert w.flush(30)
    reader = engine.connect()
    tx = reader.begin()
    if engine.dialect.name == "postgresql":
        reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    seen = reader.execute(select(func.count()).select_from(Observation)).scalar()
    stop = threading.Event()

    def keep_reading() -> None:  # the dashboard polling inside one long transaction
        while not stop.is_set():
            assert reader.execute(select(func.count()).select_from(Observation)).scalar() == seen
            time.sleep(0.005)

    t = threading.Thread(target=keep_reading)
    t.start()
    try:
        for batch in frames(sid, 1, 50):
            assert w.submit_observations(batch)
        assert w.flush(30), w.last_error
    finally:
        stop.set()
        t.join(10)
    assert seen == 10 and count(engine) == 510  # the snapshot held; the writer did not wait
    tx.rollback()
    reader.close()
    assert w.stop(10) and w.retries == 0


def test_flush_needs_a_started_writer(engine) -> None:  # noqa: ANN001
    with pytest.raises(RuntimeError, match="start"):
        Writer(engine).flush(1)
    with pytest.raises(ValueError, match="max_buffer"):
        Writer(engine, max_buffer=0)


@pytest.mark.postgres
@pytest.mark.slow
def test_unreachable_postgres_keeps_buffer_until_it_returns() -> None:
    from storage.pgserver import TempPostgres, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    server = TempPostgres()
    server.start()
    try:
        url = server.create_database("outage")
        engine = make_engine(url, pool_pre_ping=False)
        upgrade(engine)
        sid = start_session(engine, SessionSpec(course="C", title="T", started_at=T0))
        server.stop(remove=False)  # the school's DB server goes away mid-class
        w = Writer(engine, flush_interval_s=0.01, max_backoff_s=0.2).start()
        w.submit_observations(frames(sid, 0, 1)[0])
        deadline = time.monotonic() + 20
        while w.retries < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert w.retries >= 2 and w.pending == 10 and w.dropped == 0
        server.start()  # same data directory and port
        assert w.flush(60), w.last_error
        assert w.stop(10) and count(engine) == 10 and w.dropped == 0
        engine.dispose()
    finally:
        server.stop()


def test_health_only_batches_and_overlong_names_are_written(engine, sid) -> None:  # noqa: ANN001
    from storage import queries as q
    from storage.records import HealthRecord

    w = Writer(engine, flush_interval_s=0.01).start()
    w.submit_health(HealthRecord(sid, T0, 0.0, 0, 0, False, False, None, "screen lost"))
    assert w.flush(30) and w.health_written == 1 and w.dropped == 0
    long = "x" * 5000  # students choose their names
    w.submit_observations([ObservationRecord(sid, long, long, T0, 0, "face", HAPPY, 0),
                           ObservationRecord(sid, long + "y", long, T0, 1, "face", HAPPY, 0)])
    assert w.stop(30) and w.dropped == 0, w.last_error
    assert count(engine) == 2 and count(engine, Participant) == 1
    assert q.health_latest(engine, sid)["last_error"] == "screen lost"


def test_stop_gives_up_on_a_dead_database_and_reports_it(tmp_path, caplog) -> None:  # noqa: ANN001
    engine, sid, blocker = locked_db(tmp_path, "dead.db", busy_timeout_ms=10)
    w = Writer(engine, flush_interval_s=0.01, max_backoff_s=0.05).start()
    w.submit_observations(frames(sid, 0, 1)[0])
    with caplog.at_level("ERROR"):
        assert w.stop(0.3) is False
    assert "10 records NOT written" in caplog.text and w.pending == 10
    assert not w._thread.is_alive()
    blocker.close()


def test_one_bad_record_does_not_take_its_batch_with_it(engine, sid) -> None:  # noqa: ANN001
    good = [r for f in frames(sid, 0, 20) for r in f]
    bad = ObservationRecord(sid, "p3", "P 3", T0, 10**30, "face", HAPPY, 3)  # BIGINT overflow
    w = Writer(engine, batch_size=1000, flush_interval_s=0.01).start()
    w.submit_observations(good[:100] + [bad] + good[100:])
    assert w.stop(30)
    assert w.written == 200 and w.dropped == 1 and count(engine) == 200
