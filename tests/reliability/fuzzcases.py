"""Hypothesis strategies and checks for fuzzing ``FrameProcessor.process`` (the whole per-frame
pipeline: grid, names, faces, classifier, EMA, records), shared by tests/reliability/
test_fuzz_processor.py (a short profile in ``make test``) and bench/fuzz_processor.py (long).

Frame kinds: random gallery layouts from the renderer (capture/synthetic.py: 1-25 people, every
style, 320x240 to 3840x2160, cameras on/off, join/leave events, odd gutters), galleries rescaled
so that a tile is anywhere from a few pixels to 3840 px wide, random noise, and constant frames.
The profile comes from ``CLASSPULSE_FUZZ_PROFILE`` ("ci" default, or "bench") and the example
count from ``CLASSPULSE_FUZZ_EXAMPLES``.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import time
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from capture.types import Frame, GridResult

MAX_W, MAX_H = 8192, 4320  # the largest frame the fuzz of the capture boundary accepts
PROFILE = os.environ.get("CLASSPULSE_FUZZ_PROFILE", "ci")
STATS: collections.Counter[str] = collections.Counter()  # kind -> cases run (for the report)

_common = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture,
                                       HealthCheck.large_base_example])


def fuzz_settings(default_examples: int) -> settings:
    """Settings for one property, without touching the global profile (other suites use
    hypothesis too). ci: a fixed seed (derandomize) so ``make test`` never flakes; bench: new
    cases every run. ``CLASSPULSE_FUZZ_EXAMPLES`` overrides the example count."""
    env = os.environ.get("CLASSPULSE_FUZZ_EXAMPLES", "").strip()
    n = int(env) if env else default_examples
    return settings(max_examples=n, derandomize=PROFILE != "bench", **_common)


# ---- frames --------------------------------------------------------------------------------
@st.composite
def gallery_frames(draw) -> tuple[str, np.ndarray]:  # noqa: ANN001
    """A rendered gallery with a random layout."""
    from capture.synthetic import STYLE_NAMES

    w = draw(st.integers(320, 3840))
    h = draw(st.integers(240, 2160))
    src_args = dict(
        n=draw(st.integers(1, 25)), style=draw(st.sampled_from(STYLE_NAMES)), size=(w, h),
        seed=draw(st.integers(0, 2**16)), camera_off_ratio=draw(st.floats(0, 1)),
        events=draw(st.booleans()), gutter=draw(st.one_of(st.none(), st.integers(0, 40))),
    )
    index = draw(st.integers(0, 40))
    return "gallery", _render(src_args, index)


@st.composite
def scaled_galleries(draw) -> tuple[str, np.ndarray]:  # noqa: ANN001
    """A gallery rescaled so its tiles are ``tile_w`` px wide: tiny (4 px) up to 3840 px."""
    from capture.synthetic import STYLE_NAMES

    cols = draw(st.integers(1, 3))
    n = draw(st.integers(max(1, cols * (cols - 1) + 1), cols * cols))  # about cols columns
    tile_w = draw(st.one_of(st.integers(4, 64), st.integers(64, 3840)))
    style = draw(st.sampled_from(STYLE_NAMES))
    return "extreme tile size", scaled_gallery(n, cols, tile_w, style, draw(st.integers(0, 999)))


def scaled_gallery(n: int, cols: int, tile_w: int, style: str = "zoom", seed: int = 0
                   ) -> np.ndarray:
    """A rendered gallery of ``n`` people in about ``cols`` columns, resized so that each tile
    is about ``tile_w`` px wide (the frame stays within 8192 x 4320)."""
    img = _render(dict(n=n, style=style, size=(1280, 720), seed=seed, events=False), 0)
    scale = tile_w * cols / (0.9 * img.shape[1])
    w = int(np.clip(round(img.shape[1] * scale), 1, MAX_W))
    h = int(np.clip(round(img.shape[0] * scale), 1, MAX_H))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(img, (w, h), interpolation=interp)


def _render(src_args: dict, index: int) -> np.ndarray:
    from capture.synthetic import SyntheticGallerySource

    try:
        return SyntheticGallerySource(**src_args).render(index)[0]
    except ValueError:  # a layout the renderer itself refuses (its own validation)
        STATS["renderer refused"] += 1
        assume(False)
        raise


shapes = st.tuples(st.integers(1, 2160), st.integers(1, 3840))


@st.composite
def noise_frames(draw) -> tuple[str, np.ndarray]:  # noqa: ANN001
    h, w = draw(shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return "noise", rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


@st.composite
def constant_frames(draw) -> tuple[str, np.ndarray]:  # noqa: ANN001
    h, w = draw(shapes)
    colour = draw(st.tuples(*[st.integers(0, 255)] * 3))
    return "constant", np.full((h, w, 3), colour, np.uint8)


any_frame = st.one_of(gallery_frames(), scaled_galleries(), noise_frames(), constant_frames())


# ---- processor and checks ------------------------------------------------------------------
NAMES = st.one_of(st.just(""), st.text(max_size=80),
                  st.sampled_from(["iPhone", "  Ada\tLovelace ", "\u202eevil", "x" * 300]))


class DrawnNames:
    """A cheap stand-in for OCR (``make test`` profile): tiles get names drawn by hypothesis
    (empty, duplicate, unicode, control characters, 300 characters)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def read(self, grid: GridResult) -> GridResult:
        if not grid.is_gallery:
            return grid
        tiles = tuple(dataclasses.replace(t, name=self.names[i % len(self.names)]
                                          if self.names else "")
                      for i, t in enumerate(grid.tiles))
        return dataclasses.replace(grid, tiles=tiles)


def make_processor(real_ocr: bool, model):  # noqa: ANN001, ANN201
    """The real processor; OCR is the real NameReader or ``DrawnNames``."""
    from classpulse import adapters
    from classpulse.processor import FrameProcessor
    from classpulse.smoothing import EmaSmoother, Sampler

    clf = adapters.make_classifier(model) if model.exists() else None
    names = adapters.make_name_reader() if real_ocr else DrawnNames()
    return FrameProcessor(adapters.make_grid_detector(), names, adapters.make_face_detector(),
                          clf, EmaSmoother(), Sampler(0.0), 1)


class Clock:
    """Pipeline time that moves forward across examples (the EMA and sampler expect it)."""

    def __init__(self) -> None:
        self.t, self.start = 0.0, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def next(self) -> tuple[float, datetime]:
        self.t += float(np.random.default_rng(int(self.t * 10)).choice([0.1, 0.5, 2.0, 30.0]))
        return self.t, self.start + timedelta(seconds=self.t)


def check_process(proc, clock: Clock, kind: str, image: np.ndarray, index: int) -> None:  # noqa: ANN001
    """``process`` must not raise, and what it returns must be consistent."""
    t, ts = clock.next()
    started = time.perf_counter()
    result = proc.process(Frame(image, index, 0.0, 0.0, "fuzz"), t, ts)
    STATS[kind] += 1
    STATS[f"{kind}: gallery" if result.grid.is_gallery else f"{kind}: no gallery"] += 1
    STATS["seconds"] += round(time.perf_counter() - started, 3)
    widths = [t.box.w for t in result.grid.tiles] if result.grid.is_gallery else []
    if widths:
        STATS["widest tile px"] = max(STATS["widest tile px"], max(widths))
        STATS["narrowest tile px"] = min(STATS["narrowest tile px"] or 10**6, min(widths))
    assert result.frame_index == index
    assert len(result.tile_states) == len(result.grid.tiles)
    if not result.grid.is_gallery:
        assert result.grid.reason and "\n" not in result.grid.reason
    for rec in result.records:
        assert rec.frame_index == index and rec.participant_key
        if rec.probs is not None:
            p = np.asarray(rec.probs)
            assert p.shape == (7,) and np.all(np.isfinite(p)) and abs(p.sum() - 1) < 0.05
