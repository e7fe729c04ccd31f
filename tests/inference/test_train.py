"""Training: a tiny real run exports a loadable model; data helpers and schedule behave."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.classifier import ExpressionClassifier
from inference.train_data import class_weights, load_npz, soft_targets
from tests.inference.conftest import write_fer_dir, write_fer_npz


def test_tiny_training_run_exports_a_loadable_model(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from inference.train import main

    data = write_fer_dir(tmp_path, 256, 64, seed=1)
    out = tmp_path / "models"
    rc = main(["--data", str(data), "--out", str(out), "--work-dir", str(tmp_path / "work"),
               "--epochs", "1", "--batch", "64", "--soft-labels", "0.5"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs_run"] == 1
    assert (out / "expression.keras").is_file()
    p = ExpressionClassifier(out / "expression.tflite").predict(load_npz(data / "public_test.npz")["x"])
    assert p.shape == (64, 7) and np.allclose(p.sum(1), 1, atol=1e-5)


def test_bf16_checkpoint_reexports_as_float32_tta(tmp_path: Path) -> None:
    """best.keras from a --bf16 run computes in bfloat16; the export CLI must still give a
    float32 in/out model (it once produced a bf16 graph with casts)."""
    from inference.train import main
    from inference.train_export import main as export_main

    data = write_fer_dir(tmp_path, 128, 32, seed=3)
    work = tmp_path / "work"
    assert main(["--data", str(data), "--out", str(tmp_path / "o"), "--work-dir", str(work),
                 "--epochs", "1", "--batch", "64", "--bf16", "--no-export"]) == 0
    out = tmp_path / "tta.tflite"
    assert export_main(["--keras", str(work / "best.keras"), "--out", str(out), "--tta",
                        "--quantize", "dynamic"]) == 0
    p = ExpressionClassifier(out).predict(load_npz(data / "public_test.npz")["x"])
    assert p.dtype == np.float32 and p.shape == (32, 7) and np.allclose(p.sum(1), 1, atol=1e-4)


def test_early_stopping_on_publictest_patience(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """--patience N ends the run N epochs after the best PublicTest epoch (one validation face:
    its accuracy can improve at most once, so the best epoch is reached early)."""
    from inference.train import main

    data = write_fer_dir(tmp_path, 128, 8, seed=7)
    assert main(["--data", str(data), "--out", str(tmp_path / "o"), "--work-dir",
                 str(tmp_path / "w"), "--epochs", "20", "--batch", "64", "--patience", "2",
                 "--val-limit", "1", "--no-export"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs_run"] == summary["best_epoch"] + 2 < 20


def test_class_weights_lift_the_rare_class() -> None:
    y = np.array([3] * 100 + [1] * 4 + [0] * 50)
    w = class_weights(y)
    assert w[1] > w[0] > w[3]
    assert np.isclose(w[y].mean(), 1.0)


def test_soft_targets_mix_votes_and_keep_fer_order(tmp_path: Path) -> None:
    d = load_npz(write_fer_npz(tmp_path / "t.npz", 3), need_votes=True)
    d["y"] = np.array([0, 3, 6])
    # FER+ columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
    d["ferplus_votes"] = np.array([[0, 0, 0, 0, 10, 0, 0, 0, 0, 0],   # anger -> Angry
                                   [5, 5, 0, 0, 0, 0, 0, 0, 0, 0],    # neutral/happy split
                                   [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]], np.uint8)  # NF: keep hard
    d["pixels_from_jpeg"] = np.zeros(3, bool)
    t = soft_targets(d, mix=0.5)
    assert np.allclose(t.sum(1), 1)
    assert t[0, 0] == pytest.approx(1.0)
    assert t[1, 3] == pytest.approx(0.75) and t[1, 6] == pytest.approx(0.25)
    assert t[2, 6] == pytest.approx(1.0)


def test_lr_schedule_warms_up_then_anneals() -> None:
    from inference.train import lr_at

    assert lr_at(0.0, 1.0, 0.1) < lr_at(0.1, 1.0, 0.1) == pytest.approx(1.0)
    assert lr_at(1.0, 1.0, 0.1) < 0.01


def test_training_uses_the_shared_preprocessing() -> None:
    import inference.train as train
    from inference import preprocess

    assert train.preprocess_faces is preprocess.preprocess_faces


def test_recipe_chains_every_stage_and_exports_what_models_ships(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    """`classpulse train` = all stages (each from the previous best.keras) + the exports."""
    from inference.recipe import AVERAGE_LAST, STAGES, main

    data = write_fer_dir(tmp_path, 256, 32, seed=5)
    out = tmp_path / "models"
    assert main(["--data", str(data), "--out", str(out), "--work-dir", str(tmp_path / "w"),
                 "--smoke"]) == 0
    summary = json.loads((out / "train_summary.json").read_text())
    assert [s["args"]["init_from"] for s in summary["stages"]] == [None] + [
        str(tmp_path / "w" / name / "best.keras") for name, _ in STAGES[:-1]]
    x = load_npz(data / "public_test.npz")["x"]
    for name in ("expression.tflite", "expression_fast.tflite"):
        p = ExpressionClassifier(out / name).predict(x)
        assert p.shape == (32, 7) and np.allclose(p.sum(1), 1, atol=1e-4)
    assert (out / "expression.keras").is_file()
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["files"] and printed["averaged_stages"] == [n for n, _ in STAGES[-AVERAGE_LAST:]]


def test_average_weights_is_the_elementwise_mean(tmp_path: Path) -> None:
    import keras

    from inference.recipe import average_weights
    from inference.train import build_model

    paths = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        m = build_model((4, 4, 8, 8))
        m.save(str(tmp_path / f"m{seed}.keras"))
        paths.append(tmp_path / f"m{seed}.keras")
    a, b = (keras.models.load_model(str(p), compile=False).get_weights() for p in paths)
    avg = average_weights(paths).get_weights()
    assert all(np.allclose(w, (x + y) / 2, atol=1e-6) for w, x, y in zip(avg, a, b, strict=True))
