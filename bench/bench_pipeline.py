"""bench/pipeline: a whole 49-participant 1080p frame, from capture to committed rows.

Compares, on the SAME synthetic frames (truth known per tile):
  * classpulse: grid -> names (cached OCR) -> one face-detector pass -> ONE classifier call for all
    faces -> SQLite rows committed (submit + flush), i.e. what the worker does per frame;
  * the earlier projects' loop: Haar cascade on the full frame, then one keras ``predict`` per
    face (same trained network when models/expression.keras exists, else an untrained one of the
    same architecture: timing only);
  * fer's ``FER(mtcnn=False).detect_emotions`` (``pip install fer --no-deps``).
Reports median/p90 ms per frame and per-tile expression accuracy against the synthetic truth
(needs ../shared/data/fer2013 for labelled faces; without it accuracy is n/a).

    .venv/bin/python -m bench.bench_pipeline --frames 8 --out bench/out/pipeline.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from models import shipped_model  # noqa: E402

TARGET_MS, TARGET_SPEEDUP, TARGET_RSS_MB = 150.0, 10.0, 1024.0


def rss_mb() -> float:
    """Peak RSS of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def render(n_frames: int, participants: int, seed: int):
    from classpulse.adapters import synthetic_source_class

    src = synthetic_source_class()(n=participants, style="zoom", size=(1920, 1080), fps=2.0,
                                   seed=seed, events=False, n_frames=n_frames)
    out = []
    for frame in src.frames():
        out.append((frame, src.last_truth))
    return out


def _match(box, truth_tiles):
    """The truth tile whose box overlaps ``box`` most (IoU > 0.5), else None."""
    best, best_iou = None, 0.5
    for tt in truth_tiles:
        iou = box.iou(tt.box)
        if iou > best_iou:
            best, best_iou = tt, iou
    return best


def _labelled(truth):
    return [t for t in truth.tiles if t.camera_on and t.fer_label is not None]


def _summary(name: str, times: list[float], correct: int, total: int, **extra) -> dict:
    return {
        "name": name,
        "frames": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(float(np.percentile(times, 90)), 1),
        "tile_accuracy": round(correct / total, 4) if total else None,
        "tiles_scored": total,
        **extra,
    }


def bench_classpulse(frames, model: Path, warmup: int = 1) -> dict:
    """The worker's per-frame path, timed from frame in hand to rows committed in SQLite."""
    from classpulse import adapters
    from classpulse.processor import FrameProcessor
    from classpulse.smoothing import EmaSmoother, Sampler
    from storage.engine import make_engine
    from storage.migrate import upgrade
    from storage.records import SessionSpec
    from storage.sessions import start_session
    from storage.writer import Writer

    tmp = tempfile.mkdtemp(prefix="cp-bench-")
    url = f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    sid = start_session(engine, SessionSpec("bench", "pipeline", sample_interval_s=0.5))
    proc = FrameProcessor(
        adapters.make_grid_detector(), adapters.make_name_reader(), adapters.make_face_detector(),
        adapters.make_classifier(model), EmaSmoother(enabled=False), Sampler(0.0), session_id=sid,
    )
    from capture.sources import to_frame

    writer = Writer(engine).start()
    # What mss hands the capture thread: BGRA. The BGRA->BGR Frame conversion is timed too.
    shots = [np.dstack([f.image, np.full(f.image.shape[:2], 255, np.uint8)]) for f, _ in frames]
    times, stages, correct, total, cold_ms, rows = [], [], 0, 0, None, 0
    for i, ((frame0, truth), shot) in enumerate(zip(frames, shots, strict=True)):
        t0 = time.perf_counter()
        frame = to_frame(shot, frame0.index, source="bench")
        res = proc.process(frame, frame.index * 0.5, datetime.now(UTC))
        writer.submit_observations(res.records)
        writer.flush()
        ms = (time.perf_counter() - t0) * 1000.0
        rows += len(res.records)
        if i < warmup:
            cold_ms = ms
            continue
        times.append(ms)
        stages.append(res.timings_ms)
        c, n = _score_classpulse(res, truth)
        correct, total = correct + c, total + n
    writer.stop()
    stage_ms = {k: round(statistics.median(s[k] for s in stages), 1) for k in stages[0]}
    return _summary("classpulse (batched, to committed rows)", times, correct, total,
                    cold_first_frame_ms=round(cold_ms or 0, 1), stage_median_ms=stage_ms,
                    rows_committed=rows, tiles_per_frame=len(frames[0][1].tiles),
                    peak_rss_mb=round(rss_mb(), 1))


def _score_classpulse(res, truth) -> tuple[int, int]:
    labelled = _labelled(truth)
    by_key = {}
    for tile, (_key, _state, probs) in zip(res.grid.tiles, res.tile_states, strict=True):
        tt = _match(tile.box, labelled)
        if tt is not None:
            by_key[tt.key] = probs
    correct = sum(
        1 for tt in labelled
        if by_key.get(tt.key) is not None and int(np.argmax(by_key[tt.key])) == tt.fer_label
    )
    return correct, len(labelled)


def _keras_model(model_dir: Path):
    import keras

    path = model_dir / "expression.keras"
    if path.exists():
        return keras.models.load_model(path, compile=False), True
    from inference.train import build_model

    return build_model(), False


def _score_boxes(boxes_preds, truth) -> tuple[int, int]:
    """boxes_preds: [(x, y, w, h, class_index)] in frame pixels; the first face per tile counts."""
    labelled = _labelled(truth)
    pred_by_key: dict[str, int] = {}
    for x, y, w, h, cls in boxes_preds:
        cx, cy = x + w / 2, y + h / 2
        for tt in labelled:
            b = tt.box
            if b.x <= cx < b.x + b.w and b.y <= cy < b.y + b.h:
                pred_by_key.setdefault(tt.key, cls)
    correct = sum(1 for tt in labelled if pred_by_key.get(tt.key) == tt.fer_label)
    return correct, len(labelled)


def bench_haar_loop(frames, model_dir: Path) -> dict:
    """The earlier projects' loop: Haar on the full frame, one ``predict`` per face."""
    import cv2

    from inference.preprocess import preprocess_faces

    model, trained = _keras_model(model_dir)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    model.predict(np.zeros((1, 48, 48, 1), np.float32), verbose=0)  # build/trace once
    times, correct, total, n_faces = [], 0, 0, 0
    for frame, truth in frames:
        t0 = time.perf_counter()
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        faces = cascade.detectMultiScale(gray, scaleFactor=1.3, minNeighbors=5)
        preds = []
        for x, y, w, h in faces:
            x_in = preprocess_faces(gray[y:y + h, x:x + w][None])
            probs = model.predict(x_in, verbose=0)[0]
            preds.append((int(x), int(y), int(w), int(h), int(np.argmax(probs))))
        times.append((time.perf_counter() - t0) * 1000.0)
        n_faces += len(faces)
        if trained:
            c, n = _score_boxes(preds, truth)
            correct, total = correct + c, total + n
    return _summary("earlier loop (Haar full frame + keras predict per face)", times, correct,
                    total, trained_model=trained, faces_per_frame=round(n_faces / len(frames), 1))


def bench_fer(frames) -> dict:
    """fer's detector + mini-Xception, per frame."""
    try:
        from fer.fer import FER
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return {"name": "fer FER(mtcnn=False)", "error": f"cannot import fer: {exc!r}"}
    labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    det = FER(mtcnn=False)
    det.detect_emotions(frames[0][0].image)  # warm-up
    times, correct, total, n_faces = [], 0, 0, 0
    for frame, truth in frames:
        t0 = time.perf_counter()
        found = det.detect_emotions(frame.image)
        times.append((time.perf_counter() - t0) * 1000.0)
        n_faces += len(found)
        preds = []
        for f in found:
            x, y, w, h = f["box"]
            top = max(f["emotions"], key=f["emotions"].get)
            preds.append((x, y, w, h, labels.index(top)))
        c, n = _score_boxes(preds, truth)
        correct, total = correct + c, total + n
    return _summary("fer FER(mtcnn=False).detect_emotions", times, correct, total,
                    faces_per_frame=round(n_faces / len(frames), 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--participants", type=int, default=49)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--model", type=Path, default=shipped_model())
    ap.add_argument("--skip", default="", help="comma list: haar,fer")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "pipeline.json")
    a = ap.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    frames = render(a.frames + 1, a.participants, a.seed)
    from capture.synthetic import fer_available

    results = [bench_classpulse(frames, a.model)]
    frames = frames[1:]  # the first one was the classpulse warm-up frame
    skip = set(filter(None, a.skip.split(",")))
    if "haar" not in skip:
        results.append(bench_haar_loop(frames, a.model.parent))
    if "fer" not in skip:
        results.append(bench_fer(frames))
    ours = results[0]
    loop = next((r for r in results if r["name"].startswith("earlier")), None)
    report = {
        "frame": "1920x1080", "participants": a.participants, "fer_faces": fer_available(),
        "cpu_count": os.cpu_count(), "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "results": results,
        "speedup_vs_loop": round(loop["median_ms"] / ours["median_ms"], 1) if loop else None,
        "targets": {"median_ms<=": TARGET_MS, "speedup>=": TARGET_SPEEDUP,
                    "rss_mb<=": TARGET_RSS_MB},
    }
    report["pass"] = {
        "latency": ours["median_ms"] <= TARGET_MS,
        "rss": ours["peak_rss_mb"] <= TARGET_RSS_MB,
        "speedup": None if loop is None else report["speedup_vs_loop"] >= TARGET_SPEEDUP,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2))
    for r in results:
        if "error" in r:
            print(f"{r['name']:<58} ERROR {r['error']}")
            continue
        acc = "n/a" if r["tile_accuracy"] is None else f"{100 * r['tile_accuracy']:.1f}%"
        print(f"{r['name']:<58} median {r['median_ms']:8.1f} ms  p90 {r['p90_ms']:8.1f} ms  "
              f"tile acc {acc}")
    print(f"load average (1 min) at the end: {report['loadavg_1m_at_end']} on {os.cpu_count()} CPUs")
    print(f"speed-up vs per-face loop: {report['speedup_vs_loop']}x; classpulse peak RSS "
          f"{ours['peak_rss_mb']} MB; stages {ours['stage_median_ms']}; pass {report['pass']}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
