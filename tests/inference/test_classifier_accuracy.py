"""The shipped model on real PublicTest faces: a fixed 500-face subset must reach >= 65%."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inference.classifier import ExpressionClassifier
from inference.train_data import load_npz
from tests.inference.conftest import SHIPPED_MODEL


def test_publictest_subset_accuracy(fer_dir: Path) -> None:
    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"no shipped model at {SHIPPED_MODEL}")
    d = load_npz(fer_dir / "public_test.npz")
    idx = np.random.default_rng(2013).choice(len(d["y"]), 500, replace=False)  # fixed subset
    probs = ExpressionClassifier().predict(d["x"][idx])
    acc = float((probs.argmax(1) == d["y"][idx]).mean())
    assert acc >= 0.65, f"PublicTest 500-face subset accuracy {acc:.3f} < 0.65"
