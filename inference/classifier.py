"""ExpressionClassifier: batched FER2013 expression probabilities through LiteRT.

Why LiteRT and one call per batch: the projects we replace run a 4M-parameter net one face at
a time through TensorFlow; a gallery of 49 faces then costs seconds. Here the whole batch goes
through ONE `invoke()` of a ~1.2M-parameter net, and TensorFlow is never imported at run time.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from inference.calibrate import apply_temperature, load_temperature
from inference.preprocess import check_batch, preprocess_faces
from inference.types import EXPRESSIONS, FER_SIZE, FaceObservation
from models import shipped_model

DEFAULT_MODEL = shipped_model()  # package data: see models/__init__.py
N_CLASSES = len(EXPRESSIONS)


class ExpressionClassifier:
    """Maps N x H x W uint8 grey face crops to N x 7 float32 probabilities (EXPRESSIONS order)."""

    def __init__(self, model_path: str | Path | None = None, num_threads: int = 2) -> None:
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL
        self._interp = _load_interpreter(self.model_path, num_threads)
        self._in = self._interp.get_input_details()[0]
        self._out = self._interp.get_output_details()[0]
        _check_io(self.model_path, self._in, self._out)
        self._batch = -1  # batch size the tensors are currently allocated for
        # temperature fitted on held-out Training faces (inference.calibrate), 1.0 = none
        self.temperature = load_temperature(self.model_path)
        self._lock = threading.Lock()  # a LiteRT interpreter is not re-entrant

    def predict(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities for each face: shape (N, 7), float32, rows sum to 1. N = 0 is fine."""
        faces = check_batch(faces)
        n = faces.shape[0]
        if n == 0:
            return np.zeros((0, N_CLASSES), np.float32)
        x = preprocess_faces(faces)
        with self._lock:
            if n != self._batch:  # allocate once per new batch size, not per call
                self._interp.resize_tensor_input(self._in["index"], [n, FER_SIZE, FER_SIZE, 1])
                self._interp.allocate_tensors()
                self._batch = n
            self._interp.set_tensor(self._in["index"], x)
            self._interp.invoke()  # the ONE runtime call for the whole batch
            probs = self._interp.get_tensor(self._out["index"]).astype(np.float32, copy=True)
        probs = np.clip(probs, 0.0, None)
        probs /= np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)
        return probs if self.temperature == 1.0 else apply_temperature(probs, self.temperature)

    __call__ = predict

    def observations(self, faces: np.ndarray) -> list[FaceObservation]:
        """The same probabilities wrapped as FaceObservation objects, one per face."""
        return [FaceObservation(p) for p in self.predict(faces)]


def _load_interpreter(path: Path, num_threads: int) -> object:
    from ai_edge_litert.interpreter import Interpreter

    if not path.is_file():
        raise FileNotFoundError(f"expression model not found: {path}")
    try:
        interp = Interpreter(model_path=str(path), num_threads=num_threads)
        interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ValueError(f"expression model {path} is not a valid .tflite file: {exc}") from exc
    return interp


def _check_io(path: Path, inp: dict, out: dict) -> None:
    """Reject models whose input/output do not match the FER2013 contract, naming the file."""
    want_in = (FER_SIZE, FER_SIZE, 1)
    if tuple(inp["shape"][1:]) != want_in or inp["dtype"] != np.float32:
        raise ValueError(
            f"expression model {path}: expected input float32 (N, {FER_SIZE}, {FER_SIZE}, 1), "
            f"got {np.dtype(inp['dtype']).name} {tuple(inp['shape'])}"
        )
    if tuple(out["shape"][1:]) != (N_CLASSES,):
        raise ValueError(
            f"expression model {path}: expected output (N, {N_CLASSES}), got {tuple(out['shape'])}"
        )
