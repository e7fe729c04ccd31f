"""Course rosters in the database: import (replace/update), list, show, delete, aliases, and the
matcher a session's attendance uses.

Why rosters are keyed by course and not copied into sessions: a session finds its roster at
query time, so an alias the instructor adds today fixes every past session of that course too,
and deleting a roster (personal data) leaves no copy behind in session rows. Deletion is child-
first and explicit, like session deletion, then the SQLite WAL is checkpointed so deleted names
leave the file bytes (secure_delete zeroes the freed pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, update

from storage.matching import Candidate, Matcher, fold
from storage.models import ClassSession, Roster, RosterAlias, RosterStudent
from storage.roster_csv import RosterRow
from storage.sessions import _checkpoint


@dataclass(frozen=True, slots=True)
class ImportSummary:
    course: str
    added: int
    updated: int
    removed: int
    aliases: int


@dataclass(frozen=True, slots=True)
class StudentInfo:
    id: int
    name: str
    student_id: str
    email: str
    aliases: tuple[str, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def _course(course: str) -> str:
    c = course.strip()
    if not c:
        raise ValueError("--course: expected a course name, got an empty string")
    return c


def _roster_id(conn, course: str) -> int | None:  # noqa: ANN001
    return conn.execute(select(Roster.id).where(Roster.course == course)).scalar()


def _identity(student_id: str, name: str) -> str:
    return f"id:{student_id.strip()}" if student_id.strip() else f"name:{fold(name)}"


def import_roster(engine: Engine, course: str, rows: list[RosterRow]) -> ImportSummary:
    """Create or replace a course's roster. Students are kept (with the aliases the instructor
    added) when their student_id, or without ids their name, is still in the file; students no
    longer in the file are removed with their aliases."""
    course = _course(course)
    if not rows:
        raise ValueError("import_roster: expected at least one student")
    now = _now()
    with engine.begin() as conn:
        rid = _roster_id(conn, course)
        if rid is None:
            rid = conn.execute(insert(Roster).values(course=course, created_at=now,
                                                     updated_at=now)).inserted_primary_key[0]
        else:
            conn.execute(update(Roster).where(Roster.id == rid).values(updated_at=now))
        existing: dict[str, list[int]] = {}
        for pk, name, sid in conn.execute(
                select(RosterStudent.id, RosterStudent.name, RosterStudent.student_id)
                .where(RosterStudent.roster_id == rid).order_by(RosterStudent.id)):
            existing.setdefault(_identity(sid, name), []).append(int(pk))
        added = updated = 0
        for r in rows:
            values = {"name": r.name.strip(), "student_id": r.student_id.strip(),
                      "email": r.email.strip()}
            reuse = existing.get(_identity(r.student_id, r.name))
            if reuse:
                pk = reuse.pop(0)
                conn.execute(update(RosterStudent).where(RosterStudent.id == pk).values(**values))
                updated += 1
            else:
                pk = conn.execute(insert(RosterStudent).values(roster_id=rid, **values)
                                  ).inserted_primary_key[0]
                added += 1
            for alias in r.aliases:
                _put_alias(conn, rid, pk, alias, now)
        gone = [pk for pks in existing.values() for pk in pks]
        _delete_students(conn, gone)
        n_alias = conn.execute(select(func.count()).select_from(RosterAlias)
                               .where(RosterAlias.roster_id == rid)).scalar()
    if gone:
        _checkpoint(engine)
    return ImportSummary(course, added, updated, len(gone), int(n_alias or 0))


def _put_alias(conn, rid: int, student_pk: int, alias: str, now: datetime) -> None:  # noqa: ANN001
    """Store ``alias`` for a student; an alias that meant someone else now means this one."""
    norm = fold(alias)
    if not norm:
        raise ValueError(f"alias: expected a label with letters or digits, got {alias!r}")
    conn.execute(delete(RosterAlias).where(RosterAlias.roster_id == rid,
                                           RosterAlias.alias_norm == norm))
    conn.execute(insert(RosterAlias).values(roster_id=rid, roster_student_id=student_pk,
                                            alias=alias.strip(), alias_norm=norm, created_at=now))


def _delete_students(conn, ids: list[int]) -> int:  # noqa: ANN001
    n = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        n += conn.execute(delete(RosterAlias).where(RosterAlias.roster_student_id.in_(chunk))
                          ).rowcount
        n += conn.execute(delete(RosterStudent).where(RosterStudent.id.in_(chunk))).rowcount
    return n


def list_rosters(engine: Engine) -> list[tuple[str, int, datetime]]:
    """(course, number of students, updated_at) per roster, by course."""
    q = (select(Roster.course, func.count(RosterStudent.id), Roster.updated_at)
         .join_from(Roster, RosterStudent, RosterStudent.roster_id == Roster.id, isouter=True)
         .group_by(Roster.id, Roster.course, Roster.updated_at).order_by(Roster.course))
    with engine.connect() as conn:
        return [(c, int(n), u) for c, n, u in conn.execute(q)]


def roster_students(engine: Engine, course: str) -> list[StudentInfo] | None:
    """The students of a course's roster with their aliases; None when there is no roster."""
    with engine.connect() as conn:
        rid = _roster_id(conn, course)
        if rid is None:
            return None
        aliases: dict[int, list[str]] = {}
        for sid, alias in conn.execute(select(RosterAlias.roster_student_id, RosterAlias.alias)
                                       .where(RosterAlias.roster_id == rid)
                                       .order_by(RosterAlias.id)):
            aliases.setdefault(int(sid), []).append(alias)
        rows = conn.execute(select(RosterStudent.id, RosterStudent.name, RosterStudent.student_id,
                                   RosterStudent.email).where(RosterStudent.roster_id == rid)
                            .order_by(RosterStudent.name, RosterStudent.id)).all()
    return [StudentInfo(int(pk), n, s, e, tuple(aliases.get(int(pk), ()))) for pk, n, s, e in rows]


def roster_matcher(engine: Engine, course: str) -> tuple[Matcher, list[StudentInfo]] | None:
    """The matcher for a course's roster and its students; None when the course has none."""
    students = roster_students(engine, course)
    if students is None:
        return None
    return Matcher(Candidate(s.id, s.name, s.student_id, s.aliases) for s in students), students


def add_alias(engine: Engine, course: str, label: str, student: str) -> StudentInfo:
    """Store "``label`` as read means ``student``" (a roster name or student id). Raises
    KeyError naming what was not found, ValueError when the name is on the roster twice."""
    students = roster_students(engine, course)
    if students is None:
        raise KeyError(f"course {course!r}: no roster (import one with `classpulse roster import`)")
    hits = [s for s in students if s.student_id and s.student_id == student.strip()]
    hits = hits or [s for s in students if fold(s.name) == fold(student)]
    if not hits:
        raise KeyError(f"course {course!r}: no student named {student!r} on the roster")
    if len(hits) > 1:
        raise ValueError(f"course {course!r}: {student!r} is on the roster {len(hits)} times; "
                         "give the student_id instead")
    with engine.begin() as conn:
        rid = _roster_id(conn, course)
        _put_alias(conn, rid, hits[0].id, label, _now())
        conn.execute(update(Roster).where(Roster.id == rid).values(updated_at=_now()))
    return hits[0]


def delete_roster(engine: Engine, course: str) -> int:
    """Delete a course's roster, students and aliases; returns rows deleted (0: no roster)."""
    with engine.begin() as conn:
        n = _delete_rosters(conn, [r for r in [_roster_id(conn, course)] if r is not None])
    if n:
        _checkpoint(engine)
    return n


def _delete_rosters(conn, ids: list[int]) -> int:  # noqa: ANN001
    n = 0
    for rid in ids:
        pks = list(conn.execute(select(RosterStudent.id).where(RosterStudent.roster_id == rid))
                   .scalars())
        n += _delete_students(conn, pks)
        n += conn.execute(delete(Roster).where(Roster.id == rid)).rowcount
    return n


def prune_rosters(engine: Engine, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete rosters neither updated nor used by a session within ``older_than``: the same
    retention period as sessions, so a course that stopped meeting loses its class list too."""
    cutoff = (now or _now()) - older_than
    used = select(ClassSession.course).where(ClassSession.started_at >= cutoff)
    with engine.begin() as conn:
        ids = list(conn.execute(select(Roster.id).where(Roster.updated_at < cutoff,
                                                        Roster.course.not_in(used))).scalars())
        n = _delete_rosters(conn, ids)
    if n:
        _checkpoint(engine)
    return n


def alias_student(engine: Engine, course: str, label: str, student_pk: int) -> StudentInfo:
    """``add_alias`` by roster_student row id (the report page's dropdown)."""
    students = {s.id: s for s in roster_students(engine, course) or []}
    if int(student_pk) not in students:
        raise KeyError(f"course {course!r}: no roster student with id {student_pk}")
    with engine.begin() as conn:
        rid = _roster_id(conn, course)
        _put_alias(conn, rid, int(student_pk), label, _now())
        conn.execute(update(Roster).where(Roster.id == rid).values(updated_at=_now()))
    return students[int(student_pk)]
