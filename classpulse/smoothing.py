"""Per-participant temporal smoothing and the observation sample interval.

Why smoothing: a single blurry or mid-blink frame can flip a classifier's top class; a teacher
should see a state change only when it persists for a few frames. An exponential moving average
over each participant's probability vector does that in O(1) memory per student.

Why a sampler: the worker may process 2+ frames a second, but a two-hour class needs one row per
student every couple of seconds, not every frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class _EmaState:
    probs: np.ndarray
    t: float


@dataclass
class EmaSmoother:
    """EMA of 7-class probabilities per participant key.

    ``alpha`` is the weight of the newest frame (1.0 = no smoothing). A participant unseen for
    longer than ``reset_after_s`` starts fresh, so a student who left and came back is not
    coloured by how they looked ten minutes ago.
    """

    alpha: float = 0.4
    reset_after_s: float = 10.0
    enabled: bool = True
    _state: dict[str, _EmaState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"EmaSmoother.alpha: expected 0 < alpha <= 1, got {self.alpha}")

    def update(self, key: str, probs: np.ndarray, t: float) -> np.ndarray:
        """Fold one frame's probabilities in; return the smoothed vector (sums to 1)."""
        p = np.asarray(probs, dtype=np.float64)
        if not self.enabled:
            return p
        prev = self._state.get(key)
        if prev is None or t - prev.t > self.reset_after_s or t < prev.t:
            new = p
        else:
            new = self.alpha * p + (1.0 - self.alpha) * prev.probs
            new = new / new.sum()
        self._state[key] = _EmaState(new, t)
        return new

    def forget(self, key: str) -> None:
        self._state.pop(key, None)

    def __len__(self) -> int:
        return len(self._state)


@dataclass
class Sampler:
    """Decides, per participant, whether this frame's result becomes a stored observation.

    ``every_s == 0`` records every frame. Times are the pipeline's clock (media time for a
    recorded video, wall time live), so a video analysed faster than real time is still
    sampled every 2 s of *class* time.
    """

    every_s: float = 2.0
    _last: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.every_s < 0:
            raise ValueError(f"Sampler.every_s: expected >= 0, got {self.every_s}")

    def due(self, key: str, t: float) -> bool:
        """True (and remember ``t``) when ``key`` has not been recorded in the last interval."""
        if self.every_s == 0:
            return True
        last = self._last.get(key)
        # A small tolerance keeps a 2 s interval at 2 fps from drifting to every 2.5 s.
        if last is None or t - last >= self.every_s - 1e-6 or t < last:
            self._last[key] = t
            return True
        return False


@dataclass
class SpeakingTimer:
    """Seconds each participant's speaker ring was on since their last stored sample.

    Why: a sample every 2 s sees the ring at one instant, so a speaker who changes every second
    would be stored as 0 or 2 s a sample (6 s off per person over a minute, measured). Every
    processed frame adds the time since the previous processed frame to whoever is speaking in
    it, so the stored seconds are within one frame interval of the truth at any sample rate.
    A gap longer than ``max_gap_s`` (capture offline, a paused recording) counts as that much.
    The very first frame has no previous one: its speakers are credited one frame spacing when
    the second frame arrives (it then lands in their next sample).
    """

    max_gap_s: float = 5.0
    _prev_t: float | None = None
    _first: list[str] | None = None  # the first frame's speakers, until the spacing is known
    _acc: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.max_gap_s <= 0:
            raise ValueError(f"SpeakingTimer.max_gap_s: expected > 0, got {self.max_gap_s}")

    def frame(self, t: float, speaking: list[str]) -> None:
        """Credit the time since the previous frame to the keys speaking at ``t``."""
        if self._prev_t is None:
            self._prev_t, self._first = t, list(speaking)
            return
        dt = min(max(t - self._prev_t, 0.0), self.max_gap_s)
        self._prev_t = t
        for key in speaking + (self._first or []):
            self._acc[key] = self._acc.get(key, 0.0) + dt
        self._first = None

    def take(self, key: str) -> float:
        """Seconds spoken by ``key`` since the last take (and start again from zero)."""
        return round(self._acc.pop(key, 0.0), 3)
