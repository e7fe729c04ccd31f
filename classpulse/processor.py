"""The synchronous heart of the pipeline: one frame in, observation records out.

frame -> grid (tiles) -> names (OCR, cached per tile) -> faces (one detector pass over all tiles)
-> ONE classifier call for every face in the frame -> per-student EMA -> sample interval ->
``ObservationRecord``s. The live worker, ``analyze``, the demo and the benchmark all use this one
class, so what the bench measures is what users run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from capture.types import CameraState, Frame, GridResult, Tile
from classpulse import adapters
from classpulse.fallback import NoGridFallback
from classpulse.smoothing import EmaSmoother, Sampler, SpeakingTimer
from inference.types import FaceBox
from storage.records import ObservationRecord


@dataclass
class FrameResult:
    """What one frame produced, plus per-stage timings (ms) for health and the benchmark."""

    frame_index: int
    grid: GridResult
    records: list[ObservationRecord]
    tile_states: list[tuple[str, str, np.ndarray | None]]  # (key, camera_state, smoothed probs)
    n_faces: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)
    faces: dict[int, FaceBox] = field(default_factory=dict)  # tile order -> box, tile pixels


def participant_key(tile: Tile, seen: set[str]) -> tuple[str, str]:
    """(stable key, display name) for a tile.

    Why the normalised name: tiles move when people join or leave, so the grid position is not
    an identity; the name label is. Unreadable names fall back to the grid position, and a name
    seen twice in one frame (two "iPhone"s) gets a suffix so neither overwrites the other.
    """
    name = adapters.normalize_name(tile.name)
    key = adapters.identity_key(name, tile.order)
    display = name or f"Participant {tile.order + 1}"
    base, n = key, 2
    while key in seen:
        key, n = f"{base}#{n}", n + 1
    seen.add(key)
    return key, display


class FrameProcessor:
    """Owns the detectors and the per-student state of one session.

    ``classifier`` is None in presence-only mode: it is then never constructed nor called.
    """

    def __init__(
        self,
        grid_detector,
        name_reader,
        face_detector,
        classifier=None,
        smoother: EmaSmoother | None = None,
        sampler: Sampler | None = None,
        session_id: int = 0,
    ) -> None:
        self.grid_detector = grid_detector
        self.name_reader = name_reader
        self.face_detector = face_detector
        self.classifier = classifier
        self.smoother = smoother or EmaSmoother()
        self.sampler = sampler or Sampler()
        self.session_id = session_id
        self.frames = 0
        self.faces = 0
        self.participants: dict[str, str] = {}  # key -> display name, first-seen order
        self.fallback = NoGridFallback()  # faces on the whole frame when no grid fits
        self.speaking = SpeakingTimer()

    @property
    def presence_only(self) -> bool:
        return self.classifier is None

    def process(self, frame: Frame, t: float, ts: datetime) -> FrameResult:
        """Run every stage on ``frame``. ``t`` is the pipeline clock in seconds (media time for a
        recording), ``ts`` the aware UTC timestamp stored with the observations."""
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[name] = (now - clock) * 1000.0
            clock = now

        grid = self.fallback.apply(frame.image, self.grid_detector.detect(frame))
        lap("grid")
        grid = adapters.read_names(self.name_reader, grid)
        tiles = list(grid.tiles)
        lap("names")
        on = [t_ for t_ in tiles if t_.camera_on]
        boxes = adapters.detect_faces(self.face_detector, [t_.image for t_ in on],
                                      keys=[(t_.box.x, t_.box.y, t_.box.w, t_.box.h) for t_ in on])
        lap("faces")
        face_probs = self._classify(on, boxes)
        lap("classify")
        states, records = self._to_records(frame, tiles, on, boxes, face_probs, t, ts)
        lap("records")
        self.frames += 1
        n_faces = sum(b is not None for b in boxes)
        self.faces += n_faces
        faces = {t_.order: b for t_, b in zip(on, boxes, strict=True) if b is not None}
        return FrameResult(frame.index, grid, records, states, n_faces, timings, faces)

    def _classify(self, on: list[Tile], boxes: list[FaceBox | None]) -> dict[int, np.ndarray]:
        """One classifier call for all faces of the frame; maps tile order -> raw probs."""
        if self.classifier is None:
            return {}
        crops, orders = [], []
        for tile, box in zip(on, boxes, strict=True):
            if box is not None:
                crops.append(adapters.crop_for_fer(tile.image, box))
                orders.append(tile.order)
        if not crops:
            return {}
        probs = np.asarray(self.classifier.predict(np.stack(crops)), dtype=np.float64)
        return dict(zip(orders, probs, strict=True))

    def _to_records(self, frame, tiles, on, boxes, face_probs, t, ts):
        face_by_order = {tile.order: box for tile, box in zip(on, boxes, strict=True)}
        seen: set[str] = set()
        keys = [participant_key(tile, seen) for tile in tiles]
        self.speaking.frame(t, [k for (k, _), tile in zip(keys, tiles, strict=True)
                                if tile.is_speaker])
        states: list[tuple[str, str, np.ndarray | None]] = []
        records: list[ObservationRecord] = []
        for tile, (key, display) in zip(tiles, keys, strict=True):
            self.participants.setdefault(key, display)
            if not tile.camera_on:
                state = CameraState.CAMERA_OFF.value
            elif face_by_order.get(tile.order) is not None:
                state = CameraState.FACE.value
            else:
                state = CameraState.NO_FACE.value
            probs = None
            if tile.order in face_probs:
                probs = self.smoother.update(key, face_probs[tile.order], t)
            states.append((key, state, probs))
            if not self.sampler.due(key, t):
                continue
            speaking_s = self.speaking.take(key)
            records.append(
                ObservationRecord(
                    session_id=self.session_id,
                    participant_key=key,
                    display_name=display,
                    ts=ts,
                    frame_index=frame.index,
                    camera_state=state,
                    probs=None if probs is None else tuple(float(x) for x in probs),
                    tile_order=tile.order,
                    speaking=tile.is_speaker or speaking_s > 0,
                    speaking_s=speaking_s,
                )
            )
        return states, records


ClockFn = Callable[[Frame], tuple[float, datetime]]
