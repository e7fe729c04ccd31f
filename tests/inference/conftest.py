"""Fixtures for the expression-model tests: tiny models and synthetic FER-layout npz files.

Why synthetic data: these tests must run offline and without ../shared; only the real-accuracy
test needs FER2013 and it skips with a reason when the data is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
FER_DIR = REPO.parent / "shared" / "data" / "fer2013"
SHIPPED_MODEL = REPO / "models" / "expression.tflite"


def write_fer_npz(path: Path, n: int, seed: int = 0, votes: bool = True) -> Path:
    """A random npz in the FER2013 layout (x, y, ferplus_votes, pixels_from_jpeg)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x": rng.integers(0, 256, (n, 48, 48), dtype=np.uint8),
        "y": (np.arange(n) % 7).astype(np.uint8),
        "pixels_from_jpeg": np.zeros(n, bool),
    }
    if votes:
        arrays["ferplus_votes"] = rng.multinomial(10, [0.1] * 10, size=n).astype(np.uint8)
    np.savez(path, **arrays)
    return path



def write_fer_dir(root: Path, n_train: int, n_val: int, seed: int) -> Path:
    """A --data folder for training: random train.npz and public_test.npz (seeds seed, seed+1)."""
    data = root / "data"
    data.mkdir()
    write_fer_npz(data / "train.npz", n_train, seed=seed)
    write_fer_npz(data / "public_test.npz", n_val, seed=seed + 1)
    return data

@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight, narrow version of the shipped architecture, exported to .tflite."""
    import keras

    from inference.train import build_model
    from inference.train_export import export_tflite

    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.tflite"
    export_tflite(build_model((4, 4, 8, 8)), path)
    return path


@pytest.fixture(scope="session")
def fer_dir() -> Path:
    """The shared FER2013 folder, or skip: those tests need the real faces."""
    if not (FER_DIR / "public_test.npz").is_file():
        pytest.skip(f"FER2013 data absent at {FER_DIR} (needed for real-face accuracy)")
    return FER_DIR
