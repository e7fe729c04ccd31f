"""Judge the expression model on a folder of labelled photos through the whole face path.

Why: FER2013 crops flatter the model (69 % on PublicTest, 53 % on real webcam-like faces).
`classpulse eval-model --data DIR` lets anyone check it on their own faces: each photo goes
BlazeFace -> 48x48 crop (eye-aligned with --align) -> classifier, exactly as a gallery tile does.

Layout: DIR/<class>/<photo>, class folders named after the FER2013 classes (Angry, Disgust,
Fear, Happy, Sad, Surprise, Neutral; any case). Photos where no face is found count as WRONG in
``accuracy``, ``macro_f1`` and the recalls (a user's face the pipeline misses is a miss);
``accuracy_faces_found`` gives the score on the found faces alone. Unreadable files are skipped
and counted. Images and crops stay in memory: nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from inference.types import EXPRESSIONS

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
BATCH = 32  # photos decoded and detected at a time: bounds memory on big photos


def find_photos(root: str | Path) -> tuple[list[tuple[Path, int]], list[str]]:
    """((photo path, class index) sorted, names of sub-folders that are not a class)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: photo folder not found")
    by_name = {e.lower(): i for i, e in enumerate(EXPRESSIONS)}
    photos, ignored = [], []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        label = by_name.get(sub.name.lower())
        if label is None:
            ignored.append(sub.name)
            continue
        photos += [(f, label) for f in sorted(sub.rglob("*"))
                   if f.is_file() and f.suffix.lower() in IMAGE_EXTS]
    if not photos:
        raise ValueError(f"{root}: expected sub-folders named after the classes "
                         f"({', '.join(EXPRESSIONS)}; any case) holding photos, found none")
    return photos, ignored


def read_photo(path: Path) -> np.ndarray | None:
    """BGR uint8 image, or None when the file cannot be decoded (EXIF rotation applied)."""
    try:
        buf = np.fromfile(path, np.uint8)
    except OSError:
        return None
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR) if buf.size else None
    if img is None or img.ndim != 3 or min(img.shape[:2]) < 8:
        return None
    return img


def face_crops(photos: list[tuple[Path, int]], align: bool = False
               ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, int]:
    """(crops of the found faces, labels of readable photos, index of each crop's photo among
    the readable ones, number of unreadable files)."""
    from inference.face import FaceDetector
    from inference.face_crop import crop_for_fer

    det = FaceDetector()
    crops, labels, owner, skipped = [], [], [], 0
    for i in range(0, len(photos), BATCH):
        chunk = [(read_photo(p), y) for p, y in photos[i:i + BATCH]]
        skipped += sum(img is None for img, _ in chunk)
        chunk = [(img, y) for img, y in chunk if img is not None]
        boxes = det.detect_batch([img for img, _ in chunk])
        for (img, y), box in zip(chunk, boxes, strict=True):
            if box is not None:
                crops.append(crop_for_fer(img, box, align=align))
                owner.append(len(labels))
            labels.append(y)
        print(f"  {min(i + BATCH, len(photos))}/{len(photos)} photos", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return crops, np.asarray(labels, np.int64), np.asarray(owner, np.int64), skipped


def evaluate_folder(root: str | Path, model_path: str | Path | None = None,
                    align: bool = False) -> dict:
    """The npz metrics (no face = wrong) plus faces_found, accuracy_faces_found and
    skipped_unreadable, for a folder of labelled photos."""
    from inference.classifier import ExpressionClassifier
    from inference.evaluate import metrics, predict_all

    photos, ignored = find_photos(root)
    if ignored:
        print(f"ignored sub-folders (not a class): {', '.join(ignored)}", file=sys.stderr)
    crops, y, owner, skipped = face_crops(photos, align)
    if not len(y):
        raise ValueError(f"{root}: none of the {len(photos)} photos could be read")
    pred = np.full(len(y), -1, np.int64)  # -1 = no face found: counted wrong
    fps = 0.0
    if crops:
        probs, fps = predict_all(ExpressionClassifier(model_path), np.stack(crops))
        pred[owner] = probs.argmax(1)
    out = metrics(y, pred)
    found = pred >= 0
    out.update(faces_per_second=round(fps, 1), faces_found=int(found.sum()),
               accuracy_faces_found=float((pred[found] == y[found]).mean())
               if found.any() else 0.0,
               skipped_unreadable=skipped, aligned=align)
    return out
