"""Live page: what the class looks like right now, refreshed every couple of seconds.

One interval callback fetches everything in one round trip and skips the update (PreventUpdate)
when no new observation or health sample arrived, so an idle page costs nothing. Figures keep a
constant ``uirevision`` per session and window, so a refresh never resets the user's zoom.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from plotly.io.json import to_json_plotly

from dashboard import components as ui
from dashboard import figures as fg
from dashboard.attention import evaluate
from dashboard.buildcache import BuildCache, Recent
from storage import queries as q

WINDOWS = [("5 min", 5), ("10 min", 10), ("30 min", 30), ("whole session", 0)]
STALE_S = 30.0  # a tile not seen for this long is drawn faded: the person may have left
DARK_TILES = {"Angry", "Fear", "Sad", "Disgust"}
GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False}


def layout(ctx) -> html.Div:  # noqa: ANN001
    window = dbc.RadioItems(
        id="live-window", options=[{"label": k, "value": v} for k, v in WINDOWS], value=10,
        inline=True, className="cp-note",
    )
    formula = html.P(fg.ENGAGEMENT_FORMULA, id="live-formula", className="cp-note mb-0 mt-1")
    thresholds = html.Ul([html.Li(t) for t in ctx.attention.describe()], className="cp-thresholds")
    return html.Div(
        [
            dcc.Interval(id="live-tick", interval=ctx.refresh_ms),
            dcc.Store(id="live-sig"),
            html.Div(id="live-status", className="cp-note mb-2"),
            dbc.Row(
                [
                    dbc.Col(ui.card("Class mood timeline",
                                    dcc.Graph(id="live-timeline", config=GRAPH_CONFIG),
                                    extra=window), lg=8),
                    dbc.Col(ui.card("Expressions now",
                                    dcc.Graph(id="live-distribution", config=GRAPH_CONFIG)),
                            lg=4),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(ui.card("Gallery mirror", html.Div(id="live-gallery"),
                                    extra=_legend()), lg=8),
                    dbc.Col(ui.card("Needs attention",
                                    html.Div([html.Div(id="live-attention"),
                                              html.Div([html.Div("Thresholds", className="cp-note mt-2"),
                                                        thresholds])])),
                            lg=4),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(ui.card("Engagement index",
                                    html.Div([dcc.Graph(id="live-engagement", config=GRAPH_CONFIG),
                                              formula])), lg=8),
                    dbc.Col(ui.card("Capture health", html.Div(id="live-health")), lg=4),
                ],
                className="g-3",
            ),
        ],
        id="live-page",
    )


def _legend() -> html.Div:
    items = []
    for name in (*fg.EXPRESSION_NAMES, "camera_off"):
        items += [html.Span(className="cp-swatch", style={"background": fg.COLORS[name]}),
                  html.Span(name.replace("_", " "), className="cp-note")]
    return html.Div(items, className="d-none d-md-block text-end")


def gallery(state: pd.DataFrame, presence_only: bool) -> html.Div:
    """One cell per participant in tile order: colour = current top expression, grey = camera
    off, dashed = camera on but no face. Names are plain text."""
    if state.empty:
        return ui.empty_state("No participants yet", "Nobody has been seen in this session.")
    newest = pd.to_datetime(state["ts"], utc=True).max()
    cells = []
    for row in state.itertuples(index=False):
        cam, top = str(row.camera_state), row.top_expression
        classes = ["cp-tile"]
        if cam == "camera_off":
            color, label = fg.COLORS["camera_off"], "camera off"
        elif cam == "no_face":
            color, label = "#ffffff", "no face"
            classes.append("cp-no-face")
        elif presence_only or not isinstance(top, str):
            color, label = "#d8ece4", "present"
        else:
            color, label = fg.COLORS.get(top, "#ffffff"), top
            if top in DARK_TILES:
                classes.append("cp-dark")
        age = (newest - pd.Timestamp(row.ts)).total_seconds()
        if age > STALE_S:
            classes.append("cp-stale")
            label += f" · {int(age // 60)}m ago" if age >= 60 else f" · {int(age)}s ago"
        cells.append(html.Div([ui.name_text(row.display_name, max_chars=40),
                               html.Div(label, className="cp-tile-state")],
                              className=" ".join(classes), style={"background": color}))
    return html.Div(cells, className="cp-gallery", id="live-gallery-grid")


def attention_list(flags, presence_only: bool) -> html.Div:  # noqa: ANN001
    if not flags:
        return html.P("Nobody right now.", className="text-muted mb-0", id="attention-none")
    items = [
        html.Div(
            [
                html.Div(ui.name_text(f.display_name, max_chars=40), className="fw-semibold"),
                html.Div(f"{f.reason} · since {ui.fmt_time(f.since, with_date=False)} UTC"
                         + (f" · {f.detail}" if f.detail else ""),
                         className="cp-attention-reason"),
            ],
            className="cp-attention-item",
        )
        for f in flags
    ]
    note = ([html.P("Presence-only session: expression rules are off.", className="cp-note")]
            if presence_only else [])
    return html.Div(note + items, id="attention-items")


def health_panel(health: dict | None, info: q.SessionInfo) -> html.Div:
    if health is None:
        return html.P("No capture health reported yet.", className="text-muted mb-0")
    now = datetime.now(UTC)
    last = health.get("last_frame_at") or health.get("ts")
    last_ts = pd.Timestamp(last).tz_convert("UTC") if last is not None else None
    age = (now - last_ts.to_pydatetime()).total_seconds() if last_ts is not None else None
    if info.ended_at is not None:
        age_text = "session ended"
    else:
        age_text = ui.fmt_duration(age) if age is not None else "–"
    online = bool(health.get("capture_online", False))
    stats = html.Div(
        [ui.stat("fps", f"{float(health.get('fps') or 0):.1f}", id="health-fps"),
         ui.stat("last frame", age_text, id="health-age"),
         ui.stat("tiles found", str(health.get("tiles_found", "–"))),
         ui.stat("dropped", str(health.get("dropped_frames", "–"))),
         ui.stat("failed", str(health.get("frames_failed", 0)), id="health-failed"),
         ui.stat("skipped", str(health.get("frames_skipped", 0)), id="health-skipped")],
        className="d-flex flex-wrap gap-3 mb-2",
    )
    alerts = []
    if health.get("degraded"):
        alerts.append(dbc.Alert(
            "Degraded: many frames in a row failed to process; the worker keeps retrying. "
            "See the last error below and the worker's log.",
            color="danger", className="py-2 mb-2", id="health-degraded"))
    if not health.get("is_gallery", True):
        alerts.append(dbc.Alert(
            "Not a gallery view: switch the call to gallery view so every participant is visible.",
            color="warning", className="py-2 mb-2", id="health-not-gallery"))
    if not online:
        alerts.append(dbc.Alert("Capture is offline.", color="danger", className="py-2 mb-2"))
    if info.ended_at is None and age is not None and age > 30:
        alerts.append(dbc.Alert(f"No frame for {ui.fmt_duration(age)}.", color="warning",
                                className="py-2 mb-2"))
    if health.get("last_error"):
        alerts.append(html.P(f"Last error: {str(health['last_error'])[:300]}",
                             className="cp-note mb-0"))
    return html.Div([stats, *alerts])


def _bucket_s(info: q.SessionInfo, minutes: int, span_s: float) -> float:
    span = minutes * 60 if minutes else max(span_s, 60.0)
    return max(float(info.sample_interval_s), round(span / 60.0))


def register(app, ctx) -> None:  # noqa: ANN001
    builds = BuildCache()
    recent = Recent(max_age_s=1.0)  # one read of the class's state per second for all tabs

    @app.callback(
        Output("live-timeline", "figure"),
        Output("live-distribution", "figure"),
        Output("live-gallery", "children"),
        Output("live-engagement", "figure"),
        Output("live-health", "children"),
        Output("live-attention", "children"),
        Output("live-status", "children"),
        Output("live-sig", "data"),
        Input("live-tick", "n_intervals"),
        Input("session-picker", "value"),
        Input("live-window", "value"),
        State("live-sig", "data"),
        State("live-timeline", "figure"),
        State("live-engagement", "figure"),
        # No tick while a refresh is in flight: on a busy machine a refresh can outlast the
        # interval, and Dash drops a response when the same callback fires again, so the
        # page would never update at all.
        running=[(Output("live-tick", "disabled"), True, False)],
    )
    def refresh(_n, session_id, minutes, sig, shown_timeline, shown_engagement):  # noqa: ANN001
        info, state, health = recent.get(session_id, lambda: _read(ctx, session_id))
        newest = pd.to_datetime(state["ts"], utc=True).max() if not state.empty else None
        new_sig = [info.id, minutes, str(newest), len(state),
                   str(health.get("ts")) if health else None, info.ended_at is None]
        if sig == new_sig:
            if info.ended_at is not None:
                raise PreventUpdate  # a finished session does not change
            return _health_only(health, info)  # nothing new (the stall age still moves)
        # One build per new data for all open tabs, maybe the previous one while the next is
        # built (dashboard/buildcache.py), with the signature of the data it shows; the health
        # panel's "last frame" age is the only per-poll part.
        shown_sig, out = builds.get(tuple(new_sig[:2]), tuple(new_sig), lambda: _as_json(_build(
            ctx, info, state, health, minutes or 0, newest)))
        if list(shown_sig) == sig:  # the tab already shows the newest finished build
            return _health_only(health, info)
        out = list(out)
        out[4] = health_panel(health, info)
        if sig is not None and sig[:2] == new_sig[:2]:  # same session and window: keep zoom
            out[0] = fg.keep_zoom(out[0], shown_timeline)
            out[3] = fg.keep_zoom(out[3], shown_engagement)
        return (*out, list(shown_sig))


def _read(ctx, session_id):  # noqa: ANN001, ANN202
    """(session, current state per participant, latest health) for the picked session."""
    info = ui.picked_session(ctx.engine, session_id)
    return info, q.current_state(ctx.engine, info.id), q.health_latest(ctx.engine, info.id)


def _health_only(health: dict | None, info: q.SessionInfo) -> tuple:
    """Nothing new to draw: only the health panel's "last frame" age moves (a stall shows)."""
    keep = no_update
    return keep, keep, keep, keep, health_panel(health, info), keep, keep, keep


def _as_json(outputs: tuple) -> tuple:
    """Figures and components as the plain JSON Dash sends: converted once per build, not once
    per tab and poll (plotly's encoder walks every array of every figure each time)."""
    return tuple(json.loads(to_json_plotly(o)) for o in outputs)


def _build(ctx, info, state, health, minutes: int, newest):  # noqa: ANN001
    po = info.presence_only
    span = ((newest - pd.Timestamp(info.started_at)).total_seconds()
            if newest is not None else 60.0)
    since = newest - pd.Timedelta(minutes=minutes) if (minutes and newest is not None) else None
    timeline = q.mood_timeline(ctx.engine, info.id, _bucket_s(info, minutes, span),
                               since.to_pydatetime() if since is not None else None)
    rev = f"live-{info.id}-{minutes}"
    flags = evaluate(q.attention_inputs(ctx.engine, info.id, ctx.attention.window_s),
                     ctx.attention)
    if po:
        flags = [f for f in flags if f.reason in ("camera off", "face absent")]
    n_cam = int((state["camera_state"] == "camera_off").sum()) if not state.empty else 0
    status = (f"{len(state)} participants · {n_cam} camera off · last observation "
              f"{ui.fmt_time(newest.to_pydatetime() if newest is not None else None, False)} UTC"
              + (" · session ended" if info.ended_at is not None else ""))
    return (
        fg.mood_timeline_figure(timeline, presence_only=po, uirevision=rev),
        fg.distribution_figure(state, presence_only=po),
        gallery(state, po),
        fg.engagement_figure(timeline, presence_only=po, uirevision=rev),
        health_panel(health, info),
        attention_list(flags, po),
        status,
    )
