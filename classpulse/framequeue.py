"""The bounded queue between capture and inference.

Why drop instead of block: live capture must keep the newest picture of the class. When inference
falls behind, blocking would make capture lag further and further behind real time; dropping the
oldest queued frame keeps latency bounded, and the drop count goes into the health records so the
teacher can see it. Offline analysis (``block=True``) never drops: every frame of a recording is
processed.
"""

from __future__ import annotations

import collections
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class DropQueue(Generic[T]):
    """A thread-safe FIFO of at most ``maxsize`` items that drops the oldest when full."""

    def __init__(self, maxsize: int = 4, block: bool = False) -> None:
        if maxsize < 1:
            raise ValueError(f"DropQueue.maxsize: expected >= 1, got {maxsize}")
        self.maxsize = maxsize
        self.block = block
        self._items: collections.deque[T] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T, stop: threading.Event | None = None) -> bool:
        """Add ``item``. Returns False if an older item was dropped to make room.

        In blocking mode waits for room instead (until ``stop`` is set, if given).
        """
        with self._cond:
            self.put_count += 1
            if self.block:
                while len(self._items) >= self.maxsize and not self._closed:
                    if stop is not None and stop.is_set():
                        return False
                    self._cond.wait(0.1)
            dropped = False
            if len(self._items) >= self.maxsize:
                self._items.popleft()
                self.dropped += 1
                dropped = True
            self._items.append(item)
            self._cond.notify_all()
            return not dropped

    def get(self, timeout: float | None = None) -> T | None:
        """The oldest item, or None after ``timeout`` seconds or once closed and empty."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            if not self._items:
                return None
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        """No more puts will come: wake every waiter so consumers can drain and exit."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
