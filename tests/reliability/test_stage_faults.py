"""Fault isolation under the real worker (threads, queue, SQLite writer, health): a stage that
raises on chosen frames drops those frames only. The session goes on, every good frame's rows
are stored, the counts are right, each distinct error is logged once, health says "degraded"
after K failures in a row and recovers, and a live worker never exits by itself.

The detectors are the fakes of tests/classpulse (known tiles, names, faces, probabilities), each
wrapped so that it raises on the frames a ``Plan`` names.
"""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text

from classpulse.config import load_config, overrides
from classpulse.worker import Worker, live_clock
from storage.queries import health_latest
from storage.records import SessionSpec
from tests.classpulse import fakes
from tests.reliability import faultlog, faultplan
from tests.reliability.faultplan import N_TILES, Plan


@pytest.fixture
def planned(monkeypatch):  # noqa: ANN201
    """``planned(Plan(...))`` installs fakes that raise as the plan says."""
    return lambda plan: faultplan.install(monkeypatch, plan)


def _frames_with_rows(engine) -> dict[int, int]:  # noqa: ANN001
    with engine.connect() as conn:
        rows = conn.execute(text("select frame_index, count(*) from observation group by 1"))
        return {int(i): int(n) for i, n in rows}


@pytest.mark.parametrize("stage", ["grid", "names", "faces", "classifier", "records"])
def test_a_stage_raising_on_chosen_frames_drops_only_those(tmp_path, planned, caplog, stage):
    n, bad = 30, {0, 3, 4, 17, 29}  # the first and the last frame too
    plan = planned(Plan(stage, bad))
    cfg = load_config(None, overrides(pipeline__every_s=0.0))
    w = Worker(cfg, f"sqlite:///{tmp_path / 'f.db'}", fakes.FakeSource(n), SessionSpec("C", stage),
               live=False)
    plan.worker = w
    with caplog.at_level(logging.ERROR, logger="classpulse.worker"):
        w.start()
        w.wait(30)
        s = w.shutdown()  # would raise "inference failed" if the session had been ended
    good = sorted(set(range(n)) - bad)
    stored = _frames_with_rows(w.engine)
    health = health_latest(w.engine, w.session_id)
    lost = len(good) * N_TILES - sum(stored.values())
    ok = (sorted(stored) == good and lost == 0 and s.frames_failed == len(bad)
          and s.frames == len(good))
    faultlog.record("injected stage fault (5 of 30 frames raise)", ok, lost, stage=stage,
                    frames_failed=s.frames_failed, frames_processed=s.frames)
    assert sorted(stored) == good and set(stored.values()) == {N_TILES}
    assert s.frames == len(good) and s.frames_failed == len(bad)
    assert s.observations == len(good) * N_TILES
    assert health["frames_failed"] == len(bad) and not health["degraded"]
    assert f"injected {stage} fault" in health["last_error"]
    assert sum(s.errors.values()) == len(bad) and len(s.errors) == 1, s.errors
    logged = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None  # traceback once, then counted


def test_degraded_after_k_failures_in_a_row_then_recovers(tmp_path, planned):
    k = 4
    bad = set(range(5, 5 + k)) | set(range(20, 20 + k - 1))  # K in a row, then K-1 in a row
    plan = planned(Plan("faces", bad))
    cfg = load_config(None, overrides(pipeline__every_s=0.0,
                                      pipeline__max_consecutive_failures=k))
    w = Worker(cfg, f"sqlite:///{tmp_path / 'd.db'}", fakes.FakeSource(30), SessionSpec("C", "k"),
               live=False)
    plan.worker = w
    w.start()
    w.wait(30)
    s = w.shutdown()
    seen = plan.degraded_at  # health as each frame started
    assert not seen[5 + k - 1]  # K-1 failures so far: not yet
    assert seen[5 + k]  # K in a row: degraded, and the worker still took the next frame
    assert not seen[5 + k + 1]  # one good frame: recovered
    assert not any(seen[i] for i in range(20, 30))  # K-1 in a row never degrades
    assert s.frames_failed == len(bad) and s.frames == 30 - len(bad)
    faultlog.record("K failures in a row (degraded, then recovered)", True,
                    0 if s.frames == 30 - len(bad) else None, k=k)


def test_live_worker_failing_every_frame_keeps_running_and_says_degraded(tmp_path, planned):
    planned(Plan("grid", always=True))
    cfg = load_config(None, overrides(pipeline__every_s=0.0, pipeline__health_interval_s=0.2,
                                      pipeline__max_consecutive_failures=5))
    w = Worker(cfg, f"sqlite:///{tmp_path / 'l.db'}", fakes.FakeSource(100_000, delay=0.005),
               SessionSpec("C", "live"), clock=live_clock, live=True)
    w.start()
    w.wait(1.5)  # returns early only if the worker ended by itself
    alive = w.threads[1].is_alive() and not w.stop_event.is_set()
    time.sleep(0.5)  # at least one more health sample after degraded
    health = health_latest(w.engine, w.session_id)
    w.stop()
    s = w.shutdown()
    faultlog.record("every frame fails in a live session", alive, None,
                    frames_failed=s.frames_failed)
    assert alive, "the live worker stopped by itself"
    assert health["degraded"] and health["frames_failed"] >= 5
    assert "injected grid fault" in health["last_error"]
    assert s.frames == 0 and s.frames_failed >= 5


class FlakySource:
    """A live source whose first ``frames()`` call blows up with a bug-like error."""

    def __init__(self) -> None:
        self.calls, self.closed = 0, False

    def frames(self):  # noqa: ANN201
        self.calls += 1
        if self.calls == 1:
            raise OSError("injected source failure")
        for i in range(5):
            if not self.closed:
                yield fakes.make_frame(i)
        while not self.closed:
            time.sleep(0.01)

    def close(self) -> None:
        self.closed = True


def test_live_capture_retries_after_an_unexpected_source_error(tmp_path, planned):
    planned(Plan("none"))
    cfg = load_config(None, overrides(pipeline__every_s=0.0))
    w = Worker(cfg, f"sqlite:///{tmp_path / 'c.db'}", FlakySource(), SessionSpec("C", "flaky"),
               clock=live_clock, live=True)
    init_stages = w.init_stages

    def fast_retry() -> None:  # a short retry before the capture thread starts
        init_stages()
        w.capture.retry_s = 0.05

    w.init_stages = fast_retry
    w.start()
    deadline = time.monotonic() + 10
    while w.processor.frames + w.queue.dropped < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    w.stop()
    s = w.shutdown()
    ok = s.frames + s.dropped_frames == 5 and s.frames > 0 and w.source.calls >= 2
    faultlog.record("unexpected error in a live frame source (retried)", ok, None)
    assert ok, (s.frames, s.dropped_frames, w.source.calls)
