"""1,000 fuzzed frames through the real capture boundary (``to_frame``) and the real pipeline
(grid detector, OCR name reader, face detector, classifier): noise, black, tiny, huge, odd
dtypes and shapes, extreme values, strided/read-only memory, corrupted gallery views.

Each one is either processed without an exception, or rejected at the capture boundary with a
one-line ``CaptureError`` saying what was expected (the live worker then treats it as a capture
glitch and carries on). A small run through the whole Worker checks the same end to end.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from capture.sources import CaptureError, to_frame
from tests.reliability import faultlog
from tests.reliability.procs import ROOT

N = 1000
MODEL = ROOT / "models" / "expression.tflite"


def _galleries() -> list[np.ndarray]:
    from capture.synthetic import SyntheticGallerySource

    out = []
    for style, n in (("zoom", 9), ("meet", 6), ("teams", 4)):
        src = SyntheticGallerySource(n=n, style=style, size=(1280, 720), seed=n, events=False,
                                     n_frames=1)
        out.append(next(iter(src.frames())).image)
    return out


def _corrupt(g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    img = g.copy()
    kind = rng.integers(6)
    h, w = img.shape[:2]
    if kind == 0:  # noise rectangles over tiles and labels
        for _ in range(rng.integers(1, 8)):
            y, x = rng.integers(0, h - 20), rng.integers(0, w - 20)
            img[y:y + rng.integers(5, 200), x:x + rng.integers(5, 300)] = rng.integers(
                0, 256, 3, dtype=np.uint8)
    elif kind == 1:
        img = img[:, :, ::-1].copy()  # RGB instead of BGR
    elif kind == 2:
        y, x = rng.integers(0, h // 2), rng.integers(0, w // 2)
        img = img[y:, x:].copy()  # a crop that cuts tiles in half
    elif kind == 3:
        img = 255 - img
    elif kind == 4:
        img = np.clip(img.astype(np.int16) + rng.integers(-90, 90, img.shape), 0, 255
                      ).astype(np.uint8)
    else:
        img = np.repeat(np.repeat(img[::4, ::4], 3, 0), 3, 1)  # rescaled, blocky
    return img


def fuzz_inputs(rng: np.random.Generator) -> list[tuple[str, object]]:
    """(category, raw array) pairs; deterministic for a seed."""
    gal = _galleries()
    items: list[tuple[str, object]] = []

    def shape() -> tuple[int, int]:
        return int(rng.integers(160, 1100)), int(rng.integers(160, 1940))

    makers = {
        "noise": lambda: rng.integers(0, 256, (*shape(), 3), dtype=np.uint8),
        "black": lambda: np.zeros((*shape(), 3), np.uint8),
        "flat colour": lambda: np.full((*shape(), 3), rng.integers(0, 256, 3), np.uint8),
        "tiny": lambda: rng.integers(0, 256, (int(rng.integers(0, 160)),
                                              int(rng.integers(0, 160)), 3), dtype=np.uint8),
        "checkerboard": lambda: (np.indices(shape()).sum(0) % 2 * 255).astype(np.uint8)[
            ..., None].repeat(3, 2),
        "salt and pepper": lambda: (rng.random((*shape(), 3)) > 0.5).astype(np.uint8) * 255,
        "odd dtype": lambda: _odd_dtype(rng, shape()),
        "odd shape": lambda: _odd_shape(rng, shape()),
        "BGRA": lambda: rng.integers(0, 256, (*shape(), 4), dtype=np.uint8),
        "strided/read-only": lambda: _odd_memory(rng, gal[int(rng.integers(len(gal)))]),
        "corrupt gallery": lambda: _corrupt(gal[int(rng.integers(len(gal)))], rng),
        "clean gallery": lambda: gal[int(rng.integers(len(gal)))],
    }
    weights = {"corrupt gallery": 3, "clean gallery": 1, "strided/read-only": 1}  # ~0.5 s each
    names = [k for k in makers for _ in range(weights.get(k, 10))]
    items.append(("huge", np.zeros((8192, 4320, 3), np.uint8)))  # the largest accepted
    items.append(("huge", np.zeros((8193, 200, 3), np.uint8)))  # just over the bound
    items.append(("huge", np.zeros((200, 20000, 3), np.uint8)))
    items.append(("not an array", [[1, 2, 3]]))
    items.append(("not an array", None))
    while len(items) < N:
        kind = names[int(rng.integers(len(names)))]
        items.append((kind, makers[kind]()))
    return items


def _odd_dtype(rng: np.random.Generator, hw: tuple[int, int]) -> np.ndarray:
    dt = [np.float32, np.float64, np.int16, np.uint16, np.int64, np.int8, np.bool_,
          np.complex64][int(rng.integers(8))]
    a = rng.normal(0, 1e6, (*hw, 3)).astype(dt)
    if np.issubdtype(dt, np.floating):
        a.flat[:: max(1, a.size // 50)] = [np.nan, np.inf, -np.inf][int(rng.integers(3))]
    return a


def _odd_shape(rng: np.random.Generator, hw: tuple[int, int]) -> np.ndarray:
    shapes = [hw, (*hw, 1), (*hw, 2), (*hw, 5), (2, *hw, 3), (hw[0] * hw[1],), ()]
    return np.zeros(shapes[int(rng.integers(len(shapes)))], np.uint8)


def _odd_memory(rng: np.random.Generator, g: np.ndarray) -> np.ndarray:
    kind = int(rng.integers(4))
    if kind == 0:
        return g[::2, ::3]  # non-contiguous
    if kind == 1:
        return g[::-1, ::-1]  # negative strides
    if kind == 2:
        return np.asfortranarray(g)
    ro = g.copy()
    ro.setflags(write=False)
    return ro


def _processor():  # noqa: ANN202
    from classpulse import adapters
    from classpulse.processor import FrameProcessor
    from classpulse.smoothing import EmaSmoother, Sampler

    clf = adapters.make_classifier(MODEL) if MODEL.exists() else None
    return FrameProcessor(adapters.make_grid_detector(), adapters.make_name_reader(),
                          adapters.make_face_detector(), clf, EmaSmoother(), Sampler(0.0), 1)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_thousand_fuzzed_frames_never_crash_the_pipeline():
    rng = np.random.default_rng(20261122)
    proc = _processor()
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    t0 = time.monotonic()
    for i, (kind, raw) in enumerate(fuzz_inputs(rng)):
        try:
            frame = to_frame(raw, i, source="fuzz")
        except CaptureError as exc:
            msg = str(exc)
            if "\n" in msg or "expected" not in msg:
                crashes.append(f"{i} {kind}: unclear rejection {msg!r}")
            outcomes["rejected: " + kind] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - the point of the test
            crashes.append(f"{i} {kind}: to_frame raised {type(exc).__name__}: {exc}")
            continue
        try:
            res = proc.process(frame, i * 0.5, datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001
            crashes.append(f"{i} {kind} {getattr(raw, 'shape', '')}: process raised "
                           f"{type(exc).__name__}: {exc}")
            continue
        outcomes[("gallery: " if res.grid.is_gallery else "no gallery: ") + kind] += 1
        if not res.grid.is_gallery:
            assert "\n" not in res.grid.reason and res.grid.reason, res.grid.reason
    elapsed = time.monotonic() - t0
    faultlog.record("1,000 fuzzed frames", not crashes, 0, crashes=len(crashes),
                    seconds=round(elapsed, 1), outcomes=dict(outcomes))
    assert sum(outcomes.values()) + len(crashes) == N
    assert not crashes, "\n".join(crashes[:20])
    assert any(k.startswith("gallery: corrupt") or k.startswith("gallery: clean")
               for k in outcomes), outcomes  # the real stages behind the grid were exercised


class FuzzSource:
    """A live-like source whose raw arrays go through ``to_frame``; a rejected one raises
    CaptureError (as a real grabber would), and the next ``frames()`` call resumes after it."""

    def __init__(self, items: list[tuple[str, object]]) -> None:
        self.items, self.pos, self.closed = items, 0, False

    def frames(self):  # noqa: ANN201
        while self.pos < len(self.items) and not self.closed:
            _kind, raw = self.items[self.pos]
            self.pos += 1
            yield to_frame(raw, self.pos, source="fuzz")
            time.sleep(0.02)

    def close(self) -> None:
        self.closed = True


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_worker_survives_fuzzed_frames_end_to_end(tmp_path):
    from classpulse.config import load_config, overrides
    from classpulse.worker import Worker, live_clock
    from storage.records import SessionSpec

    rng = np.random.default_rng(7)
    items = [x for x in fuzz_inputs(rng) if x[0] not in ("huge",)][:40]
    bad = sum(1 for k, r in items if not (isinstance(r, np.ndarray) and r.dtype == np.uint8
                                           and r.ndim == 3 and r.shape[2] in (3, 4)))
    cfg = load_config(None, overrides(pipeline__presence_only=not MODEL.exists(),
                                      pipeline__model_path=str(MODEL), pipeline__every_s=0.0,
                                      capture__queue_size=256))
    w = Worker(cfg, f"sqlite:///{tmp_path / 'fuzz.db'}", FuzzSource(items),
               SessionSpec("Fuzz", "frames"), clock=live_clock, live=True)
    w.start()
    w.capture.retry_s = 0.05  # a rejected frame is a short capture glitch, not a 2 s outage
    w.wait(150)  # returns when the source is used up and the queue drained
    summary = w.shutdown()
    assert w.inference.error is None
    assert summary.frames + summary.dropped_frames == len(items) - bad
    faultlog.record("fuzzed frames through the live worker", True, 0, frames=len(items),
                    rejected=bad, processed=summary.frames)
