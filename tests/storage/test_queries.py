"""Every dashboard query, with exact expected values, on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from storage import queries as q
from storage.records import EXPRESSION_COLUMNS, EXPRESSION_NAMES
from tests.storage.data import T0, build_known


@pytest.fixture
def known(engine):  # noqa: ANN001, ANN201
    return engine, *build_known(engine)


def test_mood_timeline_buckets(known) -> None:  # noqa: ANN001
    engine, a, _ = known
    df = q.mood_timeline(engine, a, 30)
    assert list(df.columns) == ["bucket", "n_obs", "n_face", "n_camera_off", "n_no_face",
                                "n_participants", *EXPRESSION_NAMES, "mean_confidence"]
    assert list(df["bucket"]) == [pd.Timestamp(T0), pd.Timestamp(T0 + timedelta(seconds=30))]
    assert str(df["bucket"].dt.tz) == "UTC"
    first, second = df.iloc[0], df.iloc[1]
    assert (first.n_obs, first.n_face, first.n_camera_off, first.n_no_face) == (9, 8, 0, 1)
    assert first.n_participants == 3
    assert first.Happy == pytest.approx(3 / 8) and first.Sad == pytest.approx(3 / 8)
    assert first.Angry == pytest.approx(2 / 8) and first.Neutral == 0
    assert first.mean_confidence == pytest.approx((3 * 0.7 + 3 * 0.6 + 2 * 0.5) / 8)
    assert (second.n_obs, second.n_face, second.n_camera_off, second.n_no_face) == (9, 3, 3, 3)
    assert second.Happy == pytest.approx(1.0)
    assert second.mean_confidence == pytest.approx(0.7)


def test_mood_timeline_since_and_small_buckets(known) -> None:  # noqa: ANN001
    engine, a, _ = known
    assert len(q.mood_timeline(engine, a, 30, since=T0 + timedelta(seconds=30))) == 1
    fine = q.mood_timeline(engine, a, 2.5)
    assert len(fine) == 6 and fine["n_obs"].sum() == 18
    assert q.mood_timeline(engine, 9999, 30).empty
    with pytest.raises(ValueError, match="bucket_s"):
        q.mood_timeline(engine, a, 0)


def test_current_state_in_tile_order(known) -> None:  # noqa: ANN001
    engine, a, _ = known
    df = q.current_state(engine, a)
    assert list(df.columns) == ["participant_id", "display_name", "tile_order", "ts",
                                "camera_state", "top_expression", "confidence",
                                *EXPRESSION_COLUMNS]
    assert list(df["display_name"]) == ["Ana", "Ben", "Cy"]
    assert list(df["camera_state"]) == ["face", "camera_off", "no_face"]
    assert df["top_expression"].iloc[0] == "Happy" and df["top_expression"].iloc[1] is None
    assert (df["ts"] == pd.Timestamp(T0 + timedelta(seconds=50))).all()
    assert df["p_happy"].iloc[0] == pytest.approx(0.7) and math.isnan(df["p_happy"].iloc[1])


def test_participant_summary(known) -> None:  # noqa: ANN001
    engine, a, _ = known
    df = q.participant_summary(engine, a).set_index("display_name")
    assert list(df.index) == ["Ana", "Ben", "Cy"]
    ana, ben, cy = df.loc["Ana"], df.loc["Ben"], df.loc["Cy"]
    assert ana.n_obs == 6 and ana.presence_rate == 1.0 and ana.Happy == 1.0
    assert ana.negative_share == 0 and ana.dominant_expression == "Happy"
    assert ana.first_seen == pd.Timestamp(T0)
    assert ana.last_seen == pd.Timestamp(T0 + timedelta(seconds=50))
    assert ben.presence_rate == 0.5 and ben.camera_off_rate == 0.5 and ben.Sad == 1.0
    assert ben.negative_share == 1.0 and ben.mean_confidence == pytest.approx(0.6)
    assert cy.presence_rate == pytest.approx(2 / 6) and cy.camera_off_rate == 0
    assert cy.dominant_expression == "Angry"


def test_participant_observations_and_attention(known) -> None:  # noqa: ANN001
    engine, a, _ = known
    summary = q.participant_summary(engine, a).set_index("display_name")
    ben = int(summary.loc["Ben", "participant_id"])
    obs = q.participant_observations(engine, a, ben)
    assert list(obs["frame_index"]) == list(range(6))
    assert list(obs["camera_state"]) == ["face"] * 3 + ["camera_off"] * 3
    att = q.attention_inputs(engine, a, 20)
    assert list(att.columns) == ["participant_id", "display_name", "ts", "camera_state",
                                 "top_expression", "confidence"]
    assert len(att) == 9 and att["ts"].min() == pd.Timestamp(T0 + timedelta(seconds=30))
    assert len(q.attention_inputs(engine, a, 0)) == 3
    assert q.attention_inputs(engine, 9999, 60).empty


def test_health_latest(known) -> None:  # noqa: ANN001
    engine, a, b = known
    h = q.health_latest(engine, a)
    assert h is not None and h["fps"] == 1.5 and h["dropped_frames"] == 4
    assert h["is_gallery"] is False and h["last_error"] == "grid lost"
    assert h["ts"] == T0 + timedelta(seconds=55)
    assert h["last_frame_at"] == T0 + timedelta(seconds=54)
    assert q.health_latest(engine, b) is None


def test_sessions_listing_and_filters(known) -> None:  # noqa: ANN001
    engine, a, b = known
    df = q.list_sessions(engine)
    assert list(df["session_id"]) == [b, a]
    assert list(df["n_participants"]) == [1, 3] and list(df["n_observations"]) == [2, 18]
    assert list(q.list_sessions(engine, course="Math")["session_id"]) == [a]
    assert list(q.list_sessions(engine, instructor="Dr X")["session_id"]) == [b]
    later = q.list_sessions(engine, date_from=T0 + timedelta(hours=12))
    assert list(later["session_id"]) == [b]
    by_day = q.list_sessions(engine, date_to=T0.date())  # a date means the whole day
    assert list(by_day["session_id"]) == [a]
    info = q.get_session(engine, a)
    assert info is not None and info.course == "Math" and info.started_at == T0
    assert info.ended_at == T0 + timedelta(seconds=60) and info.sample_interval_s == 10
    assert q.get_session(engine, 9999) is None
    assert q.latest_session_id(engine) == b
    assert q.distinct_courses(engine) == ["Bio", "Math"]
    assert q.distinct_instructors(engine) == ["Dr X", "Dr Y"]


def test_latest_session_prefers_live(engine) -> None:  # noqa: ANN001
    assert q.latest_session_id(engine) is None
    a, _ = build_known(engine, math_open=True)
    assert q.latest_session_id(engine) == a


def test_session_comparison(known) -> None:  # noqa: ANN001
    engine, a, b = known
    df = q.session_comparison(engine)
    assert list(df.columns) == ["session_id", "course", "title", "instructor", "started_at",
                                "duration_s", "presence_only", "n_participants",
                                "n_observations", "presence_rate", *EXPRESSION_NAMES,
                                "negative_share", "n_flags"]
    assert list(df["session_id"]) == [a, b]
    ra, rb = df.iloc[0], df.iloc[1]
    assert ra.duration_s == 60 and ra.n_participants == 3 and ra.n_observations == 18
    assert ra.presence_rate == pytest.approx(11 / 18)
    assert ra.Happy == pytest.approx(6 / 11) and ra.Sad == pytest.approx(3 / 11)
    assert ra.negative_share == pytest.approx(5 / 11)
    assert ra.n_flags == 2  # Ben and Cy: negative_share 1.0
    assert bool(rb.presence_only) and rb.presence_rate == 1.0 and math.isnan(rb.Happy)
    assert rb.n_flags == 0
    assert list(q.session_comparison(engine, course="Bio")["session_id"]) == [b]
    assert q.session_comparison(engine, instructor="nobody").empty


def test_empty_database_queries(engine) -> None:  # noqa: ANN001
    assert q.list_sessions(engine).empty
    assert q.session_comparison(engine).empty
    assert q.current_state(engine, 1).empty
    assert q.participant_summary(engine, 1).empty
    assert q.distinct_courses(engine) == []
