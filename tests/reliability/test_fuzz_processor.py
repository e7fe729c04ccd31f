"""Property tests with hypothesis: no exception escapes ``FrameProcessor.process`` (real grid
detector, face detector and classifier) for random gallery layouts, galleries rescaled to tiny or
3840 px wide tiles, random noise and constant frames; and under the real worker, whatever frames a
stage raises on, the session goes on and exactly the good frames' rows are stored.

``make test`` runs the short "ci" profile (fixed seed, a few examples each, drawn names instead
of tesseract: OCR is the slow part and has its own suites). ``python -m bench.fuzz_processor``
runs the long profile with the real OCR; see tests/reliability/fuzzcases.py.
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from tests.reliability import faultlog, faultplan, fuzzcases
from tests.reliability.faultplan import N_TILES, Plan
from tests.reliability.fuzzcases import NAMES, STATS, Clock, DrawnNames, fuzz_settings
from tests.reliability.procs import ROOT

MODEL = ROOT / "models" / "expression.tflite"
REAL_OCR = os.environ.get("CLASSPULSE_FUZZ_OCR", "") == "1"
_index = itertools.count()


@pytest.fixture(scope="module")
def proc():  # noqa: ANN201
    return fuzzcases.make_processor(REAL_OCR, MODEL)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


def _run(label: str, prop) -> None:  # noqa: ANN001
    """Run a hypothesis property and log the trial (with its case count) for the fault table."""
    before = sum(STATS[k] for k in ("gallery", "extreme tile size", "noise", "constant",
                                     "worker"))
    try:
        prop()
    except BaseException:
        faultlog.record(label, False, None, profile=fuzzcases.PROFILE)
        raise
    after = sum(STATS[k] for k in ("gallery", "extreme tile size", "noise", "constant",
                                    "worker"))
    detail = {k: v for k, v in STATS.items() if ":" in k or "tile px" in k}
    faultlog.record(label, True, None, cases=after - before, profile=fuzzcases.PROFILE,
                    real_ocr=REAL_OCR, so_far=detail)


def _names(proc, names: list[str]) -> None:  # noqa: ANN001
    if isinstance(proc.name_reader, DrawnNames):
        proc.name_reader.names = names


@pytest.mark.timeout(900)
def test_random_gallery_layouts(proc, clock):
    @fuzz_settings(6)
    @given(case=fuzzcases.gallery_frames(), names=st.lists(NAMES, max_size=8))
    def prop(case, names):  # noqa: ANN001
        _names(proc, names)
        fuzzcases.check_process(proc, clock, *case, next(_index))

    _run("hypothesis: random gallery layouts", prop)


@pytest.mark.timeout(900)
def test_extreme_tile_sizes(proc, clock):
    @fuzz_settings(4)
    @given(case=fuzzcases.scaled_galleries(), names=st.lists(NAMES, max_size=4))
    def prop(case, names):  # noqa: ANN001
        _names(proc, names)
        fuzzcases.check_process(proc, clock, *case, next(_index))

    _run("hypothesis: tiles 4 px to 3840 px wide", prop)


@pytest.mark.parametrize(("n", "cols", "tile_w"), [(4, 2, 4), (2, 2, 16), (2, 2, 3840)])
def test_the_extremes_themselves(proc, clock, n, cols, tile_w):
    """Whatever the profile draws, the smallest and the widest tiles are always run."""
    image = fuzzcases.scaled_gallery(n, cols, tile_w)
    fuzzcases.check_process(proc, clock, "extreme tile size", image, next(_index))


@pytest.mark.timeout(900)
def test_noise_and_constant_frames(proc, clock):
    @fuzz_settings(8)
    @given(case=st.one_of(fuzzcases.noise_frames(), fuzzcases.constant_frames()))
    def prop(case):  # noqa: ANN001
        fuzzcases.check_process(proc, clock, *case, next(_index))

    _run("hypothesis: noise and constant frames", prop)


@pytest.mark.timeout(900)
def test_worker_keeps_every_good_frame_whatever_fails(tmp_path, monkeypatch):
    """The whole worker: a random stage raises on a random set of frames (up to all of them)."""
    plan = faultplan.install(monkeypatch, Plan("grid"))
    runs = itertools.count()

    @fuzz_settings(6)
    @given(stage=st.sampled_from(["grid", "names", "faces", "classifier", "records"]),
           n=st.integers(1, 25), data=st.data())
    def prop(stage, n, data):  # noqa: ANN001
        from classpulse.config import load_config, overrides
        from classpulse.worker import Worker
        from storage.records import SessionSpec
        from tests.classpulse import fakes

        bad = data.draw(st.sets(st.integers(0, n - 1)), label="bad frames")
        k = data.draw(st.integers(1, 30), label="max_consecutive_failures")
        plan.stage, plan.bad, plan.current = stage, bad, -1
        cfg = load_config(None, overrides(pipeline__every_s=0.0,
                                          pipeline__max_consecutive_failures=k))
        w = Worker(cfg, f"sqlite:///{tmp_path / f'w{next(runs)}.db'}", fakes.FakeSource(n),
                   SessionSpec("Fuzz", stage), live=False)
        w.start()
        w.wait(60)
        s = w.shutdown()  # raises if a frame error had ended the session
        STATS["worker"] += 1
        with w.engine.connect() as conn:
            frames = {int(r[0]) for r in conn.execute(
                text("select distinct frame_index from observation"))}
        assert frames == set(range(n)) - bad
        assert s.frames_failed == len(bad) and s.observations == (n - len(bad)) * N_TILES
        longest = max((len(list(g)) for is_bad, g in itertools.groupby(
            range(n), key=lambda i: i in bad) if is_bad), default=0)
        last_run = n - max((i for i in range(n) if i not in bad), default=-1) - 1
        assert w.health.degraded == (last_run >= k), (longest, last_run, k)

    _run("hypothesis: random stage faults under the worker", prop)
