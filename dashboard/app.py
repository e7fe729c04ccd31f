"""The Dash app factory and the server entry point.

Routing is our own (dashboard/shell.py) rather than Dash's global page registry, because the
registry is process-wide and tests (and the bench) build several apps with different databases in
one process. Every callback is registered on its own app for the same reason.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import dash
import dash_auth
from sqlalchemy import Engine

from dashboard import shell
from dashboard.attention import AttentionConfig
from dashboard.pages import compare, live, report
from storage.attendance import AttendanceRules

log = logging.getLogger(__name__)
ASSETS = Path(__file__).parent / "assets"


@dataclass(frozen=True, slots=True)
class AppContext:
    """What every page's callbacks need: the database and the settings."""

    engine: Engine
    attention: AttentionConfig
    refresh_ms: int
    attendance: AttendanceRules = AttendanceRules()  # the config's [attendance] thresholds


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


def create_app(
    db_url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    refresh_ms: int = 2000,
    attention: AttentionConfig | None = None,
    attendance: AttendanceRules | None = None,
) -> dash.Dash:
    """Build the dashboard for the database at ``db_url``. With credentials, every route
    (pages, assets, and Dash's callback endpoints) answers 401 without HTTP basic auth."""
    from storage.engine import make_engine

    _check_credentials(username, password)
    if refresh_ms < 250:
        raise ValueError(f"refresh_ms: expected >= 250, got {refresh_ms}")
    ctx = AppContext(make_engine(db_url), attention or AttentionConfig(), int(refresh_ms),
                     attendance or AttendanceRules())
    app = dash.Dash(
        __name__,
        title="ClassPulse",
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
        # shell.serve_layout reads the page's path from the layout request's Referer
        meta_tags=[{"name": "referrer", "content": "same-origin"},
                   {"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = lambda: shell.serve_layout(ctx)  # per page load: see dashboard/shell.py
    shell.register(app, ctx)
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
    attendance: AttendanceRules | None = None,
    threads: int = 8,
) -> None:
    """Serve the dashboard through waitress until Ctrl-C or SIGTERM. Refuses a non-loopback
    ``host`` without credentials (ValueError): class data must not be open to the whole network.

    Why waitress and not ``app.run``: Flask's server is a development server (it says so on
    start-up); waitress is a production WSGI server in pure Python, with a fixed pool of
    ``threads`` answering page loads and callback polls while its event loop queues the rest.
    """
    _check_credentials(username, password)
    if not is_loopback(host) and username is None:
        raise ValueError(
            f"dashboard host {host!r} is reachable from other machines: set a username and "
            "password (e.g. CLASSPULSE_DASHBOARD_PASSWORD) or use --host 127.0.0.1"
        )
    if not 0 < int(port) < 65536:
        raise ValueError(f"dashboard port: expected 1..65535, got {port}")
    if not 1 <= int(threads) <= 64:
        raise ValueError(f"dashboard threads: expected 1..64, got {threads}")
    app = create_app(db_url, username=username, password=password, refresh_ms=refresh_ms,
                     attention=attention, attendance=attendance)
    server = make_server(app, host, int(port), int(threads))
    auth = f"basic auth as {username!r}" if username else "no login (loopback only)"
    print(f"ClassPulse dashboard on http://{host}:{port}/ ({auth}, {threads} threads)", flush=True)
    run_until_stopped(server)


def make_server(app: dash.Dash, host: str, port: int, threads: int):  # noqa: ANN201
    """A bound (listening) waitress server for the app; port 0 picks a free one."""
    from waitress import create_server

    return create_server(app.server, host=host, port=port, threads=threads, ident="ClassPulse")


def run_until_stopped(server) -> None:  # noqa: ANN001
    """Run ``server`` until Ctrl-C or SIGTERM, then let its threads finish their requests.

    waitress stops cleanly on KeyboardInterrupt; SIGTERM (how ``run`` and ``demo`` stop their
    dashboard child) is turned into the same, so both end with exit status 0.
    """
    import signal
    import threading

    def _term(signum, frame) -> None:  # noqa: ANN001
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _term)
    try:
        server.run()  # returns after KeyboardInterrupt, having shut its task threads down
    finally:
        server.close()
