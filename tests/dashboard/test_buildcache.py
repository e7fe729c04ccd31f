"""The live page's shared build cache: tabs watching the same data share one build, concurrent
requests for a key being built wait for it, new data builds again, a failed build is retried."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.app import create_app
from dashboard.buildcache import BuildCache, Recent
from dashboard.pages import live
from tests.dashboard.seed import append, seed_session


def test_concurrent_requests_for_one_key_build_once() -> None:
    cache, calls, results = BuildCache(), [], []

    def build() -> object:
        calls.append(1)
        time.sleep(0.2)
        return object()

    threads = [threading.Thread(target=lambda: results.append(cache.get("g", "v1", build)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and len(results) == 8 and len({id(r[1]) for r in results}) == 1
    assert cache.get("g", "v1", build) is results[0]  # the same data later: no new build
    assert len(calls) == 1


def test_a_newer_version_is_built_once_while_tabs_get_the_last_finished_one() -> None:
    cache, started, release = BuildCache(), threading.Event(), threading.Event()
    assert cache.get("g", "v1", lambda: "view 1") == ("v1", "view 1")

    def slow() -> str:
        started.set()
        release.wait(10)
        return "view 2"

    owner = threading.Thread(target=lambda: cache.get("g", "v2", slow))
    owner.start()
    assert started.wait(10)
    # v2 is being built: other tabs asking for v2 (or v3) get v1 at once, and build nothing
    assert cache.get("g", "v2", lambda: "again") == ("v1", "view 1")
    assert cache.get("g", "v3", lambda: "again") == ("v1", "view 1")
    release.set()
    owner.join(10)
    assert cache.get("g", "v2", lambda: "again") == ("v2", "view 2")
    assert cache.builds == 2


def test_failed_build_is_not_kept_and_old_groups_are_evicted() -> None:
    cache = BuildCache(maxsize=2)
    with pytest.raises(RuntimeError):
        cache.get("k", 1, lambda: (_ for _ in ()).throw(RuntimeError("db down")))
    assert cache.get("k", 1, lambda: 1) == (1, 1)
    cache.get("a", 1, lambda: 2)
    cache.get("b", 1, lambda: 3)  # evicts "k", the least recently used
    assert cache.get("k", 1, lambda: 4) == (1, 4)
    assert cache.builds == 5
    with pytest.raises(ValueError, match="maxsize"):
        BuildCache(0)


def test_recent_reuses_a_value_for_max_age_then_reloads() -> None:
    recent, n = Recent(max_age_s=0.3), iter(range(100))
    first = recent.get("s", lambda: next(n))
    assert recent.get("s", lambda: next(n)) == first  # within 0.3 s: no new read
    time.sleep(0.35)
    assert recent.get("s", lambda: next(n)) == first + 1
    with pytest.raises(KeyError):
        recent.get("t", lambda: {}["missing"])
    assert recent.get("t", lambda: 7) == 7 and recent.loads == 3


def _refresh_body(session_id: int, sig: object = None) -> dict:
    outs = ["live-timeline.figure", "live-distribution.figure", "live-gallery.children",
            "live-engagement.figure", "live-health.children", "live-attention.children",
            "live-status.children", "live-sig.data"]
    return {
        "output": ".." + "...".join(outs) + "..",
        "outputs": [dict(zip(("id", "property"), o.split("."), strict=True)) for o in outs],
        "inputs": [{"id": "live-tick", "property": "n_intervals", "value": 1},
                   {"id": "session-picker", "property": "value", "value": session_id},
                   {"id": "live-window", "property": "value", "value": 10}],
        "state": [{"id": "live-sig", "property": "data", "value": sig},
                  {"id": "live-timeline", "property": "figure", "value": None},
                  {"id": "live-engagement", "property": "figure", "value": None}],
        "changedPropIds": ["live-tick.n_intervals"],
    }


def test_tabs_on_the_same_data_share_one_build(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    seeded = seed_session(db_url, n=6, minutes=1, ended=False, planted=False)
    calls = []
    real = live._build
    monkeypatch.setattr(live, "_build", lambda *a: calls.append(1) or real(*a))
    client = create_app(db_url).server.test_client()
    bodies = [client.post("/_dash-update-component", json=_refresh_body(seeded.session_id)).get_json()
              for _ in range(3)]  # three tabs open the page
    assert len(calls) == 1
    assert bodies[0]["response"]["live-sig"] == bodies[2]["response"]["live-sig"]
    assert bodies[0]["response"]["live-gallery"] == bodies[2]["response"]["live-gallery"]
    append(seeded, 2)  # new rows: the next poll (after the 1 s shared read) builds again
    time.sleep(1.1)
    r = client.post("/_dash-update-component", json=_refresh_body(seeded.session_id)).get_json()
    assert len(calls) == 2
    assert r["response"]["live-sig"] != bodies[0]["response"]["live-sig"]
