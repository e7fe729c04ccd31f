"""Rosters in the database (SQLite and PostgreSQL): import and re-import, aliases round trip,
deletion that really deletes, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.records import SessionSpec
from storage.roster_csv import RosterRow
from storage.rosters import (
    add_alias,
    delete_roster,
    import_roster,
    list_rosters,
    prune_rosters,
    roster_matcher,
    roster_students,
)
from storage.sessions import start_session
from tests.storage.data import T0

ROWS = [RosterRow("Chloé Dubois", "s1", "c@x.org", ("Clo",)), RosterRow("Ben Okafor", "s2"),
        RosterRow("김수영", "s3")]


def names(engine, course: str = "Math") -> list[str]:  # noqa: ANN001
    return [s.name for s in roster_students(engine, course)]


def test_import_then_reimport_updates_replaces_and_keeps_aliases(engine) -> None:  # noqa: ANN001
    s = import_roster(engine, "Math", ROWS)
    assert (s.added, s.updated, s.removed, s.aliases) == (3, 0, 0, 1)
    assert names(engine) == ["Ben Okafor", "Chloé Dubois", "김수영"]
    add_alias(engine, "Math", "iPad (2)", "Ben Okafor")
    # Chloé renamed (same id), Ben kept, 김수영 gone, Dara new
    s = import_roster(engine, "Math", [RosterRow("Chloé Dubois-Martin", "s1"),
                                       RosterRow("Ben Okafor", "s2"), RosterRow("Dara Novak")])
    assert (s.added, s.updated, s.removed) == (1, 2, 1)
    students = {st.name: st for st in roster_students(engine, "Math")}
    assert set(students) == {"Chloé Dubois-Martin", "Ben Okafor", "Dara Novak"}
    assert students["Ben Okafor"].aliases == ("iPad (2)",)  # the instructor's alias survived
    assert students["Chloé Dubois-Martin"].aliases == ("Clo",)
    assert list_rosters(engine)[0][:2] == ("Math", 3)
    assert roster_students(engine, "Bio") is None


def test_alias_round_trip_is_used_by_the_matcher(engine) -> None:  # noqa: ANN001
    import_roster(engine, "Math", ROWS)
    matcher, _ = roster_matcher(engine, "Math")
    assert matcher.match("Galaxy S21").status == "unmatched"
    ben = add_alias(engine, "Math", "Galaxy S21", "ben okafor")
    matcher, _ = roster_matcher(engine, "Math")
    m = matcher.match("GALAXY S21")
    assert (m.status, m.key, m.reason) == ("matched", ben.id, "alias")
    chloe = add_alias(engine, "Math", "Galaxy S21", "s1")  # by student id; now means Chloé
    m = roster_matcher(engine, "Math")[0].match("Galaxy S21")
    assert m.key == chloe.id and chloe.name == "Chloé Dubois"


def test_alias_errors(engine) -> None:  # noqa: ANN001
    with pytest.raises(KeyError, match="no roster"):
        add_alias(engine, "Math", "x", "Ben Okafor")
    import_roster(engine, "Math", [*ROWS, RosterRow("Ben Okafor")])
    with pytest.raises(KeyError, match="no student named 'Nobody'"):
        add_alias(engine, "Math", "x", "Nobody")
    with pytest.raises(ValueError, match="2 times; give the student_id"):
        add_alias(engine, "Math", "x", "Ben Okafor")


def test_delete_and_prune(engine) -> None:  # noqa: ANN001
    import_roster(engine, "Math", ROWS)
    import_roster(engine, "Bio", ROWS[:1])
    assert delete_roster(engine, "Nope") == 0
    assert delete_roster(engine, "Bio") == 3  # alias, student, roster
    assert [c for c, *_ in list_rosters(engine)] == ["Math"]
    later = T0 + timedelta(days=400)
    start_session(engine, SessionSpec(course="Math", title="t", started_at=later))
    now = datetime.now(UTC)
    assert prune_rosters(engine, timedelta(days=1), now=now + timedelta(days=3)) == 0  # in use
    assert prune_rosters(engine, timedelta(days=1), now=later + timedelta(days=30)) == 5
    assert list_rosters(engine) == []


def test_deleted_roster_names_are_gone_from_the_sqlite_file(tmp_path: Path) -> None:
    from storage.engine import make_engine
    from storage.migrate import upgrade

    secret = "Zebulon Quixote-Marchetti"
    path = tmp_path / "r.db"
    engine = make_engine(str(path))
    upgrade(engine)
    import_roster(engine, "Math", [RosterRow(secret, "s9", "zq@x.org", ("Zeb Q",))])
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert secret.encode() in path.read_bytes()
    assert delete_roster(engine, "Math") > 0
    engine.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("r.db"))
    for form in (secret, "zebulon quixote marchetti", "zq@x.org", "Zeb Q"):
        assert form.encode() not in raw, form
