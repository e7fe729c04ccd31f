"""Gallery grid detection: one frame -> participant tiles, or a reason why it is no gallery.

First choice: ``capture.layout_fit`` fits the layout the apps draw (equal tiles, one gutter,
centred rows) to gutter-bounded edges, over the three commonest neutral-grey colours; it holds
on real content (pillarboxed phones, dark video, rings, chrome). Fallback, below: the older
blob segmentation, kept for a lone tile (``min_tiles=1``) and screens the fit rejects.

How the fallback works: every gallery view draws equal-sized tiles on a flat background (the gutters). We take
the few most common colours as background candidates, mask everything that differs from the
candidate, and keep connected components that look like tiles (big, box-filling, roughly
16:9). The largest family of equal-sized, row-aligned, evenly spaced boxes is the grid.
Lossy video (JPEG/MJPG, mp4v, H.264) rings and bleeds chroma into the thin gutters, so a full
detection also tries luma alone with a wider tolerance, eroding the non-background mask by
1 px to cut the few bridges left and growing the boxes back after; the bigger grid wins, the
exact one on a tie (so lossless frames keep their pixel-exact boxes).
Layouts rarely change, so the result is cached and cheaply re-verified by sampling gutter,
tile-edge and empty-space pixels; full detection runs only when that check fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np

from capture import layout_checks, layout_evidence, layout_fit, tile_state
from capture.gutter_colours import common_colours, edge_colours
from capture.types import Box, Frame, GridResult, Tile

MIN_SIDE, MAX_SIDE = 160, 8192
BG_TOL = 6  # max per-channel distance from the gutter colour
MIN_TILE_W, MIN_TILE_H = 60, 34
SIZE_TOL = 0.04  # tiles of one grid differ by at most 4 % (rounding)
EXACT = (BG_TOL, 0, False)  # (tolerance, erosion px, luma only): lossless frames
FIT = (8, 0, True)  # layouts found by layout_fit: luma within 12 of the gutter
GAPS_CLEAR = 0.5  # share of the gaps between fitted tiles that must show the gutter colour
FIT_QUALITY = 0.45  # share of the fitted tiles' border length that shows gutter-bounded edges
MIN_GRID_AREA = 0.08  # tiles cover at least this share of the frame (49 tiny tiles: ~13 %)
MIN_TEXTURED = 0.5  # share of fitted tiles that must show anything at all (see textured)
MIN_LABELLED = 0.5  # share of a fitted layout's tiles that must show a name label (labelled)
MAX_ROW = 3  # tiles: gallery view puts more than this in two rows or more (see _one_row)
FIT_COLOURS = 4  # neutral gutter colours tried: at 200 % a light theme's chrome bars, a
#                 camera-off card and the taskbar can each outnumber the thin gutters
SURROUND_WEIGHT = 0.5  # share of a colour's fit score weighed by layout_checks.surround
RING_MARGIN = 14  # px around tiles where a speaker ring may come and go
LOSSY = ((12, 1, True), (8, 1, True), (16, 1, True))  # compressed frames, tried in order
_LUMA_W = np.array([0.114, 0.587, 0.299], np.float32)  # BGR -> Y (BT.601, as cv2)


@dataclass(slots=True)
class _Layout:
    shape: tuple[int, int]
    bg: np.ndarray  # (3,) int16 BGR
    mode: tuple[int, int, bool]  # EXACT or one of LOSSY
    boxes: list[Box]
    gutter_pts: tuple[np.ndarray, np.ndarray]
    inside_pts: tuple[np.ndarray, np.ndarray]
    empty_pts: tuple[np.ndarray, np.ndarray]
    fit: tuple | None = None  # (border points, per-tile hit share at detection, gutter luma)


def check_image(image: object) -> str:
    """Why ``image`` cannot be a frame ("" when it can). Never touches pixel data."""
    if not isinstance(image, np.ndarray):
        return f"bad frame: expected numpy.ndarray, got {type(image).__name__}"
    if image.ndim != 3 or image.shape[2] != 3:
        return f"bad frame: expected shape (H, W, 3) BGR, got {image.shape}"
    if image.dtype != np.uint8:
        return f"bad frame: expected dtype uint8, got {image.dtype}"
    h, w = image.shape[:2]
    if h < MIN_SIDE or w < MIN_SIDE:
        return f"frame too small: {w}x{h} (need at least {MIN_SIDE}x{MIN_SIDE})"
    if h > MAX_SIDE or w > MAX_SIDE:
        return f"frame too large: {w}x{h} (at most {MAX_SIDE}x{MAX_SIDE})"
    return ""


def _bg_mask(image: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """uint8 mask, 255 where a pixel is NOT the background colour."""
    lo = np.clip(bg - BG_TOL, 0, 255).astype(np.uint8)
    hi = np.clip(bg + BG_TOL, 0, 255).astype(np.uint8)
    return cv2.bitwise_not(cv2.inRange(image, lo, hi))


def _is_bg(image: np.ndarray, pts: tuple[np.ndarray, np.ndarray], bg: np.ndarray,
           mode: tuple[int, int, bool] = EXACT) -> np.ndarray:
    tol, _, luma = mode
    if luma:
        px = image[pts[0], pts[1]].astype(np.float32) @ _LUMA_W
        return np.abs(px - float(bg.astype(np.float32) @ _LUMA_W)) <= tol * 1.5
    px = image[pts[0], pts[1]].astype(np.int16)
    return np.abs(px - bg).max(axis=1) <= tol


def _components(image: np.ndarray, bg: np.ndarray, mode: tuple[int, int, bool] = EXACT,
                gray: np.ndarray | None = None) -> list[Box]:
    """Tile-like connected components of the non-background mask."""
    tol, e, luma = mode
    if luma:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if gray is None else gray
        y = int(cv2.cvtColor(bg.astype(np.uint8).reshape(1, 1, 3), cv2.COLOR_BGR2GRAY)[0, 0])
        mask = cv2.bitwise_not(cv2.inRange(gray, max(0, y - tol), min(255, y + tol)))
    else:
        mask = _bg_mask(image, bg)
    if e:
        mask = cv2.erode(mask, np.ones((2 * e + 1, 2 * e + 1), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    h, w = image.shape[:2]
    boxes = []
    for x, y, bw, bh, area in stats[1:n]:
        x, y, bw, bh = x - e, y - e, bw + 2 * e, bh + 2 * e  # undo the erosion
        if bw < MIN_TILE_W or bh < MIN_TILE_H or bw > w * 0.98 or bh > h * 0.98:
            continue
        if not 1.0 <= bw / bh <= 2.4 or area < 0.6 * bw * bh:
            continue
        boxes.append(Box(int(x), int(y), int(bw), int(bh)))
    return boxes


def _grid_family(boxes: list[Box]) -> list[Box]:
    """The largest set of equal-sized, row-aligned, evenly spaced boxes (the gallery).

    Heights may come out short when a tile's bottom edge is as dark as the gutter (dark
    clothes, a label shadow), so a tile may be up to 30 % shorter than the family's reference;
    survivors are snapped to the reference size, keeping their top-left corner.
    """
    best: list[Box] = []
    for ref in boxes:
        fam = [b for b in boxes if abs(b.w - ref.w) <= max(2, SIZE_TOL * ref.w)
               and 0.7 * ref.h <= b.h <= ref.h + max(2, SIZE_TOL * ref.h)]
        if len(fam) <= len(best):
            continue
        w = max(b.w for b in fam)
        h = max(b.h for b in fam)
        fam = [Box(b.x, b.y, w, h) for b in fam]
        if _regular(fam):
            best = fam
    return best


def _rows(boxes: list[Box]) -> list[list[Box]]:
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b.y, b.x)):
        if rows and abs(rows[-1][0].y - b.y) <= max(2, b.h // 10):
            rows[-1].append(b)
        else:
            rows.append([b])
    return [sorted(r, key=lambda b: b.x) for r in rows]


def _regular(boxes: list[Box]) -> bool:
    """Rows aligned, one gutter width between neighbours (1..40 px), no overlaps."""
    if len(boxes) < 2:
        return False
    gaps = []
    rows = _rows(boxes)
    for row in rows:
        gaps += [b.x - (a.x + a.w) for a, b in zip(row, row[1:], strict=False)]
    gaps += [b[0].y - (a[0].y + a[0].h) for a, b in zip(rows, rows[1:], strict=False)]
    if not gaps:
        return False
    return all(1 <= g <= 40 for g in gaps) and max(gaps) - min(gaps) <= 4


def _sample_points(boxes: list[Box], shape: tuple[int, int], image: np.ndarray,
                   bg: np.ndarray, mode: tuple[int, int, bool] = EXACT, margin: int = 2) -> tuple:
    """Pixels that must stay gutter (just outside tiles), stay tile (just inside), and empty
    background points on a lattice; used to re-verify a cached layout in well under 1 ms."""
    h, w = shape
    gy, gx, iy, ix = [], [], [], []
    for b in boxes:
        xs = np.linspace(b.x + b.w * 0.2, b.x + b.w * 0.8, 8).astype(int)
        ys = np.linspace(b.y + b.h * 0.2, b.y + b.h * 0.8, 6).astype(int)
        for yy in (b.y - 1, b.y + b.h):
            gy += [yy] * len(xs)
            gx += list(xs)
        for xx in (b.x - 1, b.x + b.w):
            gx += [xx] * len(ys)
            gy += list(ys)
        for yy in (b.y + 1, b.y + b.h - 2):
            iy += [yy] * len(xs)
            ix += list(xs)
        for xx in (b.x + 1, b.x + b.w - 2):
            ix += [xx] * len(ys)
            iy += list(ys)
    g = (np.clip(gy, 0, h - 1), np.clip(gx, 0, w - 1))
    inside = (np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1))
    ly, lx = np.mgrid[4:h:24, 4:w:24]
    ly, lx = ly.ravel(), lx.ravel()
    occupied = np.zeros(len(ly), bool)
    for b in boxes:
        occupied |= ((lx >= b.x - margin) & (lx < b.x + b.w + margin)
                     & (ly >= b.y - margin) & (ly < b.y + b.h + margin))
    ly, lx = ly[~occupied], lx[~occupied]
    keep = _is_bg(image, (ly, lx), bg, mode)
    return g, inside, (ly[keep], lx[keep])


class GridDetector:
    """Finds the tiles of a gallery view; caches the layout and re-detects only on change.

    ``detect`` never raises on bad input: it returns ``GridResult(is_gallery=False, reason=...)``.
    """

    def __init__(self, min_tiles: int = 2) -> None:
        """``min_tiles=1`` also accepts a lone 16:9 tile on a flat background. Off by default:
        a single participant looks exactly like a screen share or speaker view."""
        self.min_tiles = max(1, min_tiles)
        self._layout: _Layout | None = None
        self._miss: tuple[tuple[int, ...], np.ndarray, str] | None = None
        self._off: list[bool] | None = None  # camera-off flags of the layout's tiles
        self.full_detections = 0

    def reset(self) -> None:
        self._layout = None
        self._miss = None
        self._off = None

    def detect(self, frame: Frame | np.ndarray, index: int = 0) -> GridResult:
        image = frame.image if isinstance(frame, Frame) else frame
        idx = frame.index if isinstance(frame, Frame) else index
        why = check_image(image)
        if why:
            self._layout = None
            return GridResult(idx, is_gallery=False, reason=why)
        try:
            return self._detect(image, idx)
        except Exception as exc:  # a verdict, never a crash, for whatever the screen shows
            self._layout = None
            return GridResult(idx, is_gallery=False, reason=f"grid detection failed: {exc!r}")

    def _detect(self, image: np.ndarray, idx: int) -> GridResult:
        t0 = time.perf_counter()
        lay = self._layout
        if lay is not None and lay.shape == image.shape[:2] and self._still_valid(image, lay):
            return self._result(image, idx, lay, changed=False, t0=t0)
        small = image[::8, ::8]
        if int(small.max()) - int(small.min()) < 8:
            self._layout = None
            return GridResult(idx, is_gallery=False, reason="blank frame: a single flat colour")
        thumb = image[::16, ::16].astype(np.int16)
        miss = self._miss
        if miss is not None and miss[0] == image.shape and np.abs(thumb - miss[1]).mean() < 3:
            # the same slide as last frame: keep the verdict, skip a 40-150 ms full detection
            return GridResult(idx, is_gallery=False, reason=miss[2], extra={"cached": True})
        best = self._find(image)
        self.full_detections += 1
        if best is None:
            self._layout = None
            reason = "no tile grid found: screen share, slide or other content"
            self._miss = (image.shape, thumb, reason)
            return GridResult(idx, is_gallery=False, reason=reason)
        self._miss = None
        boxes = [b for row in _rows(best[0]) for b in row]
        fitted = best[2] == FIT
        pts = _sample_points(boxes, image.shape[:2], image, best[1], best[2],
                             RING_MARGIN if fitted else 2)
        fit = None
        if fitted:
            bpts = tile_state.border_points(boxes, image.shape[:2])
            bl = _luma_of(best[1])
            fit = (bpts, tile_state.border_hits(image, bpts, bl, len(boxes)), bl)
        self._layout = _Layout(image.shape[:2], best[1], best[2], boxes, *pts, fit=fit)
        changed = lay is None or lay.boxes != boxes
        return self._result(image, idx, self._layout, changed=changed, t0=t0)

    def _find(self, image: np.ndarray) -> tuple[list[Box], np.ndarray, tuple] | None:
        """(tile boxes, gutter colour, mode) of the grid, trying the most common colours first,
        exactly (lossless frames) and then tolerantly (compressed video)."""
        cands = common_colours(image)
        fitted = self._fit(image, edge_colours(image) + cands)
        if fitted is not None:
            bl = _luma_of(fitted[1])  # the fit measures the gutter beside the edges (blur
            near = [c for c in cands if abs(_luma_of(c) - bl) < 4]  # shifts it a little, and
            #  a shrunk screenshot's blended gutter with it); the flat colour reads camera flags
            return (fitted[0], near[0], FIT) if near else fitted
        exact = self._find_mode(image, cands, EXACT, None)
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        for mode in LOSSY:  # also when the exact pass found some: ringing may hide tiles
            found = self._find_mode(image, cands, mode, gray)
            if found is not None:
                return exact if exact is not None and len(exact[0]) >= len(found[0]) else found
        return exact

    def _fit(self, image: np.ndarray, cands: list[np.ndarray]
             ) -> tuple[list[Box], np.ndarray, tuple] | None:
        """The layout-fitting detector (capture.layout_fit) over the commonest neutral colours
        (chrome bars and camera-off cards can outnumber the gutter); their layouts compete on
        score, half of it weighed by ``surround`` (a title bar's fit of empty window space)."""
        gray = layout_evidence.luma(image)
        sat = layout_evidence.saturation(image)
        ring = layout_evidence.rings(gray, sat)
        best, best_bg, best_score, seen = None, None, 0.0, []
        for bg in cands:
            bl = _luma_of(bg)
            if any(abs(bl - s) < 4 for s in seen) or int(bg.max()) - int(bg.min()) > 16:
                continue  # the apps' backgrounds are neutral greys, walls and photos are not
            if len(seen) == FIT_COLOURS:
                break
            seen.append(bl)
            found = layout_fit.fit(gray, bl, max(2, self.min_tiles), sat=sat,
                                   min_area=MIN_GRID_AREA * image.shape[0] * image.shape[1],
                                   ring=ring, accept=partial(_fit_ok, image, gray, sat, bl))
            if found is None:
                continue
            score = found.score * (1 - SURROUND_WEIGHT + SURROUND_WEIGHT
                                   * layout_checks.surround(gray, found.boxes, bl))
            if best is None or score > best_score:
                best, best_bg, best_score = found, bg, score
        if best is None:
            return None
        return best.boxes, best_bg, FIT

    def _find_mode(self, image: np.ndarray, cands: list[np.ndarray], mode: tuple,
                   gray: np.ndarray | None) -> tuple[list[Box], np.ndarray, tuple] | None:
        for bg in cands:
            comps = _components(image, bg, mode, gray)
            fam = _grid_family(comps)
            big = sum(b.w * b.h for b in fam) >= MIN_GRID_AREA * image.shape[0] * image.shape[1]
            if len(fam) >= max(2, self.min_tiles) and big and 1.4 <= fam[0].w / fam[0].h <= 2.2:
                return fam, bg, mode  # tiles are large and 16:9-ish, taskbar icons are not
            if self.min_tiles == 1:
                lone = [b for b in comps if 1.6 <= b.w / b.h <= 1.95
                        and b.w * b.h >= 0.2 * image.shape[0] * image.shape[1]]
                if len(lone) == 1:
                    return lone, bg, mode
        return None

    @staticmethod
    def _still_valid(image: np.ndarray, lay: _Layout) -> bool:
        if lay.fit is not None:
            return _fit_still_valid(image, lay)
        gutter_ok = _is_bg(image, lay.gutter_pts, lay.bg, lay.mode).mean() >= 0.95
        if not gutter_ok:
            return False
        inside_ok = (~_is_bg(image, lay.inside_pts, lay.bg, lay.mode)).mean() >= 0.85
        empty_ok = (len(lay.empty_pts[0]) == 0
                    or _is_bg(image, lay.empty_pts, lay.bg, lay.mode).mean() >= 0.98)
        return bool(inside_ok and empty_ok)

    def _result(self, image: np.ndarray, idx: int, lay: _Layout, changed: bool,
                t0: float) -> GridResult:
        # the same boxes as last frame keep their camera state unless it clearly changed
        off, ring = tile_state.grid_states(image, lay.boxes, lay.bg,
                                           self._off if not changed else None)
        self._off = off
        tiles = [Tile(b, order, image[b.y:b.y + b.h, b.x:b.x + b.w], camera_on=not off[order],
                      is_speaker=ring[order]) for order, b in enumerate(lay.boxes)]
        return GridResult(idx, tuple(tiles), is_gallery=True, layout_changed=changed,
                          extra={"bg_bgr": tuple(int(v) for v in lay.bg),
                                 "cached": not changed and self.full_detections > 0,
                                 "grid_ms": (time.perf_counter() - t0) * 1e3})


def _fit_ok(image: np.ndarray, gray: np.ndarray, sat: np.ndarray, bl: float,
            found: layout_fit.Fit) -> bool:
    """The checks a fitted layout must pass to be a gallery (see layout_checks), the
    costliest last."""
    if found.quality < FIT_QUALITY:
        return False
    area = sum(b.w * b.h for b in found.boxes)
    if area < MIN_GRID_AREA * gray.shape[0] * gray.shape[1]:
        return False  # toolbar buttons or text in a row: a gallery fills the window
    if _one_row(found.boxes):
        return False
    return (layout_checks.filled(gray, found.boxes, bl) >= 0.6
            and layout_checks.gaps_clear(gray, sat, found.boxes, bl) >= GAPS_CLEAR
            and layout_checks.textured(gray, found.boxes) >= MIN_TEXTURED
            and layout_checks.labelled(image, found.boxes) >= MIN_LABELLED)


def _one_row(boxes: list[Box]) -> bool:
    """More than MAX_ROW tiles in one row: the apps lay gallery view out for the biggest
    tiles, so four or more 16:9 tiles in a 16:9-ish window always take two rows or more (one
    row wins only in a window over 7x as wide as tall). A single row of small "tiles" is a
    toolbar's buttons with their captions, or a filmstrip beside a shared screen, not a
    gallery."""
    return len(boxes) > MAX_ROW and max(b.y for b in boxes) - min(b.y for b in boxes) <= 2


def _luma_of(bgr: np.ndarray) -> float:
    return float(np.asarray(bgr, np.float32) @ _LUMA_W)


def _fit_still_valid(image: np.ndarray, lay: _Layout) -> bool:
    """A fitted layout holds while its tiles keep their border evidence (a few may lose it to
    someone leaning across an edge) and the space around the grid stays empty."""
    pts, base, bl = lay.fit
    now = tile_state.border_hits(image, pts, bl, len(lay.boxes))
    lost = (base >= 0.3) & (now < 0.5 * base)
    if int(lost.sum()) > len(lay.boxes) // 8:
        return False
    return bool(len(lay.empty_pts[0]) == 0
                or _is_bg(image, lay.empty_pts, lay.bg, lay.mode).mean() >= 0.97)
