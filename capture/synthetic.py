"""A synthetic video-call gallery: N participants in Zoom/Meet/Teams style, with ground truth.

Why: tests, the demo and benchmarks need galleries whose tile boxes, names, camera states and
shown expressions are known exactly, at any size and participant count, offline. Faces come
from FER2013 (public_test.npz) when the shared data folder exists, so face detection and
FER-style cropping run on real faces with a known label; otherwise from a public-domain image
(skimage's astronaut, NASA) varied per participant. Nothing rendered here is ever stored.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capture import synth_draw as sd
from capture.types import Box, Frame

FER_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fer2013"
NAMES = (
    "Zoë Müller", "Łukasz Kowalski", "Amélie Durand", "José Núñez", "Søren Ærø Hansen",
    "Björn Åström", "François Lefèvre", "Dvořák Čech", "Ana María Pérez", "Mateusz Żółw",
    "Oliver Smith", "Priya Sharma", "Chen Wei", "Fatima Al Zahra", "Liam O'Brien",
    "Noah Johnson", "Emma Brown", "Sofía García", "Kenji Tanaka", "Ingrid Bjørnstad",
    "Mia Schröder", "Lucas Martin", "Chloé Bernard", "Ahmed Hassan", "Olga Petrova",
    "Jakub Dvořák", "Ella Wilson", "Hugo Lambert", "Nina Kovač", "Tomás Silva",
    "Greta Weiß", "Pavel Novák", "Léa Dubois", "Sara Lindqvist", "Marco Rossi",
    "Yusuf Demir", "Aoife Byrne", "Elif Yılmaz", "Mateo López", "Hannah Becker",
    "Ravi Patel", "Julia Nowak", "Ethan Clark", "Zsófia Kiss", "Anton Fischer",
    "Maja Jensen", "Iván Ruiz", "Camille Roux", "Sven Eriksson", "Ada Lovelace",
    "Grace Hopper", "Alan Turing", "Noor Khan", "Eva Horváth", "Ole Nordmann",
)
STYLE_NAMES = ("zoom", "meet", "teams")


@dataclass(frozen=True, slots=True)
class TileTruth:
    """What is really in one tile: box in frame pixels, stable key, name, camera, face label."""

    box: Box
    key: str
    name: str
    camera_on: bool
    fer_label: int | None  # FER2013 class 0..6 of the face shown; None without FER data
    is_speaker: bool
    head_box: tuple[int, int, int, int] | None  # x, y, w, h in tile coordinates
    name_px: int


@dataclass(frozen=True, slots=True)
class GalleryTruth:
    """Ground truth of one rendered frame."""

    style: str
    size: tuple[int, int]
    tiles: tuple[TileTruth, ...]
    grid_area: Box
    events: tuple[str, ...] = ()


@dataclass(slots=True)
class _Participant:
    key: str
    name: str
    camera_on: bool
    name_only: bool
    face_index: int
    seed: int
    colour: tuple[int, int, int] = (90, 90, 200)
    shirt: tuple[int, int, int] = (40, 60, 120)


def gallery_layout(n: int, area: Box, gutter: int, aspect: float = 16 / 9) -> list[Box]:
    """Tile boxes as the apps lay them out: the column count that gives the largest tiles,
    the grid centred in ``area``, an incomplete last row centred."""
    if n <= 0:
        return []
    best = (0.0, 1)
    for cols in range(1, n + 1):
        rows = -(-n // cols)
        tw = min((area.w - gutter * (cols - 1)) / cols,
                 (area.h - gutter * (rows - 1)) / rows * aspect)
        if tw > best[0]:
            best = (tw, cols)
    tw_f, cols = best
    rows = -(-n // cols)
    tw, th = int(tw_f), int(tw_f / aspect)
    y0 = area.y + (area.h - (rows * th + (rows - 1) * gutter)) // 2
    boxes = []
    for r in range(rows):
        in_row = min(cols, n - r * cols)
        x0 = area.x + (area.w - (in_row * tw + (in_row - 1) * gutter)) // 2
        for c in range(in_row):
            boxes.append(Box(x0 + c * (tw + gutter), y0 + r * (th + gutter), tw, th))
    return boxes


@functools.lru_cache(maxsize=1)
def _fer_faces() -> tuple[np.ndarray, np.ndarray] | None:
    """FER2013 PublicTest faces voted "a face" by all FER+ annotators, with labels, or None."""
    path = FER_DIR / "public_test.npz"
    if not path.exists():
        return None
    d = np.load(path)
    votes = d["ferplus_votes"]
    keep = (votes[:, 9] == 0) & (votes[:, 8] == 0) & ~d["pixels_from_jpeg"]
    return d["x"][keep], d["y"][keep]


@functools.lru_cache(maxsize=1)
def _astronaut_head() -> np.ndarray:
    from skimage import data  # public domain (NASA); imported lazily, only for the fallback

    gray = np.asarray(data.astronaut()).mean(axis=2).astype(np.uint8)
    return gray[50:180, 160:290]  # a square around the face, framed like a FER crop


def fer_available() -> bool:
    return _fer_faces() is not None


def _face_for(p: _Participant) -> tuple[np.ndarray, int | None]:
    fer = _fer_faces()
    if fer is not None:
        x, y = fer
        i = p.face_index % len(x)
        return x[i], int(y[i])
    head = _astronaut_head()
    rng = np.random.default_rng(p.seed)
    face = head[:, ::-1] if rng.random() < 0.5 else head
    gamma = rng.uniform(0.7, 1.4)
    face = (255 * (face / 255.0) ** gamma).astype(np.uint8)
    return face, None


class SyntheticGallerySource:
    """Renders a gallery of ``n`` participants frame after frame, with joins, leaves, reorders
    and a moving speaker highlight (``events=True``). ``truth(i)`` gives frame i's truth;
    ``last_truth`` the truth of the frame ``frames()`` yielded last."""

    def __init__(self, n: int = 25, style: str = "zoom", size: tuple[int, int] = (1920, 1080),
                 fps: float = 2.0, seed: int = 0, *, camera_off_ratio: float = 0.2,
                 events: bool = True, event_every: int = 6, n_frames: int | None = None,
                 realtime: bool = False, gutter: int | None = None) -> None:
        if style not in sd.STYLES:
            raise ValueError(f"style: expected one of {sorted(sd.STYLES)}, got {style!r}")
        if not 1 <= n <= len(NAMES):
            raise ValueError(f"n: expected 1..{len(NAMES)}, got {n}")
        if size[0] < 320 or size[1] < 240:
            raise ValueError(f"size: expected at least 320x240, got {size[0]}x{size[1]}")
        self.n, self.size, self.fps, self.seed = n, size, fps, seed
        self.style = sd.STYLES[style]
        if gutter is not None:
            self.style = sd.Style(**{**_style_dict(self.style), "gutter": gutter})
        self.camera_off_ratio, self.events, self.event_every = camera_off_ratio, events, event_every
        self.n_frames, self.realtime = n_frames, realtime
        self.last_truth: GalleryTruth | None = None
        self._rooms: dict[tuple[str, int, int], np.ndarray] = {}
        self._replay: tuple | None = None
        self._closed = False

    # -- participants and events -------------------------------------------------------------
    def _make(self, i: int, rng: np.random.Generator) -> _Participant:
        off = rng.random() < self.camera_off_ratio
        return _Participant(
            key=f"p{i:02d}", name=NAMES[i], camera_on=not off, name_only=bool(rng.random() < .4),
            face_index=int(rng.integers(0, 1 << 30)), seed=int(rng.integers(0, 1 << 30)),
            colour=tuple(int(c) for c in rng.integers(60, 220, 3)),
            shirt=tuple(int(c) for c in rng.integers(70, 170, 3)))

    def _state(self, index: int) -> tuple[list[_Participant], int, tuple[str, ...]]:
        """Participants in tile order, the speaker and this frame's events at frame ``index``.

        Events replay deterministically from the seed; the latest replay is kept, so serving
        frames in order costs one event step per ``event_every`` frames, not a full replay.
        People who left may rejoin once every name has been used (long demo runs)."""
        k_target = index // self.event_every if self.events else 0
        cached = self._replay
        if cached is None or cached[0] > k_target:
            rng = np.random.default_rng(self.seed)
            cached = (0, [self._make(i, rng) for i in range(self.n)], [], self.n, rng)
        k, people, gone, next_id, rng = cached
        people, gone = list(people), list(gone)
        rng = copy.deepcopy(rng)
        happened: tuple[str, ...] = ()
        while k < k_target:
            k += 1
            kind = ("join", "reorder", "leave")[k % 3]
            if kind == "join" and len(people) < 49:
                if next_id < len(NAMES):
                    people.append(self._make(next_id, rng))
                    next_id += 1
                elif gone:
                    people.append(gone.pop(0))
            elif kind == "leave" and len(people) > 2:
                gone.append(people.pop(int(rng.integers(0, len(people)))))
            elif kind == "reorder":
                rng.shuffle(people)
            happened = (kind,) if k * self.event_every == index else ()
        self._replay = (k, list(people), list(gone), next_id, copy.deepcopy(rng))
        if k_target and k_target * self.event_every == index and not happened:
            happened = (("join", "reorder", "leave")[k_target % 3],)
        speaker = (index // 2 + self.seed) % len(people)
        return people, speaker, happened

    # -- rendering ---------------------------------------------------------------------------
    def render(self, index: int) -> tuple[np.ndarray, GalleryTruth]:
        """Frame ``index`` as a BGR uint8 image, and its truth."""
        w, h = self.size
        st = self.style
        people, speaker, happened = self._state(index)
        frame = np.empty((h, w, 3), np.uint8)
        frame[:] = st.bg
        top_h, bottom_h = max(24, round(h * 0.04)), max(40, round(h * 0.075))
        area = Box(st.gutter + 8, top_h + 8, w - 2 * (st.gutter + 8), h - top_h - bottom_h - 16)
        clock = time.strftime("%H:%M", time.gmtime(1_700_000_000 + index * 30))
        sd.chrome(frame, st, top_h, bottom_h, len(people), clock)
        frame[top_h:h - bottom_h] = st.bg
        jitter = np.random.default_rng((self.seed, index))
        truths = []
        for order, (p, box) in enumerate(zip(people, gallery_layout(len(people), area,
                                                                     st.gutter), strict=True)):
            tile, head, label = self._tile(p, box, order == speaker, jitter)
            mask = sd.rounded_mask(box.h, box.w, st.radius)[:, :, None]
            dst = frame[box.y:box.y + box.h, box.x:box.x + box.w]
            dst[:] = np.where(mask > 0, tile, dst)
            truths.append(TileTruth(box, p.key, p.name, p.camera_on, label, order == speaker,
                                    head, sd.label_font_px(box.h)))
        truth = GalleryTruth(st.name, self.size, tuple(truths), area, happened)
        return np.ascontiguousarray(frame[:, :, ::-1]), truth  # drawn in RGB, served as BGR

    def _tile(self, p: _Participant, box: Box, speaking: bool, jitter: np.random.Generator
              ) -> tuple[np.ndarray, tuple[int, int, int, int] | None, int | None]:
        """One tile in RGB: room + head, or an avatar; then the label and speaker ring."""
        label = None
        head = None
        if p.camera_on:
            key = (p.key, box.w, box.h)
            if key not in self._rooms:
                self._rooms[key] = sd.room(box.h, box.w, np.random.default_rng(p.seed))
            tile = self._rooms[key].copy()
            face, label = _face_for(p)
            dx, dy = (int(v) for v in jitter.integers(-2, 3, 2))
            head = sd.paste_head(tile, face, dx, dy, p.shirt)
        else:
            tile = np.empty((box.h, box.w, 3), np.uint8)
            sd.avatar(tile, self.style, p.name, p.colour, p.name_only)
        sd.name_label(tile, self.style, p.name, p.camera_on)
        if speaking:
            sd.speaker_border(tile, self.style)
        return tile, head, label

    def truth(self, index: int) -> GalleryTruth:
        return self.render(index)[1]

    # -- FrameSource -------------------------------------------------------------------------
    def frames(self) -> Iterator[Frame]:
        i = 0
        period = 1.0 / self.fps if self.fps > 0 else 0.0
        while not self._closed and (self.n_frames is None or i < self.n_frames):
            t0 = time.monotonic()
            image, self.last_truth = self.render(i)
            yield Frame(image, i, time.monotonic(), time.time(), source=f"synthetic:{self.style.name}")
            i += 1
            if self.realtime and period:
                time.sleep(max(0.0, period - (time.monotonic() - t0)))

    def close(self) -> None:
        self._closed = True


def _style_dict(s: sd.Style) -> dict:
    return {f: getattr(s, f) for f in s.__slots__}
