"""``classpulse demo`` writes rows through the real pipeline, serves the dashboard, and shuts
down cleanly on SIGINT (session closed, rows flushed)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "expression.tflite"

pytestmark = pytest.mark.skipif(
    not MODEL.exists(), reason=f"the demo runs the real classifier: no model at {MODEL} yet"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _counts(db: Path) -> tuple[int, int, int, int]:
    con = sqlite3.connect(db)
    try:
        obs = con.execute("select count(*) from observation").fetchone()[0]
        faces = con.execute("select count(*) from observation where top_expression is not null"
                            ).fetchone()[0]
        people = con.execute("select count(*) from participant").fetchone()[0]
        open_ = con.execute("select count(*) from class_session where ended_at is null"
                            ).fetchone()[0]
    finally:
        con.close()
    return obs, faces, people, open_


def test_demo_runs_for_n_seconds_and_writes_rows(tmp_path):
    db = tmp_path / "demo.db"
    r = subprocess.run(
        [sys.executable, "-m", "classpulse", "demo", "--duration", "12", "--no-dashboard",
         "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    obs, faces, people, open_ = _counts(db)
    assert obs >= 25 and faces > 0, (obs, faces, r.stdout)
    assert people >= 20  # 25 simulated students, names read by OCR
    assert open_ == 0


def test_demo_serves_dashboard_and_stops_cleanly_on_sigint(tmp_path):
    db = tmp_path / "demo.db"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "classpulse", "demo", "--db", f"sqlite:///{db}", "--port",
         str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            if line.startswith("Dashboard: http://"):
                url = line.strip().split()[-1]
        assert url == f"http://127.0.0.1:{port}", (url, proc.stderr.read()[-2000:] if proc.poll() else "")
        with urllib.request.urlopen(url, timeout=30) as resp:
            assert resp.status == 200
        time.sleep(6)  # let some rows land
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        assert "development server" not in (out + err).lower(), err[-3000:]  # waitress serves
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    obs, _faces, _people, open_ = _counts(db)
    assert obs > 0 and open_ == 0
    with socket.socket() as s:  # the dashboard child went away with the demo
        assert s.connect_ex(("127.0.0.1", port)) != 0
