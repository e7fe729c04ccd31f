"""Participant names from tile labels, with tesseract, cached so OCR does not run every frame.

Why this shape: the apps draw the name as light text bottom-left in each tile. We cut only that
area (so toolbar text such as "Participants 25" or a clock can never become a name), keep the
light, grey text pixels, invert to dark-on-light (what tesseract is trained on) and upscale to
a comfortable x-height. Starting tesseract costs ~0.3 s (the Latin model is 90 MB), so all
labels that need reading in a frame go through ONE tesseract process (a list file, one page per
label, ``--psm 7`` = one text line each). Reads are cached per tile position with a tolerant
mask comparison and globally by label signature, so reorders and steady frames cost no OCR.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import subprocess
import unicodedata

import cv2
import numpy as np

from capture.types import GridResult, Tile

LABEL_TOP = 0.76  # the label lives in the bottom quarter of a tile...
LABEL_RIGHT = 0.85  # ...and its left part
TARGET_H = float(os.environ.get("CLASSPULSE_OCR_TARGET_H", "48"))
ACCENT_UP = float(os.environ.get("CLASSPULSE_OCR_ACCENT_UP", "0.5"))
PAD = int(os.environ.get("CLASSPULSE_OCR_PAD", "2"))
_STRIP = " \t\n|_~`\"'.,;:!-—–"


def normalize_name(s: str) -> str:
    """NFC, whitespace collapsed to single spaces, stray OCR punctuation trimmed at the ends."""
    s = unicodedata.normalize("NFC", s)
    s = re.sub(r"\s+", " ", s).strip(_STRIP)
    return s


def identity_key(name: str, order: int) -> str:
    """Stable participant key: the case-folded normalised name, or the tile position for
    unnamed tiles (a positional fallback that does not survive reorders)."""
    n = normalize_name(name).casefold()
    return n if n else f"tile-{order}"


@functools.lru_cache(maxsize=1)
def best_language() -> str:
    """'Latin' (reads diacritics: ë, ü, Ł, ø...) when its traineddata is installed, else 'eng'."""
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "eng"
    langs = {line.strip() for line in out.splitlines()[1:]}
    return "Latin" if "Latin" in langs else "eng"


def _text_mask(region: np.ndarray) -> np.ndarray:
    """Light, grey pixels (white label text, anti-aliased) of a BGR region."""
    lo = region.min(axis=2)
    hi = region.max(axis=2)
    return (lo > 170) & (hi.astype(np.int16) - lo < 60)


def _glyphs_only(mask: np.ndarray) -> np.ndarray:
    """Drop bright blobs that are not letters: solid patches (a lit wall, a window), things
    touching the region's border, anything taller than a line of text can be."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    h, w = mask.shape
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y + bh >= h or x + bw >= w or (y == 0 and bw > 0.4 * w)
        solid = area > 40 and area > 0.75 * bw * bh
        if not touches and not solid and bh <= 0.75 * h:
            keep[i] = True
    area, heights = stats[:, cv2.CC_STAT_AREA], stats[:, cv2.CC_STAT_HEIGHT]
    big = keep & (area >= 6)
    if not big.any():
        return keep[lab]
    big &= heights >= 0.4 * heights[big].max()
    small = keep & ~big
    # the text line: letters centred near the area-weighted median centre (not wall pieces)
    cy = stats[:, cv2.CC_STAT_TOP] + heights / 2
    idx = np.nonzero(big)[0]
    order = idx[np.argsort(cy[idx])]
    cum = np.cumsum(area[order])
    centre = cy[order][np.searchsorted(cum, cum[-1] / 2)]
    on_line = big & (np.abs(cy - centre) <= 0.6 * np.median(heights[idx]))
    off_line, big, keep = big & ~on_line, on_line, on_line.copy()
    x0 = stats[big, 0].min()
    x1 = (stats[big, 0] + stats[big, 2]).max()
    y0 = stats[big, 1].min()
    y1 = (stats[big, 1] + stats[big, 3]).max()
    line_h = y1 - y0
    for i in np.nonzero(small | off_line)[0]:  # marks near the line: dots, accents, cedillas
        x, y, bw, bh, _ = stats[i]
        keep[i] = bool(x0 - 0.3 * line_h <= x and x + bw <= x1 + 2.0 * line_h
                       and y0 - ACCENT_UP * line_h <= y and y + bh <= y1 + 0.4 * line_h
                       and (small[i] or bh <= 0.5 * line_h))
    return keep[lab]


def _label_region(tile_bgr: np.ndarray, step: int = 1) -> np.ndarray:
    h, w = tile_bgr.shape[:2]
    return tile_bgr[int(h * LABEL_TOP):h - 2:step, 3:int(w * LABEL_RIGHT):step]


def quick_mask(tile_bgr: np.ndarray) -> np.ndarray:
    """A cheap half-resolution text mask, to tell whether a tile's label changed."""
    return _text_mask(_label_region(tile_bgr, 2))


def label_crop(tile_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(OCR-ready dark-on-light grey image, glyph mask) of a tile's name label, or None."""
    region = _label_region(tile_bgr)
    if region.size == 0:
        return None
    raw = _text_mask(region)
    mask = _glyphs_only(raw)
    ys, xs = np.nonzero(mask)
    if len(ys) < 6:
        return None
    pad = PAD
    ya, yb = max(0, ys.min() - pad), min(region.shape[0], ys.max() + pad + 1)
    xa, xb = max(0, xs.min() - pad), min(region.shape[1], xs.max() + pad + 1)
    grey = 255 - region[ya:yb, xa:xb].max(axis=2)
    junk = (raw & ~mask)[ya:yb, xa:xb].astype(np.uint8)  # bright non-letters: wall, window
    grey[cv2.dilate(junk, np.ones((3, 3), np.uint8)) > 0] = 255
    grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX)
    scale = float(np.clip(TARGET_H / max(1, yb - ya), 1.0, 5.0))
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    grey = cv2.copyMakeBorder(grey, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)
    return grey, mask[ya:yb, xa:xb]


def _signature(mask: np.ndarray) -> bytes:
    small = cv2.resize(mask.astype(np.uint8) * 255, (96, 12), interpolation=cv2.INTER_AREA) > 96
    # the shape as uint32s: bytes(mask.shape) raised ValueError for any side >= 256 px
    shape = np.asarray(mask.shape, np.uint32).tobytes()
    return hashlib.blake2b(np.packbits(small).tobytes() + shape, digest_size=12).digest()


def _similar(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    union = np.logical_or(a, b).sum()
    return union == 0 or np.logical_and(a, b).sum() / union >= 0.85


def ocr_batch(images: list[np.ndarray], lang: str, psm: int = 7) -> list[str]:
    """Read each image as one text line with a single tesseract process.

    The labels go to tesseract as one multi-page TIFF on stdin, never as files: ClassPulse
    promises that no image bytes are written to disk, not even transient temp files.
    """
    if not images:
        return []
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    ok, tiff = cv2.imencodemulti(".tiff", images)
    if not ok:
        raise RuntimeError(f"could not encode {len(images)} name labels for OCR")
    res = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", str(psm)],
                         input=tiff.tobytes(), capture_output=True, timeout=120, env=env,
                         check=False)
    if res.returncode != 0:
        raise RuntimeError(f"tesseract failed ({res.returncode}): {res.stderr[-300:]!r}")
    pages = res.stdout.decode("utf-8", "replace").split("\f")
    if len(pages) < len(images):
        raise RuntimeError(f"tesseract returned {len(pages)} pages for {len(images)} labels")
    return [normalize_name(p) for p in pages[:len(images)]]


class NameReader:
    """Reads tile names with OCR and a per-tile cache. ``read(grid)`` returns the grid with
    ``Tile.name`` filled in; tiles whose label cannot be found get ""."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = lang or best_language()
        self._by_pos: dict[tuple[int, int, int, int], tuple[np.ndarray, str]] = {}
        self._by_sig: dict[bytes, str] = {}
        self.ocr_calls = 0  # labels sent to tesseract
        self.cache_hits = 0

    def read(self, grid: GridResult) -> GridResult:
        if not grid.is_gallery:
            return grid
        names = self.read_tiles(list(grid.tiles))
        tiles = tuple(dataclasses.replace(t, name=n) for t, n in zip(grid.tiles, names,
                                                                      strict=True))
        return dataclasses.replace(grid, tiles=tiles)

    def read_tiles(self, tiles: list[Tile]) -> list[str]:
        names: list[str] = [""] * len(tiles)
        todo: list[tuple[int, tuple, np.ndarray, np.ndarray, bytes]] = []
        for i, t in enumerate(tiles):
            pos = (t.box.x, t.box.y, t.box.w, t.box.h)
            quick = quick_mask(t.image)
            cached = self._by_pos.get(pos)
            if cached is not None and _similar(cached[0], quick):
                names[i] = cached[1]
                self.cache_hits += 1
                continue
            got = label_crop(t.image)
            if got is None:
                self._by_pos.pop(pos, None)
                continue
            img, mask = got
            sig = _signature(mask)
            if sig in self._by_sig:
                names[i] = self._by_sig[sig]
                self._by_pos[pos] = (quick, names[i])
                self.cache_hits += 1
                continue
            todo.append((i, pos, img, quick, sig))
        if todo:
            self.ocr_calls += len(todo)
            read = ocr_batch([item[2] for item in todo], self.lang)
            for (i, pos, _, quick, sig), name in zip(todo, read, strict=True):
                names[i] = name
                self._by_pos[pos] = (quick, name)
                self._by_sig[sig] = name
        if len(self._by_sig) > 4096:  # bounded: labels are few, but never grow forever
            self._by_sig.clear()
        return names
