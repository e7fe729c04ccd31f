"""bench/dashboard_load.py drives the real server the way a browser tab does: a short run with two
tabs loads pages and gets callback answers from the live page, with no error. (Its latency
targets are checked by the bench itself, never here.)"""

from __future__ import annotations

import pytest

from bench.dashboard_load import run_load


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_tabs_load_and_poll_the_live_page_without_errors(tmp_path) -> None:  # noqa: ANN001
    r = run_load(f"sqlite:///{tmp_path / 'load.db'}", clients=2, duration_s=8, threads=2,
                 reload_s=5, students=6, minutes=2)
    assert r["errors"] == 0, r["error_examples"]
    assert r["pages"] >= 2 and r["callbacks"] >= 4, r
    assert r["server_exit"] == 0, r["server_log_tail"]
