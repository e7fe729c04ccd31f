"""Headless Chromium for dash[testing], with the flags shared in tests/browser.py, so that
tests/reliability runs on its own."""

from __future__ import annotations

import pytest

from tests.browser import MISSING, browser_available, chrome_options


def pytest_setup_options():  # noqa: ANN201 - dash[testing] hook
    return chrome_options()


@pytest.fixture
def chromium() -> None:
    if not browser_available():
        pytest.skip(MISSING)
