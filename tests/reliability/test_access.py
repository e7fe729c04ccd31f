"""Access control of the real ``classpulse dashboard`` process: it refuses a non-loopback address
without a password, answers 401 on EVERY route (pages, assets, Dash's layout and callback
endpoints) without valid basic-auth credentials, and never writes the password to its logs."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.reliability.procs import ROOT

PASSWORD = "pw-Zq8!r3liab1lity"
ROUTES_GET = ["/", "/live", "/report", "/compare", "/nope", "/_dash-layout", "/_dash-dependencies",
              "/assets/classpulse.css", "/_reload-hash", "/_favicon.ico"]
UPDATE = {"output": "session-badges.children",
          "outputs": {"id": "session-badges", "property": "children"},
          "inputs": [{"id": "session-picker", "property": "value", "value": None}],
          "changedPropIds": ["session-picker.value"], "state": []}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLASSPULSE_DASHBOARD")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, auth: str | None = None, data: bytes | None = None) -> int:
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        req.add_header("Content-Type", "application/json")
    if auth is not None:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _basic(user: str, pw: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dashboard exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.25)
    raise AssertionError("dashboard never listened")


def test_non_loopback_without_password_exits_with_one_line(tmp_path):
    for host in ("0.0.0.0", "::", "192.168.1.20"):
        r = subprocess.run(
            [sys.executable, "-m", "classpulse", "dashboard", "--host", host, "--port",
             str(_free_port()), "--db", f"sqlite:///{tmp_path / 'a.db'}"],
            capture_output=True, text=True, timeout=60, cwd=ROOT, env=_env(),
        )
        assert r.returncode != 0, (host, r.stdout, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
        assert "password" in lines[0].lower() and host in lines[0], lines[0]


def _serve(tmp_path: Path, host: str, env: dict, config: Path | None = None):  # noqa: ANN202
    port = _free_port()
    cmd = [sys.executable, "-m", "classpulse", "dashboard", "--host", host, "--port", str(port),
           "--db", f"sqlite:///{tmp_path / 'dash.db'}"]
    if config is not None:
        cmd += ["--config", str(config)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env)
    _wait_port(port, proc)
    return proc, f"http://127.0.0.1:{port}"


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return out + err


def _assert_locked(base: str, user: str = "teacher") -> None:
    body = json.dumps(UPDATE).encode()
    bad = [None, _basic(user, "wrong"), _basic("", ""), _basic("intruder", PASSWORD),
           "Basic !!!notbase64", "Bearer " + PASSWORD, "Basic " + base64.b64encode(b"x").decode()]
    for auth in bad:
        for route in ROUTES_GET:
            assert _request(base + route, auth) == 401, (route, auth)
        assert _request(base + "/_dash-update-component", auth, body) == 401, auth
    good = _basic(user, PASSWORD)
    assert _request(base + "/", good) == 200
    assert _request(base + "/_dash-layout", good) == 200
    assert _request(base + "/_dash-update-component", good, body) == 200


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_password_from_env_guards_every_route_and_is_never_logged(tmp_path):
    proc, base = _serve(tmp_path, "0.0.0.0", _env(CLASSPULSE_DASHBOARD_PASSWORD=PASSWORD))
    try:
        _assert_locked(base)
    finally:
        logs = _stop(proc)
    assert PASSWORD not in logs
    assert base64.b64encode(f"teacher:{PASSWORD}".encode()).decode() not in logs


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_password_from_config_guards_every_route_and_is_never_logged(tmp_path):
    cfg = tmp_path / "classpulse.toml"
    cfg.write_text(f'[dashboard]\nusername = "prof"\npassword = "{PASSWORD}"\n')
    proc, base = _serve(tmp_path, "127.0.0.1", _env(), config=cfg)
    try:
        _assert_locked(base, user="prof")
    finally:
        logs = _stop(proc)
    assert PASSWORD not in logs
