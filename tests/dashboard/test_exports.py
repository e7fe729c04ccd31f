"""Exports parse back, neutralise spreadsheet formulas, and the HTML report is offline and inert."""

from __future__ import annotations

import csv
import io
import re

import pytest

from dashboard import exports
from storage.engine import make_engine
from tests.dashboard.seed import HOSTILE_NAMES, seed_session


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    url = f"sqlite:///{tmp_path_factory.mktemp('exports') / 'cp.db'}"
    s = seed_session(url, n=10, minutes=3)
    engine = make_engine(url)
    yield engine, s
    engine.dispose()


def test_csv_safe() -> None:
    assert exports.csv_safe("=1+1") == "'=1+1"
    assert exports.csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert exports.csv_safe("Ana") == "Ana"
    assert exports.csv_safe(3) == 3


def test_observations_csv_parses_back(seeded) -> None:  # noqa: ANN001
    engine, s = seeded
    rows = list(csv.DictReader(io.StringIO(exports.observations_csv(engine, s.session_id))))
    assert len(rows) == len(s.names) * 90
    assert {"t", "participant", "expression"} <= set(rows[0])
    names = {r["participant"] for r in rows}
    assert not any(n and n.startswith("=") for n in names)
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in names


def test_participants_csv_parses_back(seeded) -> None:  # noqa: ANN001
    engine, s = seeded
    rows = list(csv.DictReader(io.StringIO(exports.participants_csv(engine, s.session_id))))
    assert len(rows) == len(s.names)
    assert {"presence_rate", "negative_share", "dominant_expression"} <= set(rows[0])
    names = [r["display_name"] for r in rows]
    assert not any(n.startswith("=") for n in names)
    assert any("HYPERLINK" in n for n in names)  # kept, but as text
    assert any(n == "A" * 10_000 or n.startswith("A" * 200) for n in names)


def test_html_report_is_self_contained_and_escapes_names(seeded) -> None:  # noqa: ANN001
    engine, s = seeded
    page = exports.html_report(engine, s.session_id)
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "plotly" in page.lower() and len(page) > 1_000_000  # plotly.js inlined
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?https?:""", page)
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "Planted Sad" in page
    assert HOSTILE_NAMES[3] not in page  # 10,000 chars are cut for display


def test_html_report_unknown_session(seeded) -> None:  # noqa: ANN001
    engine, _ = seeded
    with pytest.raises(KeyError, match="no session with id 999"):
        exports.html_report(engine, 999)
