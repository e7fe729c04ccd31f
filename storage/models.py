"""SQLAlchemy 2.0 typed models. Never store images or face crops: only numbers and names.

Why observations keep time as epoch seconds (``t``, a double) rather than a DATETIME: the
dashboard's bucket arithmetic (``floor(t / bucket_s)``) is then the same cheap SQL on SQLite and
PostgreSQL, and the writer avoids per-row datetime formatting, which matters at 50,000 rows/s.
Sessions and participants are few, so they use real timezone-aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for big tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in, timezone-aware UTC out, on both backends.

    SQLite has no time zones and hands back naive datetimes; without this the dashboard would mix
    naive and aware values and comparisons would raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"UTCDateTime: expected a timezone-aware datetime, got {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ifloor(FunctionElement):  # noqa: N801 - reads like the SQL function it stands for
    """Integer floor of a non-negative number: CAST on SQLite (FLOOR may be compiled out of
    SQLite builds), FLOOR elsewhere (PostgreSQL's CAST rounds instead of truncating)."""

    inherit_cache = True
    type = BigInteger()


@compiles(ifloor)
def _ifloor_default(element, compiler, **kw):  # noqa: ANN001
    return f"FLOOR({compiler.process(element.clauses, **kw)})"


@compiles(ifloor, "sqlite")
def _ifloor_sqlite(element, compiler, **kw):  # noqa: ANN001
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


class Base(DeclarativeBase):
    pass


class ClassSession(Base):
    """One class meeting, with the settings it was recorded under."""

    __tablename__ = "class_session"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    course: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    instructor: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    presence_only: Mapped[bool] = mapped_column(Boolean, default=False)
    sample_interval_s: Mapped[float] = mapped_column(Float, default=2.0)
    source: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        Index("ix_session_started", "started_at"),
        Index("ix_session_course", "course", "started_at"),
        Index("ix_session_instructor", "instructor", "started_at"),
    )


class Participant(Base):
    """A person seen in one session's gallery. Scoped to the session: identities are read from
    screen names and are not reliable (or wanted) across classes."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("class_session.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(300), default="")
    tile_order: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("session_id", "key", name="uq_participant_session_key"),)


class Observation(Base):
    """One participant at one sampled frame. Idempotent on (session, participant, frame)."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("class_session.id", ondelete="CASCADE")
    )
    participant_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("participant.id", ondelete="CASCADE")
    )
    t: Mapped[float] = mapped_column(Float(precision=53))  # epoch seconds, UTC
    frame_index: Mapped[int] = mapped_column(BigInteger)
    camera_state: Mapped[str] = mapped_column(String(12))
    top_expression: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # camera state and top expression in one small integer (see STATE_* below): the dashboard's
    # aggregates GROUP BY it inside covering indexes instead of evaluating string CASEs per row.
    state_code: Mapped[int] = mapped_column(SmallInteger)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    # the tile's active-speaker ring was on at this frame (participation time, attendance)
    speaking: Mapped[bool] = mapped_column(Boolean, default=False)
    # seconds the ring was on since this participant's previous sample (integrated over every
    # processed frame, not just the sampled one); NULL: only the flag is known (= one interval)
    speaking_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_angry: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_disgust: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_fear: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_happy: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_sad: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_surprise: Mapped[float | None] = mapped_column(Float, nullable=True)
    p_neutral: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (
        # The idempotency key (a participant belongs to one session, so this is the issue's
        # (session, participant, frame)); also serves "latest frame per participant", the
        # drill-down, and the FK check when participants are deleted.
        UniqueConstraint("participant_id", "frame_index", name="uq_observation_frame"),
        # Covering indexes, so SQLite answers the aggregates from the index alone, already in
        # GROUP BY order (it has no hash aggregate): time order for the mood timeline and the
        # attention window, participant order for the summary and the 1,000-session comparison.
        Index("ix_observation_time", "session_id", "t", "state_code", "participant_id",
              "confidence"),
        Index("ix_observation_person", "session_id", "participant_id", "state_code", "t",
              "confidence"),
        # Partial: only the (few) speaking rows, so attendance's speaking time per participant
        # reads a small index instead of every row of the session (migration 0004).
        Index("ix_observation_speaking", "session_id", "participant_id",
              sqlite_where=text("speaking = 1"), postgresql_where=text("speaking")),
    )


# state_code values: 0..6 = a face whose top expression is EXPRESSION_NAMES[code];
STATE_FACE_NO_EXPRESSION = 7  # a face, no expression read (presence-only, or no probs)
STATE_CAMERA_OFF = 8
STATE_NO_FACE = 9
NEGATIVE_CODES = (0, 1, 2, 4)  # Angry, Disgust, Fear, Sad


class HealthSample(Base):
    """Capture health at one moment; shown on the live page."""

    __tablename__ = "health_sample"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("class_session.id", ondelete="CASCADE")
    )
    t: Mapped[float] = mapped_column(Float(precision=53))  # epoch seconds, UTC
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    dropped_frames: Mapped[int] = mapped_column(BigInteger, default=0)
    tiles_found: Mapped[int] = mapped_column(Integer, default=0)
    capture_online: Mapped[bool] = mapped_column(Boolean, default=True)
    is_gallery: Mapped[bool] = mapped_column(Boolean, default=True)
    last_frame_t: Mapped[float | None] = mapped_column(Float(precision=53), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # cumulative counts: frames a stage failed on (dropped, the session went on), and frames a
    # source could not read (broken files); degraded = many failures in a row, still retrying
    frames_failed: Mapped[int] = mapped_column(BigInteger, default=0)
    frames_skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    degraded: Mapped[bool] = mapped_column(Boolean, default=False)

    # Unique so a retried batch never duplicates a sample; also the live page's "newest".
    __table_args__ = (Index("ix_health_session_t", "session_id", "t", unique=True),)


class Roster(Base):
    """A course's class list (personal data: deleted with ``roster delete`` or ``db prune``).

    Keyed by the course name that sessions carry (``class_session.course``), so a session finds
    its roster at query time and nothing about the roster is copied into session rows."""

    __tablename__ = "roster"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    course: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("course", name="uq_roster_course"),)


class RosterStudent(Base):
    """One student on a roster, as the LMS export names them."""

    __tablename__ = "roster_student"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    roster_id: Mapped[int] = mapped_column(BigId, ForeignKey("roster.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    student_id: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (Index("ix_roster_student_roster", "roster_id"),)


class RosterAlias(Base):
    """A screen label, as read, that means this student: from the CSV's ``aliases`` column or
    confirmed once by the instructor. Unique per roster by normalised form, so one label can
    never point at two students."""

    __tablename__ = "roster_alias"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    roster_id: Mapped[int] = mapped_column(BigId, ForeignKey("roster.id", ondelete="CASCADE"))
    roster_student_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("roster_student.id", ondelete="CASCADE")
    )
    alias: Mapped[str] = mapped_column(String(300))
    alias_norm: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("roster_id", "alias_norm", name="uq_roster_alias_norm"),
        Index("ix_roster_alias_student", "roster_student_id"),
    )
