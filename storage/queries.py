"""The dashboard's queries: aggregation happens in SQL with bound parameters, and only the small
result comes back as a pandas DataFrame. CONTRACT: the dashboard codes against these names and
columns; change them only together with dashboard/.

Expression share columns are named by EXPRESSION_NAMES ("Angry" ... "Neutral") and hold the
fraction (0..1) of face observations whose top expression is that class; they are NaN/0 when there
were no face observations. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine


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


def list_sessions(
    engine: Engine,
    course: str | None = None,
    instructor: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> pd.DataFrame:
    """Sessions newest first. Columns: session_id, course, title, instructor, started_at,
    ended_at, presence_only, n_participants, n_observations."""
    raise NotImplementedError


def get_session(engine: Engine, session_id: int) -> SessionInfo | None:
    raise NotImplementedError


def latest_session_id(engine: Engine) -> int | None:
    """The newest session (live first, else most recently started); None on an empty DB."""
    raise NotImplementedError


def mood_timeline(
    engine: Engine, session_id: int, bucket_s: float, since: datetime | None = None
) -> pd.DataFrame:
    """Class mood per time bucket. Columns: bucket (UTC datetime, bucket start), n_obs, n_face,
    n_camera_off, n_no_face, n_participants, then one share column per EXPRESSION_NAMES, then
    mean_confidence."""
    raise NotImplementedError


def current_state(engine: Engine, session_id: int) -> pd.DataFrame:
    """Latest observation of every participant, in tile order. Columns: participant_id,
    display_name, tile_order, ts, camera_state, top_expression (None if no face read),
    confidence, and p_angry..p_neutral."""
    raise NotImplementedError


def participant_summary(engine: Engine, session_id: int) -> pd.DataFrame:
    """One row per participant. Columns: participant_id, display_name, first_seen, last_seen,
    n_obs, presence_rate (face obs / obs), camera_off_rate, one share column per
    EXPRESSION_NAMES, negative_share (Angry+Disgust+Fear+Sad), dominant_expression,
    mean_confidence."""
    raise NotImplementedError


def participant_observations(engine: Engine, session_id: int, participant_id: int) -> pd.DataFrame:
    """One participant's observations for the drill-down. Columns: ts, frame_index,
    camera_state, top_expression, confidence, p_angry..p_neutral."""
    raise NotImplementedError


def attention_inputs(engine: Engine, session_id: int, window_s: float) -> pd.DataFrame:
    """Observations of the last ``window_s`` seconds before the session's newest observation,
    for the attention rules (computed in dashboard/attention.py). Columns: participant_id,
    display_name, ts, camera_state, top_expression, confidence."""
    raise NotImplementedError


def health_latest(engine: Engine, session_id: int) -> dict | None:
    """Newest health sample as a dict: ts, fps, dropped_frames, tiles_found, capture_online,
    is_gallery, last_frame_at, last_error. None if there is none."""
    raise NotImplementedError


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
    raise NotImplementedError


def distinct_courses(engine: Engine) -> list[str]:
    raise NotImplementedError


def distinct_instructors(engine: Engine) -> list[str]:
    raise NotImplementedError
