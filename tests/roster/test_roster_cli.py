"""``classpulse roster ...`` and ``session attendance`` in-process (CliRunner) on a real SQLite
file: import with a BOM and semicolons, re-import, alias round trip, export, delete, errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classpulse.cli import app
from storage.attendance import CSV_HEADER
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.storage.test_attendance import build


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'c.db'}"


def test_roster_commands_and_attendance_export(url: str, tmp_path: Path) -> None:
    roster = tmp_path / "lms.csv"
    roster.write_bytes("\ufeffName;Student ID;Email;Aliases\nChloé Dubois;s1;c@x.org;Clo\n"
                       "Ben Okafor;s2;;\n김수영;s3;;\nDara Novak;s4;;\nEve Marchetti;s5;;\n"
                       .encode())
    r = run("roster", "import", "--course", "Math", str(roster), "--db", url)
    assert r.exit_code == 0, r.output
    assert "5 students (5 added, 0 updated, 0 removed), 1 aliases" in r.output
    r = run("roster", "import", "--course", "Math", str(roster), "--db", url)
    assert "(0 added, 5 updated, 0 removed)" in r.output
    assert "Math\t5 students" in run("roster", "list", "--db", url).output
    r = run("roster", "alias", "Math", "Dara's iPad", "dara novak", "--db", url)
    assert r.exit_code == 0 and "-> 'Dara Novak'" in r.output
    shown = run("roster", "show", "Math", "--db", url).output.splitlines()
    assert shown[0] == "name\tstudent_id\temail\taliases"
    assert "Dara Novak\ts4\t\tDara's iPad" in shown

    engine = make_engine(url)
    upgrade(engine)
    sid = build(engine)
    engine.dispose()
    out = tmp_path / "att.csv"
    r = run("session", "attendance", str(sid), "--db", url, "--csv", str(out))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == CSV_HEADER
    status = {row["name"]: (row["on_roster"], row["status"], row["seconds_speaking"])
              for row in rows}
    assert status["Dara Novak"] == ("true", "present", "20")
    assert status["Eve Marchetti"] == ("true", "absent", "0")
    assert status["'=Teaching Assistant"][0] == "false"
    assert "5 attended (80% of the roster" in r.output

    r = run("roster", "delete", "Math", "--db", url)
    assert r.exit_code == 0 and "deleted roster 'Math'" in r.output
    assert run("roster", "delete", "Math", "--db", url).exit_code == 1
    assert "no rosters" in run("roster", "list", "--db", url).output
    r = run("session", "attendance", str(sid), "--db", url)  # no roster: everyone as shown
    assert r.exit_code == 0 and "not on roster" in r.output


def test_one_line_errors(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Vorname,Mail\nAna,a@x\n", encoding="utf-8")
    r = run("roster", "import", "--course", "Math", str(bad), "--db", url)
    assert r.exit_code == 2 and "no 'name' column (found: Vorname, Mail)" in r.output
    r = run("roster", "alias", "Math", "x", "Ana", "--db", url)
    assert r.exit_code == 1 and "no roster" in r.output
    r = run("session", "attendance", "42", "--db", url)
    assert r.exit_code == 1 and "session 42: no such session" in r.output
    assert run("roster", "show", "Nope", "--db", url).exit_code == 1


def test_a_bad_attendance_config_is_one_line(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[attendance]\nlate_after_s = -1\n", encoding="utf-8")
    r = run("session", "attendance", "1", "--db", url, "-c", str(bad))
    assert r.exit_code == 2
    assert "attendance.late_after_s: Input should be greater than or equal to 0" in r.output
