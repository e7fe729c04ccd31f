"""Attendance and participation on the report page, and in the HTML report.

Class level first: how many came, how many spoke, and how concentrated speaking was, as a
distribution (speaking-time bands, share of the top 20 %, Gini), never a ranking. The per-student
table below is in name order (roster students, then names not on the roster), and each name not
on the roster has a dropdown of roster names and a button that stores the label as an alias: the
instructor fixes a wrong or missing match once, and it holds for every session of the course.
Thresholds are the defaults of ``AttendanceRules`` (the dashboard reads no config file).
"""

from __future__ import annotations

import html as _html

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import components as ui
from storage.attendance import Attendance, AttendanceRow, participation, session_attendance
from storage.rosters import alias_student, roster_students

COLUMNS = ("Name", "Status", "First seen", "Last seen", "Present", "Camera on", "Speaking")


def card() -> dbc.Card:
    """The report page's attendance card (filled by ``register``'s callback)."""
    return ui.card("Attendance and participation",
                   html.Div([dcc.Store(id="attendance-store"),
                             html.Div(id="attendance-box", className="cp-table-box")]))


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _clock(ts) -> str:  # noqa: ANN001
    return "–" if ts is None else ui.fmt_time(ts, False)


def summary_lines(att: Attendance) -> list[str]:
    """The class-level sentences, shared by the page and the HTML report."""
    p = participation(att)
    came = (f"{round(p.attendance_rate * p.roster_size)} of {p.roster_size} roster students "
            f"attended ({p.attendance_rate:.0%})" if p.attendance_rate is not None
            else f"{p.attendees} people attended (course {att.course!r} has no roster)")
    off = sum(not r.on_roster and r.status != "absent" for r in att.rows)
    lines = [came + (f"; {off} name(s) not on the roster" if att.has_roster and off else "")]
    lines.append(f"{p.spoke} of {p.attendees} attendees spoke, {_mmss(p.speaking_s)} in all")
    if p.top20_share is not None:
        lines.append(f"The 20 % who spoke most had {p.top20_share:.0%} of the speaking time "
                     f"(Gini {p.gini:.2f}: 0 = everyone equally, 1 = one voice)")
    return lines


def _distribution(att: Attendance) -> html.Div:
    """Speaking-time bands as bars of attendee counts: a distribution, no names."""
    bands = participation(att).histogram
    top = max((n for _, n in bands), default=0) or 1
    rows = [html.Div([html.Span(label, className="cp-band-label me-2"),
                      html.Div(style={"width": f"{100 * n / top:.0f}%", "minWidth": "2px",
                                      "height": "0.8rem", "background": "#6c8ebf"}),
                      html.Span(str(n), className="ms-2")],
                     className="d-flex align-items-center mb-1", style={"maxWidth": "28rem"})
            for label, n in bands]
    return html.Div([html.Div("Attendees by speaking time", className="cp-note"), *rows],
                    id="attendance-distribution", className="mb-3")


def _status_cell(r: AttendanceRow) -> html.Td:
    note = ""
    if not r.on_roster:
        note = " · ambiguous" if r.match == "ambiguous" else " · not on roster"
    return html.Td(r.status + note)


def _alias_control(i: int, r: AttendanceRow, options: list[dict]) -> html.Div:
    hint = ("could be " + " or ".join(r.candidates)) if r.candidates else "Is this…"
    return html.Div([
        dcc.Dropdown(id={"type": "alias-pick", "i": i}, options=options, placeholder=hint,
                     clearable=True, style={"minWidth": "12rem"}),
        dbc.Button("Save alias", id={"type": "alias-save", "i": i}, size="sm",
                   color="secondary", outline=True, n_clicks=0),
    ], className="d-flex gap-2 align-items-center mt-1")


def attendance_section(att: Attendance, students=None) -> html.Div:  # noqa: ANN001
    """Summary, distribution, then the table in name order (roster first)."""
    options = [{"label": ui.clean_name(s.name, 60), "value": s.id} for s in students or []]
    body = []
    for i, r in enumerate(att.rows):
        name = [ui.name_text(r.name, max_chars=50)]
        if r.on_roster and r.labels and any(lbl != r.name for lbl in r.labels):
            name.append(html.Div("as " + ", ".join(ui.clean_name(x, 40) for x in r.labels),
                                 className="cp-note"))
        if not r.on_roster and att.has_roster and r.status != "absent":
            name.append(_alias_control(i, r, options))
        body.append(html.Tr([html.Td(name), _status_cell(r), html.Td(_clock(r.first_seen)),
                             html.Td(_clock(r.last_seen)), html.Td(_mmss(r.seconds_present)),
                             html.Td(_mmss(r.seconds_camera_on)),
                             html.Td(_mmss(r.seconds_speaking))]))
    table = html.Table([html.Thead(html.Tr([html.Th(c) for c in COLUMNS])), html.Tbody(body)],
                       id="attendance-table", className="table table-sm cp-table mb-0")
    lines = [html.Li(s) for s in summary_lines(att)]
    return html.Div([html.Ul(lines, className="ps-3 mb-2", id="attendance-summary"),
                     _distribution(att), table])


def _render(ctx, session_id):  # noqa: ANN001, ANN202
    info = ui.picked_session(ctx.engine, session_id)
    return render_for(ctx.engine, info.id, ctx.attendance)


def render_for(engine, session_id: int, rules=None):  # noqa: ANN001, ANN201
    """(the section, the store: session, course and each row's label). ``rules``: the
    config's [attendance] thresholds (None: the defaults)."""
    att = session_attendance(engine, session_id, rules)
    students = roster_students(engine, att.course) if att.has_roster else []
    labels = {i: r.name for i, r in enumerate(att.rows)}
    return attendance_section(att, students), {"session": session_id, "course": att.course,
                                               "labels": labels}


def register(app, ctx) -> None:  # noqa: ANN001
    @app.callback(Output("attendance-box", "children"), Output("attendance-store", "data"),
                  Input("session-picker", "value"))
    def render(session_id):  # noqa: ANN001
        return _render(ctx, session_id)

    @app.callback(Output("attendance-box", "children", allow_duplicate=True),
                  Output("attendance-store", "data", allow_duplicate=True),
                  Input({"type": "alias-save", "i": ALL}, "n_clicks"),
                  State({"type": "alias-pick", "i": ALL}, "value"),
                  State({"type": "alias-pick", "i": ALL}, "id"),
                  State("attendance-store", "data"), prevent_initial_call=True)
    def on_save(clicks, picks, ids, data):  # noqa: ANN001
        trigger = dash.ctx.triggered_id
        if not data or trigger is None or not any(clicks):
            raise PreventUpdate
        i = trigger["i"]
        pick = next((v for v, pid in zip(picks, ids, strict=True) if pid["i"] == i), None)
        if pick is None or not save_alias(ctx.engine, data, i, int(pick)):
            raise PreventUpdate
        return _render(ctx, data["session"])


def save_alias(engine, data: dict, i: int, student_pk: int) -> bool:  # noqa: ANN001
    """Store row ``i``'s label (from the page's store) as an alias of the picked student."""
    labels = data.get("labels") or {}
    label = labels.get(str(i), labels.get(i))
    if label is None:
        return False
    alias_student(engine, data["course"], label, student_pk)
    return True


def html_table(att: Attendance) -> str:
    """The attendance section of the HTML report (escaped; names are screen names)."""
    esc = _html.escape
    summary = "".join(f"<li>{esc(s)}</li>" for s in summary_lines(att))
    bands = "".join(f"<tr><td>{esc(label)}</td><td>{n}</td></tr>"
                    for label, n in participation(att).histogram)
    rows = "".join(
        f"<tr><td><bdi>{esc(ui.clean_name(r.name, 80))}</bdi></td><td>"
        f"{'yes' if r.on_roster else 'no'}</td><td>{esc(r.status)}</td>"
        f"<td>{esc(_clock(r.first_seen))}</td><td>{esc(_clock(r.last_seen))}</td>"
        f"<td>{_mmss(r.seconds_present)}</td><td>{_mmss(r.seconds_camera_on)}</td>"
        f"<td>{_mmss(r.seconds_speaking)}</td></tr>" for r in att.rows)
    head = "".join(f"<th>{c}</th>" for c in ("Name", "On roster", *COLUMNS[1:]))
    return (f"<ul>{summary}</ul><table><tr><th>Speaking time</th><th>Attendees</th></tr>"
            f"{bands}</table><br><table><tr>{head}</tr>{rows}</table>")


def compare_card() -> dbc.Card:
    return ui.card("Attendance and speaking over sessions",
                   html.Div([dcc.Graph(id="cmp-attendance", config={"displaylogo": False,
                                                                    "displayModeBar": False}),
                             html.P("Attendance: share of the roster present (sessions whose "
                                    "course has a roster). Spoke: share of attendees with any "
                                    "speaking time. Top 20 %: their share of speaking time.",
                                    className="cp-note mb-0")]))


def compare_figure(rows: list[dict]):  # noqa: ANN201
    import plotly.graph_objects as go

    fig = go.Figure()
    x = [r["started_at"] for r in rows]
    for key, label, colour in (("attendance_rate", "attendance", "#2b6777"),
                               ("spoke_share", "spoke", "#e8a33d"),
                               ("top20_share", "top 20 % of speakers", "#8e6cbf")):
        fig.add_trace(go.Scatter(x=x, y=[r[key] for r in rows], name=label, mode="lines+markers",
                                 line={"color": colour}, connectgaps=False))
    fig.update_layout(height=260, margin={"l": 40, "r": 10, "t": 10, "b": 30},
                      yaxis={"tickformat": ".0%", "range": [0, 1.05]},
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    return fig


def register_compare(app, ctx) -> None:  # noqa: ANN001
    from storage.attendance import attendance_over_sessions

    @app.callback(Output("cmp-attendance", "figure"), Input("cmp-course", "value"),
                  Input("cmp-instructor", "value"), Input("cmp-dates", "start_date"),
                  Input("cmp-dates", "end_date"))
    def render(course, instructor, start, end):  # noqa: ANN001
        from datetime import date

        def day(v):  # noqa: ANN001, ANN202
            return date.fromisoformat(v[:10]) if v else None

        return compare_figure(attendance_over_sessions(ctx.engine, course or None,
                                                       instructor or None, day(start), day(end),
                                                       rules=ctx.attendance))
