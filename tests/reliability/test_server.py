"""The real ``classpulse dashboard`` process is a production server: waitress, not Flask's
development server (no "development server" line anywhere in its output); it answers pages and
Dash callbacks; and Ctrl-C or SIGTERM ends it cleanly, with exit status 0 and no traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.reliability.procs import ROOT
from tests.reliability.test_access import UPDATE, _env, _free_port, _wait_port


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_dashboard_is_served_by_waitress_and_stops_cleanly(tmp_path, stop):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "classpulse", "dashboard", "--port", str(port), "--threads", "3",
         "--db", f"sqlite:///{tmp_path / 'dash.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(),
    )
    try:
        _wait_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(base + "/live", timeout=30) as resp:
            assert resp.status == 200 and resp.headers["Server"] == "ClassPulse"
        req = urllib.request.Request(base + "/_dash-update-component", method="POST",
                                     data=json.dumps(UPDATE).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    said = out + err
    assert proc.returncode == 0, said[-3000:]
    assert "development server" not in said.lower(), said[-3000:]
    assert "Traceback" not in said, said[-3000:]
    assert f"http://127.0.0.1:{port}/" in out and "3 threads" in out, said[-3000:]
