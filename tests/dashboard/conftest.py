"""Browser-test plumbing for dash[testing] with Debian's chromium + chromium-driver.

How dash[testing] picks the browser: ``--webdriver`` (default "Chrome") selects
``selenium.webdriver.Chrome``; selenium 4.2 finds ``chromedriver`` on PATH (Debian installs it at
/usr/bin/chromedriver), and chromedriver finds the ``chromium`` binary itself; the
``DASH_TEST_CHROMEPATH`` environment variable overrides the binary. Extra Chrome flags come from
the ``pytest_setup_options`` hook below (tests/browser.py). Headless is forced there too, so these
tests also run without ``--headless`` on a machine with no display.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import MISSING, browser_available, chrome_options


def pytest_setup_options():  # noqa: ANN201 - dash[testing] hook
    return chrome_options()


@pytest.fixture
def browser_ok() -> None:
    if not browser_available():
        pytest.skip(MISSING)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'classpulse.db'}"
