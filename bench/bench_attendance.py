"""Attendance benchmarks (issue 13).

1. Render time. Target: attendance of a 60-minute, 50-student session (one observation per
   student per second: 180,000 rows, 5 % of them with the speaker ring on, with a 50-name
   roster plus 5 rostered students who never came) computed and laid out as the report page's table in <= 1 s (median of --runs after a
   warm-up), on SQLite (and PostgreSQL with --backend both).
2. Speaking accuracy (--clip SECONDS). Target: seconds speaking within +-1 s of the renderer's
   truth for every participant over a 60 s clip. A synthetic gallery (people join, leave, the
   speaker ring moves) is written as a lossless video and run through the real
   `classpulse analyze --presence-only --every 0.5`; truth is the renderer's per-frame speaker.

    .venv/bin/python -m bench.bench_attendance [--backend sqlite|postgres|both] [--clip 60]

Results: bench/out/attendance.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.attendance import participation, session_attendance  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.models import Observation  # noqa: E402
from storage.roster_csv import RosterRow  # noqa: E402
from storage.rosters import import_roster  # noqa: E402
from storage.synth import COURSES, make_demo_db  # noqa: E402


def render_clip(out: Path, frames: int, fps: float = 2.0, n: int = 6, seed: int = 5) -> dict:
    """Write a gallery clip (FFV1) and return per-name truth: first/last frame, frames on
    screen, frames speaking, frames with the camera on."""
    import cv2

    from capture.synthetic import SyntheticGallerySource

    src = SyntheticGallerySource(n=n, style="zoom", size=(1280, 720), fps=fps, seed=seed,
                                 events=True, event_every=6, n_frames=frames)
    vw = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"FFV1"), fps, (1280, 720))
    truth: dict[str, dict] = {}
    for frame in src.frames():
        vw.write(frame.image)
        for t in src.last_truth.tiles:
            d = truth.setdefault(t.name, {"first": frame.index, "n": 0, "speak": 0, "cam": 0})
            d["last"] = frame.index
            d["n"] += 1
            d["speak"] += int(t.is_speaker)
            d["cam"] += int(t.camera_on)
    vw.release()
    return truth


def _table_time(engine, sid: int, runs: int) -> float:  # noqa: ANN001
    from dashboard.attendance_view import attendance_section

    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        att = session_attendance(engine, sid)
        participation(att)
        attendance_section(att)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def bench_render(url: str, runs: int) -> dict:
    engine = make_engine(url)
    t0 = time.perf_counter()
    (sid,) = make_demo_db(engine, n_sessions=1, n_participants=50, minutes=60, interval_s=1.0)
    seeded = time.perf_counter() - t0
    import numpy as np

    from storage.synth import participant_names

    names = participant_names(50, np.random.default_rng(0))  # same draw as make_demo_db(seed=0)
    rows = [RosterRow(n, f"s{i}") for i, n in enumerate(names)]
    rows += [RosterRow(f"Absent Student {i}", f"x{i}") for i in range(5)]
    import_roster(engine, COURSES[0], rows)
    with engine.begin() as conn:  # a speaker ring on 5 % of samples, as in a lively class
        conn.execute(update(Observation).where(
            (Observation.frame_index + Observation.participant_id) % 20 == 0).values(speaking=True))
    att = session_attendance(engine, sid)
    on = sum(r.on_roster and r.status != "absent" for r in att.rows)
    median = _table_time(engine, sid, runs)
    engine.dispose()
    return {"seed_s": round(seeded, 1), "rows": len(att.rows), "roster_present": on,
            "attendance_table_ms": round(median * 1000, 1)}


def bench_clip(seconds: float, tmp: Path, every: float = 0.5) -> dict:
    fps = 2.0
    truth = render_clip(tmp / "clip.mkv", int(seconds * fps), fps)
    db = f"sqlite:///{tmp / 'clip.db'}"
    subprocess.run([sys.executable, "-m", "classpulse", "analyze", str(tmp / "clip.mkv"),
                    "--db", db, "--presence-only", "--every", str(every), "--no-progress",
                    "--started-at", "2026-01-05T09:00:00Z", "--course", "Clip"],
                   check=True, cwd=ROOT, capture_output=True)
    engine = make_engine(db)
    att = session_attendance(engine, 1)
    engine.dispose()
    got = {r.name: r.seconds_speaking for r in att.rows}
    errors = {name: round(got.get(name, 0.0) - t["speak"] / fps, 2) for name, t in truth.items()}
    return {"clip_s": seconds, "every_s": every, "participants": len(truth),
            "max_speaking_error_s": max(abs(e) for e in errors.values()),
            "speaking_error_s": errors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both", "none"], default="sqlite")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--clip", type=float, default=0.0, help="also run the speaking clip (s)")
    ap.add_argument("--every", type=float, default=0.5, help="the clip's analyze --every")
    args = ap.parse_args(argv)
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            result["sqlite"] = bench_render(f"sqlite:///{tmp}/a.db", args.runs)
        if args.backend in ("postgres", "both"):
            from storage.pgserver import TempPostgres

            server = TempPostgres()
            server.start()
            try:
                result["postgres"] = bench_render(server.create_database("bench_att"), args.runs)
            finally:
                server.stop()
        if args.clip:
            result["clip"] = bench_clip(args.clip, Path(tmp), args.every)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "attendance.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    ok = all(v["attendance_table_ms"] <= 1000 for k, v in result.items() if k != "clip")
    ok = ok and ("clip" not in result or result["clip"]["max_speaking_error_s"] <= 1.0)
    print(f"targets (table <= 1000 ms, speaking within 1 s): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
