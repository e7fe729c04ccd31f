"""The app factory and serve(): basic auth on every route, the loopback guard, no password in logs.
These use Flask's test client, so they need no browser."""

from __future__ import annotations

import base64
import json
import logging
import socket

import pytest

from dashboard import app as dash_app
from dashboard.app import create_app, is_loopback, serve
from tests.dashboard.seed import seed_session


def _basic(user: str, pw: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


CALLBACK_BODY = {
    "output": "..session-picker.options...session-picker.value...has-sessions.data..",
    "outputs": [{"id": "session-picker", "property": "options"},
                {"id": "session-picker", "property": "value"},
                {"id": "has-sessions", "property": "data"}],
    "inputs": [{"id": "sessions-tick", "property": "n_intervals", "value": None},
               {"id": "url", "property": "search", "value": ""}],
    "changedPropIds": [],
    "state": [{"id": "session-picker", "property": "value", "value": None},
              {"id": "has-sessions", "property": "data", "value": None}],
}


@pytest.fixture
def seeded_url(db_url: str) -> str:
    seed_session(db_url, n=8, minutes=2, planted=False)
    return db_url


def test_auth_guards_every_route_including_callbacks(seeded_url: str) -> None:
    app = create_app(seeded_url, username="teacher", password="s3cret:with:colons")
    client = app.server.test_client()
    routes = ["/", "/live", "/report", "/compare", "/_dash-layout", "/_dash-dependencies",
              "/assets/classpulse.css"]
    for route in routes:
        assert client.get(route).status_code == 401, route
    post = client.post("/_dash-update-component", data=json.dumps(CALLBACK_BODY),
                       content_type="application/json")
    assert post.status_code == 401
    assert post.headers["WWW-Authenticate"].startswith("Basic")
    for bad in (_basic("teacher", "wrong"), _basic("other", "s3cret:with:colons"),
                {"Authorization": "Bearer abc"}, {"Authorization": "Basic !!!notb64"}):
        assert client.get("/", headers=bad).status_code == 401
    ok = _basic("teacher", "s3cret:with:colons")
    for route in routes:
        assert client.get(route, headers=ok).status_code == 200, route
    post = client.post("/_dash-update-component", data=json.dumps(CALLBACK_BODY),
                       content_type="application/json", headers=ok)
    assert post.status_code == 200
    assert "Cells and membranes" in post.get_data(as_text=True)


def test_without_credentials_routes_are_open(seeded_url: str) -> None:
    client = create_app(seeded_url).server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_a_non_loopback_host_without_credentials(db_url: str, host: str) -> None:
    with pytest.raises(ValueError, match="username and password"):
        serve(db_url, host=host)


def test_credentials_must_come_in_pairs(db_url: str) -> None:
    with pytest.raises(ValueError, match="both username and password"):
        create_app(db_url, username="teacher")
    with pytest.raises(ValueError, match="must not be empty"):
        create_app(db_url, username="", password="")
    with pytest.raises(ValueError, match="refresh_ms"):
        create_app(db_url, refresh_ms=10)


def test_loopback_detection() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "10.0.0.1", "::", "host.local"))


def test_serve_runs_waitress_with_auth_and_never_prints_the_password(
    db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture,
) -> None:
    seen = {}

    def fake_run(server) -> None:  # noqa: ANN001 - the bound waitress server, not run
        seen.update(host=server.effective_host, port=int(server.effective_port),
                    threads=server.adj.threads, kind=type(server).__module__.split(".")[0])
        server.close()

    monkeypatch.setattr(dash_app, "run_until_stopped", fake_run)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with caplog.at_level(logging.DEBUG):
        serve(db_url, host="0.0.0.0", port=port, username="teacher", password="hunter2-xyz",
              threads=3)
    assert seen == {"host": "0.0.0.0", "port": port, "threads": 3, "kind": "waitress"}
    said = capsys.readouterr().out + caplog.text
    assert "hunter2-xyz" not in said
    assert "teacher" in said
    with pytest.raises(ValueError, match="port"):
        serve(db_url, port=0)
    with pytest.raises(ValueError, match="threads"):
        serve(db_url, port=port, threads=0)


def test_a_database_without_tables_gets_a_readable_page(db_url: str) -> None:
    client = create_app(db_url).server.test_client()
    resp = client.get("/_dash-layout", headers={"Referer": "http://127.0.0.1:8050/report"})
    assert resp.status_code == 200
    assert "classpulse db upgrade" in resp.get_data(as_text=True)
