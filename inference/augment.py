"""What a video-call gallery tile does to a face, as numpy/OpenCV image functions.

Why one module for both sides: the robustness bench (bench/bench_robustness.py) degrades
PublicTest faces inside tiles with these functions, and training (`--webcam-aug P`) degrades
48x48 training faces with the same ones, so what the bench measures is what training sees.
Every function takes a uint8 image, grey (H, W) or BGR (H, W, 3), and returns the same shape.
"""

from __future__ import annotations

import cv2
import numpy as np


def rescale(img: np.ndarray, factor: float) -> np.ndarray:
    """Down- then up-scaling: shrink by ``factor`` (< 1; a low-resolution stream) with
    INTER_AREA, then back to the original size with INTER_LINEAR (the tile's upscaler)."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(2, round(w * factor)), max(2, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur (defocus, motion smear, the encoder's low-pass)."""
    return cv2.GaussianBlur(img, (0, 0), max(1e-3, sigma)) if sigma > 0 else img


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """JPEG round trip in memory: 8x8 blocking and ringing like H.264 at a low bit rate."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"jpeg: could not encode an image of shape {img.shape}")
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).reshape(img.shape)


def noise(img: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian sensor noise of ``sigma`` grey levels."""
    return np.clip(img + rng.normal(0.0, sigma, img.shape), 0, 255).astype(np.uint8)


def gamma(img: np.ndarray, g: float) -> np.ndarray:
    """Gamma curve (g > 1 darkens mid-tones: a dim room; g < 1 brightens: a window)."""
    lut = np.clip(255.0 * (np.arange(256) / 255.0) ** g, 0, 255).astype(np.uint8)
    return cv2.LUT(img, lut)


def colour_cast(img: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """Per-channel (B, G, R) gains: white balance off (warm lamp, blue screen light). A grey
    image is first made colour, so the cast then reaches the grey crop through BGR2GRAY."""
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
    out = np.clip(bgr * np.asarray(gains, np.float32), 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_BGR2GRAY) if img.ndim == 2 else out


def occlude(img: np.ndarray, centre: tuple[float, float], size: tuple[float, float],
            shade: int) -> np.ndarray:
    """A flat ellipse (a hand or a mask) of ``size`` (w, h) pixels centred at ``centre``."""
    out = img.copy()
    colour = (shade,) * (3 if img.ndim == 3 else 1)
    cv2.ellipse(out, (round(centre[0]), round(centre[1])),
                (max(1, round(size[0] / 2)), max(1, round(size[1] / 2))), 0, 0, 360, colour, -1)
    return out


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the centre by ``angle`` degrees (counter-clockwise), borders replicated."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


# 48x48 FER2013 crop: the mouth sits at about (24, 37) (bench.bench_face_path measure).
MOUTH_48 = (24.0, 37.1)


def webcam_face(face: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """One random webcam-tile degradation chain on a 48x48 grey training face: each step is
    applied with probability ``p``, in the order a camera, encoder and tile would apply them."""
    out = face
    if rng.random() < p:  # colour cast and gamma act before the grey conversion
        gains = tuple(rng.uniform(0.8, 1.2, 3))
        out = colour_cast(out, gains)  # type: ignore[arg-type]
    if rng.random() < p:
        out = gamma(out, float(np.exp(rng.uniform(-0.5, 0.5))))
    if rng.random() < p:
        out = noise(out, float(rng.uniform(2, 8)), rng)
    if rng.random() < p:  # a face 40-120 px tall: a 48 px crop seen at 0.45-1.0 of its size
        out = rescale(out, float(rng.uniform(0.45, 1.0)))
    if rng.random() < p:
        out = blur(out, float(rng.uniform(0.3, 1.2)))
    if rng.random() < p:
        out = jpeg(out, int(rng.integers(20, 70)))
    if rng.random() < p * 0.3:  # a hand or a mask over the mouth, less often
        w, h = rng.uniform(14, 30), rng.uniform(8, 16)
        out = occlude(out, (MOUTH_48[0] + rng.uniform(-3, 3), MOUTH_48[1] + rng.uniform(-2, 4)),
                      (w, h), int(rng.integers(30, 220)))
    return out


def webcam_batch(faces: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """``webcam_face`` on every face of an (N, 48, 48) uint8 batch."""
    if faces.dtype != np.uint8 or faces.ndim != 3:
        raise ValueError(f"faces: expected uint8 (N, H, W), got {faces.dtype} {faces.shape}")
    return np.stack([webcam_face(f, rng, p) for f in faces]) if len(faces) else faces
