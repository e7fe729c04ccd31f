"""Put FER2013 faces where BlazeFace can see them, for the face-path benches (bench only).

Why replicate padding and not a pasted ellipse: the padded picture keeps every pixel of the
48x48 crop, so the "right" crop is known exactly (the original image), and BlazeFace sees one
face with no second, reflected one. Nothing here is written to disk.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

FER_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fer2013"


def load_split(name: str, n: int = 0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of FER2013 ``train`` or ``public_test``; ``n`` > 0 draws a seeded random subset."""
    from inference.train_data import load_npz

    d = load_npz(FER_DIR / f"{name}.npz")
    x, y = d["x"], d["y"]
    if n and n < len(x):
        idx = np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))
        x, y = x[idx], y[idx]
    return x, y


def padded(face: np.ndarray, scale: int = 4, pad: int = 96) -> np.ndarray:
    """A 48x48 grey face enlarged ``scale`` times and surrounded by ``pad`` replicated pixels
    (BGR): BlazeFace short-range then sees a whole face filling half the picture."""
    big = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    big = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return cv2.cvtColor(big, cv2.COLOR_GRAY2BGR)


def in_tile(face: np.ndarray, face_px: int, angle: float, rng: np.random.Generator,
            tile_h_over_face: float = 1.8) -> np.ndarray:
    """A 16:9 BGR webcam-like tile with the face ``face_px`` tall, rotated by ``angle`` degrees
    (counter-clockwise) about its centre and shifted a little off the tile centre."""
    return in_tile_at(face, face_px, angle, rng, tile_h_over_face)[0]


def in_tile_at(face: np.ndarray, face_px: int, angle: float, rng: np.random.Generator,
               tile_h_over_face: float = 1.8) -> tuple[np.ndarray, np.ndarray]:
    """``in_tile`` plus the 2x3 matrix that maps 48x48 crop pixels into the tile (to put an
    occluder on the mouth, say)."""
    th = round(face_px * tile_h_over_face)
    tw = round(th * 16 / 9)
    big = cv2.resize(face, (face_px, face_px),
                     interpolation=cv2.INTER_CUBIC if face_px > 48 else cv2.INTER_AREA)
    cx = tw / 2 + rng.uniform(-0.1, 0.1) * tw
    cy = th / 2 + rng.uniform(-0.08, 0.08) * th
    # place the face's centre at (cx, cy) and rotate about it, replicating the border outwards
    m = cv2.getRotationMatrix2D((face_px / 2, face_px / 2), angle, 1.0)
    m[:, 2] += (cx - face_px / 2, cy - face_px / 2)
    tile = cv2.warpAffine(big, m, (tw, th), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    to_tile = m @ np.array([[face_px / 48, 0, 0], [0, face_px / 48, 0], [0, 0, 1]])
    return tint(tile), to_tile


def tint(grey: np.ndarray) -> np.ndarray:
    """Grey to a mildly warm BGR picture (B x0.85, G x0.95, R x1.05). Why: BlazeFace finds
    colour faces; on pure grey tiles it missed ~18 % of them (bench_robustness: 82 % found on
    grey, 95 % with a warm cast), which would measure the grey input, not the pipeline."""
    g = grey.astype(np.float32)
    return np.clip(np.stack([g * 0.85, g * 0.95, g * 1.05], -1), 0, 255).astype(np.uint8)
