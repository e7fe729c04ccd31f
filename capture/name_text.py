"""Name text as a teacher would type it, from a raw OCR read: normalised for identity keys,
stray marks of the label box's edges dropped, capitals put back, "…"-cut names marked.

Why apart from ``capture.names``: these are pure string rules, used by the OCR path, the
worker's identity keys and the benches alike, and testable without tesseract.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "\u2026"
# stray OCR punctuation at a read's ends (not <>: "<b>" is a name); "¡¿": the Latin pack reads
# a speck before a capital as "¿" ("¿Björn Åström")
_STRIP = " \t\n|_~`\"'.,;:!-\u2014\u2013\u201c\u201d\u201e\u00ab\u00bb\u3002\u3001\u00a1\u00bf"
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])|(?<=[\u0e00-\u0e7f]) (?=[\u0e00-\u0e7f])")
_HALF_SQUARE = re.compile(r"\[([^\[\]()]*)\)|\(([^\[\]()]*)\]")
_OPEN_ID = re.compile(r"\[(?=\d)")


def normalize_name(s: str) -> str:
    """NFC, zero-width joiners dropped, whitespace collapsed to single spaces, stray OCR
    punctuation trimmed at the ends, and no space between two Han/kana or two Thai characters
    (Chinese and Japanese names are written with or without one, Thai words without; OCR
    drops or adds it at random, and a name must give the same key every time)."""
    s = unicodedata.normalize("NFC", s)
    s = _ZERO_WIDTH.sub("", s)
    s = re.sub(r"\s+", " ", s).strip(_STRIP)
    s = _HALF_SQUARE.sub(lambda m: f"({m.group(1) or m.group(2) or ''})", s)  # "[초급)" -> "(초급)"
    return _CJK_GAP.sub("", s)


_SIZE_ONLY = frozenset("cjosuvwxz")  # letters whose capital differs (nearly) only in size
_PARTICLES = frozenset({"van", "von", "zu", "zur", "de", "da", "di", "du", "del", "della", "der",
                        "den", "dos", "das", "le", "la", "bin", "binti", "al", "el", "ibn", "y",
                        "e", "ter", "ten", "of", "und"})


def capitalised(text: str) -> str:
    """A read whose other words all start with a capital, with one word's first letter read
    in lower case where only its size tells the two apart: "Maja jensen" -> "Maja Jensen",
    "Ella wilson" -> "Ella Wilson" (at 9-10 px on a shrunk screen tesseract often picks the
    small form). Such a word starting "t" is an "Ł" read small ("tukasz Kowalski";
    bench_downscaled names, Latin class: shrunk 513 -> 522, as drawn 744 -> 746 of 861): no
    name word starts with a lower-case t when the others are capitals. Name particles ("van",
    "de", "bin") and all-lower-case names stay as written.
    """
    words = text.split(" ")
    if len(words) < 2:
        return text
    caps = [w[:1].isupper() for w in words]
    for k, w in enumerate(words):
        if (w[1:2].islower() and w.lower() not in _PARTICLES
                and all(c for j, c in enumerate(caps) if j != k)):
            if w[:1] in _SIZE_ONLY:
                words[k] = w[0].upper() + w[1:]
            elif w[:1] == "t" and len(w) >= 3:  # Ł's stroke crosses its stem as t's bar does
                words[k] = "Ł" + w[1:]
    return " ".join(words)


def identity_key(name: str, order: int) -> str:
    """Stable participant key: the case-folded normalised name, or the tile position for
    unnamed tiles (a positional fallback that does not survive reorders)."""
    n = normalize_name(name).casefold()
    return n if n else f"tile-{order}"


def without_stray_marks(text: str) -> str:
    """``text`` without a lone mark word at either end ("*", "=", "|": no name has one) and
    without a "]" or "|" ending it when no "[" opens: video or the label box's edge beside the
    last letter ("Maja Jensen]", "Sofía García *"; 6 of the 148 misreads of the Latin class as
    drawn). Read sure or not, these are no part of a name; round brackets stay, as a lost "("
    is put back elsewhere (``script_ocr.paired``). A "[" that never closes is the same edge
    at the start ("[Noah Johnson"), and before digits the "(" of a student number whose ")"
    was cut with "…" ("박서준[20211…"). The CJK packs read the same edges as "【" and "】"
    ("【서지우", "김민준】"), dropped the same way when they do not pair."""
    words = text.split(" ")
    while len(words) > 1 and len(words[-1]) == 1 and not words[-1].isalnum():
        words.pop()
    while len(words) > 1 and len(words[0]) == 1 and not words[0].isalnum():
        words.pop(0)
    out = " ".join(words)
    while len(out) > 1 and out[-1] in "]|】" and "[" not in out and "【" not in out:
        out = out[:-1].rstrip()
    if "[" in out and "]" not in out:  # a square bracket that never closes
        out = _OPEN_ID.sub("(", out)  # a cut student number's "(" ("박서준(20211…")
        out = out[1:].lstrip() if out.startswith("[") and len(out) > 1 else out
    if out.startswith("【") and "】" not in out and len(out) > 1:
        out = out[1:].lstrip()  # the CJK packs read the box's edge as a lenticular bracket
    return out


def with_ellipsis(text: str) -> str:
    """The visible prefix of a name the app cut, marked with one trailing "…"."""
    text = normalize_name(text.rstrip(" .\u2026"))
    return text + ELLIPSIS if text else ""
