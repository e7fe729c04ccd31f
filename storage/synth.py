"""Realistic fake class data written through the real Writer, for the demo, the dashboard tests
and the benchmarks. Nothing here is derived from real people or FER2013 images.

Each participant gets a temperament (a base expression mix), a camera that goes off and on as a
Markov chain, occasional "no face" samples, and a class-wide mood drift, so timelines and
attention lists look like a class rather than noise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Engine

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.records import EXPRESSION_NAMES, ObservationRecord, SessionSpec
from storage.sessions import end_session, start_session
from storage.writer import Writer

FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jo", "Kemal",
         "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vik",
         "Wen", "Xavi", "Yara", "Zoe"]
LAST = ["Silva", "Okafor", "Li", "Novak", "Haddad", "Kim", "Ruiz", "Berg", "Sato", "Mensah"]
COURSES = ["Calculus I", "Intro to Biology", "World History", "Chemistry 101", "Statistics"]
INSTRUCTORS = ["Dr. Adams", "Prof. Baker", "Ms. Chandra", "Mr. Duarte"]
# Base expression mix: mostly Neutral, some Happy, a little of the rest (FER2013 order).
BASE_MIX = np.array([0.04, 0.01, 0.04, 0.22, 0.09, 0.05, 0.55])


def participant_names(n: int, rng: np.random.Generator) -> list[str]:
    names: list[str] = []
    for i in range(n):
        base = f"{FIRST[i % len(FIRST)]} {LAST[int(rng.integers(len(LAST)))]}"
        names.append(base if i < len(FIRST) else f"{base} {i // len(FIRST) + 1}")
    return names


def session_records(
    session_id: int,
    start: datetime,
    n_participants: int,
    minutes: float,
    interval_s: float,
    rng: np.random.Generator,
    presence_only: bool = False,
) -> Iterator[list[ObservationRecord]]:
    """Yield one list of records per sampled frame of a synthetic session."""
    names = participant_names(n_participants, rng)
    mixes = rng.dirichlet(BASE_MIX * 20, size=n_participants)
    p_off = rng.choice([0.002, 0.01, 0.05], size=n_participants, p=[0.6, 0.3, 0.1])
    camera_on = rng.random(n_participants) > 0.1
    n_frames = max(1, int(minutes * 60 / interval_s))
    for f in range(n_frames):
        ts = start + timedelta(seconds=f * interval_s)
        drift = 0.15 * np.sin(2 * np.pi * f / max(n_frames, 1))  # happier mid-class
        flip = rng.random(n_participants)
        camera_on = np.where(camera_on, flip > p_off, flip < 0.08)
        no_face = rng.random(n_participants) < 0.03
        batch: list[ObservationRecord] = []
        for i in range(n_participants):
            probs = None
            if not camera_on[i]:
                state = "camera_off"
            elif no_face[i]:
                state = "no_face"
            else:
                state = "face"
                if not presence_only:
                    mix = mixes[i].copy()
                    mix[3] = max(mix[3] + drift * mix[3], 1e-3)
                    probs = tuple(float(v) for v in rng.dirichlet(mix / mix.sum() * 8 + 0.05))
            batch.append(ObservationRecord(
                session_id=session_id, participant_key=names[i].lower(), display_name=names[i],
                ts=ts, frame_index=f, camera_state=state, probs=probs, tile_order=i,
            ))
        yield batch


def make_demo_db(
    url: str | Engine,
    n_sessions: int = 3,
    n_participants: int = 12,
    minutes: float = 20,
    interval_s: float = 2.0,
    seed: int = 0,
    *,
    start: datetime | None = None,
    spacing: timedelta = timedelta(days=1),
    live_last: bool = False,
    presence_only_every: int = 0,
    writer_batch: int = 5_000,
) -> list[int]:
    """Migrate ``url`` to head and fill it with ``n_sessions`` synthetic sessions written through
    the real Writer. Returns the new session ids, oldest first. ``live_last`` leaves the newest
    session open (ended_at NULL), as if its class were still running."""
    if n_sessions < 0 or n_participants < 1 or minutes <= 0 or interval_s <= 0:
        raise ValueError(
            "make_demo_db: expected n_sessions >= 0, n_participants >= 1, minutes > 0, "
            f"interval_s > 0; got {n_sessions}, {n_participants}, {minutes}, {interval_s}"
        )
    engine = url if isinstance(url, Engine) else make_engine(url)
    upgrade(engine)
    rng = np.random.default_rng(seed)
    first = start or (datetime.now(UTC) - spacing * n_sessions).replace(microsecond=0)
    writer = Writer(engine, max_buffer=max(200_000, writer_batch * 4), batch_size=writer_batch)
    writer.start()
    ids: list[int] = []
    try:
        for s in range(n_sessions):
            began = first + spacing * s
            presence_only = bool(presence_only_every) and s % presence_only_every == 0
            sid = start_session(engine, SessionSpec(
                course=COURSES[s % len(COURSES)], title=f"Lecture {s // len(COURSES) + 1}",
                instructor=INSTRUCTORS[s % len(INSTRUCTORS)], presence_only=presence_only,
                sample_interval_s=interval_s, source="demo", started_at=began,
            ))
            ids.append(sid)
            for batch in session_records(sid, began, n_participants, minutes, interval_s, rng,
                                         presence_only):
                if not writer.submit_observations(batch, block=True, timeout=120):
                    raise RuntimeError(f"make_demo_db: writer stuck ({writer.last_error})")
            if not (live_last and s == n_sessions - 1):
                end_session(engine, sid, began + timedelta(minutes=minutes))
        if not writer.flush(600):
            raise RuntimeError(f"make_demo_db: writer did not finish (last error: {writer.last_error})")
    finally:
        writer.stop(60)
    return ids


assert len(BASE_MIX) == len(EXPRESSION_NAMES)
