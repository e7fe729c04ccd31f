"""Hostile names read from the screen are stored as data (SQLite and PostgreSQL), exported as
neutralised CSV (CLI and dashboard downloads), and escaped in the HTML report."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from sqlalchemy import create_engine, text

from tests.reliability.hostile import HOSTILE, expected_display, record_hostile_session
from tests.reliability.procs import ROOT

FORMULA = ("=", "+", "-", "@")


def _stored(url: str, sid: int) -> dict[int, str]:
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            rows = conn.execute(text("select tile_order, display_name from participant "
                                     "where session_id = :s"), {"s": sid}).all()
            tables = conn.execute(text("select count(*) from observation")).scalar()
    finally:
        eng.dispose()
    assert tables > 0  # no DROP TABLE ran
    return {int(o): n for o, n in rows}


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):  # noqa: ANN001, ANN201
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hostile.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"hostile_{abs(hash(str(tmp_path))) % 10**8}")


@pytest.mark.timeout(120)
def test_hostile_names_are_stored_verbatim_as_data(monkeypatch, any_db):
    sid = record_hostile_session(monkeypatch, any_db)
    stored = _stored(any_db, sid)
    assert len(stored) == len(HOSTILE)
    for order, name in enumerate(HOSTILE):
        want = expected_display(name, order)
        got = stored[order]
        # a storage bound may shorten a 10,000-character name, never change or drop it
        assert got == want or (len(want) > 300 and want.startswith(got) and len(got) >= 200), (
            order, got[:80], want[:80])


def _cells(csv_text: str, column: str) -> list[str]:
    return [row[column] for row in csv.DictReader(io.StringIO(csv_text))]


def _assert_neutralised(values: list[str]) -> None:
    assert values
    for v in values:
        assert not v.startswith(FORMULA), f"formula-like CSV cell: {v[:60]!r}"
    raw = {expected_display(n, i) for i, n in enumerate(HOSTILE)}
    hits = {v[1:] for v in values if v.startswith("'")}
    assert {r for r in raw if r.startswith(FORMULA)} <= hits  # the apostrophe, then the name


@pytest.mark.timeout(120)
def test_cli_csv_export_neutralises_formulas(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'csv.db'}"
    sid = record_hostile_session(monkeypatch, url)
    out = tmp_path / "obs.csv"
    r = subprocess.run([sys.executable, "-m", "classpulse", "session", "export", str(sid), "--db",
                        url, "--csv", str(out)], capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    _assert_neutralised(_cells(out.read_text(encoding="utf-8"), "participant"))


@pytest.mark.timeout(120)
def test_dashboard_downloads_neutralise_and_html_report_escapes(monkeypatch, tmp_path):
    pytest.importorskip("dashboard.exports")
    from dashboard import exports
    from storage.engine import make_engine

    url = f"sqlite:///{tmp_path / 'dl.db'}"
    sid = record_hostile_session(monkeypatch, url)
    eng = make_engine(url)
    try:
        _assert_neutralised(_cells(exports.observations_csv(eng, sid), "participant"))
        _assert_neutralised(_cells(exports.participants_csv(eng, sid), "display_name"))
        page = exports.html_report(eng, sid)
    finally:
        eng.dispose()
    for bad in ("<script>window.__pwned", "<img src=x", "<script>alert(1)</script>"):
        assert bad not in page, f"unescaped {bad!r} in the HTML report"
    assert "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    _assert_only_plotly_scripts(page)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        self.handlers += [(tag, k) for k, _ in attrs if k.startswith("on")]

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):  # noqa: ANN001, ANN201
        if self._in_script:
            self.scripts[-1] += data


def _assert_only_plotly_scripts(page: str) -> None:
    p = _Tags()
    p.feed(page)
    assert not p.handlers, p.handlers  # no onerror=/onload= attribute made it into the markup
    for body in p.scripts:
        assert "__pwned" not in body and "alert(1)" not in body
