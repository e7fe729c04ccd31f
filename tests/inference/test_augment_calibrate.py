"""Webcam degradations (inference.augment), temperature scaling / ECE (inference.calibrate),
and the eye-aligned crop (inference.face)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference import augment as aug
from inference.calibrate import (
    apply_temperature,
    ece,
    fit_temperature,
    holdout_of,
    load_temperature,
    sidecar,
)
from inference.face_crop import EYE_DIST, EYE_MID, crop_for_fer, eye_transform
from inference.types import FaceBox


def _face(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 256, (48, 48), dtype=np.uint8), (0, 0), 1.0)


def test_each_degradation_keeps_shape_and_changes_the_image() -> None:
    f, rng = _face(), np.random.default_rng(1)
    bgr = cv2.cvtColor(f, cv2.COLOR_GRAY2BGR)
    for img in (f, bgr):
        outs = [aug.rescale(img, 0.4), aug.blur(img, 1.0), aug.jpeg(img, 20),
                aug.noise(img, 8, rng), aug.gamma(img, 1.8), aug.colour_cast(img, (0.7, 1.0, 1.3)),
                aug.occlude(img, aug.MOUTH_48, (20, 10), 0), aug.rotate(img, 10)]
        for o in outs:
            assert o.shape == img.shape and o.dtype == np.uint8
            assert np.abs(o.astype(int) - img).mean() > 0.5
    occ = aug.occlude(f, aug.MOUTH_48, (20, 10), 0)
    assert (occ[37, 24] == 0) and (occ[10, 24] == f[10, 24])  # the mouth, not the eyes


def test_webcam_batch_is_seeded_and_p0_is_identity() -> None:
    x = np.stack([_face(i) for i in range(8)])
    a = aug.webcam_batch(x, np.random.default_rng(3), 0.8)
    b = aug.webcam_batch(x, np.random.default_rng(3), 0.8)
    assert a.shape == x.shape and (a == b).all() and (a != x).any()
    assert (aug.webcam_batch(x, np.random.default_rng(3), 0.0) == x).all()
    with pytest.raises(ValueError, match="uint8"):
        aug.webcam_batch(x.astype(np.float32), np.random.default_rng(0))


def test_ece_of_known_cases() -> None:
    y = np.array([0, 0, 1, 1])
    sure_right = np.eye(7, dtype=np.float32)[y]
    assert ece(sure_right, y) == pytest.approx(0.0)
    sure_wrong = np.eye(7, dtype=np.float32)[1 - y]
    assert ece(sure_wrong, y) == pytest.approx(1.0)


def test_temperature_fit_recovers_overconfidence() -> None:
    """Labels drawn from soft probabilities, shown to the fit sharpened by T=2: the fit finds
    T ~ 2 and lowers the ECE; the argmax (accuracy) never changes."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1.5, (4000, 7))
    true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(7, p=p) for p in true])
    sharp = apply_temperature(true, 0.5)
    t = fit_temperature(sharp, y)
    assert t == pytest.approx(2.0, rel=0.15)
    cal = apply_temperature(sharp, t)
    assert ece(cal, y) < ece(sharp, y) / 2
    assert (cal.argmax(1) == sharp.argmax(1)).all()


def test_temperature_sidecar_and_holdout_rules(tmp_path: Path) -> None:
    model = tmp_path / "m.tflite"
    assert load_temperature(model) == 1.0
    sidecar(model).write_text(json.dumps({"temperature": 1.7}))
    assert load_temperature(model) == 1.7
    summ = tmp_path / "train_summary.json"
    assert holdout_of(summ) == (0.0, 0)
    stage = {"args": {"holdout_frac": 0.05, "holdout_seed": 7}}
    summ.write_text(json.dumps({"stages": [stage, stage]}))
    assert holdout_of(summ) == (0.05, 7)
    summ.write_text(json.dumps({"stages": [stage, {"args": {"holdout_frac": 0.0}}]}))
    assert holdout_of(summ) == (0.0, 0)  # stages disagree: no split is honestly held out


def test_classifier_applies_the_sidecar_temperature(tmp_path: Path, tiny_model_path: Path) -> None:
    from inference.classifier import ExpressionClassifier

    model = tmp_path / "m.tflite"
    model.write_bytes(tiny_model_path.read_bytes())
    x = np.stack([_face(i) for i in range(4)])
    raw = ExpressionClassifier(model).predict(x)
    sidecar(model).write_text(json.dumps({"temperature": 3.0}))
    soft = ExpressionClassifier(model).predict(x)
    assert np.allclose(soft, apply_temperature(raw, 3.0), atol=1e-5)
    assert (soft.max(1) <= raw.max(1) + 1e-6).all()


def test_eye_alignment_levels_the_eyes() -> None:
    """Eyes on a line tilted by 20 deg land level at EYE_MID, EYE_DIST apart."""
    a = np.radians(20)
    left = (100.0, 80.0)
    right = (left[0] + 40 * np.cos(a), left[1] + 40 * np.sin(a))
    kps = (left, right, (120, 110), (118, 130), (80, 90), (160, 100))
    box = FaceBox(70, 60, 90, 90, 0.9, kps)
    m = eye_transform(box)
    (lx, ly), (rx, ry) = (m @ np.array([*p, 1.0]) for p in (left, right))
    assert ly == pytest.approx(ry, abs=1e-4) and rx - lx == pytest.approx(EYE_DIST, rel=1e-6)
    assert ((lx + rx) / 2, ly) == pytest.approx(EYE_MID, abs=1e-4)
    tile = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    for kw in ({"align": True}, {"align": True, "scale_from": "box"},
               {"align": True, "scale_from": "level"}, {}):
        c = crop_for_fer(tile, box, **kw)
        assert c.shape == (48, 48) and c.dtype == np.uint8
    with pytest.raises(ValueError, match="keypoints"):
        FaceBox(0, 0, 10, 10, 0.5, ((1, 2),))
