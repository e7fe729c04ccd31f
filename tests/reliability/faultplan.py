"""Fault injection for the worker tests: fakes (tests/classpulse/fakes.py) wrapped so that a
chosen stage raises on chosen frames. Used by test_stage_faults.py and test_fuzz_processor.py."""

from __future__ import annotations

from classpulse import adapters
from classpulse.worker import Worker
from tests.classpulse import fakes

N_TILES = 6


class Plan:
    """Which stage raises on which frame indices; ``current`` is the frame being processed (set
    by the grid, the first stage). ``degraded_at`` records health.degraded as each frame starts."""

    def __init__(self, stage: str, bad: set[int] | None = None, always: bool = False) -> None:
        self.stage, self.bad, self.always = stage, bad or set(), always
        self.current = -1
        self.worker: Worker | None = None
        self.degraded_at: dict[int, bool] = {}

    def check(self, stage: str) -> None:
        if stage == self.stage and (self.always or self.current in self.bad):
            exc = {"grid": ValueError, "names": RuntimeError, "faces": IndexError,
                   "classifier": FloatingPointError, "records": KeyError}[stage]
            raise exc(f"injected {stage} fault on frame {self.current}")


class PlannedGrid(fakes.FakeGrid):
    def __init__(self, plan: Plan) -> None:
        super().__init__(N_TILES)
        self.plan = plan

    def detect(self, frame):  # noqa: ANN001, ANN201
        self.plan.current = frame.index
        if self.plan.worker is not None:
            self.plan.degraded_at[frame.index] = self.plan.worker.health.degraded
        self.plan.check("grid")
        return super().detect(frame)


def _wrap(plan: Plan, stage: str, obj, method: str):  # noqa: ANN001, ANN202
    inner = getattr(obj, method)

    def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        plan.check(stage)
        return inner(*args, **kwargs)

    setattr(obj, method, call)
    return obj


def install(monkeypatch, plan: Plan) -> Plan:  # noqa: ANN001
    """Install fakes (through ``adapters``) that raise as ``plan`` says."""
    monkeypatch.setattr(adapters, "make_grid_detector", lambda: PlannedGrid(plan))
    monkeypatch.setattr(adapters, "make_name_reader",
                        lambda lang=None: _wrap(plan, "names", fakes.FakeNames(), "read"))
    monkeypatch.setattr(adapters, "make_face_detector",
                        lambda: _wrap(plan, "faces", fakes.FakeFaces(), "detect_batch"))
    monkeypatch.setattr(adapters, "make_classifier", lambda path: _wrap(
        plan, "classifier", fakes.FakeClassifier(), "predict"))
    monkeypatch.setattr(adapters, "crop_for_fer", fakes.fake_crop)
    monkeypatch.setattr(adapters, "normalize_name", lambda s: " ".join((s or "").split()))

    def key(name: str, order: int) -> str:
        plan.check("records")
        return name.casefold() or f"tile-{order}"

    monkeypatch.setattr(adapters, "identity_key", key)
    return plan
