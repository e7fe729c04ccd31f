"""Headless Chromium for dash[testing] (the same flags as tests/dashboard/conftest.py, repeated
here so tests/reliability runs on its own)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--no-first-run", "--window-size=1440,1000")


def pytest_setup_options():  # noqa: ANN201 - dash[testing] hook
    from selenium.webdriver.chrome.options import Options

    options = Options()
    real = Path("/usr/lib/chromium/chromium")
    if "DASH_TEST_CHROMEPATH" not in os.environ and real.exists():
        options.binary_location = str(real)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    return options


@pytest.fixture
def chromium() -> None:
    if shutil.which("chromedriver") is None or (
            shutil.which("chromium") is None and "DASH_TEST_CHROMEPATH" not in os.environ):
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium "
                    "chromium-driver)")
