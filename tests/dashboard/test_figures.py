"""Pure figure builders: shapes, the engagement formula, notable moments, empty states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from dashboard import figures as fg

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def timeline(n: int = 20, neg: float = 0.1, presence: float = 0.9) -> pd.DataFrame:
    rows = []
    for i in range(n):
        shares = {name: 0.0 for name in fg.EXPRESSION_NAMES}
        shares["Sad"] = neg
        shares["Happy"] = 0.3
        shares["Neutral"] = 0.7 - neg
        rows.append({"bucket": T0 + timedelta(seconds=30 * i), "n_obs": 100,
                     "n_face": int(100 * presence), "n_camera_off": 100 - int(100 * presence),
                     "n_no_face": 0, "n_participants": 10, **shares, "mean_confidence": 0.7})
    return pd.DataFrame(rows)


def test_mood_timeline_is_stacked_shares_with_uirevision() -> None:
    fig = fg.mood_timeline_figure(timeline(), uirevision="live-1-10")
    assert fig.layout.uirevision == "live-1-10"
    assert {t.name for t in fig.data} == set(fg.EXPRESSION_NAMES)
    assert all(t.stackgroup == "mood" for t in fig.data)
    total = sum(np.asarray(t.y, dtype=float) for t in fig.data)
    assert np.allclose(total, 100, atol=0.5)


def test_presence_only_and_faceless_figures_say_why_they_are_empty() -> None:
    fig = fg.mood_timeline_figure(timeline(), presence_only=True)
    assert not fig.data and "Presence-only" in fig.layout.annotations[0].text
    faceless = timeline(presence=0.0)
    for name in fg.EXPRESSION_NAMES:
        faceless[name] = np.nan
    assert "No faces" in fg.mood_timeline_figure(faceless).layout.annotations[0].text
    state = pd.DataFrame({"top_expression": [None, None], "camera_state": ["camera_off"] * 2})
    assert "No faces" in fg.distribution_figure(state).layout.annotations[0].text


def test_engagement_index_follows_the_written_formula() -> None:
    tl = timeline(n=3, neg=0.2, presence=0.5)
    assert np.allclose(fg.engagement_index(tl), 100 * 0.5 * (1 - 0.2))
    assert np.allclose(fg.engagement_index(tl, presence_only=True), 50)
    assert "100 × presence × (1 − negative share)" in fg.ENGAGEMENT_FORMULA


def test_notable_moments_find_a_spike_and_a_drop() -> None:
    tl = timeline(n=30)
    tl.loc[12, ["Sad", "Neutral"]] = [0.6, 0.1]
    tl.loc[20, ["n_face", "n_camera_off"]] = [40, 60]
    moments = fg.notable_moments(tl)
    kinds = dict(zip(moments["kind"], moments["bucket"], strict=True))
    assert kinds["negative spike"] == tl.loc[12, "bucket"]
    assert kinds["presence drop"] == tl.loc[20, "bucket"]
    fig = fg.mood_timeline_figure(tl, moments=moments)
    assert any(t.name == "negative spike" for t in fig.data)
    assert fg.notable_moments(timeline(n=30)).empty
    only = fg.notable_moments(tl, presence_only=True)
    assert list(only["kind"]) == ["presence drop"]


def test_distribution_counts_current_top_expressions() -> None:
    state = pd.DataFrame({"top_expression": ["Happy", "Happy", "Sad", None],
                          "camera_state": ["face", "face", "face", "camera_off"]})
    fig = fg.distribution_figure(state)
    counts = dict(zip(fig.data[0].y, fig.data[0].x, strict=True))
    assert counts["Happy"] == 2 and counts["Sad"] == 1 and counts["Angry"] == 0


def compare_frame(n: int = 10) -> pd.DataFrame:
    rows = []
    for i in range(n):
        shares = {name: 1 / 7 for name in fg.EXPRESSION_NAMES}
        rows.append({"session_id": i + 1, "started_at": T0 + timedelta(days=i),
                     "presence_only": i == 3, "presence_rate": 0.5 + 0.04 * i,
                     "n_flags": i % 3, "negative_share": 4 / 7, **shares})
    return pd.DataFrame(rows)


def test_compare_figures_have_trend_lines() -> None:
    comp = compare_frame()
    fig = fg.compare_metric_figure(comp, "presence_rate", label="presence", percent=True)
    trend = [t for t in fig.data if t.name == "trend"][0]
    assert trend.y[-1] > trend.y[0]  # presence rises 4 points per session
    mood = fg.compare_mood_figure(comp)
    assert len(mood.data) == 7 and len(mood.data[0].x) == 9  # presence-only session left out
    assert "No sessions" in fg.compare_metric_figure(comp.iloc[:0], "n_flags",
                                                     label="flags").layout.annotations[0].text


@pytest.mark.parametrize("presence_only", [False, True])
def test_participant_and_session_mix_figures(presence_only: bool) -> None:
    obs = pd.DataFrame({
        "ts": [T0 + timedelta(seconds=2 * i) for i in range(4)],
        "camera_state": ["face", "face", "camera_off", "no_face"],
        "top_expression": [None if presence_only else "Happy", None if presence_only else "Sad",
                           None, None],
    })
    fig = fg.participant_figure(obs, presence_only=presence_only)
    assert sum(len(t.x) for t in fig.data) == 4
    row = compare_frame().iloc[0].copy()
    row["presence_only"] = presence_only
    mix = fg.session_mix_figure(row)
    assert (len(mix.data) == 0) == presence_only


def test_keep_zoom_carries_only_explicit_user_ranges() -> None:
    fig = fg.mood_timeline_figure(timeline())
    shown = {"layout": {"xaxis": {"range": ["2026-01-05 10:01", "2026-01-05 10:03"],
                                  "autorange": False},
                        "yaxis": {"range": [0, 100]}}}
    out = fg.keep_zoom(fig, shown)
    assert list(out.layout.xaxis.range) == ["2026-01-05 10:01", "2026-01-05 10:03"]
    assert out.layout.xaxis.autorange is False
    assert list(out.layout.yaxis.range) == [0, 100]  # ours, untouched
    reset = fg.keep_zoom(fg.mood_timeline_figure(timeline()),
                         {"layout": {"xaxis": {"autorange": True}}})
    assert reset.layout.xaxis.range is None
    assert fg.keep_zoom(fg.empty_figure("x"), None).layout.xaxis.range is None


def test_many_sessions_are_drawn_as_weekly_means() -> None:
    comp = pd.concat([compare_frame(10)] * 30, ignore_index=True)
    comp["started_at"] = [T0 + timedelta(hours=20 * i) for i in range(len(comp))]
    comp["session_id"] = range(1, len(comp) + 1)
    fig = fg.compare_metric_figure(comp, "presence_rate", label="presence", percent=True)
    assert len(fig.data[0].x) < 40 and "weekly" in fig.data[0].name
    mood = fg.compare_mood_figure(comp)
    assert mood.data[0].stackgroup == "mix" and len(mood.data[0].x) < 40
    assert "weekly average" in mood.layout.annotations[0].text
