"""Compare page, for the admin: sessions over weeks, filtered, and two sessions side by side.

One query (storage.queries.session_comparison, aggregated in SQL) feeds every chart, so 1,000
sessions cost one round trip; the side-by-side panes reuse that frame plus one mood timeline each.
"""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import components as ui
from dashboard import figures as fg
from storage import queries as q

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
                [dbc.Col(ui.card("Mood mix per session",
                                 dcc.Graph(id="cmp-mood", config=GRAPH_CONFIG)), lg=12)],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(ui.card("Presence rate per session, with trend",
                                    dcc.Graph(id="cmp-presence", config=GRAPH_CONFIG)), lg=6),
                    dbc.Col(ui.card("Attention flags per session, with trend",
                                    html.Div([dcc.Graph(id="cmp-flags", config=GRAPH_CONFIG),
                                              html.P("Flags: participants whose negative share "
                                                     "or camera-off rate was 50%+ over the "
                                                     "session.", className="cp-note mb-0")])),
                            lg=6),
                ],
                className="g-3 mb-3",
            ),
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


def _summary(comp: pd.DataFrame) -> list:
    if comp.empty:
        return [html.P("No sessions match these filters.", className="text-muted mb-0")]
    return [
        ui.stat("sessions", f"{len(comp):,}", id="cmp-n-sessions"),
        ui.stat("mean presence", f"{float(comp['presence_rate'].mean() or 0):.0%}"),
        ui.stat("mean flags", f"{float(comp['n_flags'].mean() or 0):.1f}"),
        ui.stat("presence-only", f"{int(comp['presence_only'].astype(bool).sum()):,}"),
    ]


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
                 ui.name_text(r["title"], max_chars=60), ui.presence_badge(info)]),
        html.Div(ui.fmt_time(info.started_at) + " · instructor ", className="cp-note d-inline"),
        html.Span(ui.name_text(r["instructor"], max_chars=40), className="cp-note"),
        html.Div(stats, className="d-flex flex-wrap gap-3 my-2"),
        dcc.Graph(figure=fg.session_mix_figure(r, height=150), config=GRAPH_CONFIG),
        dcc.Graph(figure=fg.mood_timeline_figure(timeline, presence_only=info.presence_only,
                                                 height=240), config=GRAPH_CONFIG),
    ])


def register(app, ctx) -> None:  # noqa: ANN001
    def load(course, instructor, start, end) -> pd.DataFrame:  # noqa: ANN001
        return q.session_comparison(ctx.engine, course=course or None,
                                    instructor=instructor or None,
                                    date_from=_day(start), date_to=_day(end))

    @app.callback(
        Output("cmp-summary", "children"),
        Output("cmp-mood", "figure"),
        Output("cmp-presence", "figure"),
        Output("cmp-flags", "figure"),
        Output("cmp-a", "options"),
        Output("cmp-b", "options"),
        Output("cmp-a", "value"),
        Output("cmp-b", "value"),
        Input("cmp-course", "value"),
        Input("cmp-instructor", "value"),
        Input("cmp-dates", "start_date"),
        Input("cmp-dates", "end_date"),
    )
    def render(course, instructor, start, end):  # noqa: ANN001
        comp = load(course, instructor, start, end)
        newest_first = comp.iloc[::-1]
        options = [{"label": ui.session_label(r), "value": int(r["session_id"])}
                   for r in newest_first.to_dict("records")]
        a = options[1]["value"] if len(options) > 1 else None
        b = options[0]["value"] if options else None
        return (
            _summary(comp),
            fg.compare_mood_figure(comp),
            fg.compare_metric_figure(comp, "presence_rate", label="presence", percent=True,
                                     color="#2b6777"),
            fg.compare_metric_figure(comp, "n_flags", label="flags", color="#e8a33d"),
            options, options, a, b,
        )

    @app.callback(
        Output("cmp-pane-a", "children"),
        Output("cmp-pane-b", "children"),
        Input("cmp-a", "value"),
        Input("cmp-b", "value"),
        Input("cmp-course", "value"),
        Input("cmp-instructor", "value"),
        Input("cmp-dates", "start_date"),
        Input("cmp-dates", "end_date"),
    )
    def panes(a, b, course, instructor, start, end):  # noqa: ANN001
        if a is None and b is None:
            raise PreventUpdate
        comp = load(course, instructor, start, end)
        return _pane(ctx, comp, a), _pane(ctx, comp, b)
