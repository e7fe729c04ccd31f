"""The report page's attendance card in real headless Chromium: the class-level summary shows,
an unmatched name is fixed with one alias (dropdown + button), and the table updates."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.rosters import import_roster
from tests.storage.test_attendance import ROSTER, build

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("browser_ok")]
WAIT = 60


def test_one_click_alias_on_the_report_page(dash_duo, db_url) -> None:  # noqa: ANN001
    engine = make_engine(db_url)
    upgrade(engine)
    import_roster(engine, "Math", ROSTER)
    sid = build(engine)
    engine.dispose()
    dash_duo.start_server(create_app(db_url))
    dash_duo.driver.get(dash_duo.server_url + f"/report?session={sid}")
    dash_duo.wait_for_contains_text("#attendance-summary", "4 of 5 roster students attended",
                                    timeout=WAIT)
    assert "2 name(s) not on the roster" in dash_duo.find_element("#attendance-summary").text
    rows = dash_duo.find_elements("#attendance-table tbody tr")
    ipad = next(r for r in rows if "Dara's iPad" in r.text)

    def click(el):  # noqa: ANN001, ANN202 - a JS click: the table box scrolls on its own
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); "
                                       "arguments[0].click();", el)

    click(ipad.find_element("css selector", "button.dash-dropdown"))
    dash_duo.wait_for_element("[role=option]", timeout=WAIT)
    click(next(o for o in dash_duo.find_elements("[role=option]") if o.text == "Dara Novak"))
    click(ipad.find_element("css selector", "button.btn"))
    dash_duo.wait_for_contains_text("#attendance-summary", "1 name(s) not on the roster",
                                    timeout=WAIT)
    assert "Dara's iPad" in dash_duo.find_element("#attendance-table").text  # as a label now
    errors = [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]
    assert errors == [], errors
