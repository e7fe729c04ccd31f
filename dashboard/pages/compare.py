"""Compare page, for the admin: sessions over weeks, filtered, and two sessions side by side.

One query (storage.queries.session_comparison, aggregated in SQL) feeds every chart, so 1,000
sessions cost one round trip; the side-by-side panes reuse that frame plus one mood timeline each.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html, no_update

from dashboard import attendance_view
from dashboard import components as ui
from dashboard import figures as fg
from storage import queries as q

MAX_PICK = 150
GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False}


def layout(ctx) -> html.Div:  # noqa: ANN001
    courses = q.distinct_courses(ctx.engine)
    instructors = q.distinct_instructors(ctx.engine)
    filters = dbc.Row(
        [
            dbc.Col([html.Div("Course", className="cp-note"),
                     dcc.Dropdown(id="cmp-course", options=_options(courses),
                                  placeholder="All courses")], md=3),
            dbc.Col([html.Div("Instructor", className="cp-note"),
                     dcc.Dropdown(id="cmp-instructor", options=_options(instructors),
                                  placeholder="All instructors")], md=3),
            dbc.Col([html.Div("Dates", className="cp-note"),
                     dcc.DatePickerRange(id="cmp-dates", clearable=True,
                                         display_format="YYYY-MM-DD")], md=4),
        ],
        className="g-3 mb-3 align-items-end",
    )
    return html.Div(
        [
            filters,
            html.Div(id="cmp-summary", className="d-flex flex-wrap gap-4 mb-3"),
            dbc.Row(
                [dbc.Col(ui.card("Mood mix over sessions",
                                 dcc.Graph(id="cmp-mood", config=GRAPH_CONFIG)), lg=12)],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(ui.card("Presence rate over sessions, with trend",
                                    dcc.Graph(id="cmp-presence", config=GRAPH_CONFIG)), lg=6),
                    dbc.Col(ui.card("Attention flags over sessions, with trend",
                                    html.Div([dcc.Graph(id="cmp-flags", config=GRAPH_CONFIG),
                                              html.P("Flags: participants whose negative share "
                                                     "or camera-off rate was 50%+ over the "
                                                     "session.", className="cp-note mb-0")])),
                            lg=6),
                ],
                className="g-3 mb-3",
            ),
            html.Div(attendance_view.compare_card(), className="mb-3"),
            ui.card("Side by side", html.Div([
                dbc.Row([
                    dbc.Col(dcc.Dropdown(id="cmp-a", placeholder="Session A"), md=6),
                    dbc.Col(dcc.Dropdown(id="cmp-b", placeholder="Session B"), md=6),
                ], className="g-3 mb-3"),
                dbc.Row([dbc.Col(html.Div(id="cmp-pane-a"), md=6),
                         dbc.Col(html.Div(id="cmp-pane-b"), md=6)], className="g-3"),
            ])),
        ],
        id="compare-page",
    )


def _options(values: list[str]) -> list[dict]:
    return [{"label": ui.clean_name(v, 60), "value": v} for v in values]


def _day(value: str | None) -> date | None:
    """A picker date as a bare ``date``: storage reads it as the whole UTC day."""
    return date.fromisoformat(str(value)[:10]) if value else None


def _pick_options(comp: pd.DataFrame) -> list[dict]:
    """Newest MAX_PICK sessions of the filtered set: a dropdown of 1,000 entries is slow to draw
    and no easier to use; the filters narrow it, and every chart point names its session."""
    rows = comp.iloc[::-1].head(MAX_PICK).to_dict("records")
    return [{"label": ui.session_label(r), "value": int(r["session_id"])} for r in rows]


def _summary(comp: pd.DataFrame) -> list:
    if comp.empty:
        return [html.P("No sessions match these filters.", className="text-muted mb-0")]
    return [
        ui.stat("sessions", f"{len(comp):,}", id="cmp-n-sessions"),
        ui.stat("mean presence", f"{float(comp['presence_rate'].mean() or 0):.0%}"),
        ui.stat("mean flags", f"{float(comp['n_flags'].mean() or 0):.1f}"),
        ui.stat("presence-only", f"{int(comp['presence_only'].astype(bool).sum()):,}"),
    ]


def _mix_bar(row: pd.Series, presence_only: bool) -> html.Div:
    """The session's overall mood mix as one stacked bar of plain divs: cheaper to draw than a
    plotly figure, and there are two of them on the page."""
    if presence_only:
        return html.P(fg.PRESENCE_ONLY_REASON, className="cp-note")
    parts = []
    for name in fg.STACK_ORDER:
        share = float(row.get(name, 0) or 0)
        if share > 0:
            parts.append(html.Div(
                f"{share:.0%}" if share >= 0.08 else "", title=f"{name}: {share:.0%}",
                className="cp-mix-part",
                style={"width": f"{share * 100:.2f}%", "background": fg.COLORS[name]}))
    legend = [html.Span([html.Span(className="cp-swatch", style={"background": fg.COLORS[n]}),
                         n], className="cp-note") for n in fg.STACK_ORDER]
    return html.Div([html.Div(parts, className="cp-mix"), html.Div(legend, className="mb-1")])


def _pane(ctx, comp: pd.DataFrame, session_id) -> html.Div:  # noqa: ANN001
    if session_id is None:
        return html.P("Pick a session.", className="text-muted")
    rows = comp[comp["session_id"] == int(session_id)]
    info = q.get_session(ctx.engine, int(session_id))
    if rows.empty or info is None:
        return html.P("That session is not in the filtered set.", className="text-muted")
    r = rows.iloc[0]
    span = float(r["duration_s"] or 60)
    timeline = q.mood_timeline(ctx.engine, info.id,
                               max(info.sample_interval_s, round(max(span, 60) / 60)))
    stats = [ui.stat("duration", ui.fmt_duration(r["duration_s"])),
             ui.stat("participants", str(int(r["n_participants"] or 0))),
             ui.stat("presence", f"{float(r['presence_rate'] or 0):.0%}"),
             ui.stat("flags", str(int(r["n_flags"] or 0)))]
    if not info.presence_only:
        stats.append(ui.stat("negative", f"{float(r['negative_share'] or 0):.0%}"))
    return html.Div([
        html.H6([ui.name_text(r["course"], max_chars=40), " — ",
                 ui.name_text(r["title"], max_chars=60), ui.presence_badge(info),
                 dcc.Link("report →", href=f"/report?session={info.id}",
                          className="ms-2 small")]),
        html.Div(ui.fmt_time(info.started_at) + " · instructor ", className="cp-note d-inline"),
        html.Span(ui.name_text(r["instructor"], max_chars=40), className="cp-note"),
        html.Div(stats, className="d-flex flex-wrap gap-3 my-2"),
        _mix_bar(r, info.presence_only),
        dcc.Graph(figure=fg.mood_timeline_figure(timeline, presence_only=info.presence_only,
                                                 height=240), config=GRAPH_CONFIG),
    ])


class _ComparisonCache:
    """The last few session_comparison results for a few seconds. Why: the charts and the
    side-by-side panes are separate callbacks (so picking A/B does not redraw the charts), and
    both need the same frame; over 1,000 sessions the query is the slowest part of the page.
    The lock makes a concurrent second caller wait for the first's result, not run it again."""

    def __init__(self, ttl_s: float = 10.0, size: int = 8) -> None:
        self.ttl_s, self.size = ttl_s, size
        self._lock = threading.Lock()
        self._items: dict[tuple, tuple[float, pd.DataFrame]] = {}

    def get(self, ctx, key: tuple) -> pd.DataFrame:  # noqa: ANN001
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
            course, instructor, start, end = key
            df = q.session_comparison(ctx.engine, course=course or None,
                                      instructor=instructor or None,
                                      date_from=_day(start), date_to=_day(end))
            if len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (time.monotonic(), df)
            return df


def register(app, ctx) -> None:  # noqa: ANN001
    cache = _ComparisonCache()
    attendance_view.register_compare(app, ctx)

    def load(course, instructor, start, end) -> pd.DataFrame:  # noqa: ANN001
        return cache.get(ctx, (course, instructor, start, end))

    @app.callback(
        Output("cmp-summary", "children"),
        Output("cmp-mood", "figure"),
        Output("cmp-presence", "figure"),
        Output("cmp-flags", "figure"),
        Output("cmp-a", "options"),
        Output("cmp-b", "options"),
        Output("cmp-a", "value"),
        Output("cmp-b", "value"),
        Output("cmp-pane-a", "children"),
        Output("cmp-pane-b", "children"),
        Input("cmp-course", "value"),
        Input("cmp-instructor", "value"),
        Input("cmp-dates", "start_date"),
        Input("cmp-dates", "end_date"),
        Input("cmp-a", "value"),
        Input("cmp-b", "value"),
    )
    def render(course, instructor, start, end, a, b):  # noqa: ANN001
        """One round trip for the whole page; picking A or B redraws only the panes (a
        circular callback: A/B are both set here and listened to here)."""
        comp = load(course, instructor, start, end)
        if dash.ctx.triggered_id in ("cmp-a", "cmp-b"):
            keep = [no_update] * 8
            return (*keep, _pane(ctx, comp, a), _pane(ctx, comp, b))
        options = _pick_options(comp)
        ids = set(comp["session_id"].astype(int)) if not comp.empty else set()
        newest = comp["session_id"].iloc[::-1].astype(int).tolist()
        a = a if a in ids else (newest[1] if len(newest) > 1 else None)
        b = b if b in ids else (newest[0] if newest else None)
        return (
            _summary(comp),
            fg.compare_mood_figure(comp),
            fg.compare_metric_figure(comp, "presence_rate", label="presence", percent=True,
                                     color="#2b6777"),
            fg.compare_metric_figure(comp, "n_flags", label="flags", color="#e8a33d"),
            options, options, a, b, _pane(ctx, comp, a), _pane(ctx, comp, b),
        )
