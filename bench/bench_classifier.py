"""Side-by-side speed: our batched LiteRT classifier vs a per-face Keras `model.predict` loop.

Why: the projects we replace classify one face at a time through TensorFlow. This runs both on
the SAME 49 faces (a 7x7 gallery) in one run and prints faces/s for each and the ratio.
Target: >= 1,000 faces/s batched (49 faces in <= 50 ms) on the 2-core machine.

    .venv/bin/python bench/bench_classifier.py [--model models/expression.tflite]
        [--keras models/expression.keras] [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inference.classifier import DEFAULT_MODEL, ExpressionClassifier  # noqa: E402
from inference.preprocess import preprocess_faces  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FER_TEST = REPO.parent / "shared" / "data" / "fer2013" / "public_test.npz"
N_FACES = 49


def load_faces() -> tuple[np.ndarray, str]:
    """49 real PublicTest faces when available (else random pixels: speed does not care)."""
    if FER_TEST.is_file():
        return np.load(FER_TEST)["x"][:N_FACES], "PublicTest[:49]"
    return np.random.default_rng(0).integers(0, 256, (N_FACES, 48, 48), np.uint8), "random"


def bench_batched(model: Path, faces: np.ndarray, repeats: int) -> dict:
    clf = ExpressionClassifier(model)
    clf.predict(faces)  # warm-up: allocation for this batch size happens once
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        clf.predict(faces)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    return {"ms_per_49": round(med * 1000, 2), "faces_per_second": round(N_FACES / med, 1),
            "best_ms": round(min(times) * 1000, 2)}


def bench_per_face_keras(keras_path: Path, faces: np.ndarray) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    model = keras.models.load_model(keras_path, compile=False)
    x = preprocess_faces(faces)
    model.predict(x[:1], verbose=0)  # warm-up (graph tracing)
    t = time.perf_counter()
    for i in range(len(x)):
        model.predict(x[i : i + 1], verbose=0)
    dt = time.perf_counter() - t
    return {"ms_per_49": round(dt * 1000, 1), "faces_per_second": round(len(x) / dt, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--keras", type=Path, default=REPO / "models" / "expression.keras")
    ap.add_argument("--repeats", type=int, default=30)
    a = ap.parse_args(argv)
    faces, source = load_faces()
    ours = bench_batched(a.model, faces, a.repeats)
    print(f"batched LiteRT  ({a.model.name}): {ours['faces_per_second']:8.1f} faces/s "
          f"({ours['ms_per_49']} ms per 49 faces, median of {a.repeats})", file=sys.stderr)
    theirs = bench_per_face_keras(a.keras, faces)
    print(f"per-face Keras  ({a.keras.name}): {theirs['faces_per_second']:8.1f} faces/s "
          f"({theirs['ms_per_49']} ms per 49 faces)", file=sys.stderr)
    ratio = ours["faces_per_second"] / theirs["faces_per_second"]
    print(f"speed-up: {ratio:.1f}x; target >= 1000 faces/s batched: "
          f"{'MET' if ours['faces_per_second'] >= 1000 else 'NOT met'}", file=sys.stderr)
    print(json.dumps({"faces": source, "cores": os.cpu_count(), "batched": ours,
                      "per_face_keras": theirs, "ratio": round(ratio, 1),
                      "model_bytes": a.model.stat().st_size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
