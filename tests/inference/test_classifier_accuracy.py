"""The shipped model on real PublicTest faces, on a fixed 500-face subset (seed 2013).

The issue's bar is >= 65 % on this subset (the shipped model: 69.2 % on all of PublicTest, 68.2 % here).
A second, higher floor catches a quieter regression, e.g. the TTA views or the int8
calibration going wrong, which costs a point or two rather than ten.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inference.classifier import ExpressionClassifier
from inference.train_data import load_npz
from tests.inference.conftest import SHIPPED_MODEL


def subset_accuracy(fer_dir: Path) -> float:
    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"no shipped model at {SHIPPED_MODEL}")
    d = load_npz(fer_dir / "public_test.npz")
    idx = np.random.default_rng(2013).choice(len(d["y"]), 500, replace=False)  # fixed subset
    probs = ExpressionClassifier().predict(d["x"][idx])
    return float((probs.argmax(1) == d["y"][idx]).mean())


def test_publictest_subset_regression_floor(fer_dir: Path) -> None:
    acc = subset_accuracy(fer_dir)
    assert acc >= 0.665, f"PublicTest 500-face subset accuracy {acc:.3f} < 0.665 (regression)"


def test_publictest_subset_target_65(fer_dir: Path) -> None:
    acc = subset_accuracy(fer_dir)
    assert acc >= 0.65, f"PublicTest 500-face subset accuracy {acc:.3f} < 0.65"
