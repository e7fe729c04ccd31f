"""One build of the live page's figures per new data, shared by every open tab.

Why: each open live page polls every couple of seconds, and every tab watches the same class.
Building the figures and the attention list costs ~0.3 s of CPU; 20 tabs building their own
would need 3 cores. One build serves all tabs until new rows land.

Why at most one build per (session, window) at a time, answering with the newest finished one
meanwhile: rows land every 2 s, so on a busy machine a build can outlast the next rows. If each
new signature started its own build, builds would pile up and every tab would wait behind them.
Instead a tab gets the newest finished build (with ITS signature, so the tab asks again and
gets the newer one next poll), and only a tab with nothing to show waits for the running build.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any


@dataclass
class _Group:
    done: tuple[Hashable, Any] | None = None  # (version, result) of the newest finished build
    running: Future | None = None  # the one build in progress, resolving to (version, result)


class BuildCache:
    """Thread-safe, per group: the newest finished build and at most one running build. A failed
    build is not kept (the next request builds again). Least recently used groups are dropped."""

    def __init__(self, maxsize: int = 8) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize: expected >= 1, got {maxsize}")
        self.maxsize = maxsize
        self.builds = 0  # how many times a build actually ran (tests, bench)
        self._groups: OrderedDict[Hashable, _Group] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, group: Hashable, version: Hashable, build: Callable[[], Any]
            ) -> tuple[Hashable, Any]:
        """``(version, result)``: ``version``'s build, or the newest finished one while another
        build of ``group`` runs; builds (in this thread) when neither exists."""
        with self._lock:
            g = self._group(group)
            if g.done is not None and (g.done[0] == version or g.running is not None):
                return g.done
            owner = g.running is None
            if owner:
                g.running = Future()
                self.builds += 1
            fut = g.running
        if owner:
            try:
                result = (version, build())
            except BaseException as exc:
                with self._lock:
                    g.running = None
                fut.set_exception(exc)
                raise
            with self._lock:
                g.done, g.running = result, None
            fut.set_result(result)
        return fut.result()

    def _group(self, key: Hashable) -> _Group:
        g = self._groups.get(key)
        if g is None:
            g = self._groups[key] = _Group()
            while len(self._groups) > self.maxsize:
                self._groups.popitem(last=False)
        else:
            self._groups.move_to_end(key)
        return g


class Recent:
    """The last value loaded per key, reused for ``max_age_s``: every open tab polls the same
    session's current state every couple of seconds, so one read per ``max_age_s`` serves them
    all. Exceptions (PreventUpdate, database errors) are not kept."""

    def __init__(self, max_age_s: float = 1.0, maxsize: int = 8) -> None:
        self.max_age_s, self.maxsize = float(max_age_s), maxsize
        self.loads = 0
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.max_age_s:
                return hit[1]
        at = time.monotonic()
        value = load()
        with self._lock:
            self.loads += 1
            self._items[key] = (at, value)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value
