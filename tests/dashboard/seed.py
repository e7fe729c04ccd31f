"""Test-only data for the dashboard, written through the REAL storage writer (not raw SQL), so the
dashboard is tested against exactly what the worker would store.

A seeded class has hostile display names and two planted cases the attention list must show:
"Planted Sad" (negative top expression for the last 4 minutes) and "Planted Camera" (camera off
for the last 6 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.records import EXPRESSION_NAMES, HealthRecord, ObservationRecord, SessionSpec
from storage.sessions import end_session, start_session
from storage.writer import Writer

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example","click")',
    "<script>window.__pwned=1</script>",
    "\u202eevil\u202c RTL",
    "A" * 10_000,
    "Zoë 🎓🙂",
    "",
]
PLANTED_SAD = "Planted Sad"
PLANTED_CAMERA = "Planted Camera"
# Display names that get the planted behaviours (the docs screenshots use friendlier ones).
PLANTED_SAD_NAMES = {PLANTED_SAD, "Maya Okafor"}
PLANTED_CAMERA_NAMES = {PLANTED_CAMERA, "Jonas Weber"}
DOCS_NAMES = [
    "Amara Diallo", "Maya Okafor", "Lucas Martin", "Sofia Rossi", "Jonas Weber", "Aiko Tanaka",
    "Noah Cohen", "Elena Petrova", "Mateo García", "Priya Sharma", "Liam O'Brien", "Zoë Laurent",
    "Omar Haddad", "Chloé Dubois", "Ethan Park", "Fatima Zahra", "Lena Fischer", "Diego Silva",
    "Hana Kim", "Samuel Mensah", "Isabel Costa", "Yusuf Demir", "Nora Lindqvist", "Ravi Patel",
]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Seeded:
    url: str
    session_id: int
    names: list[str]
    end: datetime
    frame: int


def _probs(rng: np.random.Generator, top: str) -> tuple[float, ...]:
    p = rng.dirichlet(np.ones(7) * 0.6) * 0.35
    p[EXPRESSION_NAMES.index(top)] += 0.65
    return tuple(float(x) for x in p / p.sum())


def _behaviour(name: str, i: int, step: int, n_steps: int, rng: np.random.Generator):  # noqa: ANN202
    """(camera_state, top expression or None) for participant ``i`` at ``step``."""
    remaining_s = (n_steps - step) * 2.0
    if name in PLANTED_SAD_NAMES and remaining_s <= 240:
        return "face", "Sad"
    if name in PLANTED_CAMERA_NAMES and remaining_s <= 360:
        return "camera_off", None
    if i % 9 == 8:
        return "camera_off", None
    if rng.random() < 0.04:
        return "no_face", None
    top = rng.choice(["Neutral", "Neutral", "Neutral", "Happy", "Happy", "Surprise", "Sad"])
    return "face", str(top)


def participant_names(n: int, hostile: bool = True, planted: bool = True) -> list[str]:
    names = [f"Student {i + 1:02d}" for i in range(n)]
    extra = (HOSTILE_NAMES if hostile else []) + ([PLANTED_SAD, PLANTED_CAMERA] if planted else [])
    return (extra + names)[: max(n, len(extra))]


def write_steps(
    writer: Writer, sid: int, names: list[str], start: datetime, first_frame: int, n_steps: int,
    *, total_steps: int | None = None, interval_s: float = 2.0, presence_only: bool = False,
    seed: int = 0, is_gallery: bool = True,
) -> int:
    """Submit ``n_steps`` sampled frames for every participant; returns the next frame index."""
    rng = np.random.default_rng(seed)
    total = total_steps or n_steps
    frame = first_frame
    for step in range(n_steps):
        ts = start + timedelta(seconds=step * interval_s)
        records = []
        for i, name in enumerate(names):
            cam, top = _behaviour(name, i, first_frame + step, total, rng)
            probs = _probs(rng, top) if (top and not presence_only) else None
            records.append(ObservationRecord(
                session_id=sid, participant_key=f"p{i}", display_name=name, ts=ts,
                frame_index=frame, camera_state=cam, probs=probs, tile_order=i))
        writer.submit_observations(records)
        if step % 5 == 0 or step == n_steps - 1:
            writer.submit_health(HealthRecord(
                session_id=sid, ts=ts, fps=4.8, dropped_frames=0, tiles_found=len(names),
                capture_online=True, is_gallery=is_gallery, last_frame_at=ts))
        frame += 1
    return frame


def _write_session(
    engine, writer: Writer, url: str, *, n: int, minutes: float, interval_s: float,  # noqa: ANN001
    start: datetime, presence_only: bool, course: str, title: str, instructor: str,
    hostile: bool, planted: bool, ended: bool, seed: int, is_gallery: bool,
    names: list[str] | None = None,
) -> Seeded:
    sid = start_session(engine, SessionSpec(
        course=course, title=title, instructor=instructor, presence_only=presence_only,
        sample_interval_s=interval_s, source="test", started_at=start))
    names = names or participant_names(n, hostile, planted)
    steps = int(minutes * 60 / interval_s)
    frame = write_steps(writer, sid, names, start, 0, steps, interval_s=interval_s,
                        presence_only=presence_only, seed=seed, is_gallery=is_gallery)
    if not writer.flush(timeout=120):
        raise RuntimeError(f"seed: writer did not flush: {writer.last_error}")
    end = start + timedelta(seconds=steps * interval_s)
    if ended:
        end_session(engine, sid, end)
    return Seeded(url, sid, names, end, frame)


def seed_session(
    url: str, *, n: int = 14, minutes: float = 10, interval_s: float = 2.0,
    start: datetime = T0, presence_only: bool = False, course: str = "Biology 101",
    title: str = "Cells and membranes", instructor: str = "Dr. Rivera", hostile: bool = True,
    planted: bool = True, ended: bool = True, seed: int = 0, is_gallery: bool = True,
) -> Seeded:
    """One session of ``n`` participants over ``minutes``, written by the real writer."""
    return seed_many(url, [dict(
        n=n, minutes=minutes, interval_s=interval_s, start=start, presence_only=presence_only,
        course=course, title=title, instructor=instructor, hostile=hostile, planted=planted,
        ended=ended, seed=seed, is_gallery=is_gallery)])[0]


def seed_many(url: str, specs: list[dict]) -> list[Seeded]:
    """Several sessions through one engine and one writer (migrating once)."""
    defaults = dict(n=14, minutes=10, interval_s=2.0, start=T0, presence_only=False,
                    course="Biology 101", title="Cells and membranes", instructor="Dr. Rivera",
                    hostile=True, planted=True, ended=True, seed=0, is_gallery=True)
    upgrade(url)
    engine = make_engine(url)
    writer = Writer(engine, flush_interval_s=0.05).start()
    try:
        return [_write_session(engine, writer, url, **{**defaults, **spec}) for spec in specs]
    finally:
        writer.stop()
        engine.dispose()


def append(seeded: Seeded, n_steps: int, *, camera_off_all: bool = False) -> Seeded:
    """More frames for a live session, after its last one (the live page must pick them up)."""
    engine = make_engine(seeded.url)
    writer = Writer(engine, flush_interval_s=0.05).start()
    try:
        names = seeded.names
        if camera_off_all:
            for step in range(n_steps):
                ts = seeded.end + timedelta(seconds=step * 2.0)
                writer.submit_observations([ObservationRecord(
                    session_id=seeded.session_id, participant_key=f"p{i}", display_name=name,
                    ts=ts, frame_index=seeded.frame + step, camera_state="camera_off",
                    tile_order=i) for i, name in enumerate(names)])
            frame = seeded.frame + n_steps
        else:
            frame = write_steps(writer, seeded.session_id, names, seeded.end, seeded.frame,
                                n_steps, seed=seeded.frame)
        writer.flush(timeout=30)
    finally:
        writer.stop()
        engine.dispose()
    return Seeded(seeded.url, seeded.session_id, names,
                  seeded.end + timedelta(seconds=n_steps * 2.0), frame)
