"""Plain records the writer accepts. Storage never imports capture or inference: the worker
(classpulse/) converts its pipeline objects into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EXPRESSION_COLUMNS: tuple[str, ...] = (
    "p_angry", "p_disgust", "p_fear", "p_happy", "p_sad", "p_surprise", "p_neutral",
)
EXPRESSION_NAMES: tuple[str, ...] = ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")
CAMERA_STATES: tuple[str, ...] = ("face", "camera_off", "no_face")


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """What the worker knows when a class session starts."""

    course: str
    title: str
    instructor: str = ""
    presence_only: bool = False
    sample_interval_s: float = 2.0
    source: str = ""  # "screen:1", "video:/path.mp4", "demo", ...
    started_at: datetime | None = None  # UTC; None = now


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """One participant at one sampled frame.

    ``participant_key`` is the worker's stable identity for the tile's person (normalised name,
    or a positional fallback); the writer maps it to a Participant row, creating it on first sight.
    ``probs`` is None when no expression was read (camera off, no face, presence-only).
    """

    session_id: int
    participant_key: str
    display_name: str
    ts: datetime  # UTC, timezone-aware
    frame_index: int
    camera_state: str  # one of CAMERA_STATES
    probs: tuple[float, ...] | None = None
    tile_order: int | None = None
    speaking: bool = False  # the tile's active-speaker ring was on (at any frame since the last)
    speaking_s: float | None = None  # seconds it was on since this participant's last sample

    def __post_init__(self) -> None:
        if self.camera_state not in CAMERA_STATES:
            raise ValueError(
                f"ObservationRecord.camera_state: expected one of {CAMERA_STATES}, got {self.camera_state!r}"
            )
        if self.probs is not None and len(self.probs) != 7:
            raise ValueError(f"ObservationRecord.probs: expected 7 values, got {len(self.probs)}")
        if self.ts.tzinfo is None:
            raise ValueError("ObservationRecord.ts: expected a timezone-aware UTC datetime")
        if self.speaking_s is not None and not self.speaking_s >= 0:
            raise ValueError(f"ObservationRecord.speaking_s: expected >= 0, got {self.speaking_s}")


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """Capture health at one moment: health is data, shown on the live page."""

    session_id: int
    ts: datetime  # UTC, aware
    fps: float
    dropped_frames: int  # cumulative
    tiles_found: int
    capture_online: bool
    is_gallery: bool
    last_frame_at: datetime | None = None
    last_error: str = ""
    frames_failed: int = 0  # cumulative: frames a stage raised on (dropped; the session went on)
    frames_skipped: int = 0  # cumulative: frames a source could not read (broken files)
    degraded: bool = False  # many failures in a row; the worker keeps retrying
