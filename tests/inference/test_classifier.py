"""ExpressionClassifier: output contract, one runtime call per batch, errors, no TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from inference.classifier import ExpressionClassifier
from inference.types import EXPRESSIONS
from tests.inference.conftest import REPO, SHIPPED_MODEL


@pytest.fixture(scope="module")
def clf(tiny_model_path: Path) -> ExpressionClassifier:
    return ExpressionClassifier(tiny_model_path)


def faces(n: int, h: int = 48, w: int = 48, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, h, w), dtype=np.uint8)


@pytest.mark.parametrize("n", [1, 3, 49])
def test_shape_dtype_and_sums(clf: ExpressionClassifier, n: int) -> None:
    p = clf.predict(faces(n))
    assert p.shape == (n, len(EXPRESSIONS)) and p.dtype == np.float32
    assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_empty_batch_gives_empty_result(clf: ExpressionClassifier) -> None:
    p = clf.predict(np.zeros((0, 48, 48), np.uint8))
    assert p.shape == (0, 7) and p.dtype == np.float32


def test_any_crop_size_is_resized_by_the_shared_function(clf: ExpressionClassifier) -> None:
    big = faces(2, 96, 80)
    from inference.preprocess import preprocess_faces

    assert preprocess_faces(big).shape == (2, 48, 48, 1)
    assert clf.predict(big).shape == (2, 7)
    assert clf.predict(faces(2, 20, 30)).shape == (2, 7)


def test_rows_follow_input_order(clf: ExpressionClassifier) -> None:
    batch = faces(5, seed=3)
    together = clf.predict(batch)
    one_by_one = np.concatenate([clf.predict(batch[i : i + 1]) for i in range(5)])
    assert np.allclose(together, one_by_one, atol=1e-4)
    assert np.allclose(clf.predict(batch[::-1]), together[::-1], atol=1e-4)


def test_one_runtime_call_per_batch(tiny_model_path: Path) -> None:
    c = ExpressionClassifier(tiny_model_path)
    calls = []
    real = c._interp.invoke
    c._interp = _Spy(c._interp, lambda: (calls.append(1), real())[1])
    c.predict(faces(49))
    c.predict(faces(49))
    assert len(calls) == 2


class _Spy:
    """Wraps an interpreter, replacing invoke() (LiteRT objects do not allow attribute set)."""

    def __init__(self, inner: object, invoke: object) -> None:
        self._inner, self.invoke = inner, invoke

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


@pytest.mark.parametrize(
    ("bad", "msg"),
    [
        (np.zeros((2, 48, 48), np.float32), "expected dtype uint8, got float32"),
        (np.zeros((48, 48), np.uint8), "expected shape (N, H, W), got (48, 48)"),
        (np.zeros((2, 48, 48, 3), np.uint8), "expected shape (N, H, W), got (2, 48, 48, 3)"),
        ([[1, 2]], "expected a numpy array"),
    ],
)
def test_bad_batches_say_expected_vs_actual(clf: ExpressionClassifier, bad: object, msg: str) -> None:
    with pytest.raises((ValueError, TypeError), match=msg.replace("(", r"\(").replace(")", r"\)")):
        clf.predict(bad)


def test_missing_model_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tflite"
    with pytest.raises(FileNotFoundError, match="nope.tflite"):
        ExpressionClassifier(missing)


def test_corrupt_model_names_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.tflite"
    bad.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(ValueError, match="corrupt.tflite"):
        ExpressionClassifier(bad)


def test_inference_does_not_import_tensorflow(tiny_model_path: Path) -> None:
    code = (
        "import sys, numpy as np\n"
        "from inference.classifier import ExpressionClassifier\n"
        "from inference.evaluate import evaluate_npz\n"
        f"c = ExpressionClassifier(r'{tiny_model_path}')\n"
        "c.predict(np.zeros((3, 48, 48), np.uint8))\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "assert 'keras' not in sys.modules, 'keras was imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]


def test_shipped_model_loads_and_is_small() -> None:
    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"no shipped model at {SHIPPED_MODEL} yet")
    assert SHIPPED_MODEL.stat().st_size <= 10 * 1024 * 1024
    assert ExpressionClassifier().predict(faces(2)).shape == (2, 7)
