"""The live page's capture-health card shows the worker's fault counters: frames failed, frames
skipped, and a "degraded" alert, read back from a real SQLite health sample."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.pages.live import health_panel
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.queries import get_session, health_latest
from storage.records import HealthRecord, SessionSpec
from storage.sessions import start_session
from storage.writer import Writer


def _by_id(component, found: dict | None = None) -> dict:
    """id -> component of a Dash component tree."""
    found = {} if found is None else found
    if getattr(component, "id", None):
        found[component.id] = component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            _by_id(child, found)
    return found


def _panel(tmp_path, **health):  # noqa: ANN001, ANN003, ANN202
    url = f"sqlite:///{tmp_path / 'h.db'}"
    upgrade(url)
    engine = make_engine(url)
    sid = start_session(engine, SessionSpec("C", "health"))
    writer = Writer(engine)
    writer.start()
    now = datetime.now(UTC)
    writer.submit_health(HealthRecord(
        session_id=sid, ts=now, fps=2.0, dropped_frames=1, tiles_found=6, capture_online=True,
        is_gallery=True, last_frame_at=now, **health))
    writer.flush()
    writer.stop()
    return _by_id(health_panel(health_latest(engine, sid), get_session(engine, sid)))


def test_counters_and_degraded_alert_are_shown(tmp_path):
    ids = _panel(tmp_path, frames_failed=23, frames_skipped=4, degraded=True,
                 last_error="frame 41: ValueError: injected")
    assert ids["health-failed"].children == "23"
    assert ids["health-skipped"].children == "4"
    assert "Degraded" in ids["health-degraded"].children


def test_a_healthy_session_has_zero_counters_and_no_alert(tmp_path):
    ids = _panel(tmp_path)
    assert ids["health-failed"].children == "0" and ids["health-skipped"].children == "0"
    assert "health-degraded" not in ids
