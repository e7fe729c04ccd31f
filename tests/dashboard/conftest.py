"""Browser-test plumbing for dash[testing] with Debian's chromium + chromium-driver.

How dash[testing] picks the browser: ``--webdriver`` (default "Chrome") selects
``selenium.webdriver.Chrome``; selenium 4.2 finds ``chromedriver`` on PATH (Debian installs it at
/usr/bin/chromedriver), and chromedriver finds the ``chromium`` binary itself; the
``DASH_TEST_CHROMEPATH`` environment variable overrides the binary. Extra Chrome flags come from
the ``pytest_setup_options`` hook below. Headless is forced here too, so these tests also run
without ``--headless`` on a machine with no display.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--window-size=1440,1000",
)


def _browser_available() -> bool:
    return shutil.which("chromedriver") is not None and (
        shutil.which("chromium") is not None or "DASH_TEST_CHROMEPATH" in os.environ
    )


def pytest_setup_options():  # noqa: ANN201 - dash[testing] hook
    from selenium.webdriver.chrome.options import Options

    options = Options()
    real = Path("/usr/lib/chromium/chromium")  # skip Debian's shell wrapper when it is there
    if "DASH_TEST_CHROMEPATH" not in os.environ and real.exists():
        options.binary_location = str(real)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    return options


@pytest.fixture
def browser_ok() -> None:
    if not _browser_available():
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium "
                    "chromium-driver)")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'classpulse.db'}"
