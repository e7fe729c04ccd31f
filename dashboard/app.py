"""The Dash app factory and the server entry point.

Routing is a single ``dcc.Location`` callback rather than Dash's global page registry, because
the registry is process-wide and tests (and the bench) build several apps with different databases
in one process. Every callback is registered on its own app for the same reason.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import dash
import dash_auth
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from sqlalchemy import Engine

from dashboard import components as ui
from dashboard.attention import AttentionConfig
from dashboard.pages import compare, live, report
from storage import queries as q

log = logging.getLogger(__name__)
ASSETS = Path(__file__).parent / "assets"
PAGES = {"/": "live", "/live": "live", "/report": "report", "/compare": "compare"}


@dataclass(frozen=True, slots=True)
class AppContext:
    """What every page's callbacks need: the database and the settings."""

    engine: Engine
    attention: AttentionConfig
    refresh_ms: int


class _SafeBasicAuth(dash_auth.BasicAuth):
    """dash-auth's BasicAuth with a constant-time compare, and a 401 (not a 500) for a malformed
    Authorization header."""

    def is_authorized(self) -> bool:
        try:
            return bool(super().is_authorized())
        except Exception:  # noqa: BLE001 - any malformed header is simply "not authorised"
            return False


def _check_credentials(username: str | None, password: str | None) -> None:
    if (username is None) != (password is None):
        raise ValueError("dashboard credentials: give both username and password, or neither")
    if username is not None and (not username or not password):
        raise ValueError("dashboard credentials: username and password must not be empty")


def _add_auth(app: dash.Dash, username: str, password: str) -> None:
    def check(user: str, pw: str) -> bool:
        ok_user = hmac.compare_digest(user.encode(), username.encode())
        ok_pw = hmac.compare_digest(pw.encode(), password.encode())
        return ok_user and ok_pw

    app.server.secret_key = secrets.token_hex(32)
    _SafeBasicAuth(app, auth_func=check)


def _navbar() -> dbc.Navbar:
    links = [
        dbc.NavLink("Live", href="/live", id="nav-live"),
        dbc.NavLink("Report", href="/report", id="nav-report"),
        dbc.NavLink("Compare", href="/compare", id="nav-compare"),
    ]
    picker = html.Div(html.Div(
        [
            html.Span("Session", className="cp-note me-2"),
            dcc.Dropdown(id="session-picker", clearable=False, className="cp-picker",
                         placeholder="No sessions yet"),
            html.Span(id="session-badges"),
        ],
        className="d-flex align-items-center",
    ), id="session-picker-box")
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


def _layout() -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Interval(id="sessions-tick", interval=10_000),
            dcc.Store(id="has-sessions"),
            _navbar(),
            dbc.Container(html.Div(id="page"), fluid=True, className="cp-main"),
        ]
    )


def _session_from_search(search: str | None) -> int | None:
    values = parse_qs((search or "").lstrip("?")).get("session", [])
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _register_shell(app: dash.Dash, ctx: AppContext) -> None:
    @app.callback(
        Output("session-picker", "options"),
        Output("session-picker", "value"),
        Output("has-sessions", "data"),
        Input("sessions-tick", "n_intervals"),
        Input("url", "search"),
        State("session-picker", "value"),
        State("has-sessions", "data"),
    )
    def refresh_sessions(_n, search, current, had):  # noqa: ANN001
        sessions = q.list_sessions(ctx.engine)
        has = not sessions.empty
        rows = sessions.to_dict("records") if has else []
        options = [{"label": ui.session_label(r), "value": int(r["session_id"])} for r in rows]
        ids = {o["value"] for o in options}
        wanted = _session_from_search(search)
        if dash.ctx.triggered_id == "url" and wanted in ids:
            value = wanted
        elif current in ids:
            value = current
        else:
            value = q.latest_session_id(ctx.engine) if has else None
        return options, value, (has if has != had else no_update)

    @app.callback(
        Output("page", "children"),
        Output("session-picker-box", "style"),
        Output("nav-live", "active"),
        Output("nav-report", "active"),
        Output("nav-compare", "active"),
        Input("url", "pathname"),
        Input("has-sessions", "data"),
    )
    def route(pathname, has):  # noqa: ANN001
        page = PAGES.get(pathname or "/")
        active = [page == "live", page == "report", page == "compare"]
        hide = {"display": "none"} if page == "compare" or not has else {}
        if page is None:
            body = ui.empty_state("Page not found", f"There is no page at {pathname!s:.200}.",
                                  hint="/live  /report  /compare")
        elif not has:
            body = ui.first_run()
        else:
            body = {"live": live.layout, "report": report.layout,
                    "compare": compare.layout}[page](ctx)
        return body, hide, *active

    @app.callback(Output("session-badges", "children"), Input("session-picker", "value"))
    def badges(session_id):  # noqa: ANN001
        info = q.get_session(ctx.engine, int(session_id)) if session_id is not None else None
        return [ui.live_badge(info), ui.presence_badge(info)]


def create_app(
    db_url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    refresh_ms: int = 2000,
    attention: AttentionConfig | None = None,
) -> dash.Dash:
    """Build the dashboard for the database at ``db_url``. With credentials, every route
    (pages, assets, and Dash's callback endpoints) answers 401 without HTTP basic auth."""
    from storage.engine import make_engine

    _check_credentials(username, password)
    if refresh_ms < 250:
        raise ValueError(f"refresh_ms: expected >= 250, got {refresh_ms}")
    ctx = AppContext(make_engine(db_url), attention or AttentionConfig(), int(refresh_ms))
    app = dash.Dash(
        __name__,
        title="ClassPulse",
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
    )
    app.layout = _layout()
    _register_shell(app, ctx)
    live.register(app, ctx)
    report.register(app, ctx)
    compare.register(app, ctx)
    if username is not None and password is not None:
        _add_auth(app, username, password)
    return app


def is_loopback(host: str) -> bool:
    """True for localhost / 127.0.0.0/8 / ::1: the only hosts served without a password."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    db_url: str,
    host: str = "127.0.0.1",
    port: int = 8050,
    username: str | None = None,
    password: str | None = None,
    *,
    refresh_ms: int = 2000,
    attention: AttentionConfig | None = None,
    debug: bool = False,
) -> None:
    """Serve the dashboard until interrupted. Refuses a non-loopback ``host`` without
    credentials (ValueError): class data must not be open to the whole network."""
    _check_credentials(username, password)
    if not is_loopback(host) and username is None:
        raise ValueError(
            f"dashboard host {host!r} is reachable from other machines: set a username and "
            "password (e.g. CLASSPULSE_DASHBOARD_PASSWORD) or use --host 127.0.0.1"
        )
    if not 0 < int(port) < 65536:
        raise ValueError(f"dashboard port: expected 1..65535, got {port}")
    app = create_app(db_url, username=username, password=password, refresh_ms=refresh_ms,
                     attention=attention)
    auth = f"basic auth as {username!r}" if username else "no login (loopback only)"
    log.info("ClassPulse dashboard on http://%s:%s/ (%s)", host, port, auth)
    app.run(host=host, port=int(port), debug=debug)
