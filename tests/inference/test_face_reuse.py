"""FaceReuse: unchanged tiles keep their box, changed/new tiles and the staggered refresh are
re-detected. A counting detector stands in for BlazeFace so that the test checks which tiles
were sent, not what the model answers (the real model's answers are test_face.py's job)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.face_reuse import FaceReuse
from inference.types import FaceBox


class Counting:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def detect_batch(self, tiles):
        self.sent.append(len(tiles))
        return [FaceBox(int(t[0, 0, 0]) % 50, 3, 20, 20, 0.9) for t in tiles]


def _tiles(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (72, 128, 3), dtype=np.uint8) for _ in range(n)]


def test_unchanged_tiles_reuse_their_box_and_noise_does_not_count() -> None:
    det = Counting()
    reuse = FaceReuse(det, refresh_every=1000)
    tiles, keys = _tiles(6, 0), [(i, 0) for i in range(6)]
    first = reuse.detect_batch(tiles, keys)
    noise = np.random.default_rng(1).normal(0, 2, tiles[0].shape)
    noisy = [np.clip(t + noise, 0, 255).astype(np.uint8) for t in tiles]
    assert reuse.detect_batch(noisy, keys) == first
    assert det.sent == [6] and reuse.reused == 6


def test_changed_new_and_refreshed_tiles_are_detected_again() -> None:
    det = Counting()
    reuse = FaceReuse(det, refresh_every=3)
    tiles, keys = _tiles(6, 0), [(i, 0) for i in range(6)]
    reuse.detect_batch(tiles, keys)  # frame 1: all 6
    moved = list(tiles)
    moved[2] = np.roll(tiles[2], 40, axis=1)  # somebody moved
    reuse.detect_batch(moved + _tiles(1, 5), keys + [(9, 9)])  # frame 2: new tile too
    # frame 2 refreshes tiles i with (2 + i) % 3 == 0: i = 1, 4; plus the moved and the new one
    assert det.sent == [6, 4]
    for _ in range(3):  # every tile is refreshed within refresh_every frames
        reuse.detect_batch(moved, keys)
    assert sum(det.sent[2:]) == 6


def test_layout_change_and_bad_keys() -> None:
    det = Counting()
    reuse = FaceReuse(det, refresh_every=1000)
    reuse.detect_batch(_tiles(2, 0), [(0, 0), (1, 0)])
    bigger = [np.zeros((90, 160, 3), np.uint8)] * 2
    reuse.detect_batch(bigger, [(0, 0), (1, 0)])  # same key, new tile size: detect
    assert det.sent == [2, 2]
    assert reuse.detect_batch(bigger) is not None and det.sent[-1] == 2  # no keys: pass-through
    with pytest.raises(ValueError, match="one per tile"):
        reuse.detect_batch(bigger, [(0, 0)])
    with pytest.raises(ValueError, match="refresh_every"):
        FaceReuse(det, refresh_every=0)
