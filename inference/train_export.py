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


def export_tflite(
    model: object,
    path: str | Path,
    tta: bool = False,
    quantize: str = "none",
    rep_data: np.ndarray | None = None,
) -> int:
    """Write `model` (input N x 48 x 48 x 1 float32 in [0,1]) as .tflite; return the file size.

    quantize: "none" (float32), "dynamic" (int8 weights) or "int8" (int8 weights+activations,
    float32 input/output; needs `rep_data`, a few hundred preprocessed training faces).
    """
    import keras
    import tensorflow as tf

    if tta:  # average the net over the image and its mirror, inside the one exported graph
        inp = keras.Input((FER_SIZE, FER_SIZE, 1), name="faces")
        # float32 explicitly: under a mixed_bfloat16 global policy (a training process) these
        # layers would compute in bf16 and the converter rejects the graph
        flipped = keras.layers.Lambda(lambda t: keras.ops.flip(t, axis=2), name="mirror",
                                      dtype="float32")(inp)
        avg = keras.layers.Average(name="tta", dtype="float32")([model(inp), model(flipped)])
        model = keras.Model(inp, avg, name="expression_tta")
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


def _rep_gen(rep: np.ndarray) -> Callable[[], Iterator[list[np.ndarray]]]:
    def gen() -> Iterator[list[np.ndarray]]:
        for i in range(0, len(rep), 32):
            yield [rep[i : i + 32].astype(np.float32)]

    return gen


def main(argv: list[str] | None = None) -> int:
    """CLI: re-export a saved .keras model (e.g. to try TTA or quantisation after training)."""
    import keras

    from inference.preprocess import preprocess_faces
    from inference.train import float32_copy
    from inference.train_data import load_npz

    ap = argparse.ArgumentParser(prog="python -m inference.train_export")
    ap.add_argument("--keras", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tta", action="store_true")
    ap.add_argument("--quantize", choices=["none", "dynamic", "int8"], default="none")
    ap.add_argument("--rep-npz", default=None, help="npz for int8 calibration (first 512 rows)")
    a = ap.parse_args(argv)
    # A checkpoint saved mid-training (best.keras) may compute in bfloat16: export float32.
    model = float32_copy(keras.models.load_model(a.keras, compile=False))
    rep = preprocess_faces(load_npz(a.rep_npz)["x"][:512]) if a.rep_npz else None
    size = export_tflite(model, a.out, tta=a.tta, quantize=a.quantize, rep_data=rep)
    print(f"wrote {a.out} ({size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
