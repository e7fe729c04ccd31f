"""End to end: a rendered gallery clip in which people join late, leave early and speak, and
one rostered student never appears -> `classpulse analyze --course` -> `roster import` ->
`session attendance --csv`, checked against the renderer's own truth."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_attendance import render_clip

ROOT = Path(__file__).resolve().parents[2]
FRAMES, FPS = 40, 2.0  # 20 s: José leaves at 6 s, Łukasz at 15 s, François joins at 9 s

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="tesseract-ocr is not installed (scripts/setup.sh installs it)")]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "classpulse", *args], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def test_analyze_then_attendance_matches_the_renderer(tmp_path: Path) -> None:
    truth = render_clip(tmp_path / "clip.mkv", FRAMES, FPS)
    db = f"sqlite:///{tmp_path / 'e2e.db'}"
    # The roster spells names its own way: "Last, First" and no diacritics.
    roster = tmp_path / "roster.csv"
    roster.write_text("name;student_id\n\"Müller, Zoë\";1\nŁukasz Kowalski;2\nAmelie Durand;3\n"
                      "José Núñez;4\nSøren Ærø Hansen;5\nBjörn Åström;6\nFrançois Lefèvre;7\n"
                      "Grace Hopper;8\n", encoding="utf-8-sig")
    r = cli("roster", "import", "--course", "Demo", str(roster), "--db", db)
    assert r.returncode == 0, r.stderr
    r = cli("analyze", str(tmp_path / "clip.mkv"), "--db", db, "--json", "--presence-only",
            "--every", "0.5", "--no-progress", "--course", "Demo",
            "--started-at", "2026-01-05T09:00:00Z")
    assert r.returncode == 0, r.stderr[-3000:]
    sid = json.loads(r.stdout.strip().splitlines()[-1])["session_id"]
    config = tmp_path / "att.toml"
    config.write_text("[attendance]\nlate_after_s = 3\nleft_early_before_end_s = 3\n"
                      "min_present_s = 1\n", encoding="utf-8")
    out = tmp_path / "att.csv"
    r = cli("session", "attendance", str(sid), "--db", db, "--csv", str(out), "-c", str(config))
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}

    spelled = {"Zoë Müller": "Müller, Zoë", "Amélie Durand": "Amelie Durand"}
    for name, t in truth.items():
        row = rows[spelled.get(name, name)]
        assert float(row["seconds_present"]) == pytest.approx(t["n"] / FPS, abs=1.0), name
        assert float(row["seconds_speaking"]) == pytest.approx(t["speak"] / FPS, abs=1.0), name
        assert float(row["seconds_camera_on"]) == pytest.approx(t["cam"] / FPS, abs=1.0), name
    status = {n: (row["on_roster"], row["status"]) for n, row in rows.items()}
    assert status["Grace Hopper"] == ("true", "absent")
    assert status["José Núñez"] == ("true", "left early")
    assert status["Łukasz Kowalski"] == ("true", "left early")
    assert status["François Lefèvre"] == ("true", "late")
    assert status["Müller, Zoë"] == ("true", "present")
    assert status["Dvořák Čech"] == ("false", "late")  # joined at 18 s, not on the roster
    assert rows["Grace Hopper"]["first_seen"] == ""
    assert sum(t["speak"] for t in truth.values()) > 0  # the clip really has speakers
