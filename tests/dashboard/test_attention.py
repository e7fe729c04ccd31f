"""The attention rules as pure functions: who, why, since when, and only past the thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from dashboard.attention import (
    REASON_CAMERA_OFF,
    REASON_FACE_ABSENT,
    REASON_NEGATIVE,
    REASON_SUDDEN,
    AttentionConfig,
    evaluate,
    flags_frame,
)

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def rows_for(pid: int, name: str, states: list[tuple[str, str | None]], step_s: float = 2.0):
    return [
        {"participant_id": pid, "display_name": name, "ts": T0 + timedelta(seconds=i * step_s),
         "camera_state": cam, "top_expression": top, "confidence": 0.8 if top else None}
        for i, (cam, top) in enumerate(states)
    ]


def frame(*groups: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([r for g in groups for r in g])


def test_negative_run_past_threshold_is_flagged_with_its_start() -> None:
    calm = [("face", "Neutral")] * 30
    sad = [("face", "Sad")] * 100  # 200 s of Sad, after 60 s of Neutral
    df = frame(rows_for(1, "Ana", calm + sad), rows_for(2, "Ben", calm + calm[:100]))
    flags = evaluate(df, AttentionConfig())
    assert [(f.display_name, f.reason) for f in flags] == [("Ana", REASON_NEGATIVE)]
    assert flags[0].since == T0 + timedelta(seconds=60)
    assert "min" in flags[0].detail


def test_negative_run_below_threshold_is_not_flagged() -> None:
    df = frame(rows_for(1, "Ana", [("face", "Neutral")] * 100 + [("face", "Angry")] * 80))
    assert all(f.reason != REASON_NEGATIVE for f in evaluate(df, AttentionConfig()))


def test_run_must_reach_the_newest_observation() -> None:
    states = [("face", "Sad")] * 120 + [("face", "Happy")] * 3
    assert evaluate(frame(rows_for(1, "Ana", states))) == []


def test_camera_off_and_face_absent_use_their_own_thresholds() -> None:
    cam = rows_for(1, "Cam", [("camera_off", None)] * 151)  # 300 s
    nf = rows_for(2, "Nofa", [("face", "Neutral")] * 90 + [("no_face", None)] * 61)  # 120 s
    short = rows_for(3, "Short", [("face", "Happy")] * 51 + [("camera_off", None)] * 100)
    reasons = {(f.display_name, f.reason) for f in evaluate(frame(cam, nf, short))}
    assert reasons == {("Cam", REASON_CAMERA_OFF), ("Nofa", REASON_FACE_ABSENT)}


def test_thresholds_are_configurable() -> None:
    df = frame(rows_for(1, "Short", [("camera_off", None)] * 31))  # 60 s
    assert evaluate(df, AttentionConfig()) == []
    flags = evaluate(df, AttentionConfig(camera_off_min_s=60))
    assert [f.reason for f in flags] == [REASON_CAMERA_OFF]


def test_sudden_change_from_calm_to_negative() -> None:
    states = [("face", "Happy")] * 90 + [("face", "Fear")] * 15  # 30 s of Fear after 3 min calm
    flags = evaluate(frame(rows_for(1, "Dee", states)))
    assert [f.reason for f in flags] == [REASON_SUDDEN]
    assert flags[0].since == T0 + timedelta(seconds=180)
    assert "→" in flags[0].detail


def test_flags_are_per_participant_and_oldest_first() -> None:
    a = rows_for(1, "A", [("camera_off", None)] * 200)
    b = rows_for(2, "B", [("face", "Neutral")] * 40 + [("camera_off", None)] * 160)
    flags = evaluate(frame(a, b))
    assert [f.display_name for f in flags] == ["A", "B"]
    table = flags_frame(flags)
    assert list(table.columns) == ["participant_id", "display_name", "reason", "since", "detail"]


def test_participants_who_left_are_not_listed() -> None:
    gone = rows_for(1, "Gone", [("camera_off", None)] * 200)
    here = rows_for(2, "Here", [("face", "Happy")] * 300)  # 200 s past Gone's last sample
    assert evaluate(frame(gone, here)) == []


def test_empty_and_bad_input() -> None:
    cols = ["participant_id", "display_name", "ts", "camera_state", "top_expression"]
    assert evaluate(pd.DataFrame(columns=cols)) == []
    with pytest.raises(ValueError, match="missing columns.*camera_state"):
        evaluate(pd.DataFrame({"participant_id": [1], "display_name": ["x"], "ts": [T0]}))


def test_config_validation_and_description() -> None:
    with pytest.raises(ValueError, match="negative_min_s"):
        AttentionConfig(negative_min_s=0)
    with pytest.raises(ValueError, match="sudden_delta"):
        AttentionConfig(sudden_delta=1.5)
    cfg = AttentionConfig(negative_min_s=240)
    text = " ".join(cfg.describe())
    assert "4 min" in text and "5 min" in text
    assert cfg.window_s >= 300
