"""The dashboard in real headless Chromium (dash[testing]) against databases filled by the real
storage writer: pages load without console errors, the live page follows new observations
without losing the user's zoom, the attention list shows planted cases with their reasons,
exports download and parse back, and hostile names stay inert text."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains

from dashboard.app import create_app
from tests.dashboard.seed import HOSTILE_NAMES, T0, append, seed_many, seed_session

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("browser_ok")]
SCRIPT_NAME = HOSTILE_NAMES[1]
WAIT = 60  # seconds: generous, the suite shares 2 cores with model training


def no_console_errors(dash_duo) -> None:  # noqa: ANN001
    errors = [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]
    assert errors == [], errors


def assert_inert(dash_duo) -> None:  # noqa: ANN001
    assert dash_duo.driver.execute_script("return window.__pwned === undefined")


def test_pages_load_without_console_errors_and_names_stay_inert(dash_duo, db_url) -> None:  # noqa: ANN001
    seed_many(db_url, [dict(start=T0), dict(start=T0.replace(day=9), presence_only=True,
                                            title="Revision", hostile=False)])
    dash_duo.start_server(create_app(db_url, refresh_ms=1000))
    dash_duo.wait_for_element("#live-gallery-grid", timeout=WAIT)
    for path, ready in (("/live", "#live-gallery-grid"), ("/report", "#report-table"),
                        ("/compare", "#cmp-pane-b .main-svg"), ("/nowhere", ".cp-empty")):
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready, timeout=WAIT)
        time.sleep(0.5)
        no_console_errors(dash_duo)
        assert_inert(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/report?session=1")
    dash_duo.wait_for_contains_text("#report-table", "HYPERLINK", timeout=WAIT)
    table = dash_duo.find_element("#report-table").text
    assert SCRIPT_NAME in table  # shown literally, as text
    dash_duo.driver.get(dash_duo.server_url + "/live?session=1")
    dash_duo.wait_for_contains_text("#live-gallery-grid", "<script>", timeout=WAIT)
    cells = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#live-gallery-grid .cp-name')].map(e => e.textContent)")
    assert '=HYPERLINK("http://evil.example","click")'[:39] in cells[0]
    assert all(len(c) <= 40 for c in cells)  # a 10,000-char name is cut for display
    assert "(no name)" in cells
    assert dash_duo.driver.execute_script("return document.querySelectorAll('script').length") < 40
    no_console_errors(dash_duo)


def test_presence_only_session_is_badged_and_explains_empty_widgets(dash_duo, db_url) -> None:  # noqa: ANN001
    seed_session(db_url, presence_only=True, n=8, minutes=3, hostile=False)
    dash_duo.start_server(create_app(db_url))
    dash_duo.wait_for_contains_text("#session-badges", "presence only", timeout=WAIT)
    dash_duo.wait_for_contains_text("#live-timeline", "Presence-only session", timeout=WAIT)
    assert "Presence-only session" in dash_duo.find_element("#live-distribution").text
    dash_duo.driver.get(dash_duo.server_url + "/report")
    dash_duo.wait_for_contains_text("#report-title", "presence only", timeout=WAIT)
    no_console_errors(dash_duo)


def test_empty_database_shows_the_first_run_message(dash_duo, db_url) -> None:  # noqa: ANN001
    from storage.migrate import upgrade

    upgrade(db_url)
    dash_duo.start_server(create_app(db_url))
    dash_duo.wait_for_contains_text("#first-run", "no class sessions", timeout=WAIT)
    for path in ("/report", "/compare"):
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element("#first-run", timeout=WAIT)
    no_console_errors(dash_duo)


def test_live_page_follows_new_observations_and_keeps_zoom(dash_duo, db_url) -> None:  # noqa: ANN001
    live = seed_session(db_url, n=10, minutes=6, ended=False, start=T0)
    dash_duo.start_server(create_app(db_url, refresh_ms=500))
    dash_duo.wait_for_contains_text("#live-status", "last observation 09:05:58", timeout=WAIT)
    dash_duo.wait_for_element("#live-timeline .main-svg", timeout=WAIT)
    # Zoom like a user: drag a box across the middle of the plot.
    drag = dash_duo.find_element("#live-timeline .nsewdrag")
    w, h = drag.size["width"], drag.size["height"]
    # selenium 4.2 measures the offset from the element's top-left corner
    ActionChains(dash_duo.driver).move_to_element_with_offset(drag, w // 4, h // 2) \
        .click_and_hold().move_by_offset(w // 8, 10).move_by_offset(w // 8, 10).release() \
        .perform()
    range_js = ("return document.querySelector('#live-timeline .js-plotly-plot')"
                ".layout.xaxis.range")
    time.sleep(0.3)
    zoom = dash_duo.driver.execute_script(range_js)
    assert zoom and "09:0" in str(zoom[0]) and zoom[0] > "2026-11-02 09:00:10", zoom
    time.sleep(0.6)
    live = append(live, 15)  # 30 s more
    dash_duo.wait_for_contains_text("#live-status", "last observation 09:06:28", timeout=WAIT)
    live = append(live, 5)
    dash_duo.wait_for_contains_text("#live-status", "last observation 09:06:38", timeout=WAIT)
    time.sleep(0.6)
    assert dash_duo.driver.execute_script(range_js) == zoom  # refreshes kept the user's zoom
    no_console_errors(dash_duo)


def test_attention_list_shows_planted_cases_with_reasons(dash_duo, db_url) -> None:  # noqa: ANN001
    seed_session(db_url, n=12, minutes=10, hostile=False, ended=False)
    dash_duo.start_server(create_app(db_url))
    dash_duo.wait_for_element("#attention-items", timeout=WAIT)
    items = dash_duo.find_elements("#attention-items .cp-attention-item")
    text = {i.find_element("css selector", ".cp-name").text:
            i.find_element("css selector", ".cp-attention-reason").text for i in items}
    assert text["Planted Sad"].startswith("negative expressions · since 09:06:00")
    assert text["Planted Camera"].startswith("camera off · since 09:04:00")
    assert "3 min+" in dash_duo.find_element("#live-page .cp-thresholds").text
    no_console_errors(dash_duo)


def _wait_file(folder: Path, suffix: str, timeout: float = WAIT) -> Path:
    end = time.time() + timeout
    while time.time() < end:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done:
            time.sleep(0.3)  # let the browser finish writing
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no *{suffix} downloaded into {folder}: {list(folder.iterdir())}")


def test_every_export_downloads_and_parses_back(dash_duo, db_url) -> None:  # noqa: ANN001
    s = seed_session(db_url, n=10, minutes=4)
    dash_duo.start_server(create_app(db_url))
    dash_duo.driver.get(dash_duo.server_url + "/report")
    dash_duo.wait_for_element("#report-table td", timeout=WAIT)
    folder = Path(dash_duo.download_path)
    dash_duo.find_element("#export-obs").click()
    obs = list(csv.DictReader(io.StringIO(_wait_file(folder, "observations.csv").read_text())))
    assert len(obs) == len(s.names) * 120
    dash_duo.find_element("#export-students").click()
    students = list(csv.DictReader(io.StringIO(
        _wait_file(folder, "participants.csv").read_text())))
    assert len(students) == len(s.names)
    assert all(not r["display_name"].startswith("=") for r in students)
    dash_duo.find_element("#export-html").click()
    report = _wait_file(folder, "report.html")
    html = report.read_text()
    assert "&lt;script&gt;" in html and SCRIPT_NAME not in html
    # The downloaded report opens offline, draws its figures and runs nothing hostile.
    dash_duo.driver.get(report.as_uri())
    dash_duo.wait_for_element(".js-plotly-plot .main-svg", timeout=WAIT)
    assert_inert(dash_duo)
    dash_duo.driver.back()
    # Drill-down: clicking a row shows that participant's own timeline.
    dash_duo.driver.get(dash_duo.server_url + "/report")
    dash_duo.wait_for_element("#report-table td", timeout=WAIT)
    name = [b for b in dash_duo.find_elements("#report-table .cp-link")
            if b.text == "Planted Sad"][0]
    name.click()
    dash_duo.wait_for_text_to_equal("#report-drill-name", "Planted Sad", timeout=WAIT)
    dash_duo.wait_for_element("#report-drill-graph .main-svg", timeout=WAIT)
    # Sorting: by presence ascending puts a camera-off-all-along participant first.
    sort = [b for b in dash_duo.find_elements("#report-table .cp-sort") if "Presence" in b.text]
    sort[0].click()
    dash_duo.wait_for_contains_text("#report-table thead", "Presence ▲", timeout=WAIT)
    first = [td.text for td in dash_duo.find_elements("#report-table tbody tr:first-child td")]
    assert first[0] in {"Student 01", "Planted Camera"} and first[1] == "0%", first
    no_console_errors(dash_duo)


def test_compare_filters_and_side_by_side(dash_duo, db_url) -> None:  # noqa: ANN001
    seed_many(db_url, [
        dict(n=6, minutes=1, start=T0.replace(day=d), course=c, hostile=False, planted=False,
             title=f"Lecture {d}", seed=d)
        for d, c in ((2, "Biology 101"), (3, "Physics 110"), (4, "Biology 101"),
                     (5, "Biology 101"))
    ])
    dash_duo.start_server(create_app(db_url))
    dash_duo.driver.get(dash_duo.server_url + "/compare")
    dash_duo.wait_for_text_to_equal("#cmp-n-sessions", "4", timeout=WAIT)
    dash_duo.select_dcc_dropdown("#cmp-course", value="Biology 101")
    dash_duo.wait_for_text_to_equal("#cmp-n-sessions", "3", timeout=WAIT)
    dash_duo.wait_for_contains_text("#cmp-pane-a", "Lecture 4", timeout=WAIT)
    dash_duo.wait_for_contains_text("#cmp-pane-b", "Lecture 5", timeout=WAIT)
    assert datetime.now(UTC) > T0
    no_console_errors(dash_duo)
