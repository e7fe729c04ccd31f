"""Headless Chromium for dash[testing], shared by every conftest that runs browser tests.

Why one place: dash[testing] reads Chrome flags from the ``pytest_setup_options`` hook, and both
tests/dashboard and tests/reliability must run on their own with the same flags (this closed
machine refuses Chromium's background connections, so they are switched off).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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

MISSING = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"


def browser_available() -> bool:
    return shutil.which("chromedriver") is not None and (
        shutil.which("chromium") is not None or "DASH_TEST_CHROMEPATH" in os.environ
    )


def chrome_options():  # noqa: ANN201 - a selenium Options object
    from selenium.webdriver.chrome.options import Options

    options = Options()
    real = Path("/usr/lib/chromium/chromium")  # skip Debian's shell wrapper when it is there
    if "DASH_TEST_CHROMEPATH" not in os.environ and real.exists():
        options.binary_location = str(real)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    return options
