"""A tiny hand-made class whose every aggregate is known, for exact query assertions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.records import HealthRecord, ObservationRecord, SessionSpec
from storage.sessions import end_session, start_session
from storage.writer import Writer

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)  # a multiple of 60 s: buckets align with frames


def one_hot(idx: int, top: float) -> tuple[float, ...]:
    rest = (1.0 - top) / 6
    return tuple(top if i == idx else rest for i in range(7))


HAPPY, SAD, ANGRY = one_hot(3, 0.7), one_hot(4, 0.6), one_hot(0, 0.5)


def math_records(sid: int) -> list[ObservationRecord]:
    """Frames 0..5 every 10 s. Ana: Happy throughout. Ben: Sad for 3 frames, then camera off.
    Cy: Angry twice, then no face."""
    out: list[ObservationRecord] = []
    for f in range(6):
        ts = T0 + timedelta(seconds=10 * f)
        out.append(ObservationRecord(sid, "ana", "Ana", ts, f, "face", HAPPY, 0))
        if f < 3:
            out.append(ObservationRecord(sid, "ben", "Ben", ts, f, "face", SAD, 1))
        else:
            out.append(ObservationRecord(sid, "ben", "Ben", ts, f, "camera_off", None, 1))
        if f < 2:
            out.append(ObservationRecord(sid, "cy", "Cy", ts, f, "face", ANGRY, 2))
        else:
            out.append(ObservationRecord(sid, "cy", "Cy", ts, f, "no_face", None, 2))
    return out


def build_known(engine: Engine, math_open: bool = False) -> tuple[int, int]:
    """Session A (Math, Dr Y, 60 s, 3 people) and session B a day later (Bio, Dr X,
    presence-only, 1 person). Returns (a, b)."""
    a = start_session(engine, SessionSpec(course="Math", title="Limits", instructor="Dr Y",
                                          sample_interval_s=10, source="test", started_at=T0))
    b_start = T0 + timedelta(days=1)
    b = start_session(engine, SessionSpec(course="Bio", title="Cells", instructor="Dr X",
                                          presence_only=True, started_at=b_start))
    w = Writer(engine, batch_size=7).start()  # several batches, one frame split across two
    w.submit_observations(math_records(a))
    w.submit_observations([
        ObservationRecord(b, "zed", "Zed", b_start + timedelta(seconds=s), s, "face", None, 0)
        for s in range(2)
    ])
    w.submit_health(HealthRecord(a, T0 + timedelta(seconds=5), 2.0, 0, 3, True, True))
    w.submit_health(HealthRecord(a, T0 + timedelta(seconds=55), 1.5, 4, 3, True, False,
                                 T0 + timedelta(seconds=54), "grid lost"))
    assert w.stop(30), w.last_error
    assert w.written == 20 and w.dropped == 0
    if not math_open:
        end_session(engine, a, T0 + timedelta(seconds=60))
    end_session(engine, b, b_start + timedelta(seconds=2))
    return a, b
