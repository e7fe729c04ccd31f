"""Participant names from tile labels, with tesseract, cached so OCR does not run every frame.

Why this shape: ``capture.label_find`` cuts out only the name (bottom-left label, or the
centred name of a camera-off tile), so toolbar text such as "Participants 25" or a clock can
never become a name, and hands over dark-on-light crops (what tesseract is trained on).
Starting tesseract costs 0.3 s or more (a CJK model is bigger), so all labels that need reading
in a frame go through ONE tesseract process per language set (a multi-page TIFF on stdin,
``--psm 7`` = one text line each), plus at most one more for the weak reads' retries, one
for a mixed set's native look and one for student numbers beside non-Latin names
(``read_labels``: tesseract's own word confidences pick between looks). Reads are cached per
tile position with a tolerant mask comparison and globally by label signature, so reorders
and steady frames cost no OCR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess

import cv2
import numpy as np

from capture.label_find import LabelCrop, find_label
from capture.label_regions import bottom_region, centre_region
from capture.label_white import whiteness
from capture.marks import (
    VIETNAMESE_PACK,
    foreign_marks,
    mark_fixes,
    vietnamese_look,
    vietnamese_name,
)
from capture.name_text import capitalised, normalize_name, with_ellipsis, without_stray_marks
from capture.ocr_langs import installed_languages, resolve_languages
from capture.script_ocr import (
    DIGIT_PACK,
    id_span,
    label_options,
    latin_only,
    name_like,
    native_packs,
    other_script,
    paired,
    second_looks,
    with_latin_digits,
)
from capture.script_ocr import prepare as script_prepare
from capture.types import GridResult, Tile

_TSV_ROW = re.compile(r"^[1-5]\t\d+\t(-?\d+\t){8}-?[\d.]+\t")
STRAY_CONF = 85.0  # a lone character at either end of a read below this is not the name's


def quick_mask(tile_bgr: np.ndarray, where: str = "bottom") -> np.ndarray:
    """A cheap half-resolution light-pixel mask of where a tile's label was, to tell whether
    it changed (the centre too for camera-off tiles, whose name is there)."""
    regions = [bottom_region(tile_bgr, 2)] + ([centre_region(tile_bgr, 2)] if where == "centre"
                                               else [])
    return np.concatenate([(whiteness(r, fringes=False) > 170).ravel() for r in regions])


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


def ocr_scored(images: list[np.ndarray], lang: str, psm: int = 7) -> list[tuple[str, float]]:
    """Read each image as one text line with a single tesseract process: (text, confidence).

    The labels go to tesseract as one multi-page TIFF on stdin, never as files: ClassPulse
    promises that no image bytes are written to disk, not even transient temp files. The TSV
    output gives each word's confidence (0-100); a label's is its weakest word's, -1 if empty.
    """
    if not images:
        return []
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    ok, tiff = cv2.imencodemulti(".tiff", images)
    if not ok:
        raise RuntimeError(f"could not encode {len(images)} name labels for OCR")
    res = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", str(psm),
                          "txt", "tsv"], input=tiff.tobytes(), capture_output=True, timeout=120,
                         env=env, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"tesseract failed ({res.returncode}): {res.stderr[-300:]!r}")
    texts, words = _split_txt_tsv(res.stdout.decode("utf-8", "replace"), len(images))
    return [_without_stray_ends(normalize_name(t), w) for t, w in zip(texts, words, strict=True)]


def _without_stray_ends(text: str, words: list[tuple[str, float]]) -> tuple[str, float]:
    """The read without a lone character at either end that tesseract is unsure of (under
    ``STRAY_CONF``), and its confidence: the weakest word left's, -1 if none. Video or an
    icon beside the label box joins the line as one more glyph ("Julia Nowak 3",
    "F Yusuf Demir"); a name's own initial ("J Smith") reads sure."""
    parts = text.split(" ")
    while len(parts) > 2 and len(words) > 2:
        if len(parts[-1]) == 1 and words[-1][0] == parts[-1] and words[-1][1] < STRAY_CONF:
            parts, words = parts[:-1], words[:-1]
        elif len(parts[0]) == 1 and words[0][0] == parts[0] and words[0][1] < STRAY_CONF:
            parts, words = parts[1:], words[1:]
        else:
            break
    return " ".join(parts), min((c for _, c in words), default=-1.0)


def _split_txt_tsv(out: str, n: int) -> tuple[list[str], list[list[tuple[str, float]]]]:
    """Both renderers write to stdout: TSV rows (each names its page) and the plain text,
    whose pages are separated by form feeds. The text keeps tesseract's own word spacing
    (TSV splits a Hangul name into syllables); the TSV gives each word and its confidence."""
    texts: list[str] = [""] * n
    words: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    page = 0
    for line in out.split("\n"):
        for k, piece in enumerate(line.split("\f")):
            page += k > 0
            f = piece.split("\t")
            if _TSV_ROW.match(piece):
                p = int(f[1]) - 1
                if f[0] == "5" and f[11].strip() and 0 <= p < n:
                    words[p].append((f[11].strip(), float(f[10])))
            elif page < n and not piece.startswith("level\tpage_num"):
                texts[page] += piece + " "
    if page != n - 1:
        raise RuntimeError(f"tesseract returned {page + 1} pages for {n} labels")
    return texts, words


def ocr_batch(images: list[np.ndarray], lang: str, psm: int = 7) -> list[str]:
    """The text of each image (one line each), read in one tesseract process."""
    return [text for text, _ in ocr_scored(images, lang, psm)]


def _soft(image: np.ndarray) -> np.ndarray:
    """The crop with its stroke-mask edges smoothed: LSTM models are trained on anti-aliased
    text, and the hard cut-out of ``label_find`` reads worse (bench: CJK +3-4 %)."""
    return cv2.GaussianBlur(image, (3, 3), 0)


def _small(image: np.ndarray) -> np.ndarray:
    """The softened crop at 0.7x: some small CJK labels tesseract misreads or returns empty
    at one size read right at another."""
    return cv2.resize(_soft(image), None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)


RETRY = (lambda im: im, _small)  # other looks at a weak read: the hard crop, a smaller one
WEAK_CONF = 50.0  # a read whose weakest word is below this gets a second look
SURE_CONF = 95.0  # a Latin read below this also gets the Vietnamese look (its crop is bigger)


def _odd(text: str) -> bool:
    """Brackets no display name has: "[", "]", or parentheses that do not pair up."""
    return any(c in text for c in "[]{}") or text.count("(") != text.count(")")


def _rank(read: tuple[str, float]) -> tuple[bool, float]:
    return (not _odd(read[0]), read[1])


def read_labels(images: list[np.ndarray], lang: str) -> list[str]:
    """One text per label crop: a first tesseract run over all of them, then at most ONE more
    run over the weak reads (empty, a word under ``WEAK_CONF``, or unbalanced brackets) in
    ``RETRY``'s other preprocessings, keeping the look that is not odd and that tesseract is
    most confident about. Small CJK glyphs, tesseract's occasional empty page ("周杰" at psm 7)
    and a capital I read as "]" are the weak ones.

    Latin-script reads under ``SURE_CONF``, or with a mark Vietnamese never writes, also get
    a look with the Vietnamese pack: that run then reads every look with it. A more confident
    Vietnamese read only lends its marks (``capture.marks``: "Nguyën" -> "Nguyễn", "Łukasz"
    stays), unless the Latin read was empty or odd, or the marks it lends show a Vietnamese
    name (``vietnamese_name``: then the whole read, "Phạm Đúrc Thắng" -> "Phạm Đức Thắng").
    The Latin run reads its crops bigger (``script_ocr.prepare``), the Vietnamese look the
    crop as it is. Thai crops get more margin first, and unsure Thai reads one more look
    (``capture.script_ocr``). In a mixed set ("kor+eng"), Latin-only reads get one run with
    the class's own packs (``_native_look``), and in a class that reads another script,
    reads with a student number get its digits from the Latin pack (``_digit_look``). Each
    read then goes through ``capitalised``."""
    plain = [_soft(im) for im in images]  # the Vietnamese pack reads the crop as it is best
    prepared = script_prepare(images, lang)
    soft = plain if prepared is images else [_soft(im) for im in prepared]
    images = prepared
    best = ocr_scored(soft, lang)
    viet = vietnamese_look(lang, installed_languages())
    again_lang = VIETNAMESE_PACK if viet else lang
    looks: list[tuple[int, np.ndarray]] = []
    for i, (text, conf) in enumerate(best):
        if conf < WEAK_CONF or _odd(text):
            looks += [(i, f(images[i])) for f in RETRY]
        looks += [(i, f(images[i])) for f in second_looks(lang, conf)]
        if viet and text and (conf < SURE_CONF or foreign_marks(text)):
            looks.append((i, plain[i]))
    if looks:
        first = list(best)
        again = ocr_scored([im for _, im in looks], again_lang)
        for (i, _), cand in zip(looks, again, strict=True):
            if not cand[0] or _rank(cand) <= _rank(best[i]):
                continue
            if not viet or not first[i][0] or _odd(first[i][0]):
                best[i] = cand
            elif (fixed := mark_fixes(first[i][0], cand[0])) is not None:
                best[i] = (cand[0] if vietnamese_name(cand[0]) else fixed, cand[1])
    _native_look(soft, best, lang)
    _digit_look(soft, best, lang)
    return [capitalised(without_stray_marks(text)) for text, _ in best]




def _native_look(soft: list[np.ndarray], best: list[tuple[str, float]], lang: str) -> None:
    """Reads of a mixed set ("kor+eng") with no letter of the class's own script get one more
    run with its packs alone (``capture.script_ocr.native_packs``): a read in that script
    replaces the Latin one in ``best`` when at least as confident, or when the Latin read
    is no name at all ("we", "vac", "238": ``script_ocr.name_like``)."""
    native = native_packs(lang)
    todo = [i for i, (text, _) in enumerate(best) if latin_only(text)] if native else []
    if not todo:
        return
    for i, cand in zip(todo, ocr_scored([soft[i] for i in todo], native), strict=True):
        if not latin_only(cand[0]) and (cand[1] >= best[i][1] or not name_like(best[i][0])):
            best[i] = cand


def _digit_look(soft: list[np.ndarray], best: list[tuple[str, float]], lang: str) -> None:
    """Reads with a student number in a class that reads another script get one run with
    ``DIGIT_PACK``, whose digits replace the number (``capture.script_ocr``)."""
    if not other_script(lang) or DIGIT_PACK not in installed_languages():
        return
    todo = [i for i, (text, _) in enumerate(best) if id_span(text) is not None]
    if not todo:
        return
    for i, (latin, _) in zip(todo, ocr_scored([soft[i] for i in todo], DIGIT_PACK),
                             strict=True):
        if (fixed := with_latin_digits(best[i][0], latin)) is not None:
            best[i] = (fixed, best[i][1])


class NameReader:
    """Reads tile names with OCR and a per-tile cache. ``read(grid)`` returns the grid with
    ``Tile.name`` filled in; tiles whose label cannot be found get "". A name the app cut
    with "…" keeps a trailing "…" after the visible prefix.

    ``lang``: tesseract codes ("kor+eng"), "auto"/None for Latin (or eng); checked with
    ``resolve_languages``, so a missing pack fails here, in one line, not on every frame.
    """

    def __init__(self, lang: str | None = None) -> None:
        self.lang = resolve_languages(lang)
        self._label_opts = label_options(self.lang)  # per-script crop tuning (Tamil)
        self._by_pos: dict[tuple[int, int, int, int], tuple[str, np.ndarray, str]] = {}
        self._by_sig: dict[bytes, str] = {}
        self._look: dict[tuple[int, int, int, int], bool] = {}  # soft look found it (hint)
        self.ocr_calls = 0  # labels sent to tesseract
        self.cache_hits = 0

    def read(self, grid: GridResult) -> GridResult:
        if not grid.is_gallery:
            return grid
        names = self.read_tiles(list(grid.tiles))
        tiles = tuple(dataclasses.replace(t, name=n) for t, n in zip(grid.tiles, names,
                                                                      strict=True))
        return dataclasses.replace(grid, tiles=tiles)

    def _cached(self, pos: tuple[int, int, int, int], tile: Tile) -> str | None:
        hit = self._by_pos.get(pos)
        if hit is None or not _similar(hit[1], quick_mask(tile.image, hit[0])):
            return None
        return hit[2]

    def _find(self, pos: tuple[int, int, int, int], tile: Tile) -> tuple[LabelCrop | None, bytes]:
        """The tile's label crop and its signature. The look that found this position's label
        last is tried alone first: video moving under a translucent label box makes the quick
        re-check miss on most frames, and ``find_label``'s both looks cost ~2.6x one."""
        hint = self._look.get(pos)
        if hint is not None:
            crop = find_label(tile.image, soft=hint, **self._label_opts)
            if crop is not None and (sig := _sig(crop)) in self._by_sig:
                return crop, sig
        crop = find_label(tile.image, **self._label_opts)
        if crop is None:
            self._look.pop(pos, None)
            return None, b""
        self._look[pos] = crop.soft
        return crop, _sig(crop)

    def read_tiles(self, tiles: list[Tile]) -> list[str]:
        """Names of ``tiles`` (in order); every label not cached goes to ONE tesseract run."""
        names: list[str] = [""] * len(tiles)
        todo: list[tuple[int, tuple, LabelCrop, bytes]] = []
        for i, t in enumerate(tiles):
            pos = (t.box.x, t.box.y, t.box.w, t.box.h)
            cached = self._cached(pos, t)
            if cached is not None:
                names[i] = cached
                self.cache_hits += 1
                continue
            crop, sig = self._find(pos, t)
            if crop is None:
                self._by_pos.pop(pos, None)
                continue
            if sig in self._by_sig:
                names[i] = self._by_sig[sig]
                self._by_pos[pos] = (crop.where, quick_mask(t.image, crop.where), names[i])
                self.cache_hits += 1
                continue
            todo.append((i, pos, crop, sig))
        if todo:
            self.ocr_calls += len(todo)
            read = read_labels([item[2].image for item in todo], self.lang)
            for (i, pos, crop, sig), text in zip(todo, read, strict=True):
                name = (with_ellipsis(paired(text, cut=True)) if crop.truncated
                        else paired(text))
                names[i] = name
                self._by_pos[pos] = (crop.where, quick_mask(tiles[i].image, crop.where), name)
                self._by_sig[sig] = name
        if len(self._by_sig) > 4096:  # bounded: labels are few, but never grow forever
            self._by_sig.clear()
            self._look.clear()
        return names


def _sig(crop: LabelCrop) -> bytes:
    return _signature(crop.mask) + crop.where.encode()
