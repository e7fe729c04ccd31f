"""The dashboard's queries: aggregation happens in SQL with bound parameters, and only the small
result comes back as a pandas DataFrame. CONTRACT: the dashboard codes against these names and
columns; change them only together with dashboard/.

Expression share columns are named by EXPRESSION_NAMES ("Angry" ... "Neutral") and hold the
fraction (0..1) of face observations whose top expression is that class; they are NaN/0 when there
were no face observations. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Float, and_, case, func, literal, or_, select, true
from sqlalchemy.sql import ColumnElement

from storage.models import ClassSession, HealthSample, Observation, Participant, ifloor
from storage.records import EXPRESSION_COLUMNS, EXPRESSION_NAMES
from storage.sqlparts import (
    COUNT_NAMES,
    NEGATIVE_NAMES,  # noqa: F401 - re-exported: the dashboard may use it
    OB,
    PA,
    SE,
    as_utc,
    code_sums,
    epoch,
    frame,
    negative_share,
    per_participant,
    session_filter,
    shares,
    tile_order,
    to_utc,
)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    course: str
    title: str
    instructor: str
    started_at: datetime
    ended_at: datetime | None  # None while live (or crashed and not yet reconciled)
    presence_only: bool
    sample_interval_s: float
    source: str


# ----- sessions ---------------------------------------------------------------------------------
def list_sessions(
    engine: Engine,
    course: str | None = None,
    instructor: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> pd.DataFrame:
    """Sessions newest first. Columns: session_id, course, title, instructor, started_at,
    ended_at, presence_only, n_participants, n_observations."""
    n_part = (
        select(func.count()).where(PA.session_id == SE.id).correlate(ClassSession.__table__).scalar_subquery()
    )
    n_obs = select(func.count()).where(OB.session_id == SE.id).correlate(ClassSession.__table__).scalar_subquery()
    stmt = (
        select(SE.id, SE.course, SE.title, SE.instructor, SE.started_at, SE.ended_at,
               SE.presence_only, n_part, n_obs)
        .where(*session_filter(course, instructor, date_from, date_to))
        .order_by(SE.started_at.desc(), SE.id.desc())
    )
    cols = ["session_id", "course", "title", "instructor", "started_at", "ended_at",
            "presence_only", "n_participants", "n_observations"]
    df = frame(engine, stmt, cols)
    df["started_at"] = to_utc(df["started_at"])
    df["ended_at"] = to_utc(df["ended_at"])
    df["presence_only"] = df["presence_only"].astype(bool)
    return df


def _info(row) -> SessionInfo:  # noqa: ANN001
    return SessionInfo(
        id=int(row.id), course=row.course, title=row.title, instructor=row.instructor,
        started_at=row.started_at, ended_at=row.ended_at, presence_only=bool(row.presence_only),
        sample_interval_s=float(row.sample_interval_s), source=row.source,
    )


def get_session(engine: Engine, session_id: int) -> SessionInfo | None:
    with engine.connect() as conn:
        row = conn.execute(select(ClassSession.__table__).where(SE.id == session_id)).first()
    return _info(row) if row is not None else None


def latest_session_id(engine: Engine) -> int | None:
    """The newest session (live first, else most recently started); None on an empty DB."""
    live_first = case((SE.ended_at.is_(None), 0), else_=1)
    stmt = select(SE.id).order_by(live_first, SE.started_at.desc(), SE.id.desc()).limit(1)
    with engine.connect() as conn:
        sid = conn.execute(stmt).scalar()
    return int(sid) if sid is not None else None


# ----- one session ------------------------------------------------------------------------------
def mood_timeline(
    engine: Engine, session_id: int, bucket_s: float, since: datetime | None = None
) -> pd.DataFrame:
    """Class mood per time bucket. Columns: bucket (UTC datetime, bucket start), n_obs, n_face,
    n_camera_off, n_no_face, n_participants, then one share column per EXPRESSION_NAMES, then
    mean_confidence.

    Buckets are aligned to multiples of ``bucket_s`` since the epoch. ``n_participants`` is the
    head count: the most participants observed in one sampled frame of the bucket (counting
    distinct people per bucket would need a second full pass for a number nobody plots)."""
    if not bucket_s or bucket_s <= 0:
        raise ValueError(f"mood_timeline.bucket_s: expected > 0 seconds, got {bucket_s!r}")
    # Three small levels instead of one big GROUP BY: SQLite has no hash aggregate, and the
    # inner GROUP BY (t, state_code) follows the covering ix_observation_time with no sort and
    # no table reads, leaving a few rows per frame; frames, then buckets, are cheap after that.
    conds = [OB.session_id == session_id]
    if since is not None:
        conds.append(OB.t >= as_utc(since).timestamp())
    per_tc = (
        select(OB.t, OB.state_code.label("code"), func.count().label("n"),
               func.sum(OB.confidence).label("sc"))
        .where(*conds).group_by(OB.t, OB.state_code).subquery("per_tc")
    )
    c = per_tc.c
    per_t = (
        select(c.t, *code_sums(c.code, c.n), func.sum(c.sc).label("sum_conf"))
        .group_by(c.t).subquery("per_t")
    )
    a = per_t.c
    k = ifloor(a.t / literal(float(bucket_s), Float)).label("k")
    stmt = (
        select(k, *[func.sum(a[n]) for n in COUNT_NAMES], func.sum(a.sum_conf),
               func.max(a.n_obs))
        .group_by(k).order_by(k)
    )
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt).all()]
    df = shares(pd.DataFrame(rows, columns=["k", *COUNT_NAMES, "sum_conf", "n_participants"]))
    df["mean_confidence"] = df.pop("sum_conf").astype("float64") / df["n_expr"].astype(
        "float64").replace(0.0, np.nan)
    df.insert(0, "bucket", epoch(df.pop("k") * float(bucket_s)))
    order = ["bucket", "n_obs", "n_face", "n_camera_off", "n_no_face", "n_participants",
             *EXPRESSION_NAMES, "mean_confidence"]
    return df[order].astype({c: "int64" for c in order[1:6]})


def current_state(engine: Engine, session_id: int) -> pd.DataFrame:
    """Latest observation of every participant, in tile order. Columns: participant_id,
    display_name, tile_order, ts, camera_state, top_expression (None if no face read),
    confidence, and p_angry..p_neutral."""
    o2 = Observation.__table__.alias("o2")
    newest = select(func.max(o2.c.frame_index)).where(o2.c.participant_id == PA.id)
    stmt = (
        select(PA.id, PA.display_name, PA.tile_order, OB.t, OB.camera_state, OB.top_expression,
               OB.confidence, *[OB[c] for c in EXPRESSION_COLUMNS])
        .join_from(Participant.__table__, Observation.__table__, OB.participant_id == PA.id)
        .where(PA.session_id == session_id, OB.frame_index == newest.scalar_subquery())
        .order_by(*tile_order())
    )
    cols = ["participant_id", "display_name", "tile_order", "ts", "camera_state",
            "top_expression", "confidence", *EXPRESSION_COLUMNS]
    df = frame(engine, stmt, cols)
    df["ts"] = epoch(df["ts"])
    df["tile_order"] = df["tile_order"].astype("Int64")
    df["top_expression"] = df["top_expression"].astype(object).where(
        df["top_expression"].notna(), None)
    return df.astype({c: "float64" for c in ["confidence", *EXPRESSION_COLUMNS]})


def participant_summary(engine: Engine, session_id: int) -> pd.DataFrame:
    """One row per participant. Columns: participant_id, display_name, first_seen, last_seen,
    n_obs, presence_rate (face obs / obs), camera_off_rate, one share column per
    EXPRESSION_NAMES, negative_share (Angry+Disgust+Fear+Sad), dominant_expression,
    mean_confidence."""
    agg = per_participant(OB.session_id == session_id).subquery("agg")
    a = agg.c
    stmt = (
        select(a.participant_id, PA.display_name, a.t_min, a.t_max, a.n_obs, a.n_face,
               a.n_camera_off, a.n_expr, *[a[f"c_{n}"] for n in EXPRESSION_NAMES], a.sum_conf)
        .join_from(agg, Participant.__table__, PA.id == a.participant_id)
        .order_by(*tile_order())
    )
    cols = ["participant_id", "display_name", "first_seen", "last_seen", "n_obs", "n_face",
            "n_camera_off", "n_expr", *[f"c_{n}" for n in EXPRESSION_NAMES], "sum_conf"]
    df = frame(engine, stmt, cols)
    counts = df[[f"c_{n}" for n in EXPRESSION_NAMES]].to_numpy(dtype="float64")
    has_expr = df["n_expr"].to_numpy() > 0
    dominant = np.array(EXPRESSION_NAMES, dtype=object)[counts.argmax(axis=1)] if len(df) else []
    df = shares(df)
    n_obs = df["n_obs"].astype("float64")
    df["first_seen"], df["last_seen"] = epoch(df["first_seen"]), epoch(df["last_seen"])
    df["presence_rate"] = df.pop("n_face").astype("float64") / n_obs
    df["camera_off_rate"] = df.pop("n_camera_off").astype("float64") / n_obs
    df["negative_share"] = negative_share(df)
    df["dominant_expression"] = pd.Series(
        [d if h else None for d, h in zip(dominant, has_expr, strict=True)], dtype=object,
        index=df.index)
    n_expr = df.pop("n_expr").astype("float64").replace(0.0, np.nan)
    df["mean_confidence"] = df.pop("sum_conf").astype("float64") / n_expr
    df["n_obs"] = df["n_obs"].astype("int64")
    return df[["participant_id", "display_name", "first_seen", "last_seen", "n_obs",
               "presence_rate", "camera_off_rate", *EXPRESSION_NAMES, "negative_share",
               "dominant_expression", "mean_confidence"]]


def participant_observations(engine: Engine, session_id: int, participant_id: int) -> pd.DataFrame:
    """One participant's observations for the drill-down. Columns: ts, frame_index,
    camera_state, top_expression, confidence, p_angry..p_neutral."""
    stmt = (
        select(OB.t, OB.frame_index, OB.camera_state, OB.top_expression, OB.confidence,
               *[OB[c] for c in EXPRESSION_COLUMNS])
        .where(OB.participant_id == participant_id, OB.session_id == session_id)
        .order_by(OB.frame_index)
    )
    cols = ["ts", "frame_index", "camera_state", "top_expression", "confidence",
            *EXPRESSION_COLUMNS]
    df = frame(engine, stmt, cols)
    df["ts"] = epoch(df["ts"])
    return df.astype({c: "float64" for c in ["confidence", *EXPRESSION_COLUMNS]})


def attention_inputs(engine: Engine, session_id: int, window_s: float) -> pd.DataFrame:
    """Observations of the last ``window_s`` seconds before the session's newest observation,
    for the attention rules (computed in dashboard/attention.py). Columns: participant_id,
    display_name, ts, camera_state, top_expression, confidence."""
    if window_s is None or window_s < 0:
        raise ValueError(f"attention_inputs.window_s: expected >= 0 seconds, got {window_s!r}")
    newest = select(func.max(OB.t)).where(OB.session_id == session_id).scalar_subquery()
    stmt = (
        select(OB.participant_id, PA.display_name, OB.t, OB.camera_state, OB.top_expression,
               OB.confidence)
        .join_from(Observation.__table__, Participant.__table__, PA.id == OB.participant_id)
        .where(OB.session_id == session_id, OB.t >= newest - literal(float(window_s), Float))
        .order_by(OB.t, OB.participant_id)
    )
    cols = ["participant_id", "display_name", "ts", "camera_state", "top_expression",
            "confidence"]
    df = frame(engine, stmt, cols)
    df["ts"] = epoch(df["ts"])
    df["confidence"] = df["confidence"].astype("float64")
    return df


def health_latest(engine: Engine, session_id: int) -> dict | None:
    """Newest health sample as a dict: ts, fps, dropped_frames, tiles_found, capture_online,
    is_gallery, last_frame_at, last_error, frames_failed, frames_skipped, degraded. None if there
    is none."""
    h = HealthSample.__table__.c
    stmt = (
        select(h.t, h.fps, h.dropped_frames, h.tiles_found, h.capture_online, h.is_gallery,
               h.last_frame_t, h.last_error, h.frames_failed, h.frames_skipped, h.degraded)
        .where(h.session_id == session_id).order_by(h.t.desc()).limit(1)
    )
    with engine.connect() as conn:
        found = conn.execute(stmt).first()
    if found is None:
        return None
    row = found._mapping
    return {
        "ts": datetime.fromtimestamp(row["t"], UTC),
        "fps": float(row["fps"]),
        "dropped_frames": int(row["dropped_frames"]),
        "tiles_found": int(row["tiles_found"]),
        "capture_online": bool(row["capture_online"]),
        "is_gallery": bool(row["is_gallery"]),
        "last_frame_at": (
            datetime.fromtimestamp(row["last_frame_t"], UTC) if row["last_frame_t"] is not None else None
        ),
        "last_error": row["last_error"] or "",
        "frames_failed": int(row["frames_failed"] or 0),
        "frames_skipped": int(row["frames_skipped"] or 0),
        "degraded": bool(row["degraded"]),
    }


# ----- many sessions ----------------------------------------------------------------------------
def session_comparison(
    engine: Engine,
    course: str | None = None,
    instructor: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> pd.DataFrame:
    """One row per session, oldest first, for the admin. Columns: session_id, course, title,
    instructor, started_at, duration_s, presence_only, n_participants, n_observations,
    presence_rate, one share column per EXPRESSION_NAMES, negative_share, n_flags (participants
    whose negative_share >= 0.5 or camera_off_rate >= 0.5: a SQL proxy for attention flags)."""
    conds = session_filter(course, instructor, date_from, date_to)
    only = OB.session_id.in_(select(SE.id).where(*conds)) if conds else true()
    per_part = per_participant(only).subquery("pp")
    a = per_part.c
    flag = or_(
        and_(a.n_expr > 0, a.n_neg * 2 >= a.n_expr),
        a.n_camera_off * 2 >= a.n_obs,
    )
    per_session = (
        select(
            a.session_id,
            func.count().label("n_participants"),
            func.sum(a.n_obs).label("n_obs"),
            func.sum(a.n_face).label("n_face"),
            func.sum(a.n_expr).label("n_expr"),
            *[func.sum(a[f"c_{n}"]).label(f"c_{n}") for n in EXPRESSION_NAMES],
            func.sum(case((flag, 1), else_=0)).label("n_flags"),
            func.max(a.t_max).label("t_last"),
        )
        .group_by(a.session_id)
        .subquery("ps")
    )
    b = per_session.c
    stmt = (
        select(SE.id, SE.course, SE.title, SE.instructor, SE.started_at, SE.ended_at, SE.presence_only,
               b.n_participants, b.n_obs, b.n_face, b.n_expr,
               *[b[f"c_{n}"] for n in EXPRESSION_NAMES], b.n_flags, b.t_last)
        .join_from(ClassSession.__table__, per_session, b.session_id == SE.id, isouter=True)
        .where(*conds)
        .order_by(SE.started_at, SE.id)
    )
    cols = ["session_id", "course", "title", "instructor", "started_at", "ended_at",
            "presence_only", "n_participants", "n_observations", "n_face", "n_expr",
            *[f"c_{n}" for n in EXPRESSION_NAMES], "n_flags", "t_last"]
    df = frame(engine, stmt, cols)
    for c in ["n_participants", "n_observations", "n_face", "n_expr", "n_flags",
              *[f"c_{n}" for n in EXPRESSION_NAMES]]:
        df[c] = df[c].fillna(0).astype("int64")
    df = shares(df)
    df["started_at"] = to_utc(df["started_at"])
    ended = to_utc(df.pop("ended_at"))
    last = epoch(df.pop("t_last"))
    end = ended.where(ended.notna(), last)
    df["duration_s"] = (end - df["started_at"]).dt.total_seconds().clip(lower=0).fillna(0.0)
    n_obs = df["n_observations"].astype("float64").replace(0.0, np.nan)
    df["presence_rate"] = df.pop("n_face").astype("float64") / n_obs
    df["negative_share"] = negative_share(df)
    df["presence_only"] = df["presence_only"].astype(bool)
    df.pop("n_expr")
    return df[["session_id", "course", "title", "instructor", "started_at", "duration_s",
               "presence_only", "n_participants", "n_observations", "presence_rate",
               *EXPRESSION_NAMES, "negative_share", "n_flags"]]


def _distinct(engine: Engine, col: ColumnElement) -> list[str]:
    stmt = select(col).where(col != "").distinct().order_by(col)
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(stmt).scalars()]


def distinct_courses(engine: Engine) -> list[str]:
    return _distinct(engine, SE.course)


def distinct_instructors(engine: Engine) -> list[str]:
    return _distinct(engine, SE.instructor)
