"""Session lifecycle and retention. Deletion is explicit child-first (not left to ON DELETE
CASCADE) so it works the same whether or not the backend enforces foreign keys, and it returns
how many rows really went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, update

from storage.models import ClassSession, HealthSample, Observation, Participant
from storage.records import SessionSpec


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{field}: expected a timezone-aware UTC datetime, got naive {value!r}")
    return value.astimezone(UTC)


def start_session(engine: Engine, spec: SessionSpec) -> int:
    """Insert a live session (``ended_at`` NULL) and return its id."""
    if not isinstance(spec, SessionSpec):
        raise TypeError(f"start_session: expected SessionSpec, got {type(spec).__name__}")
    if spec.sample_interval_s <= 0:
        raise ValueError(
            f"SessionSpec.sample_interval_s: expected > 0, got {spec.sample_interval_s}"
        )
    started = _aware(spec.started_at, "SessionSpec.started_at") if spec.started_at else _now()
    with engine.begin() as conn:
        result = conn.execute(
            insert(ClassSession).values(
                course=spec.course,
                title=spec.title,
                instructor=spec.instructor,
                started_at=started,
                ended_at=None,
                presence_only=bool(spec.presence_only),
                sample_interval_s=float(spec.sample_interval_s),
                source=spec.source,
            )
        )
        return int(result.inserted_primary_key[0])


def end_session(engine: Engine, session_id: int, ended_at: datetime | None = None) -> None:
    """Mark a session finished. Raises KeyError if it does not exist."""
    ended = _aware(ended_at, "ended_at") if ended_at else _now()
    with engine.begin() as conn:
        n = conn.execute(
            update(ClassSession).where(ClassSession.id == session_id).values(ended_at=ended)
        ).rowcount
    if n == 0:
        raise KeyError(f"end_session: no session with id {session_id}")


def _last_activity(conn, session_id: int) -> float | None:  # noqa: ANN001
    obs = conn.execute(
        select(func.max(Observation.t)).where(Observation.session_id == session_id)
    ).scalar()
    health = conn.execute(
        select(func.max(HealthSample.t)).where(HealthSample.session_id == session_id)
    ).scalar()
    values = [v for v in (obs, health) if v is not None]
    return max(values) if values else None


def reconcile_open_sessions(engine: Engine, stale_after: timedelta | None = None) -> list[int]:
    """Close sessions a crash left open: ``ended_at`` = their last observation/health time
    (or their start when they recorded nothing). Returns the ids closed.

    ``stale_after=None`` closes every open session (one laptop, one worker: at start-up nothing
    else can be live). With several workers on one PostgreSQL server pass e.g. 2 minutes, so only
    sessions silent for that long are closed and other classrooms' live sessions are left alone.
    """
    closed: list[int] = []
    now = _now().timestamp()
    with engine.begin() as conn:
        rows = conn.execute(
            select(ClassSession.id, ClassSession.started_at).where(ClassSession.ended_at.is_(None))
        ).all()
        for sid, started_at in rows:
            last = _last_activity(conn, sid)
            last_t = max(last, started_at.timestamp()) if last is not None else started_at.timestamp()
            if stale_after is not None and now - last_t < stale_after.total_seconds():
                continue
            ended = datetime.fromtimestamp(last_t, UTC)
            conn.execute(
                update(ClassSession)
                .where(ClassSession.id == sid, ClassSession.ended_at.is_(None))
                .values(ended_at=ended)
            )
            closed.append(int(sid))
    return closed


def _delete_sessions(conn, ids: list[int]) -> int:  # noqa: ANN001
    total = 0
    for start in range(0, len(ids), 500):  # bound the IN-list size
        chunk = ids[start : start + 500]
        for model in (Observation, HealthSample, Participant):
            total += conn.execute(delete(model).where(model.session_id.in_(chunk))).rowcount
        total += conn.execute(delete(ClassSession).where(ClassSession.id.in_(chunk))).rowcount
    return total


def _checkpoint(engine: Engine) -> None:
    """On SQLite, push the WAL into the main file and truncate it so deleted names do not linger
    in the -wal file (secure_delete already zeroes the freed pages)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def delete_session(engine: Engine, session_id: int) -> int:
    """Delete a session with all its participants, observations and health samples.
    Returns the number of rows deleted (0 if there was no such session)."""
    with engine.begin() as conn:
        n = _delete_sessions(conn, [int(session_id)])
    _checkpoint(engine)
    return n


def prune(engine: Engine, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete every session that started more than ``older_than`` ago. Returns rows deleted."""
    if older_than.total_seconds() < 0:
        raise ValueError(f"prune: older_than must be >= 0, got {older_than}")
    cutoff = (_aware(now, "now") if now else _now()) - older_than
    with engine.begin() as conn:
        ids = [
            int(i)
            for i in conn.execute(
                select(ClassSession.id).where(ClassSession.started_at < cutoff)
            ).scalars()
        ]
        n = _delete_sessions(conn, ids) if ids else 0
    if n:
        _checkpoint(engine)
    return n


def list_session_ids(engine: Engine, open_only: bool = False) -> list[int]:
    """Session ids oldest first (``open_only``: only those with no ``ended_at``)."""
    q = select(ClassSession.id).order_by(ClassSession.started_at, ClassSession.id)
    if open_only:
        q = q.where(ClassSession.ended_at.is_(None))
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(q).scalars()]


def parse_duration(text: str) -> timedelta:
    """'90d', '12h', '30m', '45s', '2w' -> timedelta, for ``classpulse db prune --older-than``."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    raw = text.strip().lower()
    if len(raw) < 2 or raw[-1] not in units or not raw[:-1].replace(".", "", 1).isdigit():
        raise ValueError(f"duration: expected a number and one of s/m/h/d/w like '90d', got {text!r}")
    return timedelta(seconds=float(raw[:-1]) * units[raw[-1]])
