"""Export a trained Keras classifier to a LiteRT (.tflite) file.

Why a concrete function rather than `from_keras_model`: with Keras 3 the concrete-function path
is the one TF 2.21 converts reliably, and it lets us bake test-time flip averaging (TTA) into the
exported graph so the runtime stays ONE call per batch.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from inference.types import FER_SIZE

CALIBRATION_FACES = 512  # int8 activation ranges: a few hundred training faces suffice


def export_tflite(
    model: object,
    path: str | Path,
    tta: bool = False,
    quantize: str = "none",
    rep_data: np.ndarray | None = None,
    zooms: tuple[int, ...] = (0,),
) -> int:
    """Write `model` (input N x 48 x 48 x 1 float32 in [0,1]) as .tflite; return the file size.

    tta: average the net over views baked into the graph: for each margin c in `zooms`, the
    face cropped by c pixels per side and resized back to 48x48, and its mirror image.
    quantize: "none" (float32), "dynamic" (int8 weights) or "int8" (int8 weights+activations,
    float32 input/output; needs `rep_data`, a few hundred preprocessed training faces).
    """
    import tensorflow as tf

    if tta:
        model = tta_model(model, zooms)
    spec = tf.TensorSpec([None, FER_SIZE, FER_SIZE, 1], tf.float32, name="faces")
    with tempfile.TemporaryDirectory() as tmp:
        # SavedModel round trip freezes the variables (a concrete function keeps them as
        # resource variables, which LiteRT leaves uninitialised).
        model.export(tmp, format="tf_saved_model", input_signature=[spec], verbose=False)
        conv = tf.lite.TFLiteConverter.from_saved_model(tmp)
        if quantize in ("dynamic", "int8"):
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "int8":
            if rep_data is None:
                raise ValueError("export_tflite: quantize='int8' needs rep_data")
            conv.representative_dataset = _rep_gen(rep_data)
        blob = conv.convert()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_bytes(blob)
    part.replace(path)  # atomic: readers never see a half-written model
    return len(blob)


def tta_model(model: object, zooms: tuple[int, ...] = (0,)) -> object:
    """`model` averaged over 2 x len(zooms) views, all in ONE forward pass (views stacked on
    the batch axis), so the runtime still makes one call per batch."""
    import keras
    from keras import ops

    if not zooms or any(not 0 <= c < FER_SIZE // 4 for c in zooms):
        raise ValueError(f"tta zooms: expected margins in 0..{FER_SIZE // 4 - 1}, got {zooms}")

    def views(t: object) -> object:
        out = []
        for c in zooms:
            v = t if c == 0 else ops.image.resize(t[:, c:FER_SIZE - c, c:FER_SIZE - c, :],
                                                  (FER_SIZE, FER_SIZE), interpolation="bilinear")
            out += [v, ops.flip(v, axis=2)]
        return ops.concatenate(out, axis=0)

    def average(p: object) -> object:
        return ops.mean(ops.reshape(p, (2 * len(zooms), -1, p.shape[-1])), axis=0)

    inp = keras.Input((FER_SIZE, FER_SIZE, 1), name="faces")
    # float32 explicitly: under a mixed_bfloat16 global policy (a training process) these
    # layers would compute in bf16 and the converter rejects the graph
    stacked = keras.layers.Lambda(views, name="views", dtype="float32")(inp)
    avg = keras.layers.Lambda(average, name="tta", dtype="float32")(model(stacked))
    return keras.Model(inp, avg, name="expression_tta")


def calibration_faces(npz_path: str | Path, n: int = CALIBRATION_FACES) -> np.ndarray:
    """The first `n` faces of an npz, preprocessed: int8 calibration data (`rep_data`)."""
    from inference.preprocess import preprocess_faces
    from inference.train_data import load_npz

    return preprocess_faces(load_npz(npz_path)["x"][:n])


def _rep_gen(rep: np.ndarray) -> Callable[[], Iterator[list[np.ndarray]]]:
    def gen() -> Iterator[list[np.ndarray]]:
        for i in range(0, len(rep), 32):
            yield [rep[i : i + 32].astype(np.float32)]

    return gen


def main(argv: list[str] | None = None) -> int:
    """CLI: re-export a saved .keras model (e.g. to try TTA or quantisation after training)."""
    from inference.train import load_float32

    ap = argparse.ArgumentParser(prog="python -m inference.train_export")
    ap.add_argument("--keras", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tta", action="store_true")
    ap.add_argument("--zooms", default="0", help="TTA crop margins in px, e.g. 0,2")
    ap.add_argument("--quantize", choices=["none", "dynamic", "int8"], default="none")
    ap.add_argument("--rep-npz", default=None,
                    help=f"npz for int8 calibration (first {CALIBRATION_FACES} rows)")
    a = ap.parse_args(argv)
    model = load_float32(a.keras)  # a mid-training best.keras may compute in bfloat16
    rep = calibration_faces(a.rep_npz) if a.rep_npz else None
    zooms = tuple(int(v) for v in a.zooms.split(","))
    size = export_tflite(model, a.out, tta=a.tta, quantize=a.quantize, rep_data=rep,
                         zooms=zooms)
    print(f"wrote {a.out} ({size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
