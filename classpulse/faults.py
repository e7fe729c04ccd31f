"""Per-frame fault bookkeeping for the inference stage: one bad frame never ends a class.

Why a separate object: the stage only needs "this frame raised"; what to log (one traceback per
distinct error, then counts), when the worker counts as degraded (K failures in a row) and when it
has recovered are policy, kept here and tested without threads.
"""

from __future__ import annotations

import collections
import logging
import traceback
from dataclasses import dataclass, field

log = logging.getLogger("classpulse.worker")


def error_site(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame that raised (the dedup key's place)."""
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return "?"
    last = tb[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


def one_line(exc: BaseException, limit: int = 240) -> str:
    """``Type: message`` on one line, cut to ``limit`` characters (for health and the summary)."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class FrameFaults:
    """Counts failed frames; logs each distinct error (type + raising site) once with its
    traceback; says ``degraded`` after ``max_consecutive`` failures in a row until a frame
    succeeds again."""

    max_consecutive: int = 20
    failed: int = 0
    consecutive: int = 0
    degraded: bool = False
    errors: collections.Counter = field(default_factory=collections.Counter)

    def __post_init__(self) -> None:
        if self.max_consecutive < 1:
            raise ValueError(f"max_consecutive: expected >= 1, got {self.max_consecutive}")

    def on_failure(self, frame_index: int, exc: BaseException) -> str:
        """Record one failed frame; returns the one-line error for health."""
        self.failed += 1
        self.consecutive += 1
        key = f"{type(exc).__name__} at {error_site(exc)}"
        message = one_line(exc)
        if key not in self.errors:
            log.error("frame %s dropped: %s (at %s); this error is logged once, then counted",
                      frame_index, message, key, exc_info=exc)
        self.errors[key] += 1
        if not self.degraded and self.consecutive >= self.max_consecutive:
            self.degraded = True
            log.warning("degraded: %s frames failed in a row; still retrying every frame",
                        self.consecutive)
        return f"frame {frame_index}: {message}"

    def on_success(self) -> None:
        if self.degraded:
            log.warning("recovered after %s failed frames in a row", self.consecutive)
        self.consecutive = 0
        self.degraded = False
