"""The report page's attendance section and one-click alias, the HTML report's attendance table,
and the compare page's series, on a real SQLite file with the known session."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import attendance_view as av
from dashboard.exports import html_report
from storage.attendance import attendance_over_sessions
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.roster_csv import RosterRow
from storage.rosters import import_roster, roster_students
from tests.storage.test_attendance import ROSTER, build


@pytest.fixture
def engine(tmp_path: Path):  # noqa: ANN201
    eng = make_engine(str(tmp_path / "v.db"))
    upgrade(eng)
    import_roster(eng, "Math", ROSTER)
    yield eng
    eng.dispose()


def texts(component) -> list[str]:  # noqa: ANN001
    """Every string in a Dash component tree."""
    out: list[str] = []
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list | tuple):
            stack.extend(c)
        elif hasattr(c, "children"):
            stack.append(c.children)
    return out


def test_section_summary_table_and_one_click_alias(engine) -> None:  # noqa: ANN001
    sid = build(engine)
    section, store = av.render_for(engine, sid)
    words = " ".join(texts(section))
    assert "4 of 5 roster students attended (80%)" in words
    assert "2 name(s) not on the roster" in words  # Dara's iPad and the teaching assistant
    assert "2 of 6 attendees spoke" in words
    assert "Attendees by speaking time" in words
    ipad = next(i for i, label in store["labels"].items() if label == "Dara's iPad")
    assert "not on roster" in words and "Save alias" in words
    dara = next(s for s in roster_students(engine, "Math") if s.name == "Dara Novak")
    assert av.save_alias(engine, store, int(ipad), dara.id)
    section, store = av.render_for(engine, sid)
    assert "Dara's iPad" not in store["labels"].values()  # merged into Dara's row now
    words = " ".join(texts(section))
    assert "1 name(s) not on the roster" in words
    assert "as Dara Novak, Dara's iPad" in words
    assert not av.save_alias(engine, store, 99, dara.id)


def test_html_report_and_compare_series(engine) -> None:  # noqa: ANN001
    sid = build(engine)
    page = html_report(engine, sid)
    assert "<h2>Attendance and participation</h2>" in page
    assert "<td>Eve Marchetti</td>" not in page and "<bdi>Eve Marchetti</bdi>" in page
    assert "&#x27;" in page or "=Teaching Assistant" in page  # escaped, never markup
    other = build(engine, course="No roster")
    import_roster(engine, "Other", [RosterRow("X Y")])
    series = attendance_over_sessions(engine)
    assert [r["session_id"] for r in series] == [sid, other]
    assert series[0]["attendance_rate"] == pytest.approx(0.8)
    assert series[1]["attendance_rate"] is None
    assert series[0]["spoke_share"] == pytest.approx(2 / 6)
    assert attendance_over_sessions(engine, course="Math")[0]["session_id"] == sid
    assert len(av.compare_figure(series).data) == 3


def test_config_thresholds_reach_the_page_and_the_html_report(engine) -> None:  # noqa: ANN001
    """[attendance] from the config file decides "late" on the report page and in the HTML
    report, not only in `session attendance` (Ben first shows up 600 s in)."""
    from storage.attendance import AttendanceRules

    sid = build(engine)
    lenient = AttendanceRules(late_after_s=900.0)

    def ben(section) -> str:  # noqa: ANN001
        return repr(section).split("Ben Okafor", 1)[1].split("Tr(", 1)[0]  # Ben's table row

    assert "late" in ben(av.render_for(engine, sid)[0])
    assert "late" not in ben(av.render_for(engine, sid, lenient)[0])

    def html_row(page: str) -> str:
        section = page.split("<h2>Attendance and participation</h2>", 1)[1]
        return section.split("Ben Okafor", 1)[1].split("</tr>", 1)[0]

    assert "late" in html_row(html_report(engine, sid))
    row = html_row(html_report(engine, sid, lenient))
    assert "late" not in row and "present" in row
