"""The frame around the pages: navbar, session picker, routing, first-run state.

Why the layout is a function that renders the requested page server-side: with a routing
callback alone, a page load is three round trips in a row (sessions -> route -> page data)
before anything is drawn. Dash fetches the layout from the page itself, so the request's Referer
names the page and its ``?session=`` choice; the page and the picker arrive with the layout, and
the page's data callbacks fire at once. The routing callback handles in-app navigation; the
index page asks the browser to send a same-origin Referer (meta referrer) so this holds.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import exc as sa_exc

from dashboard import components as ui
from dashboard.pages import compare, live, report
from storage import queries as q

PAGES = {"/": "live", "/live": "live", "/report": "report", "/compare": "compare"}
SESSIONS_REFRESH_MS = 10_000
MAX_PICKER = 200


def session_from_search(search: str | None) -> int | None:
    values = parse_qs((search or "").lstrip("?")).get("session", [])
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _sessions_state(ctx, search: str | None, current) -> tuple[list[dict], int | None, bool]:  # noqa: ANN001
    """Picker options, the selected session (URL choice, else the current one, else the
    newest), and whether the database has any session at all."""
    sessions = q.list_sessions(ctx.engine)
    rows = sessions.to_dict("records")
    ids = {int(r["session_id"]) for r in rows}
    wanted = session_from_search(search)
    if wanted in ids:
        value = wanted
    elif current in ids:
        value = current
    else:
        value = q.latest_session_id(ctx.engine) if rows else None
    # The newest MAX_PICKER sessions (older ones open from the compare page's "report" links).
    shown = rows[:MAX_PICKER] + [r for r in rows[MAX_PICKER:] if int(r["session_id"]) == value]
    options = [{"label": ui.session_label(r), "value": int(r["session_id"])} for r in shown]
    return options, value, bool(rows)


def _render(ctx, pathname: str | None, has: bool):  # noqa: ANN001, ANN202
    """Page body, picker visibility, and which nav link is active."""
    page = PAGES.get(pathname or "/")
    active = [page == "live", page == "report", page == "compare"]
    hide = {"display": "none"} if page == "compare" or not has else {}
    if page is None:
        body = ui.empty_state("Page not found", f"There is no page at {pathname!s:.200}.",
                              hint="/live  /report  /compare")
    elif not has:
        body = ui.first_run()
    else:
        body = {"live": live.layout, "report": report.layout, "compare": compare.layout}[page](ctx)
    return body, hide, active


def _badges(ctx, session_id) -> list:  # noqa: ANN001
    info = q.get_session(ctx.engine, int(session_id)) if session_id is not None else None
    return [ui.live_badge(info), ui.presence_badge(info)]


def _page_url() -> tuple[str, str, str | None]:
    """Path, query and full URL of the page that asked for the layout (from its Referer)."""
    if not flask.has_request_context() or not flask.request.referrer:
        return "/", "", None
    url = urlparse(flask.request.referrer)
    return url.path or "/", url.query, flask.request.referrer


def _location(pathname: str, search: str, href: str | None) -> dcc.Location:
    """dcc.Location already holding the page's URL: on mount it then has nothing to report,
    so the routing and session callbacks do not all fire (in a chain) on every page load."""
    if href is None:
        return dcc.Location(id="url")
    return dcc.Location(id="url", pathname=pathname, search=f"?{search}" if search else "",
                        hash=urlparse(href).fragment and f"#{urlparse(href).fragment}",
                        href=href)


def _navbar(options, value, hide, active, badges) -> dbc.Navbar:  # noqa: ANN001
    links = [
        dbc.NavLink("Live", href="/live", id="nav-live", active=active[0]),
        dbc.NavLink("Report", href="/report", id="nav-report", active=active[1]),
        dbc.NavLink("Compare", href="/compare", id="nav-compare", active=active[2]),
    ]
    picker = html.Div(html.Div(
        [
            html.Span("Session", className="cp-note me-2"),
            dcc.Dropdown(id="session-picker", options=options, value=value, clearable=False,
                         className="cp-picker", placeholder="No sessions yet"),
            html.Span(badges, id="session-badges"),
        ],
        className="d-flex align-items-center",
    ), id="session-picker-box", style=hide)
    return dbc.Navbar(
        dbc.Container(
            [
                html.A([html.Span(className="cp-brand-dot"), "ClassPulse"], href="/live",
                       className="navbar-brand cp-brand"),
                dbc.Nav(links, className="me-auto gap-1", navbar=True),
                picker,
            ],
            fluid=True,
        ),
        color="white",
        className="cp-navbar py-2",
    )


def serve_layout(ctx) -> html.Div:  # noqa: ANN001
    """The whole page for one browser load, with the requested page already rendered."""
    pathname, search, href = _page_url()
    try:
        options, value, has = _sessions_state(ctx, search, None)
        body, hide, active = _render(ctx, pathname, has)
        badges = _badges(ctx, value)
    except sa_exc.SQLAlchemyError as exc:  # no schema yet, or the database is unreachable
        options, value, has, badges = [], None, False, []
        body, hide, active = _db_problem(exc), {"display": "none"}, [False] * 3
    return html.Div(
        [
            _location(pathname, search, href),
            dcc.Interval(id="sessions-tick", interval=SESSIONS_REFRESH_MS),
            dcc.Store(id="has-sessions", data=has),
            dcc.Store(id="rendered", data=[PAGES.get(pathname), has]),
            _navbar(options, value, hide, active, badges),
            dbc.Container(html.Div(body, id="page"), fluid=True, className="cp-main"),
        ]
    )


def _db_problem(exc: Exception) -> html.Div:
    """A readable page instead of a 500 when the database cannot be read."""
    reason = str(getattr(exc, "orig", exc)).splitlines()[0][:300]
    return ui.empty_state(
        "The database cannot be read yet",
        f"ClassPulse could not read its tables ({reason}). If this is a new database, create "
        "the tables first, then reload this page:",
        hint="classpulse db upgrade --db <the same URL>")


def register(app: dash.Dash, ctx) -> None:  # noqa: ANN001
    @app.callback(
        Output("session-picker", "options"),
        Output("session-picker", "value"),
        Output("has-sessions", "data"),
        Input("sessions-tick", "n_intervals"),
        Input("url", "search"),
        State("session-picker", "value"),
        State("has-sessions", "data"),
        prevent_initial_call=True,
    )
    def refresh_sessions(_n, search, current, had):  # noqa: ANN001
        by_url = search if dash.ctx.triggered_id == "url" else None
        options, value, has = _sessions_state(ctx, by_url, current)
        return options, (value if value != current else no_update), (
            has if has != had else no_update)

    @app.callback(
        Output("page", "children"),
        Output("session-picker-box", "style"),
        Output("nav-live", "active"),
        Output("nav-report", "active"),
        Output("nav-compare", "active"),
        Output("rendered", "data"),
        Input("url", "pathname"),
        Input("has-sessions", "data"),
        State("rendered", "data"),
        prevent_initial_call=True,  # the layout already holds the page (see module docstring)
    )
    def route(pathname, has, rendered):  # noqa: ANN001
        key = [PAGES.get(pathname or "/"), bool(has)]
        if rendered == key:
            raise PreventUpdate  # already on screen (rendered with the layout)
        body, hide, active = _render(ctx, pathname, bool(has))
        return body, hide, *active, key

    @app.callback(Output("session-badges", "children"), Input("session-picker", "value"),
                  prevent_initial_call=True)
    def badges(session_id):  # noqa: ANN001
        return _badges(ctx, session_id)
