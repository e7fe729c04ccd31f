"""Pure figure builders: DataFrames from storage.queries in, plotly figures out.

Why pure: the pages, the offline HTML report and the tests all draw the same figures, and a
function of its inputs is easy to test without a server. Participant names never go into figure
text (plotly renders a subset of HTML in labels); they stay in escaped Dash/HTML components.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from storage.records import EXPRESSION_NAMES

NEGATIVE: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Sad")
# Calm, colour-blind-aware palette; negative expressions in warm/dark tones, positive in light.
COLORS: dict[str, str] = {
    "Angry": "#c8553d",
    "Disgust": "#8e6c8a",
    "Fear": "#5d5179",
    "Happy": "#f2b134",
    "Sad": "#4f6d9a",
    "Surprise": "#47a8bd",
    "Neutral": "#a3b18a",
    "camera_off": "#ced4da",
    "present": "#8fbfa8",
    "no_face": "#e9ecef",
}
STACK_ORDER: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Sad", "Surprise", "Happy", "Neutral")
ENGAGEMENT_FORMULA = (
    "Engagement index = 100 × presence × (1 − negative share), where presence = share of "
    "participant observations with a face in view, and negative share = share of those faces "
    "whose top expression is Angry, Disgust, Fear or Sad. In presence-only sessions it is "
    "100 × presence. A rough class-level signal, not a measure of learning."
)
PRESENCE_ONLY_REASON = (
    "Presence-only session: expression inference was off, so there are no expressions to show."
)
NO_FACES_REASON = "No faces were read in this period, so there are no expressions to show."
MAX_BARS = 80
MAX_POINTS = 200
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _base_layout(fig: go.Figure, *, height: int, uirevision: str | None = None) -> go.Figure:
    fig.update_layout(
        template="none",  # our own styling below; plotly's default template is ~10 KB a figure
        height=height,
        margin={"l": 48, "r": 16, "t": 28, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT, "size": 12, "color": "#343a40"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="x unified",
        uirevision=uirevision,
    )
    fig.update_xaxes(showgrid=False, linecolor="#dee2e6", showline=True, ticks="")
    fig.update_yaxes(gridcolor="#eef0f2", zeroline=False, showline=False, ticks="")
    return fig


def keep_zoom(fig: go.Figure | dict, previous: dict | None) -> go.Figure | dict:
    """Carry the user's zoom from the figure on screen into its replacement.

    Why not just ``uirevision``: Dash 4's dcc.Graph writes the user's zoom back into its
    ``figure`` prop and re-plots with it, so to plotly the zoom looks like app data, and the next
    refresh (without a range) wins. Copying explicit, non-auto axis ranges across keeps the view.
    A figure it changes is a copy: the given one (a Figure or its JSON dict) may be shared by
    other tabs (buildcache)."""
    layout = (previous or {}).get("layout") or {}
    zoomed = [(axis, (layout.get(axis) or {}).get("range")) for axis in ("xaxis", "yaxis")
              if (layout.get(axis) or {}).get("autorange") is False]
    zoomed = [(axis, rng) for axis, rng in zoomed if rng]
    if zoomed:
        fig = go.Figure(fig)
        for axis, rng in zoomed:
            fig.update_layout({axis: {"range": rng, "autorange": False}})
    return fig


def empty_figure(message: str, *, height: int = 260) -> go.Figure:
    """A blank figure that says why it is blank, instead of empty axes."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
        font={"size": 13, "color": "#6c757d"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, height=height)


def negative_share(timeline: pd.DataFrame) -> pd.Series:
    """Share of face observations with a negative top expression, per row."""
    cols = [c for c in NEGATIVE if c in timeline.columns]
    return timeline[cols].fillna(0).sum(axis=1).clip(0, 1) if cols else pd.Series(dtype=float)


def presence(timeline: pd.DataFrame) -> pd.Series:
    """Share of participant observations with a face in view, per time bucket."""
    n_obs = timeline["n_obs"].astype(float).replace(0, np.nan)
    return (timeline["n_face"].astype(float) / n_obs).fillna(0.0)


def engagement_index(timeline: pd.DataFrame, presence_only: bool = False) -> pd.Series:
    """The formula in ENGAGEMENT_FORMULA, 0..100 per time bucket."""
    pres = presence(timeline)
    if presence_only:
        return 100 * pres
    return 100 * pres * (1 - negative_share(timeline))


def has_expressions(timeline: pd.DataFrame) -> bool:
    return not timeline.empty and float(timeline["n_face"].sum()) > 0 and all(
        c in timeline.columns for c in EXPRESSION_NAMES
    ) and float(timeline[list(EXPRESSION_NAMES)].fillna(0).to_numpy().sum()) > 0


def mood_timeline_figure(
    timeline: pd.DataFrame,
    *,
    presence_only: bool = False,
    uirevision: str | None = None,
    moments: pd.DataFrame | None = None,
    height: int = 300,
) -> go.Figure:
    """Stacked share (%) of each top expression per time bucket. ``uirevision`` keeps the user's
    zoom across refreshes; ``moments`` (from notable_moments) are marked on top."""
    if presence_only:
        return empty_figure(PRESENCE_ONLY_REASON, height=height)
    if not has_expressions(timeline):
        return empty_figure(NO_FACES_REASON, height=height)
    fig = go.Figure()
    x = pd.to_datetime(timeline["bucket"], utc=True)
    for name in STACK_ORDER:
        fig.add_trace(go.Scatter(
            x=x, y=(timeline[name].fillna(0) * 100).round(1), name=name, mode="lines",
            stackgroup="mood", line={"width": 0.5, "color": COLORS[name]},
            fillcolor=COLORS[name], hovertemplate="%{y:.0f}%",
        ))
    if moments is not None and not moments.empty:
        _mark_moments(fig, moments)
    fig.update_yaxes(range=[0, 100], ticksuffix="%", title=None)
    return _base_layout(fig, height=height, uirevision=uirevision)


def _mark_moments(fig: go.Figure, moments: pd.DataFrame) -> None:
    symbols = {"negative spike": "triangle-down", "presence drop": "x"}
    for kind, group in moments.groupby("kind"):
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(group["bucket"], utc=True), y=[100] * len(group), mode="markers",
            name=str(kind), marker={"symbol": symbols.get(str(kind), "circle"), "size": 11,
                                    "color": "#212529"},
            text=group["label"], hovertemplate="%{text}<extra></extra>", cliponaxis=False,
        ))
    for bucket in moments["bucket"]:
        fig.add_vline(x=pd.Timestamp(bucket).to_pydatetime(), line_width=1,
                      line_dash="dot", line_color="#495057", opacity=0.5)


def notable_moments(
    timeline: pd.DataFrame,
    *,
    presence_only: bool = False,
    min_negative: float = 0.25,
    drop: float = 0.2,
    max_moments: int = 8,
) -> pd.DataFrame:
    """Buckets worth a look: spikes of negative expressions and drops in presence.

    A negative spike is a bucket whose negative share is at least ``min_negative`` and well above
    the session's typical level (median + 3 MAD); a presence drop is a bucket whose presence is
    ``drop`` below the median of the 5 before it. Only the first bucket of a run is kept, and at
    most ``max_moments`` strongest, so the timeline stays readable."""
    cols = ["bucket", "kind", "value", "label"]
    if timeline.empty or len(timeline) < 3:
        return pd.DataFrame(columns=cols)
    rows: list[dict] = []
    if not presence_only and has_expressions(timeline):
        neg = negative_share(timeline)
        med = float(neg.median())
        mad = float((neg - med).abs().median())
        hit = (neg >= max(min_negative, med + 3 * mad + 0.05)) & (timeline["n_face"] >= 3)
        rows += _run_starts(timeline, hit, neg, "negative spike", "{:.0%} negative expressions")
    pres = presence(timeline)
    baseline = pres.shift(1).rolling(5, min_periods=3).median()
    hit = (baseline - pres) >= drop
    rows += _run_starts(timeline, hit, baseline - pres, "presence drop",
                       "presence down {:.0%} points")
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows, columns=cols)
    out = out.sort_values("value", ascending=False).head(max_moments)
    return out.sort_values("bucket").reset_index(drop=True)


def _run_starts(
    timeline: pd.DataFrame, hit: pd.Series, value: pd.Series, kind: str, fmt: str
) -> list[dict]:
    hit = hit.fillna(False).astype(bool)
    starts = hit & ~hit.shift(1, fill_value=False)
    return [
        {"bucket": timeline["bucket"].iloc[i], "kind": kind, "value": float(value.iloc[i]),
         "label": fmt.format(float(value.iloc[i]))}
        for i in np.flatnonzero(starts.to_numpy())
    ]


def distribution_figure(state: pd.DataFrame, *, presence_only: bool = False) -> go.Figure:
    """How many participants currently show each top expression (faces only)."""
    if presence_only:
        return empty_figure(PRESENCE_ONLY_REASON, height=260)
    faces = state[state["top_expression"].notna()] if not state.empty else state
    if faces.empty:
        return empty_figure("No faces are being read right now.", height=260)
    counts = faces["top_expression"].value_counts().reindex(list(EXPRESSION_NAMES), fill_value=0)
    fig = go.Figure(go.Bar(
        x=counts.to_numpy(), y=list(counts.index), orientation="h",
        marker={"color": [COLORS[n] for n in counts.index]},
        hovertemplate="%{y}: %{x}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="participants", dtick=max(1, int(counts.max() // 5) or 1))
    fig = _base_layout(fig, height=260)
    fig.update_layout(hovermode="closest", margin={"l": 72})
    return fig


def engagement_figure(
    timeline: pd.DataFrame, *, presence_only: bool = False, uirevision: str | None = None,
    height: int = 240,
) -> go.Figure:
    """Engagement index (solid) and presence (dotted), 0..100, per time bucket."""
    if timeline.empty:
        return empty_figure("No observations yet.", height=height)
    x = pd.to_datetime(timeline["bucket"], utc=True)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=engagement_index(timeline, presence_only).round(1), name="engagement index",
        mode="lines", line={"color": "#2b8a3e", "width": 2.5}, hovertemplate="%{y:.0f}",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=(presence(timeline) * 100).round(1), name="presence %", mode="lines",
        line={"color": "#868e96", "width": 1.5, "dash": "dot"}, hovertemplate="%{y:.0f}%",
    ))
    fig.update_yaxes(range=[0, 105])
    return _base_layout(fig, height=height, uirevision=uirevision)


def participant_figure(obs: pd.DataFrame, *, presence_only: bool = False) -> go.Figure:
    """One participant's drill-down: top expression (or camera state) at each sample."""
    if obs.empty:
        return empty_figure("No observations for this participant.", height=260)
    ts = pd.to_datetime(obs["ts"], utc=True)
    label = obs["top_expression"].where(obs["top_expression"].notna(), obs["camera_state"])
    if presence_only:
        label = obs["camera_state"]
    label = label.replace({"face": "present"})  # a face seen but no expression read
    order = [*EXPRESSION_NAMES, "present", "no_face", "camera_off"]
    fig = go.Figure()
    for name in order:
        mask = (label == name).to_numpy()
        if not mask.any():
            continue
        fig.add_trace(go.Scatter(
            x=ts[mask], y=[name.replace("_", " ")] * int(mask.sum()), mode="markers", name=name,
            marker={"color": COLORS[name], "size": 7, "symbol": "square",
                    "line": {"width": 0.5, "color": "#adb5bd"}},
            hovertemplate="%{x|%H:%M:%S}<extra>%{y}</extra>", showlegend=False,
        ))
    fig.update_yaxes(categoryorder="array",
                     categoryarray=[n.replace("_", " ") for n in reversed(order)])
    fig = _base_layout(fig, height=280)
    fig.update_layout(hovermode="closest")
    return fig


def _trend(x: pd.Series, y: pd.Series) -> tuple[pd.Series, np.ndarray] | None:
    """Least-squares line through (time, value); None with fewer than 3 points."""
    ok = y.notna().to_numpy()
    if ok.sum() < 3:
        return None
    t = (pd.to_datetime(x, utc=True) - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    slope, icpt = np.polyfit(t[ok], y.to_numpy(dtype=float)[ok], 1)
    ends = [int(np.argmin(np.where(ok, t, np.inf))), int(np.argmax(np.where(ok, t, -np.inf)))]
    return x.iloc[ends], slope * t[ends] + icpt  # a straight line: its two ends suffice


def compare_mood_figure(comp: pd.DataFrame) -> go.Figure:
    """Mood mix over sessions (stacked %), sessions with expressions only: one bar per session,
    or past MAX_BARS sessions a weekly average as stacked areas (7 paths instead of 7n bars, and
    readable)."""
    data = comp[~comp["presence_only"].astype(bool)] if not comp.empty else comp
    if data.empty:
        return empty_figure("No sessions with expressions match these filters.", height=300)
    bars = len(data) <= MAX_BARS
    x = pd.to_datetime(data["started_at"], utc=True)
    if bars:
        mix = data[list(STACK_ORDER)].fillna(0)
        hover = "session %{customdata}: %{y:.0f}%"
        custom = data["session_id"].to_numpy()
    else:
        mix = data[list(STACK_ORDER)].fillna(0).set_index(x).resample("W-MON").mean().dropna()
        x = mix.index
        hover = "week of %{x|%Y-%m-%d}: %{y:.0f}%"
        custom = None
    fig = go.Figure()
    for name in STACK_ORDER:
        common = {"x": x, "y": (mix[name] * 100).round(1).to_numpy(), "name": name,
                  "customdata": custom, "hovertemplate": hover}
        if bars:
            fig.add_trace(go.Bar(marker={"color": COLORS[name], "line": {"width": 0}}, **common))
        else:
            fig.add_trace(go.Scatter(mode="lines", stackgroup="mix", fillcolor=COLORS[name],
                                     line={"width": 0.5, "color": COLORS[name]}, **common))
    fig.update_layout(barmode="stack", bargap=0.05)
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    fig = _base_layout(fig, height=300)
    if not bars:
        fig.add_annotation(text=f"weekly average of {len(data):,} sessions", showarrow=False,
                           xref="paper", yref="paper", x=1, y=1.12, xanchor="right",
                           font={"size": 11, "color": "#6c757d"})
    return fig


def compare_metric_figure(
    comp: pd.DataFrame, column: str, *, label: str, percent: bool = False, color: str = "#1c7ed6"
) -> go.Figure:
    """One metric per session over time, with a least-squares trend line (fitted on every
    session). Past MAX_POINTS sessions the dots are weekly means: a thousand SVG markers cost
    more to draw than the rest of the page and say no more."""
    if comp.empty:
        return empty_figure("No sessions match these filters.", height=240)
    x = pd.to_datetime(comp["started_at"], utc=True)
    y = comp[column].astype(float) * (100 if percent else 1)
    unit = "%" if percent else ""
    if len(comp) <= MAX_POINTS:
        dots = go.Scatter(
            x=x, y=y.round(2), mode="markers", name=label, customdata=comp["session_id"],
            marker={"color": color, "size": 7, "opacity": 0.75},
            hovertemplate="session %{customdata}: %{y}" + unit + "<extra></extra>")
    else:
        weekly = y.set_axis(x).resample("W-MON").mean().dropna()
        dots = go.Scatter(
            x=weekly.index, y=weekly.round(2).to_numpy(), mode="lines+markers",
            name=f"{label}, weekly mean", marker={"color": color, "size": 5},
            line={"color": color, "width": 1},
            hovertemplate="week of %{x|%Y-%m-%d}: %{y:.1f}" + unit + "<extra></extra>")
    fig = go.Figure(dots)
    trend = _trend(x, y)
    if trend is not None:
        fig.add_trace(go.Scatter(
            x=trend[0], y=trend[1], mode="lines", name="trend",
            line={"color": "#212529", "width": 1.5, "dash": "dash"}, hoverinfo="skip",
        ))
    if percent:
        fig.update_yaxes(range=[0, 105], ticksuffix="%")
    fig = _base_layout(fig, height=240)
    fig.update_layout(hovermode="closest")
    return fig


def session_mix_figure(row: pd.Series | None, *, height: int = 200) -> go.Figure:
    """One session's overall mood mix as a single stacked bar (side-by-side view)."""
    if row is None:
        return empty_figure("Pick a session.", height=height)
    if bool(row.get("presence_only", False)):
        return empty_figure(PRESENCE_ONLY_REASON, height=height)
    fig = go.Figure()
    for name in STACK_ORDER:
        value = float(row.get(name, 0) or 0) * 100
        fig.add_trace(go.Bar(
            x=[round(value, 1)], y=[""], orientation="h", name=name,
            marker={"color": COLORS[name]}, hovertemplate=f"{name}: %{{x:.0f}}%<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig = _base_layout(fig, height=height)
    fig.update_layout(hovermode="closest")
    return fig
