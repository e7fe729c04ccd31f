"""Calibrated confidence: temperature scaling fitted on held-out Training faces.

Why: the dashboard shows FaceObservation.confidence (the top probability); a model that says
0.9 should be right about 9 times in 10. One temperature T rescales the log-probabilities
(softmax(log p / T)); it never changes which class wins, so accuracy is untouched.

Honesty rules (issue 14): T is fitted on a split of Training that training never saw (the
recipe reserves it: --holdout-frac, recorded in train_summary.json), NEVER on PublicTest, and
never on faces the model trained on. A model trained on all of Training (the shipped one) has
no such split: `classpulse calibrate` then only reports the ECE on PublicTest and writes nothing.
The fitted T goes into ``<model>.calibration.json`` beside the model; ExpressionClassifier
applies it when that file is there.

    classpulse calibrate --data ../shared/data/fer2013 --model models/expression.tflite
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ECE_BINS = 15


def apply_temperature(probs: np.ndarray, t: float) -> np.ndarray:
    """softmax(log(p) / t) row-wise; t = 1 returns the same probabilities."""
    logp = np.log(np.clip(np.asarray(probs, np.float64), 1e-12, 1.0)) / t
    logp -= logp.max(axis=1, keepdims=True)
    e = np.exp(logp)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def nll(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true labels."""
    return float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0)).mean())


def ece(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: |accuracy - mean confidence| per equal-width confidence bin,
    weighted by the bin's share of the faces."""
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.mean() * abs(right[sel].mean() - conf[sel].mean())
    return float(total)


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The T in [0.05, 20] that minimises the NLL of ``y`` (bounded 1-D search on log T)."""
    from scipy.optimize import minimize_scalar

    if len(y) < 50:
        raise ValueError(f"temperature fit: expected >= 50 held-out faces, got {len(y)}")
    res = minimize_scalar(lambda lt: nll(apply_temperature(probs, float(np.exp(lt))), y),
                          bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))


def sidecar(model_path: str | Path) -> Path:
    """Where a model's temperature lives: ``expression.tflite`` -> ``expression.calibration.json``."""
    return Path(model_path).with_suffix(".calibration.json")


def load_temperature(model_path: str | Path) -> float:
    """The model's fitted T, or 1.0 when no calibration file is there."""
    path = sidecar(model_path)
    if not path.is_file():
        return 1.0
    t = float(json.loads(path.read_text())["temperature"])
    if not 0.05 <= t <= 20.0:
        raise ValueError(f"{path}: temperature expected in [0.05, 20], got {t}")
    return t


def holdout_of(summary_path: Path) -> tuple[float, int]:
    """(fraction, seed) of the Training split every stage held out; (0, 0) when none did."""
    if not summary_path.is_file():
        return 0.0, 0
    s = json.loads(summary_path.read_text())
    stages = s.get("stages", [s])
    fr = {(st["args"].get("holdout_frac", 0.0), st["args"].get("holdout_seed", 0)) for st in stages}
    if len(fr) != 1:  # stages that held out different rows have trained on each other's split
        return 0.0, 0
    return next(iter(fr))


def main(argv: list[str] | None = None) -> int:
    """Report ECE on PublicTest; fit and save T when the model has a held-out Training split."""
    from inference.classifier import DEFAULT_MODEL, ExpressionClassifier
    from inference.evaluate import predict_all
    from inference.train_data import holdout_mask, load_npz

    ap = argparse.ArgumentParser(prog="classpulse calibrate", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder with train.npz and public_test.npz")
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--summary", default=None,
                    help="train_summary.json of the model (default: beside the model)")
    a = ap.parse_args(argv)
    model = Path(a.model)
    summary = Path(a.summary) if a.summary else model.parent / "train_summary.json"
    try:
        clf = ExpressionClassifier(model)
        clf.temperature = 1.0  # measure the raw model
        pt = load_npz(Path(a.data) / "public_test.npz")
        p_test, _ = predict_all(clf, pt["x"])
        out = {"n_publictest": len(pt["y"]), "ece_publictest_before": round(ece(p_test, pt["y"]), 4),
               "nll_publictest_before": round(nll(p_test, pt["y"]), 4)}
        frac, seed = holdout_of(summary)
        if frac <= 0:
            out["fitted"] = False
            out["why"] = (f"{summary}: no held-out Training split (the model trained on all of "
                          f"Training); retrain with the recipe (it holds out 5 %) to calibrate")
            print(json.dumps(out))
            return 0
        tr = load_npz(Path(a.data) / "train.npz")
        held = holdout_mask(len(tr["y"]), frac, seed)
        p_hold, _ = predict_all(clf, tr["x"][held])
        t = fit_temperature(p_hold, tr["y"][held])
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cal = apply_temperature(p_test, t)
    out.update(fitted=True, temperature=round(t, 4), n_fit=int(held.sum()),
               fitted_on=f"Training rows held out from training (frac {frac}, seed {seed})",
               ece_holdout_before=round(ece(p_hold, tr["y"][held]), 4),
               ece_publictest_after=round(ece(cal, pt["y"]), 4),
               nll_publictest_after=round(nll(cal, pt["y"]), 4))
    sidecar(model).write_text(json.dumps(out, indent=1))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
