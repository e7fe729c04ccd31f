"""Where FER2013 puts the eyes, and what eye alignment buys on re-detected faces.

    python -m bench.bench_face_path measure --n 3000   # eye/box positions on Training faces
    python -m bench.bench_face_path ab --n 3589        # PublicTest in webcam tiles, +-15 deg

``measure``: Training faces enlarged 4x (192 px) and padded so BlazeFace sees a whole face;
its keypoints and box are mapped back to 48x48 crop coordinates; the medians (and the 10th/90th
percentiles) are what inference/face_crop.py's EYE_MID and FRAMING come from.
``ab``: PublicTest faces scaled into a 16:9 tile (face 120 px), rotated by a random angle in
[-15, 15] deg (tile 1.8 face heights tall), re-detected, then cropped four ways and classified by the shipped model.
Needs ../shared/data/fer2013. Prints one JSON object per run on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from bench.face_tiles import in_tile, load_split, padded
from inference.face import FaceDetector
from inference.face_crop import crop_for_fer

SCALE, PAD = 4, 96


def _stats(v: np.ndarray) -> dict:
    q10, q50, q90 = np.percentile(v, [10, 50, 90])
    return {"median": round(float(q50), 2), "p10": round(float(q10), 2),
            "p90": round(float(q90), 2)}


def measure(n: int, seed: int) -> dict:
    """Median keypoint / box geometry of FER2013 Training faces, in 48x48 crop pixels."""
    x, _ = load_split("train", n, seed)
    det = FaceDetector()
    rows = []
    for i in range(0, len(x), 64):
        boxes = det.detect_batch([padded(f, SCALE, PAD) for f in x[i:i + 64]])
        for b in boxes:
            if b is None:
                continue
            kp = (np.asarray(b.keypoints) - PAD) / SCALE
            cx, cy = (b.x + b.w / 2 - PAD) / SCALE, (b.y + b.h / 2 - PAD) / SCALE
            rows.append([*kp[0], *kp[1], *kp[3], cx, cy, max(b.w, b.h) / SCALE])
    a = np.asarray(rows)
    eye_d = np.hypot(a[:, 2] - a[:, 0], a[:, 3] - a[:, 1])
    roll = np.degrees(np.arctan2(a[:, 3] - a[:, 1], a[:, 2] - a[:, 0]))
    side = a[:, 8]
    return {
        "faces": len(x), "detected": len(a), "detect_rate": round(len(a) / len(x), 4),
        "eye_left_x": _stats(a[:, 0]), "eye_left_y": _stats(a[:, 1]),
        "eye_right_x": _stats(a[:, 2]), "eye_right_y": _stats(a[:, 3]),
        "eye_mid_x": _stats((a[:, 0] + a[:, 2]) / 2), "eye_mid_y": _stats((a[:, 1] + a[:, 3]) / 2),
        "eye_distance": _stats(eye_d), "eye_distance_cv": round(float(eye_d.std() / eye_d.mean()), 3),
        "roll_deg": _stats(roll), "mouth_x": _stats(a[:, 4]), "mouth_y": _stats(a[:, 5]),
        "box_cx": _stats(a[:, 6]), "box_cy": _stats(a[:, 7]), "box_side": _stats(side),
        "box_side_cv": round(float(side.std() / side.mean()), 3),
        "framing_k": round(float(np.median(48 / side)), 3),
        "framing_dy": round(float(np.median((24 - a[:, 7]) / 48)), 3),
    }


MODES = ("box_old", "box", "eyes", "eyes_box_scale", "level")


def ab(n: int, seed: int, max_angle: float, face_px: int, tile_ratio: float = 1.8) -> dict:
    """Accuracy of the shipped model on re-detected tiles for each crop mode (and on the
    untouched 48x48 originals, the ceiling)."""
    from inference import face_crop as facemod
    from inference.classifier import ExpressionClassifier
    from inference.evaluate import metrics

    x, y = load_split("public_test", n, seed)
    rng = np.random.default_rng(seed)
    angles = rng.uniform(-max_angle, max_angle, len(x))
    det, clf = FaceDetector(), ExpressionClassifier()
    crops: dict[str, list[np.ndarray]] = {m: [] for m in MODES}
    found = np.zeros(len(x), bool)
    for i in range(0, len(x), 64):
        tiles = [in_tile(f, face_px, a, rng, tile_ratio) for f, a in zip(x[i:i + 64], angles[i:i + 64],
                                                             strict=True)]
        for j, (t, b) in enumerate(zip(tiles, det.detect_batch(tiles), strict=True)):
            if b is None:
                continue
            found[i + j] = True
            crops["box"].append(crop_for_fer(t, b, align=False))
            crops["eyes"].append(crop_for_fer(t, b, align=True))
            crops["eyes_box_scale"].append(crop_for_fer(t, b, align=True, scale_from="box"))
            crops["level"].append(crop_for_fer(t, b, align=True, scale_from="level"))
            saved = facemod.FRAMING["blazeface"]
            facemod.FRAMING["blazeface"] = facemod.FRAMING_SYNTHETIC
            crops["box_old"].append(crop_for_fer(t, b, align=False))
            facemod.FRAMING["blazeface"] = saved
        print(f"  {min(i + 64, len(x))}/{len(x)}", file=sys.stderr, end="\r")
    yf = y[found]
    out = {"n": len(x), "faces_found": int(found.sum()), "max_angle": max_angle,
           "face_px": face_px, "tile_h_over_face": tile_ratio, "original_48": round(metrics(y, clf.predict(x).argmax(1))["accuracy"], 4)}
    out["original_48_found"] = round(metrics(yf, clf.predict(x[found]).argmax(1))["accuracy"], 4)
    for m in MODES:
        pred = clf.predict(np.stack(crops[m])).argmax(1)
        r = metrics(yf, pred)
        out[m] = {"accuracy_found": round(r["accuracy"], 4), "macro_f1": round(r["macro_f1"], 4),
                  "accuracy_all": round(float((pred == yf).sum() / len(x)), 4)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["measure", "ab"])
    ap.add_argument("--n", type=int, default=3000, help="faces (0 = the whole split)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--max-angle", type=float, default=15.0)
    ap.add_argument("--face-px", type=int, default=120)
    ap.add_argument("--tile-ratio", type=float, default=1.8, help="tile height / face height")
    a = ap.parse_args(argv)
    res = measure(a.n, a.seed) if a.mode == "measure" else ab(a.n, a.seed, a.max_angle, a.face_px, a.tile_ratio)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
