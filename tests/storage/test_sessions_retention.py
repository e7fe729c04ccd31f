"""Session lifecycle, crash reconciliation, and retention that really deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import queries as q
from storage.models import ClassSession, HealthSample, Observation, Participant
from storage.records import HealthRecord, ObservationRecord, SessionSpec
from storage.sessions import (
    delete_session,
    end_session,
    list_session_ids,
    parse_duration,
    prune,
    reconcile_open_sessions,
    start_session,
)
from storage.writer import Writer
from tests.storage.data import HAPPY, T0, build_known

SECRET = "Zebulon Quixote-Marchetti"  # a name that must vanish from the file after delete


def counts(engine) -> dict[str, int]:  # noqa: ANN001
    with engine.connect() as conn:
        return {
            m.__tablename__: int(conn.execute(select(func.count()).select_from(m)).scalar())
            for m in (ClassSession, Participant, Observation, HealthSample)
        }


def test_start_and_end_session(engine) -> None:  # noqa: ANN001
    sid = start_session(engine, SessionSpec(course="C", title="T", sample_interval_s=1.5))
    info = q.get_session(engine, sid)
    assert info is not None and info.ended_at is None and info.sample_interval_s == 1.5
    assert (datetime.now(UTC) - info.started_at) < timedelta(minutes=1)
    end_session(engine, sid, T0)
    assert q.get_session(engine, sid).ended_at == T0
    with pytest.raises(KeyError, match="9999"):
        end_session(engine, 9999)
    with pytest.raises(ValueError, match="sample_interval_s"):
        start_session(engine, SessionSpec(course="C", title="T", sample_interval_s=0))
    with pytest.raises(ValueError, match="timezone-aware"):
        start_session(engine, SessionSpec(course="C", title="T", started_at=T0.replace(tzinfo=None)))


def test_reconcile_closes_crashed_sessions_at_last_activity(engine) -> None:  # noqa: ANN001
    crashed = start_session(engine, SessionSpec(course="C", title="crashed", started_at=T0))
    empty = start_session(engine, SessionSpec(course="C", title="empty", started_at=T0))
    done = start_session(engine, SessionSpec(course="C", title="done", started_at=T0))
    end_session(engine, done, T0 + timedelta(seconds=1))
    w = Writer(engine).start()
    w.submit_observations([ObservationRecord(crashed, "a", "A", T0 + timedelta(seconds=40), 4,
                                             "face", HAPPY)])
    w.submit_health(HealthRecord(crashed, T0 + timedelta(seconds=42), 1.0, 0, 1, True, True))
    assert w.stop(30)
    assert reconcile_open_sessions(engine) == [crashed, empty]
    assert q.get_session(engine, crashed).ended_at == T0 + timedelta(seconds=42)
    assert q.get_session(engine, empty).ended_at == T0
    assert q.get_session(engine, done).ended_at == T0 + timedelta(seconds=1)
    assert reconcile_open_sessions(engine) == []
    assert list_session_ids(engine, open_only=True) == []


def test_reconcile_leaves_recently_active_sessions_to_other_workers(engine) -> None:  # noqa: ANN001
    live = start_session(engine, SessionSpec(course="C", title="live"))
    old = start_session(engine, SessionSpec(course="C", title="old", started_at=T0))
    assert reconcile_open_sessions(engine, stale_after=timedelta(minutes=2)) == [old]
    assert q.get_session(engine, live).ended_at is None


def test_delete_session_really_deletes(engine) -> None:  # noqa: ANN001
    a, b = build_known(engine)
    before = counts(engine)
    n = delete_session(engine, a)
    after = counts(engine)
    # 1 session + 3 participants + 18 observations + 2 health samples
    assert n == 24 == sum(before.values()) - sum(after.values())
    assert after == {"class_session": 1, "participant": 1, "observation": 2, "health_sample": 0}
    assert q.get_session(engine, a) is None and q.participant_summary(engine, a).empty
    assert q.get_session(engine, b) is not None
    assert delete_session(engine, a) == 0


def test_deleted_names_are_gone_from_the_sqlite_file(tmp_path: Path) -> None:
    from storage.engine import make_engine
    from storage.migrate import upgrade

    path = tmp_path / "secret.db"
    engine = make_engine(str(path))
    upgrade(engine)
    sid = start_session(engine, SessionSpec(course="C", title="T", started_at=T0))
    w = Writer(engine).start()
    w.submit_observations([ObservationRecord(sid, SECRET.lower(), SECRET, T0, 0, "face", HAPPY)])
    assert w.stop(30)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRET.encode() in path.read_bytes()
    assert delete_session(engine, sid) > 0
    engine.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("secret.db")]
    assert all(SECRET.encode() not in p.read_bytes() for p in files)


def test_prune_deletes_only_old_sessions(engine) -> None:  # noqa: ANN001
    a, b = build_known(engine)  # a starts at T0, b one day later
    now = T0 + timedelta(days=91)
    assert prune(engine, timedelta(days=91), now=now) == 0
    n = prune(engine, timedelta(days=90, hours=12), now=now)
    assert n == 24 and list_session_ids(engine) == [b]
    assert prune(engine, timedelta(days=0), now=now) == 4  # b: session, 1 person, 2 obs
    assert counts(engine) == {"class_session": 0, "participant": 0, "observation": 0,
                              "health_sample": 0}


@pytest.mark.parametrize(("text", "seconds"), [("90d", 90 * 86400), ("12h", 43200),
                                               ("30m", 1800), ("45s", 45), ("2w", 1209600),
                                               ("1.5h", 5400)])
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "90", "d", "-3d", "3y", "ninety days"])
def test_parse_duration_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)
