"""Report page: any past (or the live) session after the fact.

The timeline marks notable moments; the participant table sorts natively in the browser (no
ranking column, no default "worst first" order: it starts in name order); clicking a row opens
that participant's drill-down. Exports go through dcc.Download.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dash_table, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import components as ui
from dashboard import exports
from dashboard import figures as fg
from storage import queries as q

GRAPH_CONFIG = {"displaylogo": False, "displayModeBar": False}
PCT_COLUMNS = ["presence", "camera_off", "negative", "happy", "neutral"]


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
                    dbc.Col(ui.card("Participants (click a row for details)",
                                    html.Div(id="report-table-box")), lg=8),
                ],
                className="g-3 mb-3",
            ),
            ui.card("Participant details", html.Div(id="report-drill",
                                                     children=html.P(
                                                         "Click a participant in the table.",
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


def _table(summary: pd.DataFrame, presence_only: bool) -> dash_table.DataTable:
    def pct(col: str) -> pd.Series:
        return (summary[col].astype(float).fillna(0) * 100).round(0) if col in summary else 0

    data = pd.DataFrame({
        "id": summary["participant_id"].astype(int),
        "name": [ui.clean_name(n, 120) for n in summary["display_name"]],
        "presence": pct("presence_rate"),
        "camera_off": pct("camera_off_rate"),
        "dominant": summary.get("dominant_expression", pd.Series(dtype=object)).fillna("–"),
        "negative": pct("negative_share"),
        "happy": pct("Happy"),
        "neutral": pct("Neutral"),
        "n_obs": summary["n_obs"].astype(int),
    })
    data = data.sort_values("name", key=lambda s: s.str.casefold(), kind="stable")
    columns = [{"name": "Name", "id": "name"},
               {"name": "Presence %", "id": "presence", "type": "numeric"},
               {"name": "Camera off %", "id": "camera_off", "type": "numeric"}]
    if not presence_only:
        columns += [{"name": "Dominant", "id": "dominant"},
                    {"name": "Negative %", "id": "negative", "type": "numeric"},
                    {"name": "Happy %", "id": "happy", "type": "numeric"},
                    {"name": "Neutral %", "id": "neutral", "type": "numeric"}]
    columns.append({"name": "Samples", "id": "n_obs", "type": "numeric"})
    return dash_table.DataTable(
        id="report-table", data=data.to_dict("records"), columns=columns,
        sort_action="native", page_action="native", page_size=15,
        style_table={"overflowX": "auto"},
        style_cell={"padding": "6px 8px", "border": "none", "borderBottom": "1px solid #eef0f2",
                    "maxWidth": "16rem", "overflow": "hidden", "textOverflow": "ellipsis",
                    "unicodeBidi": "isolate", "textAlign": "left"},
        style_cell_conditional=[{"if": {"column_id": "name"}, "width": "13rem",
                                 "maxWidth": "13rem", "minWidth": "8rem"}],
        style_header={"fontWeight": 600, "backgroundColor": "#f5f6f8", "border": "none"},
        style_as_list_view=True,
        css=[{"selector": ".dash-spreadsheet tr:hover td", "rule": "background: #f1f6f7;"}],
    )


def register(app, ctx) -> None:  # noqa: ANN001
    @app.callback(
        Output("report-header", "children"),
        Output("report-timeline", "figure"),
        Output("report-moments", "children"),
        Output("report-engagement", "figure"),
        Output("report-table-box", "children"),
        Input("session-picker", "value"),
    )
    def render(session_id):  # noqa: ANN001
        if session_id is None:
            raise PreventUpdate
        info = q.get_session(ctx.engine, int(session_id))
        if info is None:
            raise PreventUpdate
        summary = q.participant_summary(ctx.engine, info.id)
        end = info.ended_at
        if end is None and not summary.empty:
            end = pd.to_datetime(summary["last_seen"], utc=True).max().to_pydatetime()
        timeline = q.mood_timeline(ctx.engine, info.id, exports.report_bucket_s(info, end))
        po = info.presence_only
        moments = fg.notable_moments(timeline, presence_only=po)
        rev = f"report-{info.id}"
        return (
            _header(info, summary, end),
            fg.mood_timeline_figure(timeline, presence_only=po, uirevision=rev, moments=moments,
                                    height=320),
            _moments_list(moments, info),
            fg.engagement_figure(timeline, presence_only=po, uirevision=rev, height=260),
            _table(summary, po) if not summary.empty else html.P(
                "No participants were seen.", className="text-muted mb-0"),
        )

    @app.callback(
        Output("report-drill", "children"),
        Input("report-table", "active_cell"),
        State("session-picker", "value"),
    )
    def drill(cell, session_id):  # noqa: ANN001
        if not cell or session_id is None or cell.get("row_id") is None:
            raise PreventUpdate
        info = q.get_session(ctx.engine, int(session_id))
        pid = int(cell["row_id"])
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
            return {"content": exports.html_report(ctx.engine, sid),
                    "filename": f"classpulse-session-{sid}-report.html"}
        return run

    for kind, button, target in (("obs", "export-obs", "download-obs"),
                                 ("students", "export-students", "download-students"),
                                 ("html", "export-html", "download-html")):
        app.callback(Output(target, "data"), Input(button, "n_clicks"),
                     State("session-picker", "value"), prevent_initial_call=True)(
            _download(kind))
