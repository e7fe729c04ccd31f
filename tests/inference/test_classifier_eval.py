"""evaluate_npz / eval-model CLI: metric values, the one-JSON-line contract, bad npz errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.evaluate import evaluate_npz, main, metrics
from tests.inference.conftest import write_fer_npz


def test_metrics_on_a_known_case() -> None:
    y = np.array([0, 0, 1, 3, 3, 3])
    pred = np.array([0, 3, 1, 3, 3, 0])
    m = metrics(y, pred)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_class_recall"][:4] == [0.5, 1.0, 0.0, pytest.approx(0.6667, abs=1e-4)]
    assert m["confusion"][0] == [1, 0, 0, 1, 0, 0, 0]
    f1 = [0.5, 1.0, 2 * (2 / 3) * (2 / 3) / (4 / 3)]  # Angry, Disgust, Happy (only classes present)
    assert m["macro_f1"] == pytest.approx(np.mean(f1))


def test_evaluate_npz_keys(tmp_path: Path, tiny_model_path: Path) -> None:
    r = evaluate_npz(write_fer_npz(tmp_path / "d.npz", 40), tiny_model_path)
    assert set(r) == {"n", "accuracy", "macro_f1", "per_class_recall", "faces_per_second"}
    assert r["n"] == 40 and len(r["per_class_recall"]) == 7 and r["faces_per_second"] > 0


def test_cli_last_stdout_line_is_one_json_object(tmp_path: Path, tiny_model_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    npz = write_fer_npz(tmp_path / "d.npz", 20)
    report = tmp_path / "r.json"
    assert main(["--data", str(npz), "--model", str(tiny_model_path), "--json",
                 "--report", str(report)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last)["n"] == 20
    assert report.is_file() and report.with_suffix(".png").is_file()


@pytest.mark.parametrize(
    ("arrays", "msg"),
    [
        ({"y": np.zeros(3, np.uint8)}, "missing array 'x'"),
        ({"x": np.zeros((3, 48, 48), np.uint8)}, "missing array 'y'"),
        ({"x": np.zeros((3, 48, 48), np.float32), "y": np.zeros(3, np.uint8)}, "got float32"),
        ({"x": np.zeros((3, 64, 64), np.uint8), "y": np.zeros(3, np.uint8)}, r"\(3, 64, 64\)"),
        ({"x": np.zeros((3, 48, 48), np.uint8), "y": np.zeros(4, np.uint8)}, r"expected integer \(3,\)"),
        ({"x": np.zeros((3, 48, 48), np.uint8), "y": np.full(3, 9, np.uint8)}, "labels 0..6"),
    ],
)
def test_bad_npz_names_file_and_shapes(tmp_path: Path, arrays: dict, msg: str) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=msg):
        evaluate_npz(path)
    with pytest.raises(ValueError, match="bad.npz"):
        evaluate_npz(path)


def test_missing_and_corrupt_npz(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        evaluate_npz(tmp_path / "absent.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="junk.npz"):
        evaluate_npz(junk)
    assert main(["--data", str(junk)]) == 2
    assert "junk.npz" in capsys.readouterr().err
