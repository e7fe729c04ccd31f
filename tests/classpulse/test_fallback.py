"""No grid but people on screen: tiles are cut around whole-frame faces, health says "no grid",
and the session still gets observations (classpulse.fallback)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from capture.grid import GridDetector
from capture.render_apps import AppScene, render_app
from capture.types import Box, Frame, GridResult
from classpulse.fallback import REASON, NoGridFallback, _tiles_around
from classpulse.framequeue import DropQueue
from classpulse.processor import FrameProcessor
from classpulse.stages import HealthState
from tests.classpulse import fakes


def _speaker_view() -> tuple[np.ndarray, tuple[int, int]]:
    """One big participant: no tile grid (a lone tile could be a screen share), one face."""
    image, truth = render_app(AppScene("zoom", n=1, camera_off=0.0, pillarbox=0.0, dark=0.0,
                                       seed=1))
    t = truth.tiles[0]
    fx, fy, fs, _ = t.face
    return image, (t.box.x + fx + fs // 2, t.box.y + fy + fs // 2)


def test_faces_on_the_whole_frame_become_tiles() -> None:
    image, (cx, cy) = _speaker_view()
    grid = GridDetector().detect(image)
    assert not grid.is_gallery
    out = NoGridFallback().apply(image, grid)
    assert out.is_gallery and out.extra["fallback"] and out.reason == REASON
    assert any(t.box.x <= cx < t.box.x + t.box.w and t.box.y <= cy < t.box.y + t.box.h
               for t in out.tiles)
    assert all(t.image.shape[:2] == (t.box.h, t.box.w) for t in out.tiles)


def test_no_faces_or_bad_frames_stay_as_they_are() -> None:
    fb = NoGridFallback()
    slide = np.full((720, 1280, 3), 245, np.uint8)
    slide[100:140, 100:900] = 30
    grid = GridDetector().detect(slide)
    assert fb.apply(slide, grid) is grid
    bad = GridResult(0, reason="bad frame: expected numpy.ndarray, got NoneType")
    assert fb.apply(slide, bad) is bad and fb.runs == 1


def test_processor_records_people_when_no_grid_fits() -> None:
    image, _ = _speaker_view()
    proc = FrameProcessor(GridDetector(), fakes.FakeNames(), fakes.FakeFaces(), None,
                          session_id=1)
    res = proc.process(Frame(image, 0, time.monotonic(), time.time()), 0.0, datetime.now(UTC))
    assert res.grid.is_gallery and res.grid.extra.get("fallback")
    assert res.records, "people on screen must never give an empty result"
    health = HealthState(DropQueue(2))
    health.on_result(res)
    assert health.last_error.startswith("no grid"), health.last_error


def test_blazeface_windows_find_the_faces_haar_misses() -> None:
    """Whole-frame faces on a 9-person screen: BlazeFace windows (the default) find most faces
    and none on camera-off cards; bench: 84 % vs Haar's 47 % over 30 realistic screens."""
    image, truth = render_app(AppScene("meet", "light", 9, (1366, 768), camera_off=0.3,
                                       seed=2))
    heads = [(t.box.x + t.face[0], t.box.y + t.face[1], t.face[2]) for t in truth.tiles
             if t.face is not None]
    offs = [t.box for t in truth.tiles if t.kind == "off"]
    assert len(heads) >= 4 and offs

    def hits(boxes):
        return sum(any(hx <= b.x + b.w / 2 <= hx + hs and hy <= b.y + b.h / 2 <= hy + hs
                       for b in boxes) for hx, hy, hs in heads)

    blaze, haar = NoGridFallback().faces(image), NoGridFallback(backend="haar").faces(image)
    assert hits(blaze) >= max(hits(haar), int(0.8 * len(heads)))
    assert not any(o.x <= b.x + b.w / 2 < o.x + o.w and o.y <= b.y + b.h / 2 < o.y + o.h
                   for b in blaze for o in offs)


def test_noise_and_flat_frames_make_no_people() -> None:
    """Pixel noise scores up to ~0.7 in BlazeFace windows: the noise check must drop it (a
    pseudo-tile would cost OCR and invent a participant); flat frames skip inference."""
    rng = np.random.default_rng(3)
    fb = NoGridFallback()
    frames = [(rng.random((720, 1280, 3)) > 0.5).astype(np.uint8) * 255 for _ in range(3)]
    frames += [rng.integers(0, 256, (600, 900, 3), dtype=np.uint8) for _ in range(2)]
    frames.append(np.full((720, 1280, 3), (40, 90, 160), np.uint8))
    assert [fb.faces(f) for f in frames] == [[]] * len(frames)


def _inside(face: Box, tile: Box) -> bool:
    return (tile.x <= face.x and face.x + face.w <= tile.x + tile.w
            and tile.y <= face.y and face.y + face.h <= tile.y + tile.h)


def _overlap(a: Box, b: Box) -> bool:
    return min(a.x + a.w, b.x + b.w) > max(a.x, b.x) and min(a.y + a.h, b.y + b.h) > max(a.y, b.y)


def test_every_face_of_a_gallery_gets_its_own_tile() -> None:
    """A 9-person gallery with no grid found: each whole-frame face gets a tile of its own,
    faces in neighbouring tiles included (a box of 3 face heights is wider than their tile;
    skipping overlapping boxes kept 169 of 308 faces on 30 realistic screens)."""
    image, _ = render_app(AppScene("meet", "light", 9, (1366, 768), camera_off=0.0, seed=2))
    fb = NoGridFallback()
    faces = fb.faces(image)
    assert len(faces) >= 6
    out = fb.apply(image, GridResult(0, reason="no gallery: no tile grid found"))
    assert len(out.tiles) == len(faces)
    assert all(sum(_inside(f, t.box) for t in out.tiles) == 1 for f in faces)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1900), st.integers(0, 1060), st.integers(12, 300)),
                max_size=30))
def test_pseudo_tiles_never_overlap_and_hold_their_face(raw: list) -> None:
    """Any faces (largest first, as ``faces`` gives them): the tiles lie in the frame, never
    overlap, and each face that overlaps no larger one sits whole in exactly one tile."""
    W, H = 1920, 1080
    faces = sorted((Box(x, y, min(s, W - x), min(s, H - y)) for x, y, s in raw),
                   key=lambda b: -b.w * b.h)
    tiles = _tiles_around(faces, (H, W))
    kept: list[Box] = []
    for f in faces:
        if not any(_overlap(f, k) for k in kept):
            kept.append(f)
    assert len(tiles) == len(kept)
    assert all(0 <= t.x and 0 <= t.y and t.x + t.w <= W and t.y + t.h <= H for t in tiles)
    assert not any(_overlap(a, b) for i, a in enumerate(tiles) for b in tiles[i + 1:])
    assert all(sum(_inside(f, t) for t in tiles) == 1 for f in kept)
