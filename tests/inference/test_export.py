"""Export: the multi-view TTA baked into the .tflite equals the mean of the net over its views."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def tiny_keras() -> object:
    import keras

    from inference.train import build_model

    keras.utils.set_random_seed(7)
    return build_model((4, 4, 8, 8))


def _reference(model: object, x: np.ndarray, zooms: tuple[int, ...]) -> np.ndarray:
    """Each view computed on its own in TensorFlow, then averaged."""
    import tensorflow as tf

    outs = []
    for c in zooms:
        v = x if c == 0 else tf.image.resize(x[:, c:48 - c, c:48 - c], (48, 48)).numpy()
        outs += [model.predict(v, verbose=0), model.predict(v[:, :, ::-1], verbose=0)]
    return np.mean(outs, axis=0)


@pytest.mark.parametrize("zooms", [(0,), (0, 2)])
def test_tta_export_is_the_mean_over_views(tiny_keras: object, zooms: tuple[int, ...],
                                           tmp_path: Path) -> None:
    from inference.classifier import ExpressionClassifier
    from inference.preprocess import preprocess_faces
    from inference.train_export import export_tflite

    faces = np.random.default_rng(1).integers(0, 256, (5, 48, 48), dtype=np.uint8)
    path = tmp_path / "tta.tflite"
    export_tflite(tiny_keras, path, tta=True, zooms=zooms)
    got = ExpressionClassifier(path).predict(faces)
    want = _reference(tiny_keras, preprocess_faces(faces), zooms)
    plain = tiny_keras.predict(preprocess_faces(faces), verbose=0)
    assert np.allclose(got, want, atol=1e-4), np.abs(got - want).max()
    assert not np.allclose(got, plain, atol=1e-4)  # the views really changed the answer


@pytest.mark.parametrize("zooms", [(), (12,), (-1,)])
def test_bad_tta_zooms_are_rejected(tiny_keras: object, zooms: tuple[int, ...], tmp_path: Path) -> None:
    from inference.train_export import export_tflite

    with pytest.raises(ValueError, match="expected margins in 0..11"):
        export_tflite(tiny_keras, tmp_path / "x.tflite", tta=True, zooms=zooms)


def test_int8_export_needs_calibration_faces(tiny_keras: object, tmp_path: Path) -> None:
    from inference.train_export import export_tflite

    with pytest.raises(ValueError, match="rep_data"):
        export_tflite(tiny_keras, tmp_path / "x.tflite", quantize="int8")
