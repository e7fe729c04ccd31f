"""Judge the shipped expression model on any FER2013-layout npz (`x` N x 48 x 48 uint8, `y` (N,)).

A folder of labelled photos instead of an npz runs the whole face path (inference.eval_photos).

Why a plain function plus a CLI: `classpulse eval-model` and the tests call `evaluate_npz`; anyone
can run `python -m inference.evaluate --data FILE.npz --json` and read ONE JSON line from stdout.
Uses only LiteRT + numpy (no TensorFlow), so it measures the same path the pipeline runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from inference.classifier import DEFAULT_MODEL, ExpressionClassifier
from inference.train_data import load_npz
from inference.types import EXPRESSIONS

N_CLASSES = len(EXPRESSIONS)


def confusion(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """7 x 7 counts, rows = true class, columns = predicted class."""
    return np.bincount(y * N_CLASSES + pred, minlength=N_CLASSES**2).reshape(N_CLASSES, N_CLASSES)


def metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    """Accuracy, macro-F1 and per-class precision/recall (0 where a class is absent).

    A prediction of -1 (no face found in a photo) counts as wrong: it lowers accuracy and its
    true class's recall, and is left out of the confusion matrix and the precisions."""
    valid = pred >= 0
    cm = confusion(y[valid], pred[valid]).astype(np.float64)
    tp = np.diag(cm)
    support = np.bincount(y, minlength=N_CLASSES).astype(np.float64)
    recall = np.divide(tp, support, out=np.zeros(N_CLASSES), where=support > 0)
    precision = np.divide(tp, cm.sum(0), out=np.zeros(N_CLASSES), where=cm.sum(0) > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(N_CLASSES), where=denom > 0)
    present = support > 0
    return {
        "n": int(len(y)),
        "accuracy": float(tp.sum() / max(1, len(y))),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class_recall": [round(float(v), 4) for v in recall],
        "per_class_precision": [round(float(v), 4) for v in precision],
        "confusion": cm.astype(int).tolist(),
    }


def predict_all(clf: ExpressionClassifier, x: np.ndarray, batch: int = 256) -> tuple[np.ndarray, float]:
    """Probabilities for all rows in batches; also the faces/s of the classify calls alone."""
    probs, spent = [], 0.0
    for i in range(0, len(x), batch):
        t = time.perf_counter()
        probs.append(clf.predict(x[i : i + batch]))
        spent += time.perf_counter() - t
        print(f"  {min(i + batch, len(x))}/{len(x)} faces", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    out = np.concatenate(probs) if probs else np.zeros((0, N_CLASSES), np.float32)
    return out, (len(x) / spent if spent > 0 else 0.0)


def evaluate_arrays(x: np.ndarray, y: np.ndarray, model_path: str | Path | None = None,
                    batch: int = 256) -> dict:
    """Full metrics (incl. precision and confusion) for arrays already loaded."""
    clf = ExpressionClassifier(model_path)
    probs, fps = predict_all(clf, x, batch)
    out = metrics(np.asarray(y, np.int64), probs.argmax(1) if len(probs) else np.zeros(0, int))
    out["faces_per_second"] = round(fps, 1)
    return out


def evaluate_npz(npz_path: str | Path, model_path: str | Path | None = None) -> dict:
    """{"n", "accuracy", "macro_f1", "per_class_recall" (7), "faces_per_second"} for one npz."""
    d = load_npz(npz_path)
    full = evaluate_arrays(d["x"], d["y"], model_path)
    return {k: full[k] for k in ("n", "accuracy", "macro_f1", "per_class_recall",
                                  "faces_per_second")}


def save_confusion_png(cm: list[list[int]], path: str | Path, title: str = "") -> None:
    """Row-normalised confusion matrix as a PNG (drawn with OpenCV: no plotting dependency)."""
    import cv2

    cm_a = np.asarray(cm, np.float64)
    norm = cm_a / np.maximum(cm_a.sum(1, keepdims=True), 1)
    cell, left, top = 80, 110, 70
    img = np.full((top + cell * N_CLASSES + 60, left + cell * N_CLASSES + 10, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, title, (10, 25), font, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    for i in range(N_CLASSES):
        for j in range(N_CLASSES):
            v = norm[i, j]
            shade = int(255 * (1 - v))
            x0, y0 = left + j * cell, top + i * cell
            cv2.rectangle(img, (x0, y0), (x0 + cell, y0 + cell), (255, shade, shade), -1)
            colour = (255, 255, 255) if v > 0.5 else (0, 0, 0)
            cv2.putText(img, f"{v:.2f}", (x0 + 18, y0 + 36), font, 0.5, colour, 1, cv2.LINE_AA)
            cv2.putText(img, f"n={int(cm_a[i, j])}", (x0 + 14, y0 + 58), font, 0.35, colour, 1,
                        cv2.LINE_AA)
        cv2.putText(img, EXPRESSIONS[i], (5, top + i * cell + 45), font, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
        cv2.putText(img, EXPRESSIONS[i][:7], (left + i * cell + 8, top - 8), font, 0.4, (0, 0, 0),
                    1, cv2.LINE_AA)
    cv2.putText(img, "rows: true class, columns: predicted (row-normalised)",
                (10, img.shape[0] - 20), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), img)


def main(argv: list[str] | None = None) -> int:
    """CLI: progress on stderr, ONE JSON line last on stdout; exit 2 on bad input."""
    ap = argparse.ArgumentParser(prog="classpulse eval-model", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True,
                    help="npz with x (N,48,48) uint8 and y (N,), or a folder of labelled photos "
                         "in sub-folders named after the classes (the whole face path)")
    ap.add_argument("--align", action="store_true",
                    help="photo folders: level the eyes before cropping (off by default, as in "
                         "the pipeline: see inference.face_crop.ALIGN_DEFAULT)")
    ap.add_argument("--model", default=None, help="model .tflite (default: the shipped models/expression.tflite)")
    ap.add_argument("--json", action="store_true", help="accepted for symmetry: JSON is always printed")
    ap.add_argument("--report", default=None,
                    help="also write full metrics JSON here and a confusion PNG beside it")
    a = ap.parse_args(argv)
    keys = ("n", "accuracy", "macro_f1", "per_class_recall", "faces_per_second")
    try:
        if Path(a.data).is_dir():
            from inference.eval_photos import evaluate_folder

            print(f"evaluating {a.model or DEFAULT_MODEL} on the photos in "
                  f"{a.data} (detect, align, crop, classify)", file=sys.stderr)
            full = evaluate_folder(a.data, a.model, align=a.align)
            keys += ("faces_found", "accuracy_faces_found", "skipped_unreadable", "aligned")
        else:
            d = load_npz(a.data)
            print(f"evaluating {a.model or DEFAULT_MODEL} on {a.data} "
                  f"({len(d['y'])} faces)", file=sys.stderr)
            full = evaluate_arrays(d["x"], d["y"], a.model)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.report:
        Path(a.report).write_text(json.dumps(full, indent=1))
        png = Path(a.report).with_suffix(".png")
        save_confusion_png(full["confusion"], png, f"{Path(a.data).name}: acc "
                           f"{full['accuracy']:.4f}, macro-F1 {full['macro_f1']:.4f}")
        print(f"wrote {a.report} and {png}", file=sys.stderr)
    print(json.dumps({k: full[k] for k in keys}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
