"""N concurrent dashboard clients against the real ``classpulse dashboard`` (waitress), issue 12.

Target: with 20 clients, p95 callback latency <= 1 s on SQLite, and 0 errors.

    .venv/bin/python -m bench.bench_dashboard --concurrent 20 [--duration 60] [--backends sqlite,postgres]

Each client behaves like one open browser tab on the live page: it loads the page (the HTML,
``/_dash-layout`` and ``/_dash-dependencies``; the static JS bundles are cached by a browser and
left out), fires the page's initial callback, then polls exactly as the browser does: the live
refresh every ``refresh_ms`` (sending back the figures and the signature it holds, as the Dash
renderer's State does) and the session list every 10 s; it reloads the page every
``--reload-s``. Requests are built from the app's own ``/_dash-dependencies``, so they match the
real callbacks. A feeder thread appends one frame of a 30-student class every 2 s, as the worker
would, so the polls see new rows. The server is a separate process (like ``run`` starts it).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
P95_CALLBACK_TARGET_S = 1.0
LIVE_OUTPUT = "live-timeline.figure"
SESSIONS_OUTPUT = "session-picker.options"


@dataclass
class Stats:
    page: list[float] = field(default_factory=list)
    callback: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, kind).append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if len(xs) > 1 else xs[0]


# ---- the class being watched -------------------------------------------------------------------
def seed_live(url: str, n: int = 30, minutes: float = 20):  # noqa: ANN201
    """A running (not ended) class whose last frame is now: what the live page is for."""
    sys.path.insert(0, str(ROOT))
    from tests.dashboard import seed

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes)
    return seed, seed.seed_many(url, [dict(n=n, minutes=minutes, start=start, ended=False,
                                           course="Biology 101", title="Load test")])[0]


class Feeder(threading.Thread):
    """Appends one frame for every student every 2 s through the real writer, like the worker."""

    def __init__(self, seed, seeded) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.seed, self.seeded, self.stop = seed, seeded, threading.Event()

    def run(self) -> None:
        from storage.engine import make_engine
        from storage.writer import Writer

        engine = make_engine(self.seeded.url)
        writer = Writer(engine, flush_interval_s=0.2).start()
        frame, step = self.seeded.frame, 0
        try:
            while not self.stop.wait(2.0):
                ts = datetime.now(UTC)
                frame = self.seed.write_steps(writer, self.seeded.session_id, self.seeded.names,
                                              ts, frame, 1, seed=frame)
                step += 1
        finally:
            writer.stop()
            engine.dispose()


# ---- the server --------------------------------------------------------------------------------
def start_server(db_url: str, threads: int) -> tuple[subprocess.Popen, str]:
    from storage.pgserver import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("CLASSPULSE_DASHBOARD")}
    # stderr to a file, not a pipe: a pipe nobody reads until the end fills up, and the server
    # then blocks on its next log line (this bench once "found" exactly that hang).
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "classpulse", "dashboard", "--db", db_url, "--port", str(port),
         "--threads", str(threads)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    proc.log = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited {proc.returncode}: {_tail(proc)}")
        try:
            if requests.get(base + "/_dash-dependencies", timeout=5).ok:
                return proc, base
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("dashboard did not answer within 120 s")


def _tail(proc: subprocess.Popen, n: int = 2000) -> str:
    proc.log.seek(0)  # type: ignore[attr-defined]
    return proc.log.read()[-n:]  # type: ignore[attr-defined]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_server(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    return _tail(proc)


# ---- one browser tab ---------------------------------------------------------------------------
def _props_by_id(node, out: dict) -> dict:  # noqa: ANN001
    """{component id: props} over a Dash layout JSON tree."""
    if isinstance(node, list):
        for child in node:
            _props_by_id(child, out)
    elif isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                out[props["id"]] = props
            for value in props.values():
                _props_by_id(value, out)
    return out


def _outputs(spec: str) -> list[dict]:
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]


class Tab:
    """What the Dash renderer does for one open live page, as plain HTTP."""

    def __init__(self, base: str, stats: Stats, refresh_s: float) -> None:
        self.base, self.stats, self.refresh_s = base, stats, refresh_s
        self.http = requests.Session()
        self.values: dict[tuple[str, str], object] = {}
        self.deps: dict[str, dict] = {}

    def load(self) -> None:
        t0 = time.perf_counter()
        ref = {"Referer": self.base + "/live"}
        self._get("/live")
        layout = self._get("/_dash-layout", ref).json()
        deps = self._get("/_dash-dependencies", ref).json()
        self.stats.add("page", time.perf_counter() - t0)
        props = _props_by_id(layout, {})
        self.values = {(cid, k): v for cid, p in props.items() for k, v in p.items()}
        self.values[("url", "search")] = ""
        self.values[("live-tick", "n_intervals")] = None
        self.deps = {d["output"]: d for d in deps}
        self.fire(LIVE_OUTPUT, "session-picker.value")  # the page's initial callback

    def _get(self, path: str, headers: dict | None = None) -> requests.Response:
        try:
            r = self.http.get(self.base + path, headers=headers, timeout=60)
        except requests.RequestException as exc:
            raise RuntimeError(f"GET {path}: {type(exc).__name__}") from exc
        if r.status_code != 200:
            raise RuntimeError(f"GET {path}: {r.status_code}")
        return r

    def fire(self, output_prefix: str, changed: str) -> None:
        dep = next(d for k, d in self.deps.items() if output_prefix in k)
        body = {
            "output": dep["output"], "outputs": _outputs(dep["output"]),
            "inputs": [dict(i, value=self.values.get((i["id"], i["property"])))
                       for i in dep["inputs"]],
            "state": [dict(s, value=self.values.get((s["id"], s["property"])))
                      for s in dep["state"]],
            "changedPropIds": [changed],
        }
        t0 = time.perf_counter()
        try:
            r = self.http.post(self.base + "/_dash-update-component", json=body, timeout=60,
                               headers={"Referer": self.base + "/live"})
        except requests.RequestException as exc:
            raise RuntimeError(f"POST {output_prefix} ({changed}): {type(exc).__name__}") from exc
        self.stats.add("callback", time.perf_counter() - t0)
        if r.status_code == 204:  # PreventUpdate
            return
        if r.status_code != 200:
            raise RuntimeError(f"POST {output_prefix}: {r.status_code}")
        for cid, props in r.json().get("response", {}).items():
            for prop, value in props.items():
                self.values[(cid, prop)] = value

    def tick(self, key: tuple[str, str]) -> None:
        self.values[key] = (self.values.get(key) or 0) + 1

    def run(self, until: float, reload_s: float) -> None:
        self.t0 = time.monotonic()
        rng = random.Random(id(self))
        time.sleep(rng.uniform(0, self.refresh_s))  # tabs were not all opened at one instant
        while time.monotonic() < until:
            try:  # reloads jittered: tabs are not reloaded in step
                self._session(until, min(until, time.monotonic() + reload_s * rng.uniform(0.75, 1.25)))
            except (requests.RequestException, RuntimeError, ValueError) as exc:
                self.stats.error(f"{exc} at {time.monotonic() - self.t0:.0f} s"[:200])
                time.sleep(1.0)

    def _session(self, until: float, reload_at: float) -> None:
        self.load()
        next_live = time.monotonic() + self.refresh_s
        next_sessions = time.monotonic() + 10.0
        while time.monotonic() < reload_at:
            now = time.monotonic()
            if now >= next_sessions:
                self.tick(("sessions-tick", "n_intervals"))
                self.fire(SESSIONS_OUTPUT, "sessions-tick.n_intervals")
                next_sessions = now + 10.0
            if now >= next_live:
                self.tick(("live-tick", "n_intervals"))
                self.fire(LIVE_OUTPUT, "live-tick.n_intervals")
                # the interval is disabled while its callback runs, so ticks never pile up
                next_live = time.monotonic() + self.refresh_s
            time.sleep(max(0.0, min(next_live, next_sessions, until) - time.monotonic()))


# ---- one run -----------------------------------------------------------------------------------
def run_load(db_url: str, clients: int, duration_s: float, threads: int,
             reload_s: float = 20.0, refresh_s: float = 2.0, students: int = 30,
             minutes: float = 20) -> dict:
    """Seed ``db_url``, serve it, and point ``clients`` tabs at it for ``duration_s``."""
    seed, seeded = seed_live(db_url, students, minutes)
    feeder = Feeder(seed, seeded)
    feeder.start()
    proc, base = start_server(db_url, threads)
    stats = Stats()
    load_before = os.getloadavg()[0]
    try:
        cpu0 = cpu_seconds(proc.pid)
        until = time.monotonic() + duration_s
        tabs = [threading.Thread(target=Tab(base, stats, refresh_s).run, args=(until, reload_s))
                for _ in range(clients)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join(duration_s + 120)
        server_cpu = cpu_seconds(proc.pid) - cpu0
    finally:
        feeder.stop.set()
        feeder.join(30)
        log = stop_server(proc)
    return {
        "clients": clients, "duration_s": duration_s, "threads": threads,
        "pages": len(stats.page), "callbacks": len(stats.callback),
        "page_p50_s": pct(stats.page, 50), "page_p95_s": pct(stats.page, 95),
        "callback_p50_s": pct(stats.callback, 50), "callback_p95_s": pct(stats.callback, 95),
        "callback_max_s": max(stats.callback, default=None),
        "server_cpu_s": round(server_cpu, 1),
        "server_cores_used": round(server_cpu / duration_s, 2),
        "load_avg_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "errors": len(stats.errors), "error_examples": sorted(set(stats.errors))[:5],
        "server_exit": proc.returncode, "server_log_tail": log[-600:],
    }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 1000:.0f} ms"


def main(clients: int, duration_s: float, backends: list[str], threads: int, workdir: Path,
         out: Path) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    results, ok = {}, True
    print(f"{clients} clients x {duration_s:.0f} s, waitress threads={threads}, on "
          f"{os.cpu_count()} CPUs (shared: other work on this machine slows it)", flush=True)
    for backend in backends:
        if backend == "sqlite":
            db = workdir / "load-live.db"
            db.unlink(missing_ok=True)
            r = run_load(f"sqlite:///{db}", clients, duration_s, threads)
        else:
            from storage.pgserver import TempPostgres

            with TempPostgres(durable=True) as pg:
                r = run_load(pg.create_database("load"), clients, duration_s, threads)
        results[backend] = r
        passed = r["errors"] == 0 and (backend != "sqlite" or (
            r["callback_p95_s"] is not None and r["callback_p95_s"] <= P95_CALLBACK_TARGET_S))
        ok &= passed
        print(f"{backend}: page p50 {_fmt(r['page_p50_s'])} p95 {_fmt(r['page_p95_s'])} "
              f"({r['pages']} loads); callback p50 {_fmt(r['callback_p50_s'])} p95 "
              f"{_fmt(r['callback_p95_s'])} max {_fmt(r['callback_max_s'])} "
              f"({r['callbacks']} calls); errors {r['errors']}; server used "
              f"{r['server_cores_used']} cores; machine load "
              f"{r['load_avg_1min'][0]} -> {r['load_avg_1min'][1]}"
              + (f" {r['error_examples']}" if r["errors"] else "")
              + ("" if backend != "sqlite" else
                 f" (target p95 <= {P95_CALLBACK_TARGET_S:.0f} s, 0 errors: "
                 f"{'PASS' if passed else 'FAIL'})"), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return 0 if ok else 1
