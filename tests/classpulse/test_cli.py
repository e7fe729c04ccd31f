"""The command tree: every command has --help, the session/db commands work on a real SQLite
DB, and the dashboard refuses a non-loopback host without a password."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["run", "analyze", "check", "demo", "dashboard", "train", "eval-model", "calibrate", "db",
            "session", "config", "roster"]
SUBCOMMANDS = ["run", "analyze", "check", "demo", "dashboard", "train", "eval-model", "calibrate",
               "db upgrade", "db prune", "session list", "session delete", "session export",
               "config check", "session attendance", "roster import", "roster alias"]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "classpulse", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)


def test_top_level_help_lists_every_command():
    r = cli("--help")  # once through the real entry point
    assert r.returncode == 0
    for c in COMMANDS:
        assert c in r.stdout, c


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_each_command_has_its_own_help(command, capsys):
    from typer.testing import CliRunner

    from classpulse.cli import app

    r = CliRunner().invoke(app, [*command.split(), "--help"])
    text = r.output + capsys.readouterr().out  # argparse (train/eval-model) prints directly
    assert r.exit_code == 0, text
    assert "usage" in text.lower()


def test_dashboard_refuses_open_host_without_password(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CLASSPULSE_DASHBOARD_PASSWORD"}
    r = cli("dashboard", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--host", "0.0.0.0", env=env)
    assert r.returncode != 0
    assert "0.0.0.0" in r.stderr and "password" in r.stderr.lower()


@pytest.fixture
def db_with_sessions(tmp_path):
    """Two sessions (one 100 days old) with a few observations each, written by the Writer."""
    from storage.engine import make_engine
    from storage.migrate import upgrade
    from storage.records import ObservationRecord, SessionSpec
    from storage.sessions import end_session, start_session
    from storage.writer import Writer

    url = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(url)
    engine = make_engine(url)
    writer = Writer(engine).start()
    ids = []
    for age_days in (100, 0):
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=age_days)
        sid = start_session(engine, SessionSpec("Bio", f"{age_days}d", started_at=start))
        probs = (0.05, 0.05, 0.05, 0.6, 0.05, 0.1, 0.1)
        writer.submit_observations([
            ObservationRecord(sid, "ada", "Ada", start + timedelta(seconds=2 * i), i, "face",
                              probs, 0)
            for i in range(3)
        ] + [ObservationRecord(sid, "bob", "Bob", start, 0, "camera_off", None, 1)])
        writer.flush()
        end_session(engine, sid, start + timedelta(minutes=5))
        ids.append(sid)
    writer.stop()
    return url, ids


def test_session_list_export_delete_and_db_prune(db_with_sessions, tmp_path):
    """In-process (CliRunner): eight subprocesses would cost ~30 s of imports on this machine."""
    from typer.testing import CliRunner

    from classpulse.cli import app

    runner = CliRunner()

    def cli(*args: str):
        r = runner.invoke(app, list(args))
        r.returncode, r.stdout_text = r.exit_code, r.stdout
        return r

    url, (old, new) = db_with_sessions
    assert cli("db", "upgrade", "--db", url).returncode == 0
    r = cli("session", "list", "--db", url, "--json")
    assert r.returncode == 0, r.stderr
    listed = [json.loads(line) for line in r.stdout_text.splitlines()]
    assert {s["session_id"] for s in listed} == {old, new}

    out = tmp_path / "new.csv"
    r = cli("session", "export", str(new), "--db", url, "--csv", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 4
    ada = [row for row in rows if row["participant"] == "Ada"]
    assert ada[0]["expression"] == "Happy" and ada[0]["camera_on"] in ("1", "true", "True")
    assert {"t", "frame", "confidence", "p_angry", "p_neutral"} <= set(rows[0])

    r = cli("db", "prune", "--older-than", "90d", "--db", url)
    assert r.returncode == 0, r.stderr
    r = cli("session", "list", "--db", url, "--json")
    assert [json.loads(line)["session_id"] for line in r.stdout_text.splitlines()] == [new]

    assert cli("session", "delete", str(new), "--db", url).returncode == 0
    r = cli("session", "delete", str(new), "--db", url)
    assert r.returncode != 0 and str(new) in r.stderr
    assert cli("db", "prune", "--older-than", "ninety", "--db", url).returncode != 0


def test_run_without_a_display_fails_fast(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = cli("run", "--no-dashboard", "--db", f"sqlite:///{tmp_path / 'r.db'}", "--duration", "2",
            env=env)
    assert r.returncode == 2 and "cannot capture the screen" in r.stderr
