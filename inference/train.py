"""Train the FER2013 expression CNN and export it for LiteRT.

Why these choices (2-core CPU, ~75 min): a ~1.2M-parameter VGG-style net is the largest that gets
~30 epochs in that time; a warmup + cosine schedule whose length adapts to the wall-clock budget
makes every run end annealed; augmentation runs inside the training graph only, so the exported
model is the bare network. Model choice (best epoch) uses PublicTest only.

Reproduce the shipped model: see models/MODEL_CARD.md for the exact command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from inference.preprocess import preprocess_faces
from inference.resume import STATE_KEYS, load_state, restore, save_checkpoint
from inference.train_data import (
    N_CLASSES,
    class_weights,
    holdout_mask,
    load_npz,
    one_hot,
    soft_targets,
)
from inference.types import FER_SIZE


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="classpulse train", description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="folder with train.npz and public_test.npz")
    ap.add_argument("--out", default="models", help="where expression.keras/.tflite go")
    ap.add_argument("--work-dir", default=None, help="checkpoints/logs (default OUT/../runs/...)")
    ap.add_argument("--epochs", type=int, default=30, help="max epochs (schedule length)")
    ap.add_argument("--time-budget-min", type=float, default=0.0,
                    help="wall-clock budget; >0 shrinks the schedule to fit and stops in time")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3, help="peak learning rate (AdamW)")
    ap.add_argument("--weight-decay", type=float, default=0.02)
    ap.add_argument("--warmup-frac", type=float, default=0.05)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--class-weight-power", type=float, default=0.5)
    ap.add_argument("--widths", default="32,64,128,256")
    ap.add_argument("--soft-labels", type=float, default=0.0,
                    help="weight of the FER+ vote distribution in the target (0 = hard labels)")
    ap.add_argument("--patience", type=int, default=0,
                    help="stop after N epochs without a better PublicTest accuracy (0 = never)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training rows")
    ap.add_argument("--val-limit", type=int, default=0, help="use only the first N PublicTest rows")
    ap.add_argument("--bf16", action="store_true", help="mixed bfloat16 compute")
    ap.add_argument("--no-augment", action="store_true", help="profiling only")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--export-quantize", choices=["none", "dynamic", "int8"], default="dynamic",
                    help="LiteRT weights: dynamic int8 is ~3x faster on CPU at ~no accuracy cost")
    ap.add_argument("--export-tta", action="store_true", help="bake flip averaging into the export")
    ap.add_argument("--threads", type=int, default=0, help="TF intra-op threads (0 = all cores)")
    ap.add_argument("--resume", default=None, metavar="RUN_DIR",
                    help="continue the run in RUN_DIR from its last epoch (weights, optimizer "
                         "state, schedule position, history); its saved arguments are used")
    ap.add_argument("--stop-after", type=int, default=0, metavar="N",
                    help="end this sitting after N epochs (0 = never); continue with --resume")
    ap.add_argument("--webcam-aug", type=float, default=0.0, metavar="P",
                    help="webcam-tile degradations (inference.augment), each step with "
                         "probability P (0 = off)")
    ap.add_argument("--holdout-frac", type=float, default=0.0,
                    help="hold this fraction of Training out of training (for calibration)")
    ap.add_argument("--holdout-seed", type=int, default=2013,
                    help="seed of the held-out split (the same for every stage of a recipe)")
    ap.add_argument("--init-from", default=None,
                    help="start from this .keras model instead of fresh weights: a warm restart "
                         "(a second cosine cycle), as the shipped model's second stage")
    a = ap.parse_args(argv)
    if not a.data and not a.resume:
        ap.error("--data is required (or --resume RUN_DIR)")
    return a


def build_model(widths: tuple[int, ...] = (32, 64, 128, 256), seed: int = 1234) -> object:
    """VGG-style net: per block 2 x (conv3x3 + BN + ReLU), maxpool; then GAP, dense 256, softmax."""
    import keras
    from keras import layers

    init = keras.initializers.HeNormal(seed=seed)
    inp = keras.Input((FER_SIZE, FER_SIZE, 1), name="faces")
    x = inp
    for i, w in enumerate(widths):
        for j in range(2):
            x = layers.Conv2D(w, 3, padding="same", use_bias=False, kernel_initializer=init,
                              name=f"b{i}_conv{j}")(x)
            x = layers.BatchNormalization(name=f"b{i}_bn{j}")(x)
            x = layers.ReLU(name=f"b{i}_relu{j}")(x)
        x = layers.MaxPooling2D(2, name=f"b{i}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.25, seed=seed, name="drop0")(x)
    x = layers.Dense(256, activation="relu", kernel_initializer=init, name="fc")(x)
    x = layers.Dropout(0.4, seed=seed, name="drop1")(x)
    x = layers.Dense(N_CLASSES, name="logits")(x)
    out = layers.Activation("softmax", dtype="float32", name="probs")(x)
    return keras.Model(inp, out, name="expression_vgg")


def build_augmenter(seed: int) -> object:
    """Training-only augmentation: flip, small shift/rotation/zoom, brightness/contrast."""
    import keras
    from keras import layers

    return keras.Sequential([
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(10 / 360, fill_mode="nearest", seed=seed + 1),
        layers.RandomZoom((-0.1, 0.1), fill_mode="nearest", seed=seed + 2),
        layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed + 3),
        layers.RandomBrightness(0.15, value_range=(0.0, 1.0), seed=seed + 4),
        layers.RandomContrast(0.25, seed=seed + 5),
    ], name="augment")


def lr_at(p: float, peak: float, warmup: float) -> float:
    """Linear warmup to `peak` over the first `warmup` fraction, then cosine to ~0 at p=1."""
    if p < warmup:
        return peak * (0.1 + 0.9 * p / warmup)
    q = min(1.0, (p - warmup) / max(1e-9, 1.0 - warmup))
    return peak * (0.005 + 0.995 * 0.5 * (1.0 + math.cos(math.pi * q)))


def make_callbacks(a: argparse.Namespace, core: object, steps: int, work: Path, out: Path,
                   val: tuple[np.ndarray, np.ndarray]) -> tuple[object, dict]:
    """LR schedule + time budget + per-epoch checkpoint/best-on-PublicTest + progress lines."""
    import keras

    state: dict = {"best": -1.0, "best_epoch": 0, "t0": time.time(), "epoch_times": [],
                   "total_epochs": a.epochs, "history": [], "seconds": 0.0, "sittings": [],
                   "args": vars(a)}

    class Trainer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            step = state.get("epoch", 0) * steps + batch
            p = step / max(1, state["total_epochs"] * steps)
            self.model.optimizer.learning_rate.assign(lr_at(p, a.lr, a.warmup_frac))
            if batch % 50 == 0:
                print(f"  epoch {state.get('epoch', 0) + 1} step {batch}/{steps} "
                      f"lr={lr_at(p, a.lr, a.warmup_frac):.2e} "
                      f"elapsed={time.time() - state['t0']:.0f}s", file=sys.stderr, flush=True)

        def on_train_begin(self, logs: dict | None = None) -> None:
            state["sittings"].append({"start_epoch": state.get("epoch", 0), "epochs": 0,
                                      "started": time.strftime("%Y-%m-%dT%H:%M:%S")})

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            state["epoch"], state["te"] = epoch, time.time()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = dict(logs or {})
            acc = _accuracy(core, *val)
            state["epoch_times"].append(time.time() - state["te"])
            core.save_weights(str(work / "last.weights.h5"))
            if acc > state["best"]:
                state["best"], state["best_epoch"] = acc, epoch + 1
                core.save(str(work / "best.keras"))
                if epoch == 0 and not a.no_export:  # provisional model for the pipeline
                    try:
                        _export(core, out, a, log=False)
                    except Exception as exc:  # a provisional export must never end training
                        print(f"provisional export failed: {exc}", file=sys.stderr)
            row = {"epoch": epoch + 1, "loss": round(float(logs.get("loss", 0)), 4),
                   "train_acc": round(float(logs.get("accuracy", 0)), 4),
                   "publictest_acc": round(acc, 4), "secs": round(state["epoch_times"][-1], 1)}
            state["history"].append(row)
            print(json.dumps(row), f"best={state['best']:.4f}@{state['best_epoch']}",
                  file=sys.stderr, flush=True)
            self._budget(epoch + 1)
            state.update(epoch=epoch + 1, seconds=round(time.time() - state["t0"], 1))
            state["sittings"][-1]["epochs"] += 1
            save_checkpoint(self.model, work, state)
            if (a.stop_after and state["sittings"][-1]["epochs"] >= a.stop_after
                    and epoch + 1 < state["total_epochs"] and not self.model.stop_training):
                print(f"stopping this sitting after {a.stop_after} epochs: continue with "
                      f"--resume {work}", file=sys.stderr, flush=True)
                state["paused"] = True
                self.model.stop_training = True
            if a.patience and epoch + 1 - state["best_epoch"] >= a.patience:
                print(f"early stop: no better PublicTest accuracy for {a.patience} epochs",
                      file=sys.stderr, flush=True)
                self.model.stop_training = True

        def _budget(self, done: int) -> None:
            if a.time_budget_min <= 0:
                return
            left = a.time_budget_min * 60 - (time.time() - state["t0"])
            per = float(np.mean(state["epoch_times"][-3:]))
            fit = done + int(left // (per * 1.05))
            state["total_epochs"] = max(done, min(a.epochs, fit))
            if state["total_epochs"] <= done:
                print(f"time budget: stopping after epoch {done}", file=sys.stderr, flush=True)
                self.model.stop_training = True
            else:
                print(f"schedule: {state['total_epochs']} epochs in total", file=sys.stderr)

    return Trainer(), state


def _accuracy(core: object, x: np.ndarray, y: np.ndarray) -> float:
    probs = core.predict(x, batch_size=512, verbose=0)
    return float((probs.argmax(1) == y).mean())


def float32_copy(core: object) -> object:
    """A float32-policy twin of a (possibly bfloat16-trained) model, for saving and export."""
    import keras

    # Check every layer: a model loaded with --init-from reports a float32 policy at the top
    # while its layers still compute in bfloat16, which the TTA export cannot convert.
    if all(w.dtype == "float32" for w in core.weights) and all(
        layer.dtype_policy.name == "float32" for layer in core.layers
    ):
        return core
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        widths = tuple(core.get_layer(f"b{i}_conv0").filters for i in range(4))
        twin = build_model(widths)
        twin.set_weights([np.asarray(w, np.float32) for w in core.get_weights()])
    finally:
        keras.mixed_precision.set_global_policy(policy)
    return twin


def load_float32(path: str | Path) -> object:
    """A saved .keras model as a float32 twin: checkpoints of --bf16 runs compute in bfloat16."""
    import keras

    return float32_copy(keras.models.load_model(str(path), compile=False))


def _export(core: object, out: Path, a: argparse.Namespace, log: bool = True) -> None:
    from inference.train_export import export_tflite

    core = float32_copy(core)
    core.save(str(out / "expression.keras"))
    size = export_tflite(core, out / "expression.tflite", tta=a.export_tta,
                         quantize=a.export_quantize)
    if log:
        print(f"exported {out / 'expression.tflite'} ({size} bytes)", file=sys.stderr)


def _setup_tf(a: argparse.Namespace) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    threads = a.threads or os.cpu_count() or 2
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(2)
    except RuntimeError:  # TF already initialised in this process (e.g. tests): keep its pools
        pass
    keras.utils.set_random_seed(a.seed)
    # set both ways: a previous in-process run (the recipe's stages, tests) may have left bf16 on
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if a.bf16 else "float32")


def _datasets(a: argparse.Namespace, start_epoch: int = 0
              ) -> tuple[object, tuple[np.ndarray, np.ndarray], int]:
    import tensorflow as tf

    data = Path(a.data)
    tr = load_npz(data / "train.npz", need_votes=a.soft_labels > 0)
    va = load_npz(data / "public_test.npz")
    if a.holdout_frac > 0:  # rows kept for calibration never reach training
        keep = ~holdout_mask(len(tr["y"]), a.holdout_frac, a.holdout_seed)
        tr = {k: v[keep] for k, v in tr.items()}
    if a.limit:
        tr = {k: v[: a.limit] for k, v in tr.items()}
    xv, yv = preprocess_faces(va["x"]), va["y"]
    if a.val_limit:
        xv, yv = xv[: a.val_limit], yv[: a.val_limit]
    x = preprocess_faces(tr["x"])
    t = soft_targets(tr, a.soft_labels) if a.soft_labels > 0 else one_hot(tr["y"])
    w = class_weights(tr["y"], a.class_weight_power)[tr["y"]]
    batch = min(a.batch, len(x) - len(x) % 2)
    batch -= batch % 2  # odd batches segfault oneDNN on this CPU: keep them even
    ds = (tf.data.Dataset.from_tensor_slices((x, t, w))
          .shuffle(len(x), seed=a.seed + start_epoch, reshuffle_each_iteration=True)
          .batch(batch, drop_remainder=True))
    if a.webcam_aug > 0:
        ds = ds.map(_webcam_map(a.webcam_aug, a.seed + start_epoch, (batch, FER_SIZE, FER_SIZE, 1)))
    return ds.prefetch(2), (xv, yv), len(x) // batch


def _webcam_map(p: float, seed: int, shape: tuple[int, ...]) -> object:
    """A tf.data map that runs inference.augment.webcam_batch (numpy/OpenCV) on each batch."""
    import tensorflow as tf

    from inference.augment import webcam_batch

    rng = np.random.default_rng(seed)

    def degrade(xb: np.ndarray) -> np.ndarray:
        u8 = np.round(xb[..., 0] * 255.0).astype(np.uint8)
        return (webcam_batch(u8, rng, p).astype(np.float32) / 255.0)[..., None]

    def fn(x: object, t: object, w: object) -> tuple:
        return tf.reshape(tf.numpy_function(degrade, [x], tf.float32), shape), t, w

    return fn


def main(argv: list[str] | None = None) -> int:
    """Train, keep the best-on-PublicTest epoch, export .keras + .tflite into --out."""
    a = parse_args(argv)
    resumed = None
    if a.resume:
        resumed = load_state(a.resume)
        a = argparse.Namespace(**{**vars(parse_args(["--data", "-"])), **resumed["args"],
                                  "resume": a.resume, "work_dir": a.resume,
                                  "stop_after": a.stop_after})  # per sitting, not saved
    _setup_tf(a)
    import keras

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(a.work_dir) if a.work_dir else out.resolve().parent / "runs" / "train"
    work.mkdir(parents=True, exist_ok=True)
    ds, val, steps = _datasets(a, resumed["epoch"] if resumed else 0)
    widths = tuple(int(v) for v in a.widths.split(","))
    if a.init_from:
        core = keras.models.load_model(a.init_from, compile=False)
    else:
        core = build_model(widths, a.seed)
    inp = keras.Input((FER_SIZE, FER_SIZE, 1))
    aug = inp if a.no_augment else build_augmenter(a.seed)(inp)
    trainer = keras.Model(inp, core(aug), name="trainer")
    opt = keras.optimizers.AdamW(learning_rate=a.lr, weight_decay=a.weight_decay)
    opt.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    trainer.compile(optimizer=opt, metrics=["accuracy"],
                    loss=keras.losses.CategoricalCrossentropy(label_smoothing=a.label_smoothing))
    print(f"params={core.count_params()} steps/epoch={steps} args={vars(a)}", file=sys.stderr)
    cb, state = make_callbacks(a, core, steps, work, out, val)
    start = 0
    if resumed:
        iters = restore(trainer, work)
        state.update({k: resumed[k] for k in STATE_KEYS if k != "args"})
        state["t0"] = time.time() - resumed["seconds"]
        start = resumed["epoch"]
        print(f"resuming {work} at epoch {start + 1} of {state['total_epochs']} "
              f"(optimizer step {iters})", file=sys.stderr, flush=True)
    if start < state["total_epochs"]:
        trainer.fit(ds, epochs=a.epochs, initial_epoch=start, callbacks=[cb], verbose=0)
    if state.get("paused"):  # unfinished: no summary, so a recipe knows to resume this stage
        print(json.dumps({"paused": True, "epoch": state["epoch"], "resume": str(work)}))
        return 0
    core = keras.models.load_model(str(work / "best.keras"), compile=False)
    summary = {"best_publictest_acc": state["best"], "best_epoch": state["best_epoch"],
               "epochs_run": len(state["history"]), "train_minutes":
               round((time.time() - state["t0"]) / 60, 1), "params": core.count_params(),
               "args": vars(a), "history": state["history"], "sittings": state["sittings"]}
    (work / "train_summary.json").write_text(json.dumps(summary, indent=1))
    if not a.no_export:
        _export(core, out, a)
        (out / "train_summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: summary[k] for k in ("best_publictest_acc", "best_epoch", "epochs_run",
                                               "train_minutes")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
