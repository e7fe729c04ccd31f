"""SQL building blocks and DataFrame post-processing shared by storage.queries.

Kept apart so queries.py reads as the dashboard's contract: one function per question.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, select
from sqlalchemy.sql import ColumnElement, Select

from storage.models import (
    NEGATIVE_CODES,
    STATE_CAMERA_OFF,
    STATE_FACE_NO_EXPRESSION,
    STATE_NO_FACE,
    ClassSession,
    Observation,
    Participant,
)
from storage.records import EXPRESSION_NAMES

NEGATIVE_NAMES: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Sad")
OB, PA, SE = Observation.__table__.c, Participant.__table__.c, ClassSession.__table__.c


def as_utc(value: datetime | date | None, end_of_day: bool = False) -> datetime | None:
    """Filter bounds: aware datetimes as given; naive ones are taken as UTC; a bare ``date`` is
    that whole day (its start, or with ``end_of_day`` the start of the next day)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError(f"date filter: expected datetime or date, got {type(value).__name__}")
        value = datetime.combine(value + timedelta(days=1) if end_of_day else value, time())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def epoch(series: pd.Series) -> pd.Series:
    """Epoch seconds (REAL) as UTC datetimes, rounded to the microsecond that was stored: the
    float's last bits otherwise show up as nanoseconds, which ``to_pydatetime()`` warns about
    on every live refresh (a worker's timestamps carry microseconds)."""
    return pd.to_datetime(series.astype("float64"), unit="s", utc=True).dt.round("us")


def to_utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True)


def frame(engine: Engine, stmt: Select, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def when(cond: ColumnElement, n: ColumnElement) -> ColumnElement:
    return func.sum(case((cond, n), else_=0))


def code_sums(code: ColumnElement, n: ColumnElement) -> list[ColumnElement]:
    """From rows pre-grouped by state_code (``n`` rows each): n_obs, n_face, n_camera_off,
    n_no_face, n_expr, one count per expression (c_Angry ...), n_neg."""
    return [
        func.sum(n).label("n_obs"),
        when(code <= STATE_FACE_NO_EXPRESSION, n).label("n_face"),
        when(code == STATE_CAMERA_OFF, n).label("n_camera_off"),
        when(code == STATE_NO_FACE, n).label("n_no_face"),
        when(code < STATE_FACE_NO_EXPRESSION, n).label("n_expr"),
        *[when(code == i, n).label(f"c_{name}") for i, name in enumerate(EXPRESSION_NAMES)],
        when(code.in_(NEGATIVE_CODES), n).label("n_neg"),
    ]


COUNT_NAMES = ["n_obs", "n_face", "n_camera_off", "n_no_face", "n_expr",
               *[f"c_{n}" for n in EXPRESSION_NAMES], "n_neg"]


def shares(df: pd.DataFrame) -> pd.DataFrame:
    """Replace the per-expression counts with shares of the observations that have one."""
    denom = df["n_expr"].astype("float64").replace(0.0, np.nan)
    for n in EXPRESSION_NAMES:
        df[n] = df.pop(f"c_{n}").astype("float64") / denom
    return df


def negative_share(df: pd.DataFrame) -> pd.Series:
    return df[list(NEGATIVE_NAMES)].sum(axis=1, min_count=1)


def session_filter(
    course: str | None,
    instructor: str | None,
    date_from: datetime | date | None,
    date_to: datetime | date | None,
) -> list[ColumnElement]:
    conds: list[ColumnElement] = []
    if course:
        conds.append(SE.course == course)
    if instructor:
        conds.append(SE.instructor == instructor)
    lo, hi = as_utc(date_from), as_utc(date_to, end_of_day=True)
    if lo is not None:
        conds.append(SE.started_at >= lo)
    if hi is not None:
        conds.append(SE.started_at < hi if not isinstance(date_to, datetime) else SE.started_at <= hi)
    return conds


def tile_order() -> list[ColumnElement]:
    return [case((PA.tile_order.is_(None), 1), else_=0), PA.tile_order, PA.display_name, PA.id]


def per_participant(session_filter: ColumnElement):  # noqa: ANN202
    """Counts per (session, participant): the building block of summaries and comparisons.
    The inner GROUP BY follows the covering ix_observation_person, so SQLite never sorts."""
    inner = (
        select(OB.session_id, OB.participant_id, OB.state_code.label("code"),
               func.count().label("n"), func.sum(OB.confidence).label("sc"),
               func.min(OB.t).label("t_min"), func.max(OB.t).label("t_max"))
        .where(session_filter)
        .group_by(OB.session_id, OB.participant_id, OB.state_code)
        .subquery("per_code")
    )
    c = inner.c
    return (
        select(c.session_id, c.participant_id, *code_sums(c.code, c.n),
               func.sum(c.sc).label("sum_conf"), func.min(c.t_min).label("t_min"),
               func.max(c.t_max).label("t_max"))
        .group_by(c.session_id, c.participant_id)
    )
