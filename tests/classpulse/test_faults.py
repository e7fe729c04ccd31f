"""FrameFaults, the inference stage's per-frame fault policy, without threads: one traceback per
distinct error (type + raising line), counts for the rest, degraded after K in a row, recovery on
the first good frame; and HealthState carries the counters into the stored HealthRecord."""

from __future__ import annotations

import logging

import pytest

from classpulse.faults import FrameFaults, error_site, one_line
from classpulse.framequeue import DropQueue
from classpulse.stages import HealthState


def _raise(kind: type[Exception], msg: str) -> Exception:
    try:
        raise kind(msg)
    except Exception as exc:  # noqa: BLE001 - we want the exception with its traceback
        return exc


def _other_site(msg: str) -> Exception:
    try:
        raise ValueError(msg)
    except Exception as exc:  # noqa: BLE001
        return exc


def test_each_distinct_error_is_logged_once_with_its_traceback(caplog):
    faults = FrameFaults(max_consecutive=100)
    with caplog.at_level(logging.ERROR, logger="classpulse.worker"):
        for i in range(5):  # same type and line, a different message each time
            faults.on_failure(i, _raise(ValueError, f"bad tile {i}"))
        faults.on_failure(5, _raise(KeyError, "x"))  # another type
        faults.on_failure(6, _other_site("bad tile"))  # same type, another line
    logged = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(logged) == 3 and all(r.exc_info for r in logged)
    assert faults.failed == 7 and sum(faults.errors.values()) == 7
    assert sorted(faults.errors.values()) == [1, 1, 5]


def test_degraded_after_k_in_a_row_and_recovered_by_one_good_frame():
    faults = FrameFaults(max_consecutive=3)
    exc = _raise(RuntimeError, "boom")
    for i in range(2):
        faults.on_failure(i, exc)
    assert not faults.degraded
    faults.on_failure(2, exc)
    assert faults.degraded
    faults.on_success()
    assert not faults.degraded and faults.consecutive == 0 and faults.failed == 3


def test_max_consecutive_must_be_positive():
    with pytest.raises(ValueError, match="expected >= 1, got 0"):
        FrameFaults(max_consecutive=0)


def test_one_line_and_site():
    exc = _raise(ValueError, "two\nlines " + "x" * 400)
    text = one_line(exc)
    assert "\n" not in text and len(text) == 240 and text.startswith("ValueError: two lines")
    assert error_site(exc).startswith("test_faults.py:") and "_raise" in error_site(exc)


def test_health_snapshot_carries_the_counters():
    h = HealthState(DropQueue(2))
    h.on_skipped({"truncated": 2, "empty file": 1})
    h.on_failure("frame 7: ValueError: x", degraded=True)
    rec = h.snapshot(1)
    assert (rec.frames_failed, rec.frames_skipped, rec.degraded) == (1, 3, True)
    assert rec.last_error == "frame 7: ValueError: x"
