"""When no tile grid fits but people are plainly on screen: tiles cut around whole-frame faces.

Why: a layout the grid detector does not know (speaker view, a custom layout, an app we never
saw) must not turn a class full of faces into an empty session. Faces are found on the whole
frame with BlazeFace on overlapping windows (inference.face_frame: 78 % of faces on 30 realistic
screens, where OpenCV's Haar cascade, the earlier projects' way, found 47 %; Haar stays as
``backend="haar"`` for the A/B), each becomes a pseudo-tile around the face (16:9, or cut
apart from a neighbour's) whose bottom-left holds the nearest name label, so names, face
detection and the classifier run unchanged. Health says "no grid".
This lives in classpulse because it joins capture's types with a face finder; capture itself
never imports inference.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from capture.types import Box, GridResult, Tile

NOT_PEOPLE = ("bad frame", "frame too", "blank frame", "grid detection failed")
MAX_FACES = 49
# Whole-frame faces must be plain. On 30 realistic screens (bench_capture's app_scenes, seed 11):
# 0.5 finds 279/333 faces but puts one in a camera-off tile, 0.6 finds 259/333 and none there.
MIN_SCORE = 0.6
# where side-by-side pseudo-tiles are cut, as a share of the gap from the left face: bench_fallback
# names read 0.5 167/333 (seed 5: 173/395), 0.4 177 (180), 0.3 178, 0.2 176; faces 275 -> 276
# (316 -> 313)
LEFT_SHARE = 0.4
REASON = "no grid: tiles cut around faces found on the whole frame"


class NoGridFallback:
    """``apply(image, grid)`` returns ``grid`` unchanged unless it is "no gallery" and faces
    are visible; then a gallery of face-centred pseudo-tiles (``extra["fallback"]``)."""

    def __init__(self, min_face: int = 28, max_width: int = 1280,
                 backend: str = "blazeface", min_score: float = MIN_SCORE) -> None:
        if backend not in ("blazeface", "haar"):
            raise ValueError(f"backend: expected 'blazeface' or 'haar', got {backend!r}")
        self.backend, self.min_score = backend, min_score
        self._cascade = self._blaze = None
        if backend == "haar":
            path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
            self._cascade = cv2.CascadeClassifier(path)
            if self._cascade.empty():
                raise FileNotFoundError(f"Haar cascade missing: expected {path}")
        self.min_face, self.max_width = min_face, max_width
        self._last: tuple[tuple[int, ...], list[Box]] | None = None
        self.runs = 0

    def apply(self, image: np.ndarray, grid: GridResult) -> GridResult:
        if grid.is_gallery or grid.reason.startswith(NOT_PEOPLE):
            return grid
        if grid.extra.get("cached") and self._last is not None and self._last[0] == image.shape:
            boxes = self._last[1]  # the same screen as last frame (grid's own cache says so)
        else:
            boxes = self.faces(image)
            self._last = (image.shape, boxes)
        return self.gallery(image, grid, boxes)

    def gallery(self, image: np.ndarray, grid: GridResult, boxes: list[Box]) -> GridResult:
        """The pseudo-tile gallery around face ``boxes`` (``faces``' order), or ``grid``
        unchanged when there are none."""
        if not boxes:
            return grid
        tiles = tuple(Tile(b, i, image[b.y:b.y + b.h, b.x:b.x + b.w], camera_on=True)
                      for i, b in enumerate(_tiles_around(boxes, image.shape[:2])))
        return GridResult(grid.frame_index, tiles, is_gallery=True, reason=REASON,
                          layout_changed=True, extra={**grid.extra, "fallback": True,
                                                      "no_grid_reason": grid.reason})

    def faces(self, image: np.ndarray) -> list[Box]:
        """Face boxes in frame pixels, biggest first (at most MAX_FACES)."""
        self.runs += 1
        if self.backend == "blazeface":
            boxes = [Box(b.x, b.y, b.w, b.h) for b in self._blaze_faces(image)
                     if min(b.w, b.h) >= self.min_face // 2]
        else:
            boxes = self._haar_faces(image)
        boxes.sort(key=lambda b: -b.w * b.h)
        return boxes[:MAX_FACES]

    def _blaze_faces(self, image: np.ndarray):
        from inference.face import FaceDetector
        from inference.face_frame import frame_faces

        if self._blaze is None:
            self._blaze = FaceDetector("blazeface", min_score=self.min_score,
                                       second_pass=False)
        return frame_faces(self._blaze, image)

    def _haar_faces(self, image: np.ndarray) -> list[Box]:
        """Haar on a copy scaled to at most ``max_width`` wide."""
        h, w = image.shape[:2]
        s = min(1.0, self.max_width / w)
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if s < 1.0:
            gray = cv2.resize(gray, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
        found = self._cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=6,
                                               minSize=(self.min_face, self.min_face))
        return [Box(int(x / s), int(y / s), max(1, int(fw / s)), max(1, int(fh / s)))
                for x, y, fw, fh in (found if len(found) else [])]


def _tiles_around(faces: list[Box], shape: tuple[int, int]) -> list[Box]:
    """A box around each face (16:9, 3 face heights tall, the face in the upper middle, as a
    webcam frames it), clipped to the frame, in reading order. Tiles never overlap: where two
    boxes would, both are cut in the gap between their faces, across the axis that separates
    the faces most (``_split``). A face that overlaps one already kept (``faces``
    come largest first) is the same face found twice and is dropped.

    Why cut, not skip: in a gallery of 9-25 the ideal box (5.3 face widths) is wider than a
    tile, so skipping kept 169 of 308 whole-frame faces on 30 realistic screens."""
    H, W = shape
    kept: list[Box] = []
    boxes: list[list[int]] = []
    for f in faces:
        if any(f.iou(k) > 0.0 for k in kept):
            continue
        th = min(H, 3 * max(f.w, f.h))
        tw = min(W, max(f.w, int(th * 16 / 9)))
        cx, cy = f.x + f.w // 2, f.y + f.h // 2
        x0 = int(np.clip(cx - tw // 2, 0, W - tw))
        y0 = int(np.clip(cy - int(th * 0.42), 0, H - th))
        kept.append(f)
        boxes.append([x0, y0, x0 + tw, y0 + th])
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            _split(boxes[i], boxes[j], kept[i], kept[j])
    out = [Box(a, b, c - a, d - b) for a, b, c, d in boxes]
    out.sort(key=lambda b: (b.y // max(1, b.h // 2), b.x))
    return out


def _split(a: list[int], b: list[int], fa: Box, fb: Box) -> None:
    """Cut boxes ``a`` and ``b`` (x0, y0, x1, y1, changed in place) apart where they overlap,
    in the gap between their faces on the axis where that gap is widest: its middle between
    rows, ``LEFT_SHARE`` of it from the left face side by side (the right tile's name label
    starts at its left edge). Each face stays whole inside its own box; faces that do not
    overlap always leave such a gap."""
    if min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]):
        return  # already apart
    gap_x = max(fa.x, fb.x) - min(fa.x + fa.w, fb.x + fb.w)
    gap_y = max(fa.y, fb.y) - min(fa.y + fa.h, fb.y + fb.h)
    axis = 0 if gap_x >= gap_y else 1
    first, second = (a, b) if (fa.x, fa.y)[axis] <= (fb.x, fb.y)[axis] else (b, a)
    f1 = fa if first is a else fb
    f2 = fb if first is a else fa
    end1 = (f1.x + f1.w, f1.y + f1.h)[axis]
    start2 = (f2.x, f2.y)[axis]
    share = LEFT_SHARE if axis == 0 else 0.5
    cut = end1 + round(share * (start2 - end1))
    first[axis + 2] = min(first[axis + 2], cut)
    second[axis] = max(second[axis], cut)
