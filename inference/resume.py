"""Checkpoints that let a training run survive interruption (`classpulse train --resume DIR`).

Why the full model plus a JSON: the .keras archive of the training model carries the weights
AND the optimizer state (AdamW moments, iteration count); the JSON carries what Keras does not
know: the epoch reached, the schedule length the time budget fitted, the best PublicTest epoch,
the per-epoch history, and the run's arguments. With both, a resumed run continues the LR
schedule where it stopped instead of warming up again. Files are replaced atomically, so an
interruption during a save leaves the previous epoch's checkpoint intact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

CHECKPOINT = "last.keras"
STATE = "resume.json"
STATE_KEYS = ("epoch", "total_epochs", "best", "best_epoch", "history", "epoch_times",
              "seconds", "sittings", "args")


def save_checkpoint(trainer: object, work: Path, state: dict) -> None:
    """Write ``work/last.keras`` (model + optimizer) and ``work/resume.json`` atomically."""
    tmp = work / "last.tmp.keras"
    trainer.save(str(tmp))
    os.replace(tmp, work / CHECKPOINT)
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise ValueError(f"resume state: missing {missing}")
    tmp_json = work / (STATE + ".tmp")
    tmp_json.write_text(json.dumps({k: state[k] for k in STATE_KEYS}, indent=1))
    os.replace(tmp_json, work / STATE)


def load_state(run_dir: str | Path) -> dict:
    """The saved state of a run folder; a clear error when it is not a resumable run."""
    run = Path(run_dir)
    path, ckpt = run / STATE, run / CHECKPOINT
    if not path.is_file() or not ckpt.is_file():
        raise FileNotFoundError(f"{run}: not a resumable run (expected {STATE} and {CHECKPOINT}, "
                                f"written after each epoch)")
    state = json.loads(path.read_text())
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise ValueError(f"{path}: expected keys {list(STATE_KEYS)}, missing {missing}")
    return state


def restore(trainer: object, run_dir: str | Path) -> int:
    """Copy the weights and the optimizer state of ``run_dir/last.keras`` into ``trainer``
    (built and compiled exactly as the first sitting did); returns the optimizer iterations.

    Why copy instead of training the loaded model: AdamW's exclusions from weight decay are not
    saved in the archive and cannot be set once the optimizer is built, so the freshly compiled
    optimizer (with its exclusions) receives the saved variables instead.
    """
    import keras

    saved = keras.models.load_model(str(Path(run_dir) / CHECKPOINT))
    trainer.set_weights(saved.get_weights())
    opt = trainer.optimizer
    opt.build(trainer.trainable_variables)
    src, dst = saved.optimizer.variables, opt.variables
    shapes = [tuple(v.shape) for v in src], [tuple(v.shape) for v in dst]
    if shapes[0] != shapes[1]:
        raise ValueError(f"{run_dir}: optimizer state does not fit this model: expected "
                         f"{len(shapes[1])} variables {shapes[1][:3]}..., got {len(shapes[0])} "
                         f"{shapes[0][:3]}...")
    for s, d in zip(src, dst, strict=True):
        d.assign(np.asarray(s))
    return int(np.asarray(opt.iterations))
