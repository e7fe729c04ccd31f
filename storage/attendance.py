"""Attendance and participation of one session, resolved against the course roster at query time.

Why at query time: participants keep the key the worker gave them (what OCR read), and the
mapping to roster students is computed here from the current roster and its aliases. An alias
added today therefore fixes past sessions too, the worker and the schema of sessions stay as
they are, and one student seen on two devices (two participants) is merged into one row.

Time: each observation stands for ``interval`` seconds of class (the session's sample interval,
or the frame spacing when every frame was recorded), clipped at the session's end. Merged
students are counted on the union of their sample slots, so two devices never double the time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, case, func, select, text

from storage.export import _iso, _open, neutralise
from storage.matching import Matcher
from storage.models import STATE_CAMERA_OFF, ClassSession, Observation, Participant, ifloor
from storage.rosters import StudentInfo, roster_matcher

STATUSES = ("present", "late", "left early", "absent")
# The export's columns are a contract (we measure with them): add columns only at the end.
CSV_HEADER = ["name", "on_roster", "status", "first_seen", "last_seen", "seconds_present",
              "seconds_camera_on", "seconds_speaking"]


@dataclass(frozen=True, slots=True)
class AttendanceRules:
    """Thresholds, in seconds (config section ``[attendance]``)."""

    late_after_s: float = 300.0  # first seen later than this after the start: late
    left_early_before_end_s: float = 300.0  # last seen this long before the end: left early
    min_present_s: float = 60.0  # seen for less than this in total: absent

    def __post_init__(self) -> None:
        for name in ("late_after_s", "left_early_before_end_s", "min_present_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"AttendanceRules.{name}: expected >= 0, got {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """One roster student, or one participant not matched to the roster."""

    name: str  # the roster name, or the name as shown
    on_roster: bool
    status: str
    first_seen: datetime | None
    last_seen: datetime | None
    seconds_present: float
    seconds_camera_on: float
    seconds_speaking: float
    labels: tuple[str, ...] = ()  # names as shown on screen (several: several devices)
    match: str = ""  # matched / ambiguous / unmatched ("" for an absent roster student)
    candidates: tuple[str, ...] = ()  # roster names an ambiguous label could be
    student_pk: int | None = None  # roster_student.id


@dataclass(frozen=True, slots=True)
class Attendance:
    session_id: int
    course: str
    has_roster: bool
    started_at: datetime
    ended_at: datetime
    interval_s: float
    rows: tuple[AttendanceRow, ...] = field(default=())


@dataclass(slots=True)
class _Seen:
    n: int
    first: float
    last: float
    cam: int
    speak_n: int  # speaking rows without seconds (a writer that stores only the flag): iv each
    speak_s: float  # seconds of speaking the worker integrated over every processed frame


def _session(conn, session_id: int):  # noqa: ANN001, ANN202
    row = conn.execute(select(ClassSession.__table__).where(ClassSession.id == session_id)
                       ).first()
    if row is None:
        raise KeyError(f"session {session_id}: no such session")
    return row


def _interval(conn, session_id: int, sample_interval_s: float) -> float:  # noqa: ANN001
    """The sample interval; when every frame was recorded (``--every 0`` stores a tiny
    interval), the frame spacing instead."""
    if sample_interval_s >= 0.05:
        return float(sample_interval_s)
    lo, hi, frames = conn.execute(
        select(func.min(Observation.t), func.max(Observation.t),
               func.count(func.distinct(Observation.frame_index)))
        .where(Observation.session_id == session_id)).one()
    spacing = (hi - lo) / (frames - 1) if frames and frames > 1 else 0.0
    return max(float(sample_interval_s), spacing, 1e-3)


def _speaking_sql(dialect: str):  # noqa: ANN202
    """Speaking samples per participant from the partial index. SQLite's planner (without
    ANALYZE statistics) prefers the wider person index and reads every row, so it is named."""
    hint = " INDEXED BY ix_observation_speaking" if dialect == "sqlite" else ""
    truth = "1" if dialect == "sqlite" else "true"
    return text(f"SELECT session_id, participant_id, count(*) - count(speaking_s), "
                f"coalesce(sum(speaking_s), 0) FROM observation{hint} "
                f"WHERE session_id IN :ids AND speaking = {truth} "
                "GROUP BY session_id, participant_id").bindparams(bindparam("ids", expanding=True))


def _seen_by_session(conn, ids: list[int]) -> dict[int, dict[int, _Seen]]:  # noqa: ANN001
    """Per session and participant: samples, first/last time, camera-on samples (one
    covering-index scan), and speaking samples (the partial index of speaking rows)."""
    o = Observation
    q = (select(o.session_id, o.participant_id, func.count(), func.min(o.t), func.max(o.t),
                func.sum(case((o.state_code != STATE_CAMERA_OFF, 1), else_=0)))
         .where(o.session_id.in_(ids)).group_by(o.session_id, o.participant_id))
    speak = {(int(s), int(p)): (int(n), float(secs)) for s, p, n, secs in
             conn.execute(_speaking_sql(conn.dialect.name), {"ids": ids})}
    out: dict[int, dict[int, _Seen]] = {}
    for sid, p, n, a, b, c in conn.execute(q):
        out.setdefault(int(sid), {})[int(p)] = _Seen(int(n), float(a), float(b), int(c or 0),
                                                     *speak.get((int(sid), int(p)), (0, 0.0)))
    return out


def _people_by_session(conn, ids: list[int]) -> dict[int, list]:  # noqa: ANN001
    out: dict[int, list] = {}
    for sid, *rest in conn.execute(
            select(Participant.session_id, Participant.id, Participant.display_name,
                   Participant.key).where(Participant.session_id.in_(ids))
            .order_by(Participant.id)):
        out.setdefault(int(sid), []).append(rest)
    return out


def _merged(conn, session_id: int, pids: list[int], start: float, iv: float) -> _Seen:  # noqa: ANN001
    """One student on several devices: the union of their sample slots."""
    o = Observation
    slot = ifloor((o.t - start) / iv)
    q = (select(slot, func.min(o.t), func.max(case((o.state_code != STATE_CAMERA_OFF, 1),
                                                     else_=0)),
                func.max(case((o.speaking, func.coalesce(o.speaking_s, iv)), else_=0.0)))
         .where(o.session_id == session_id, o.participant_id.in_(pids)).group_by(slot))
    rows = conn.execute(q).all()
    ts = [float(t) for _, t, _, _ in rows]
    return _Seen(len(rows), min(ts), max(ts), sum(int(c) for *_, c, _ in rows), 0,
                 sum(float(s) for *_, s in rows))


def _row(name: str, on_roster: bool, seen: _Seen | None, start: float, end: float, iv: float,
         rules: AttendanceRules, **extra) -> AttendanceRow:
    if seen is None:
        return AttendanceRow(name, on_roster, "absent", None, None, 0.0, 0.0, 0.0, **extra)
    present = max(0.0, seen.n * iv - max(0.0, seen.last + iv - end))
    cam, speak = min(seen.cam * iv, present), min(seen.speak_s + seen.speak_n * iv, present)
    if present < rules.min_present_s:
        status = "absent"
    elif seen.first - start > rules.late_after_s:
        status = "late"
    elif end - min(seen.last + iv, end) > rules.left_early_before_end_s:
        status = "left early"
    else:
        status = "present"
    return AttendanceRow(name, on_roster, status, datetime.fromtimestamp(seen.first, UTC),
                         datetime.fromtimestamp(seen.last, UTC), round(present, 3),
                         round(cam, 3), round(speak, 3), **extra)


def session_attendance(engine: Engine, session_id: int,
                       rules: AttendanceRules | None = None) -> Attendance:
    """Every roster student (absent ones too) and every participant not on the roster."""
    with engine.connect() as conn:
        s = _session(conn, session_id)
        return _build(engine, conn, s, _seen_by_session(conn, [session_id]),
                      _people_by_session(conn, [session_id]), {}, rules or AttendanceRules())


def _build(engine, conn, s, seen_all, people_all, rosters: dict, rules) -> Attendance:  # noqa: ANN001
    """One session's attendance from pre-fetched rows; ``rosters`` caches matchers by course."""
    iv = _interval(conn, s.id, s.sample_interval_s)
    seen = seen_all.get(int(s.id), {})
    start = s.started_at.timestamp()
    last_obs = max((v.last for v in seen.values()), default=start)
    end = s.ended_at.timestamp() if s.ended_at else last_obs + iv
    if s.course not in rosters:
        rosters[s.course] = roster_matcher(engine, s.course) if s.course else None
    found = rosters[s.course]
    rows = _resolve(conn, s.id, people_all.get(int(s.id), []), seen, found, start, end, iv,
                    rules)
    return Attendance(int(s.id), s.course, found is not None, s.started_at,
                      datetime.fromtimestamp(end, UTC), iv, tuple(rows))


def _resolve(conn, session_id, people, seen, found, start, end, iv, rules):  # noqa: ANN001, ANN202
    """Rows: roster students by name, then participants off the roster by name."""
    matcher, students = found if found else (Matcher([]), [])
    by_pk: dict[int, StudentInfo] = {s.id: s for s in students}
    mine: dict[int, list[tuple[int, str]]] = {}
    off: list[AttendanceRow] = []
    for pid, display, key in people:
        label = display or key
        m = matcher.match(label) if students else None
        if m is not None and m.status == "matched":
            mine.setdefault(m.key, []).append((int(pid), label))
            continue
        extra = {"labels": (label,), "match": m.status if m else "unmatched",
                 "candidates": tuple(by_pk[k].name for k in m.candidates) if m else ()}
        off.append(_row(label, False, seen.get(int(pid)), start, end, iv, rules, **extra))
    rows: list[AttendanceRow] = []
    for st in students:
        hits = mine.get(st.id, [])
        pids = [p for p, _ in hits if p in seen]
        if len(pids) > 1:
            got = _merged(conn, session_id, pids, start, iv)
        else:
            got = seen.get(pids[0]) if pids else None
        rows.append(_row(st.name, True, got, start, end, iv, rules,
                         labels=tuple(lbl for _, lbl in hits), match="matched" if hits else "",
                         student_pk=st.id))
    return rows + sorted(off, key=lambda r: r.name.casefold())


# ---- class-level participation ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Participation:
    """How the class took part, as a distribution: never a ranking of students."""

    attendees: int  # not absent
    roster_size: int  # 0 without a roster
    attendance_rate: float | None  # attendees on the roster / roster size
    spoke: int  # attendees with any speaking time
    speaking_s: float
    top20_share: float | None  # share of speaking time by the 20 % who spoke most
    gini: float | None
    histogram: tuple[tuple[str, int], ...]  # speaking-time band -> attendees


BANDS = (("none", 0.0), ("< 30 s", 30.0), ("30 s - 2 min", 120.0), ("2 - 5 min", 300.0),
         ("> 5 min", math.inf))


def participation(att: Attendance) -> Participation:
    rows = [r for r in att.rows if r.status != "absent"]
    speech = sorted((r.seconds_speaking for r in rows), reverse=True)
    total = sum(speech)
    roster = [r for r in att.rows if r.on_roster]
    rate = (sum(r.status != "absent" for r in roster) / len(roster)) if roster else None
    top = speech[: max(1, math.ceil(0.2 * len(speech)))] if speech else []
    return Participation(
        len(rows), len(roster), rate, sum(s > 0 for s in speech), total,
        (sum(top) / total) if total > 0 else None, gini(speech) if total > 0 else None,
        tuple((label, _count_band(speech, i)) for i, (label, _) in enumerate(BANDS)))


def _count_band(values: Iterable[float], i: int) -> int:
    lo = 0.0 if i == 0 else BANDS[i - 1][1]
    hi = BANDS[i][1]
    if i == 0:
        return sum(v <= 0 for v in values)
    return sum(lo <= v < hi if i > 1 else 0 < v < hi for v in values)


def gini(values: list[float]) -> float:
    """0 = everyone spoke equally, 1 = one person did all the talking."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (n * total) - (n + 1) / n


def export_attendance_csv(att: Attendance, path_or_file) -> int:  # noqa: ANN001
    """Write the attendance rows as CSV (``CSV_HEADER``); returns the row count. Names come from
    screen labels, so formula-like cells are neutralised as in the observation export."""
    import csv

    with _open(path_or_file) as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for r in att.rows:
            w.writerow([neutralise(r.name), "true" if r.on_roster else "false", r.status,
                        _iso(r.first_seen), _iso(r.last_seen), f"{r.seconds_present:g}",
                        f"{r.seconds_camera_on:g}", f"{r.seconds_speaking:g}"])
    return len(att.rows)


def attendance_over_sessions(engine: Engine, course: str | None = None,
                             instructor: str | None = None, date_from=None, date_to=None,  # noqa: ANN001
                             limit: int = 60, rules: AttendanceRules | None = None) -> list[dict]:
    """Per session (the newest ``limit`` matching the filters, oldest first): attendance rate
    (of the roster; None without one), attendees, the share of attendees who spoke and the
    share of speaking time of the 20 % who spoke most. For the compare page."""
    from storage.sqlparts import session_filter

    q = (select(ClassSession.__table__).where(*session_filter(course, instructor, date_from,
                                                               date_to))
         .order_by(ClassSession.started_at.desc(), ClassSession.id.desc()).limit(limit))
    out = []
    with engine.connect() as conn:
        sessions = list(reversed(conn.execute(q).all()))
        ids = [int(s.id) for s in sessions]
        seen_all, people_all = _seen_by_session(conn, ids), _people_by_session(conn, ids)
        rosters: dict = {}
        for s in sessions:
            att = _build(engine, conn, s, seen_all, people_all, rosters,
                         rules or AttendanceRules())
            p = participation(att)
            out.append({"session_id": att.session_id, "started_at": att.started_at,
                        "course": att.course, "attendance_rate": p.attendance_rate,
                        "attendees": p.attendees,
                        "spoke_share": (p.spoke / p.attendees) if p.attendees else None,
                        "top20_share": p.top20_share})
    return out
