"""One build of the live page's figures per new data, shared by every open tab.

Why: each open live page polls every couple of seconds, and every tab watches the same class.
Building the figures and the attention list costs ~0.4 s of CPU; 20 tabs building their own
would need 4 cores. Keyed by the data signature (session, window, newest observation, rows,
health sample), one build serves all tabs until new rows land. Concurrent requests for a key
being built wait for that build instead of starting their own (no stampede when new data
arrives and every tab asks at once).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any


class BuildCache:
    """A small thread-safe LRU of build results. A failed build is not cached (retried next)."""

    def __init__(self, maxsize: int = 8) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize: expected >= 1, got {maxsize}")
        self.maxsize = maxsize
        self.builds = 0  # how many times ``build`` actually ran (tests, bench)
        self._items: OrderedDict[Hashable, Future] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The cached result for ``key``, building it (once, in this thread) when missing."""
        with self._lock:
            fut = self._items.get(key)
            owner = fut is None
            if owner:
                fut = self._items[key] = Future()
                self.builds += 1
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
        if owner:
            try:
                fut.set_result(build())
            except BaseException as exc:
                with self._lock:
                    if self._items.get(key) is fut:
                        del self._items[key]
                fut.set_exception(exc)
        return fut.result()
