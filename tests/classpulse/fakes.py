"""Fakes for the capture/inference stages: worker tests need known tiles, names, faces and
probabilities, and must not depend on tesseract or a trained model."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from capture.types import Box, Frame, GridResult, Tile
from inference.types import FaceBox

NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "", "Noor Khan", "Ole Nordmann"]


def make_frame(index: int, h: int = 120, w: int = 360) -> Frame:
    img = np.full((h, w, 3), 40, np.uint8)
    return Frame(img, index, time.monotonic(), time.time(), source="fake")


class FakeGrid:
    """Splits the frame into ``n`` equal tiles in one row; tile 2 has its camera off."""

    def __init__(self, n: int = 6) -> None:
        self.n = n

    def detect(self, frame: Frame) -> GridResult:
        h, w = frame.image.shape[:2]
        tw = w // self.n
        tiles = []
        for i in range(self.n):
            box = Box(i * tw, 0, tw, h)
            img = frame.image[:, i * tw:(i + 1) * tw]
            tiles.append(Tile(box, i, img, camera_on=(i != 2)))
        return GridResult(frame.index, tuple(tiles), is_gallery=True, style="zoom")


class FakeNames:
    def read(self, grid: GridResult) -> GridResult:
        tiles = tuple(dataclasses.replace(t, name=NAMES[t.order % len(NAMES)]) for t in grid.tiles)
        return dataclasses.replace(grid, tiles=tiles)


class FakeFaces:
    """Finds a face in every tile except order 5 (video on, nobody there)."""

    def __init__(self) -> None:
        self.calls = 0

    def detect_batch(self, images):
        self.calls += 1
        out = []
        for i, _img in enumerate(images):
            out.append(None if i == len(images) - 1 else FaceBox(2, 2, 20, 20, 0.9))
        return out


class FakeClassifier:
    """Counts calls and batch sizes; returns 'Happy' except every 5th frame says 'Angry'."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, batch: np.ndarray) -> np.ndarray:
        assert batch.ndim == 3 and batch.shape[1:] == (48, 48), batch.shape
        self.calls.append(len(batch))
        probs = np.full((len(batch), 7), 0.02)
        col = 0 if len(self.calls) % 5 == 0 else 3
        probs[:, col] = 0.88
        return probs


class FakeSource:
    def __init__(self, n_frames: int = 10, delay: float = 0.0) -> None:
        self.n_frames, self.delay, self.closed = n_frames, delay, False

    def frames(self):
        for i in range(self.n_frames):
            if self.closed:
                return
            if self.delay:
                time.sleep(self.delay)
            yield make_frame(i)

    def close(self) -> None:
        self.closed = True


def fake_crop(image, box):
    return np.zeros((48, 48), np.uint8)
