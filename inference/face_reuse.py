"""Skip face detection for tiles whose pixels barely changed since their last detection.

Why: face detection is the most expensive stage of a frame (a 49-tile gallery is ~18 BlazeFace
inputs), and in a lecture most tiles hold a person sitting still: the face box of the last
detection is still right. A tile is re-detected when its 16x9 thumbnail moved more than
``max_diff`` grey levels in any cell since that detection (a head turn, a new person, the
layout moved), when it is new, and in any case every ``refresh_every`` frames, staggered over
the tiles so that no frame pays for a full refresh. Only the box is reused: the expression crop
is still cut from the current frame, so expressions stay live.
Inference never imports capture: tiles are keyed by whatever hashable key the caller passes
(the pipeline uses the tile's box).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from inference.types import FaceBox

THUMB = (16, 9)  # (w, h) cells of the change check: ~14x14 px per cell on a 1080p 49-gallery
MAX_DIFF = 6.0  # grey levels; sensor noise (sigma 2) averages to ~0.2 per cell
REFRESH_EVERY = 8  # frames


@dataclass
class _Seen:
    thumb: np.ndarray
    box: FaceBox | None
    shape: tuple[int, int]
    last: int  # the last frame this key was asked for


def thumbnail(tile: np.ndarray) -> np.ndarray:
    """16x9 grey thumbnail (float32) of a BGR tile: a cheap signature of what it shows."""
    grey = cv2.cvtColor(tile, cv2.COLOR_BGR2GRAY) if tile.ndim == 3 else tile
    return cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


class FaceReuse:
    """``detect_batch(tiles, keys)``: like the wrapped detector's, but tiles unchanged since
    their last detection get that detection's box back. Without ``keys`` it is a pass-through.
    ``detected`` and ``reused`` count tiles, for the benchmark's report of how often a
    full detection ran."""

    reuses = True  # adapters.detect_faces passes tile keys to detectors that say this

    def __init__(self, detector, refresh_every: int = REFRESH_EVERY,
                 max_diff: float = MAX_DIFF) -> None:
        if refresh_every < 1:
            raise ValueError(f"refresh_every: expected >= 1, got {refresh_every}")
        if max_diff < 0:
            raise ValueError(f"max_diff: expected >= 0, got {max_diff}")
        self.detector, self.refresh_every, self.max_diff = detector, refresh_every, max_diff
        self._seen: dict[Hashable, _Seen] = {}
        self.frames = self.detected = self.reused = 0

    def detect(self, tile: np.ndarray) -> FaceBox | None:
        return self.detector.detect_batch([tile])[0]

    def detect_batch(self, tiles: list[np.ndarray], keys: Sequence[Hashable] | None = None
                     ) -> list[FaceBox | None]:
        if keys is None:
            return list(self.detector.detect_batch(tiles))
        if len(keys) != len(tiles):
            raise ValueError(f"keys: expected one per tile ({len(tiles)}), got {len(keys)}")
        self.frames += 1
        thumbs = [thumbnail(t) for t in tiles]
        out: list[FaceBox | None] = [None] * len(tiles)
        redo = []
        for i, (tile, key, th) in enumerate(zip(tiles, keys, thumbs, strict=True)):
            seen = self._seen.get(key)
            if seen is None or self._stale(seen, tile, th, i):
                redo.append(i)
            else:
                out[i], seen.last = seen.box, self.frames
        if redo:
            for i, box in zip(redo, self.detector.detect_batch([tiles[i] for i in redo]),
                              strict=True):
                out[i] = box
                self._seen[keys[i]] = _Seen(thumbs[i], box, tiles[i].shape[:2], self.frames)
        self.detected += len(redo)
        self.reused += len(tiles) - len(redo)
        # forget tiles gone for a while (left, or the layout moved); a tile whose camera state
        # flickers for a frame keeps its entry
        self._seen = {k: v for k, v in self._seen.items()
                      if self.frames - v.last <= self.refresh_every}
        return out

    def _stale(self, seen: _Seen, tile: np.ndarray, thumb: np.ndarray, i: int) -> bool:
        if seen.shape != tile.shape[:2] or (self.frames + i) % self.refresh_every == 0:
            return True
        return float(np.abs(thumb - seen.thumb).max()) > self.max_diff
