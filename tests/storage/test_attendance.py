"""Attendance of a hand-made presence-only session whose every number is known, on SQLite and
PostgreSQL: late, left early, absent, two devices merged, an unmatched label, the CSV contract."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from storage.attendance import (
    CSV_HEADER,
    AttendanceRules,
    export_attendance_csv,
    gini,
    participation,
    session_attendance,
)
from storage.records import ObservationRecord, SessionSpec
from storage.roster_csv import RosterRow
from storage.rosters import add_alias, import_roster
from storage.sessions import end_session, start_session
from storage.writer import Writer
from tests.storage.data import T0

ROSTER = [RosterRow("Chloé Dubois", "s1"), RosterRow("Ben Okafor", "s2"), RosterRow("김수영", "s3"),
          RosterRow("Dara Novak", "s4"), RosterRow("Eve Marchetti", "s5")]
FRAMES = 600  # 20 minutes, one observation per person every 2 s


def seen_at(f: int) -> dict[str, tuple[str, bool, bool]]:
    """label -> (key, camera on, speaking) of everyone on screen at frame f."""
    out = {"chloe dubois": ("a", True, f < 30), "=Teaching Assistant": ("ta", True, False),
           "Dara Novak": ("d1", False, False), "Dara's iPad": ("d2", True, 100 <= f < 110)}
    if f >= 300:
        out["Ben Okafor"] = ("b", f < 450, False)
    if f < 150:
        out["(초급)김수영"] = ("k", True, False)
    return out


def build(engine, course: str = "Math") -> int:  # noqa: ANN001
    sid = start_session(engine, SessionSpec(course=course, title="t", presence_only=True,
                                            sample_interval_s=2.0, started_at=T0))
    w = Writer(engine).start()
    for f in range(FRAMES):
        ts = T0 + timedelta(seconds=2 * f)
        w.submit_observations([
            ObservationRecord(sid, key, label, ts, f, "face" if cam else "camera_off", None, i,
                              speaking=speak)
            for i, (label, (key, cam, speak)) in enumerate(seen_at(f).items())], block=True)
    assert w.stop(60)
    end_session(engine, sid, T0 + timedelta(seconds=2 * FRAMES))
    return sid


def test_attendance_of_a_known_session(engine) -> None:  # noqa: ANN001
    import_roster(engine, "Math", ROSTER)
    add_alias(engine, "Math", "Dara's iPad", "Dara Novak")
    sid = build(engine)
    att = session_attendance(engine, sid)
    assert att.has_roster and att.interval_s == 2.0
    rows = {r.name: r for r in att.rows}
    got = {n: (r.on_roster, r.status, r.seconds_present, r.seconds_camera_on, r.seconds_speaking)
           for n, r in rows.items()}
    assert got == {
        "Chloé Dubois": (True, "present", 1200, 1200, 60),
        "Ben Okafor": (True, "late", 600, 300, 0),
        "김수영": (True, "left early", 300, 300, 0),
        "Dara Novak": (True, "present", 1200, 1200, 20),  # two devices, counted once
        "Eve Marchetti": (True, "absent", 0, 0, 0),
        "=Teaching Assistant": (False, "present", 1200, 1200, 0),
    }
    assert [r.name for r in att.rows][-1] == "=Teaching Assistant"  # off-roster rows last
    assert rows["Ben Okafor"].first_seen == T0 + timedelta(seconds=600)
    assert rows["김수영"].last_seen == T0 + timedelta(seconds=298)
    assert rows["Eve Marchetti"].first_seen is None
    assert set(rows["Dara Novak"].labels) == {"Dara Novak", "Dara's iPad"}

    p = participation(att)
    assert (p.attendees, p.roster_size, p.attendance_rate, p.spoke, p.speaking_s) == (
        5, 5, 0.8, 2, 80)
    assert p.top20_share == pytest.approx(0.75)
    assert dict(p.histogram) == {"none": 3, "< 30 s": 1, "30 s - 2 min": 1, "2 - 5 min": 0,
                                 "> 5 min": 0}

    buf = io.StringIO()
    assert export_attendance_csv(att, buf) == 6
    table = list(csv.reader(io.StringIO(buf.getvalue())))
    assert table[0] == CSV_HEADER
    assert table[1] == ["Ben Okafor", "true", "late", "2026-03-02T10:10:00.000+00:00",
                        "2026-03-02T10:19:58.000+00:00", "600", "300", "0"]
    assert table[-1][:3] == ["'=Teaching Assistant", "false", "present"]  # CSV injection


def test_thresholds_come_from_the_rules_and_no_roster_lists_everyone(engine) -> None:  # noqa: ANN001
    sid = build(engine, course="No roster here")
    strict = AttendanceRules(late_after_s=0, left_early_before_end_s=0, min_present_s=400)
    att = session_attendance(engine, sid, strict)
    assert not att.has_roster and not any(r.on_roster for r in att.rows)
    status = {r.name: r.status for r in att.rows}
    assert status["(초급)김수영"] == "absent" and status["Ben Okafor"] == "late"
    assert status["chloe dubois"] == "present"
    assert participation(att).attendance_rate is None
    with pytest.raises(KeyError, match="no such session"):
        session_attendance(engine, 999)


def test_gini() -> None:
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 12]) == pytest.approx(0.75)
    assert gini([]) == 0.0


def test_an_ambiguous_label_is_reported_not_guessed(engine) -> None:  # noqa: ANN001
    import_roster(engine, "Twins", [RosterRow("Min Kim", "1"), RosterRow("Min Kim", "2")])
    sid = start_session(engine, SessionSpec(course="Twins", title="t", started_at=T0))
    w = Writer(engine).start()
    w.submit_observations([ObservationRecord(sid, "mk", "min kim", T0 + timedelta(seconds=2 * f),
                                             f, "face") for f in range(60)])
    assert w.stop(30)
    end_session(engine, sid, T0 + timedelta(seconds=120))
    rows = session_attendance(engine, sid).rows
    assert [(r.name, r.on_roster, r.status) for r in rows] == [
        ("Min Kim", True, "absent"), ("Min Kim", True, "absent"), ("min kim", False, "present")]
    assert rows[2].match == "ambiguous" and rows[2].candidates == ("Min Kim", "Min Kim")
    add_alias(engine, "Twins", "min kim", "2")  # the instructor settles it, by student id
    rows = session_attendance(engine, sid).rows
    assert [(r.on_roster, r.status, r.seconds_present) for r in rows] == [
        (True, "absent", 0), (True, "present", 120)]
