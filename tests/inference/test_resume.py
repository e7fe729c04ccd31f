"""`--resume`: a run stopped after 2 epochs continues at epoch 3 with its optimizer state and
schedule; the held-out split and the webcam augmentation are wired into training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.resume import load_state
from tests.inference.conftest import write_fer_dir

TINY = ["--epochs", "4", "--batch", "64", "--widths", "4,4,8,8", "--no-export", "--seed", "3"]


def _iterations(run: Path) -> int:
    import keras

    return int(np.asarray(keras.models.load_model(str(run / "last.keras")).optimizer.iterations))


@pytest.mark.timeout(900)  # two short fits; each traces the train step (slow on a busy CPU)
def test_interrupted_run_resumes_where_it_stopped(tmp_path: Path, capsys) -> None:
    from inference.train import main

    data = write_fer_dir(tmp_path, 128, 16, seed=11)  # 128 faces / 64 = 2 steps an epoch
    run = tmp_path / "run"
    assert main(["--data", str(data), "--out", str(tmp_path / "o"), "--work-dir", str(run),
                 "--stop-after", "2", "--webcam-aug", "0.5", *TINY]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["paused"] is True
    assert not (run / "train_summary.json").exists()  # unfinished
    state = load_state(run)
    assert state["epoch"] == 2 and _iterations(run) == 4
    lr_before = [r["epoch"] for r in state["history"]]

    assert main(["--resume", str(run)]) == 0  # the saved arguments are reused
    summary = json.loads((run / "train_summary.json").read_text())
    assert summary["epochs_run"] == 4 and [r["epoch"] for r in summary["history"]] == [1, 2, 3, 4]
    assert lr_before == [1, 2]
    assert [(s["start_epoch"], s["epochs"]) for s in summary["sittings"]] == [(0, 2), (2, 2)]
    assert _iterations(run) == 8  # the optimizer continued: 4 epochs x 2 steps
    assert summary["args"]["webcam_aug"] == 0.5


def test_resume_needs_a_checkpoint(tmp_path: Path) -> None:
    from inference.train import main

    with pytest.raises(FileNotFoundError, match="not a resumable run"):
        main(["--resume", str(tmp_path)])


def test_recipe_resume_continues_the_unfinished_stage(tmp_path: Path, monkeypatch) -> None:
    """`classpulse train --resume WORK` skips finished stages and resumes the paused one."""
    import inference.recipe as recipe

    calls: list[list[str]] = []

    def fake_train(argv: list[str]) -> int:
        calls.append(argv)
        if argv[0] != "--resume":  # a fresh stage: finish it
            d = Path(argv[argv.index("--work-dir") + 1])
            d.mkdir(parents=True, exist_ok=True)
            (d / "train_summary.json").write_text("{}")
        else:
            (Path(argv[1]) / "train_summary.json").write_text("{}")
        return 0

    work = tmp_path / "w"
    monkeypatch.setattr(recipe, "export_and_summarise", lambda a: 0)
    monkeypatch.setattr("inference.train.main", fake_train)
    (work / "main").mkdir(parents=True)
    (work / "main" / "train_summary.json").write_text("{}")
    (work / "ft").mkdir()
    (work / "ft" / "resume.json").write_text("{}")
    (work / "recipe.json").write_text(json.dumps({"data": "D", "out": "O", "work_dir": str(work),
                                                  "smoke": False}))
    assert recipe.main(["--resume", str(work)]) == 0
    assert calls[0] == ["--resume", str(work / "ft")]
    assert [c[c.index("--work-dir") + 1] for c in calls[1:]] == [
        str(work / n) for n, _ in recipe.STAGES[2:]]


def test_holdout_mask_is_seeded_and_sized() -> None:
    from inference.train_data import holdout_mask

    a, b = holdout_mask(1000, 0.1, 5), holdout_mask(1000, 0.1, 5)
    assert a.sum() == 100 and (a == b).all() and not (a == holdout_mask(1000, 0.1, 6)).all()
    with pytest.raises(ValueError, match="0 <= frac < 1"):
        holdout_mask(10, 1.5)


def test_recipe_passes_webcam_aug_and_the_holdout_to_every_stage() -> None:
    from inference.recipe import STAGES, parse_args, stage_argv

    a = parse_args(["--data", "D", "--webcam-aug", "0.4"])
    for i in range(len(STAGES)):
        argv = stage_argv(a, i)
        assert argv[argv.index("--webcam-aug") + 1] == "0.4"
        assert argv[argv.index("--holdout-frac") + 1] == "0.05"
