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
