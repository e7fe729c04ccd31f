"""The worker end to end with fake detectors and the real storage (SQLite): session lifecycle,
flush on stop, drops counted, health written, crashed sessions reconciled."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from classpulse import adapters
from classpulse.config import load_config, overrides
from classpulse.worker import Worker, live_clock, media_clock
from storage.records import SessionSpec
from tests.classpulse import fakes


@pytest.fixture
def fake_pipeline(monkeypatch):
    clf = fakes.FakeClassifier()
    monkeypatch.setattr(adapters, "make_grid_detector", lambda: fakes.FakeGrid())
    monkeypatch.setattr(adapters, "make_name_reader", lambda *_: fakes.FakeNames())
    monkeypatch.setattr(adapters, "make_face_detector", lambda: fakes.FakeFaces())
    monkeypatch.setattr(adapters, "make_classifier", lambda path: clf)
    monkeypatch.setattr(adapters, "crop_for_fer", fakes.fake_crop)
    monkeypatch.setattr(adapters, "normalize_name", lambda s: " ".join((s or "").split()))
    monkeypatch.setattr(adapters, "identity_key", lambda n, o: n.casefold() or f"tile-{o}")
    return clf


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar())


def test_recording_every_frame_no_drops_media_time(tmp_path, fake_pipeline):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    cfg = load_config(None, overrides(pipeline__every_s=0.0))
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    w = Worker(cfg, url, fakes.FakeSource(20), SessionSpec("C", "T", started_at=start),
               clock=media_clock(start, 2.0), live=False)
    w.start()
    w.wait(30)
    s = w.shutdown()
    assert s.frames == 20 and s.dropped_frames == 0
    assert s.observations == 20 * 6
    assert len(fake_pipeline.calls) == 20  # one classifier call per frame
    assert "Ada Lovelace" in s.participants and len(s.participants) == 6
    assert _count(w.engine, "select count(*) from observation") == 120
    ended = _count(w.engine, "select count(*) from class_session where ended_at is not null")
    assert ended == 1
    with w.engine.connect() as conn:
        tmax = conn.execute(text("select max(t) from observation")).scalar()
    # media time: frame 19 at 2 fps = 9.5 s after the start, whatever the wall clock says
    assert abs(float(tmax) - (start.timestamp() + 9.5)) < 1e-3


def test_live_stop_flushes_and_closes_session_and_writes_health(tmp_path, fake_pipeline):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    cfg = load_config(None, overrides(pipeline__every_s=0.0, pipeline__health_interval_s=0.2,
                                      capture__queue_size=1))
    w = Worker(cfg, url, fakes.FakeSource(10_000, delay=0.001), SessionSpec("C", "live"),
               clock=live_clock, live=True)
    w.start()
    time.sleep(1.5)
    w.stop()
    s = w.shutdown()
    assert s.frames > 0 and s.observations == s.frames * 6
    assert _count(w.engine, "select count(*) from observation") == s.observations
    assert _count(w.engine, "select count(*) from health_sample") >= 2
    assert _count(w.engine, "select count(*) from class_session where ended_at is null") == 0


def test_presence_only_never_constructs_classifier(tmp_path, fake_pipeline, monkeypatch):
    def boom(path):
        raise AssertionError("classifier constructed in presence-only mode")

    monkeypatch.setattr(adapters, "make_classifier", boom)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    cfg = load_config(None, overrides(pipeline__presence_only=True, pipeline__every_s=0.0))
    w = Worker(cfg, url, fakes.FakeSource(3), SessionSpec("C", "p", presence_only=True),
               live=False)
    w.start()
    w.wait(30)
    s = w.shutdown()
    assert s.presence_only and s.observations == 18
    assert _count(w.engine, "select count(*) from observation where p_happy is not null") == 0


def test_startup_reconciles_a_crashed_session(tmp_path, fake_pipeline):
    from storage.engine import make_engine
    from storage.migrate import upgrade
    from storage.sessions import start_session

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    engine = make_engine(url)
    long_ago = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    crashed = start_session(engine, SessionSpec("C", "crashed", started_at=long_ago))
    live = start_session(engine, SessionSpec("C", "live elsewhere"))  # just started: keep open
    w = Worker(load_config(), url, fakes.FakeSource(2), SessionSpec("C", "next"), live=False)
    w.start()
    w.wait(30)
    w.shutdown()
    with w.engine.connect() as conn:
        still_open = [r[0] for r in conn.execute(
            text("select id from class_session where ended_at is null"))]
    assert still_open == [live] and crashed != w.session_id


def test_health_is_written_when_no_observation_is_due(tmp_path, fake_pipeline):
    """Health must keep flowing between observation samples (e.g. every_s = 30)."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    cfg = load_config(None, overrides(pipeline__every_s=100.0, pipeline__health_interval_s=0.2))
    w = Worker(cfg, url, fakes.FakeSource(10_000, delay=0.05), SessionSpec("C", "h"),
               clock=live_clock, live=True)
    w.start()
    time.sleep(1.6)
    w.stop()
    w.shutdown()
    assert _count(w.engine, "select count(*) from observation") == 6
    n_health = _count(w.engine, "select count(*) from health_sample")
    assert n_health >= 4, n_health
    assert _count(w.engine, "select max(tiles_found) from health_sample") == 6
