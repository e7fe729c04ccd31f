"""Hostile names on every dashboard page, in real headless Chromium: shown as literal text,
nothing they contain runs (no script, no onerror handler, no alert)."""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import NoAlertPresentException

from tests.reliability.hostile import record_hostile_session

PAGES = [("/live", "#live-gallery-grid"), ("/report", "#report-table"), ("/compare", "#page")]


def _assert_inert(dash_duo, path: str) -> None:  # noqa: ANN001
    drv = dash_duo.driver
    try:
        alert = drv.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"{path}: an alert ran: {text!r}")
    except NoAlertPresentException:
        pass
    assert drv.execute_script("return window.__pwned === undefined"), path
    assert drv.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
    scripts = drv.execute_script(
        "return Array.from(document.scripts).map(s => s.textContent).join('\\n')")
    assert "__pwned" not in scripts, f"{path}: a hostile name became a <script>"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_hostile_names_render_inert_on_every_page(dash_duo, chromium, monkeypatch, tmp_path):  # noqa: ANN001
    from dashboard.app import create_app

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    record_hostile_session(monkeypatch, url)
    dash_duo.start_server(create_app(url, refresh_ms=1000))
    for path, ready in PAGES:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(ready, timeout=90)  # the machine may be busy training
        time.sleep(1.5)  # let the refresh callbacks render the names
        _assert_inert(dash_duo, path)
        body = dash_duo.driver.find_element("tag name", "body").text
        if path in ("/live", "/report"):
            assert "<script>window.__pwned" in body, f"{path}: the name is not shown as text"
            assert "<img src=x" in body, f"{path}: the name is not shown as text"
