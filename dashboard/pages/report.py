"""Report page: any past (or the live) session after the fact.

The timeline marks notable moments; the participant table is a plain HTML table sorted on the
server from a small dcc.Store (no DataTable: its lazy bundle cost more than the rest of the page
to draw); it has no ranking column and starts in name order, not "worst first". Clicking a name
opens that participant's drill-down. Exports go through dcc.Download.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import attendance_view, exports
from dashboard import components as ui
from dashboard import figures as fg
from storage import queries as q

GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False}
COLUMNS = [("name", "Name"), ("presence", "Presence"), ("camera_off", "Camera off"),
           ("dominant", "Dominant"), ("negative", "Negative"), ("happy", "Happy"),
           ("neutral", "Neutral"), ("n_obs", "Samples")]
EXPRESSION_COLUMNS = {"dominant", "negative", "happy", "neutral"}


def layout(ctx) -> html.Div:  # noqa: ANN001, ARG001
    buttons = html.Div(
        [
            dbc.Button("Observations CSV", id="export-obs", color="secondary", outline=True,
                       size="sm"),
            dbc.Button("Per-student CSV", id="export-students", color="secondary", outline=True,
                       size="sm"),
            dbc.Button("HTML report", id="export-html", color="primary", size="sm"),
            dcc.Download(id="download-obs"),
            dcc.Download(id="download-students"),
            dcc.Download(id="download-html"),
        ],
        className="d-flex gap-2 flex-wrap",
    )
    return html.Div(
        [
            html.Div(
                [html.Div(id="report-header"), buttons],
                className="d-flex justify-content-between align-items-start flex-wrap gap-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(ui.card("Class mood timeline, notable moments marked",
                                    dcc.Loading(dcc.Graph(id="report-timeline",
                                                          config=GRAPH_CONFIG))), lg=9),
                    dbc.Col(ui.card("Notable moments", html.Div(id="report-moments")), lg=3),
                ],
                className="g-3 mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(ui.card("Engagement index",
                                    html.Div([dcc.Graph(id="report-engagement",
                                                        config=GRAPH_CONFIG),
                                              html.P(fg.ENGAGEMENT_FORMULA,
                                                     className="cp-note mb-0")])), lg=4),
                    dbc.Col(ui.card("Participants (click a name for details)",
                                    html.Div([dcc.Store(id="report-rows"),
                                              html.Div(id="report-table-box",
                                                       className="cp-table-box")])), lg=8),
                ],
                className="g-3 mb-3",
            ),
            html.Div(attendance_view.card(), className="mb-3"),
            ui.card("Participant details", html.Div(id="report-drill",
                                                     children=html.P(
                                                         "Click a name in the table.",
                                                         className="text-muted mb-0"))),
        ],
        id="report-page",
    )


def _header(info: q.SessionInfo, summary: pd.DataFrame, end) -> html.Div:  # noqa: ANN001
    duration = (end - info.started_at).total_seconds() if end is not None else None
    return html.Div(
        [
            html.H4([ui.name_text(info.course, max_chars=60), " — ",
                     ui.name_text(info.title, max_chars=80),
                     ui.live_badge(info), ui.presence_badge(info)],
                    className="mb-1", id="report-title"),
            html.Div([f"{ui.fmt_time(info.started_at)} · {ui.fmt_duration(duration)} · "
                      f"{len(summary)} participants · instructor ",
                      ui.name_text(info.instructor, max_chars=60)], className="text-muted"),
        ]
    )


def _moments_list(moments: pd.DataFrame, info: q.SessionInfo) -> html.Div:
    if info.presence_only:
        note = html.P("Presence-only session: only presence drops are looked for.",
                      className="cp-note")
    else:
        note = html.Span()
    if moments.empty:
        return html.Div([note, html.P("Nothing stood out.", className="text-muted mb-0")])
    items = [html.Li([html.Span(ui.fmt_time(pd.Timestamp(m.bucket).to_pydatetime(), False),
                                className="fw-semibold me-2"), f"{m.kind}: {m.label}"])
             for m in moments.itertuples(index=False)]
    return html.Div([note, html.Ul(items, className="ps-3 mb-0", id="report-moment-items")])


def table_rows(summary: pd.DataFrame) -> list[dict]:
    """The table's rows as plain JSON (kept in a dcc.Store, so sorting needs no query)."""
    def pct(col: str) -> list:
        if col not in summary:
            return [0] * len(summary)
        return [int(round(v)) for v in summary[col].astype(float).fillna(0) * 100]

    dominant = summary.get("dominant_expression", pd.Series([None] * len(summary)))
    return [
        {"id": int(pid), "name": ui.clean_name(name, 120), "presence": p, "camera_off": c,
         "dominant": str(d) if isinstance(d, str) else "–", "negative": n, "happy": h,
         "neutral": u, "n_obs": int(k)}
        for pid, name, p, c, d, n, h, u, k in zip(
            summary["participant_id"], summary["display_name"], pct("presence_rate"),
            pct("camera_off_rate"), dominant, pct("negative_share"), pct("Happy"),
            pct("Neutral"), summary["n_obs"], strict=True)
    ]


def sort_rows(rows: list[dict], col: str, asc: bool) -> list[dict]:
    """Stable sort; names compare case-insensitively. Starts in name order: no ranking."""
    def key(r: dict):  # noqa: ANN202
        v = r.get(col)
        return v.casefold() if isinstance(v, str) else v

    return sorted(rows, key=key, reverse=not asc)


def _table(rows: list[dict], presence_only: bool, col: str = "name", asc: bool = True):  # noqa: ANN202
    cols = [c for c in COLUMNS if not (presence_only and c[0] in EXPRESSION_COLUMNS)]
    head = html.Tr([
        html.Th(html.Button(
            label + ((" ▲" if asc else " ▼") if key == col else ""),
            id={"type": "report-sort", "col": key}, className="cp-sort", n_clicks=0,
            title=f"Sort by {label}"))
        for key, label in cols
    ])
    body = []
    for r in sort_rows(rows, col, asc):
        cells = [html.Td(html.Button(ui.name_text(r["name"], max_chars=40),
                                     id={"type": "report-drill", "pid": r["id"]},
                                     className="cp-link", n_clicks=0,
                                     title="Show this participant's details"))]
        cells += [html.Td(f"{r[key]}" if key in ("dominant", "n_obs") else f"{r[key]}%")
                  for key, _ in cols[1:]]
        body.append(html.Tr(cells))
    return html.Table([html.Thead(head), html.Tbody(body)], id="report-table",
                      className="table table-sm table-hover cp-table mb-0")


def register(app, ctx) -> None:  # noqa: ANN001
    attendance_view.register(app, ctx)

    @app.callback(
        Output("report-header", "children"),
        Output("report-timeline", "figure"),
        Output("report-moments", "children"),
        Output("report-engagement", "figure"),
        Output("report-table-box", "children"),
        Output("report-rows", "data"),
        Input("session-picker", "value"),
    )
    def render(session_id):  # noqa: ANN001
        info = ui.picked_session(ctx.engine, session_id)
        summary = q.participant_summary(ctx.engine, info.id)
        end = info.ended_at
        if end is None and not summary.empty:
            end = pd.to_datetime(summary["last_seen"], utc=True).max().to_pydatetime()
        timeline = q.mood_timeline(ctx.engine, info.id, exports.report_bucket_s(info, end))
        po = info.presence_only
        moments = fg.notable_moments(timeline, presence_only=po)
        rev = f"report-{info.id}"
        rows = table_rows(summary)
        return (
            _header(info, summary, end),
            fg.mood_timeline_figure(timeline, presence_only=po, uirevision=rev, moments=moments,
                                    height=320),
            _moments_list(moments, info),
            fg.engagement_figure(timeline, presence_only=po, uirevision=rev, height=260),
            _table(rows, po) if rows else html.P(
                "No participants were seen.", className="text-muted mb-0"),
            {"rows": rows, "presence_only": po, "col": "name", "asc": True},
        )

    @app.callback(
        Output("report-table-box", "children", allow_duplicate=True),
        Output("report-rows", "data", allow_duplicate=True),
        Input({"type": "report-sort", "col": ALL}, "n_clicks"),
        State("report-rows", "data"),
        prevent_initial_call=True,
    )
    def sort(clicks, data):  # noqa: ANN001
        trigger = dash.ctx.triggered_id
        if not data or trigger is None or not any(clicks):
            raise PreventUpdate
        col = trigger["col"]
        asc = not data["asc"] if col == data["col"] else True
        data = {**data, "col": col, "asc": asc}
        return _table(data["rows"], data["presence_only"], col, asc), data

    @app.callback(
        Output("report-drill", "children"),
        Input({"type": "report-drill", "pid": ALL}, "n_clicks"),
        State("session-picker", "value"),
        prevent_initial_call=True,
    )
    def drill(clicks, session_id):  # noqa: ANN001
        trigger = dash.ctx.triggered_id
        if session_id is None or trigger is None or not any(clicks):
            raise PreventUpdate
        info = q.get_session(ctx.engine, int(session_id))
        pid = int(trigger["pid"])
        summary = q.participant_summary(ctx.engine, int(session_id))
        row = summary[summary["participant_id"] == pid]
        if info is None or row.empty:
            raise PreventUpdate
        r = row.iloc[0]
        obs = q.participant_observations(ctx.engine, info.id, pid)
        stats = [ui.stat("presence", f"{float(r['presence_rate'] or 0):.0%}"),
                 ui.stat("camera off", f"{float(r['camera_off_rate'] or 0):.0%}"),
                 ui.stat("samples", str(int(r["n_obs"])))]
        if not info.presence_only:
            stats += [ui.stat("dominant", str(r.get("dominant_expression") or "–")),
                      ui.stat("negative", f"{float(r.get('negative_share') or 0):.0%}")]
        return html.Div([
            html.H5(ui.name_text(r["display_name"], max_chars=80), id="report-drill-name"),
            html.Div(stats, className="d-flex flex-wrap gap-4 mb-2"),
            dcc.Graph(figure=fg.participant_figure(obs, presence_only=info.presence_only),
                      config=GRAPH_CONFIG, id="report-drill-graph"),
        ])

    def _download(kind: str):  # noqa: ANN202
        def run(n, session_id):  # noqa: ANN001
            if not n or session_id is None:
                return no_update
            sid = int(session_id)
            if kind == "obs":
                return {"content": exports.observations_csv(ctx.engine, sid),
                        "filename": f"classpulse-session-{sid}-observations.csv"}
            if kind == "students":
                return {"content": exports.participants_csv(ctx.engine, sid),
                        "filename": f"classpulse-session-{sid}-participants.csv"}
            return {"content": exports.html_report(ctx.engine, sid, ctx.attendance),
                    "filename": f"classpulse-session-{sid}-report.html"}
        return run

    for kind, button, target in (("obs", "export-obs", "download-obs"),
                                 ("students", "export-students", "download-students"),
                                 ("html", "export-html", "download-html")):
        app.callback(Output(target, "data"), Input(button, "n_clicks"),
                     State("session-picker", "value"), prevent_initial_call=True)(
            _download(kind))
