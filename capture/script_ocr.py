"""Per-script tuning of label crops for tesseract, beyond what every script gets.

Thai (``tha``, ``Thai``) stacks up to two marks above a letter (a vowel and a tone mark: the
"ดิ์" of "สวัสดิ์") and hangs vowels below it, so a Thai line crop is tall and its marks touch
the crop's top and bottom margin. The ``tha`` LSTM reads such crops better with more white
space above and below (bench/bench_names, loopless and looped fonts, seeds 11 and 5:
178 -> 186 of 240 exact); more space left and right does not help, and other scripts'
models read worse with it, so only Thai crops get it.

The model also confuses letters of loopless fonts (the UI fonts most apps draw Thai in:
ด read as ค, ฐ as ช) at one size and not at another: a read under ``SURE_CONF`` gets a
second look at 0.8x, and ``capture.names.read_labels`` keeps the more confident read
(bench: 186 -> 194 of 240).

Tamil (``tam``): the pulli (virama) dot floats ~3 px above a 17 px letter, just over the
common crop's mark gap (0.2 x line height), so "முருகன்" lost it and read "முருகன";
``label_options`` widens the gap to 0.3 for Tamil only (bench seed 5: 107 -> 110 of 120,
seed 11 unchanged; for every script it moved Han, Bengali and Thai down by 1-2).

A class's set mixes its script with English ("kor+eng", as the real screenshots need: Hangul
names beside Latin ones), and tesseract then picks per word between the two models: a clean
"윤하은" came out "Zoe" (eng, confidence 60-69) where ``kor`` alone reads it right (81-85).
``native_packs`` names the set's non-Latin packs; ``capture.names.read_labels`` gives a read
with no letter of another script a look with those packs alone, kept when at least as
confident (bench_downscaled --script hangul as drawn: 713 -> 719 of 861; the class's Latin
names read 95-97 under kor+eng and under 45 under kor alone, so none is replaced).

The Latin pack reads small names better a little bigger than the common crop's 34 px line
(``label_render.TARGET_H``, which suits the CJK and Thai models): Latin-only sets read their
crops at 1.3x. Names-only on bench_downscaled's screens (app fonts; seeds 11 and 5 shrunk,
seed 11 as drawn): 483 / 519 / 723 -> 493 / 528 / 728 (1.18x: 493 / 521 / 726; 1.5x: 485 /
527 / 728). The bigger crop reads Vietnamese marks worse and more confidently ("Thị" a sure
"Thi"), so the Vietnamese look keeps the crop as it was, starts under 95, not 90, and takes
a Vietnamese name's read whole (``capture.names``, ``marks.vietnamese_name``; 12 Vietnamese
names x 4 fonts in the default set: 28 -> 34 of 48, 21 with the bigger crop alone).
Rendering the line at 40 px instead gained less and lost Korean names (shrunk 552 -> 539);
reading both sizes and keeping the more confident read gained less (490 / 522 / 730).

Student numbers ("김수영(20190777)", as real Korean classes name themselves): the ``kor``
model reads the digit after the bracket as "0" or twice ("(00190777)", "(200190777)",
"(0(0190777)"), in Nanum Gothic 5 of 15 times, while ``eng`` reads the same crop's digits
right. A non-Latin class's read with a number gets one look with ``DIGIT_PACK``, and its
digits replace the number (``with_latin_digits``).

Brackets: "(초급)강 미숙" and "김수영(20190777)" are how real classes name themselves, and on a
shrunk screen the model drops one bracket of the pair ("초급)강 미숙", "김수영20190777)",
"박서준(20211234") or reads it as "{". ``paired`` puts it back where the name's shape says it
was (bench_downscaled --script hangul --lang kor+eng, names-only: shrunk seeds 11 / 5 555 -> 562
of 861 and 644 -> 653 of 924, as drawn 728 -> 729; Latin screens unchanged).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import cv2
import numpy as np

PAD_Y = 10  # px of white added above and below a Thai crop (~0.3 x the 34 px line height)
TAMIL_MARK_GAP = 0.3  # x line height (the common crop's: 0.2)
SURE_CONF = 90.0  # a Thai read whose weakest word is below this gets the smaller look
LATIN_SCALE = 1.3  # Latin-only sets: the crop's 34 px line read at 44 px
SMALLER = 0.8  # the second look's scale (0.7 alone, 0.8 and 0.65 both: within +-2 of it)
NON_LATIN = frozenset({  # packs (languages and scripts) that read a script other than Latin
    "kor", "kor_vert", "Hangul", "jpn", "jpn_vert", "Japanese", "chi_sim", "chi_tra",
    "HanS", "HanT", "tha", "Thai", "rus", "ukr", "bel", "bul", "mkd", "srp", "Cyrillic",
    "ell", "Greek", "ara", "fas", "urd", "Arabic", "heb", "yid", "Hebrew", "hin", "mar",
    "nep", "san", "Devanagari", "ben", "asm", "Bengali", "tam", "Tamil"})


DIGIT_PACK = "eng"  # reads the student number beside a name in another script
MIN_ID = 4  # digits that make a student number (fewer: a year, a group, a room)
_ID_CHARS = frozenset("0123456789()[]")
PREFIX_MAX = 4  # letters of a class prefix before its ")": "(초급)", "(TA)"
_CURLY = str.maketrans("{}", "()")
_ID_RUN = re.compile(f"[0-9]{{{MIN_ID},}}")  # a student number's digits


def is_thai(lang: str) -> bool:
    """Whether a tesseract ``-l`` value reads Thai (``tha`` or the ``Thai`` script pack)."""
    return any(code in ("tha", "Thai") for code in lang.split("+"))


def label_options(lang: str) -> dict[str, float]:
    """Keyword options of ``capture.label_find.find_label`` for a language set: Tamil's
    wider mark gap, nothing for the others (mixed sets keep the common crop)."""
    return {"mark_gap": TAMIL_MARK_GAP} if lang in ("tam", "Tamil") else {}


def prepare(images: list[np.ndarray], lang: str) -> list[np.ndarray]:
    """The label crops as the set's models read them best: Thai with more white above and
    below, Latin-only sets 1.3x bigger (``LATIN_SCALE``), the others as they are."""
    if is_thai(lang):
        return [cv2.copyMakeBorder(im, PAD_Y, PAD_Y, 0, 0, cv2.BORDER_CONSTANT, value=255)
                for im in images]
    if other_script(lang):
        return images
    return [cv2.resize(im, None, fx=LATIN_SCALE, fy=LATIN_SCALE, interpolation=cv2.INTER_CUBIC)
            for im in images]


def _smaller(image: np.ndarray) -> np.ndarray:
    soft = cv2.GaussianBlur(image, (3, 3), 0)
    return cv2.resize(soft, None, fx=SMALLER, fy=SMALLER, interpolation=cv2.INTER_AREA)


def second_looks(lang: str, conf: float) -> tuple[Callable[[np.ndarray], np.ndarray], ...]:
    """Extra preprocessings for a read of confidence ``conf``: the smaller look for an unsure
    Thai read, nothing otherwise."""
    return (_smaller,) if is_thai(lang) and conf < SURE_CONF else ()


def other_script(lang: str) -> bool:
    """Whether a language set has a pack that reads a script other than Latin."""
    return any(code in NON_LATIN for code in lang.split("+"))


def native_packs(lang: str) -> str | None:
    """The non-Latin packs of a set that mixes them with Latin ones ("kor" of "kor+eng"), or
    None when the set is all one kind."""
    packs = lang.split("+")
    native = [p for p in packs if p in NON_LATIN]
    return "+".join(native) if native and len(native) < len(packs) else None


def latin_only(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin one (an empty read too)."""
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text)


def name_like(text: str) -> bool:
    """Whether a Latin read could be a display name: three letters or more, one a capital.
    Small Hangul read with ``kor+eng`` comes out as "we", "gaa", "vac" or "238" (the class's
    own pack reads it better, if less surely: bench_downscaled --script hangul, names-only,
    shrunk seeds 11 / 5 +3 / +4, as drawn +2); the class's Latin names stay."""
    return sum(ch.isalpha() for ch in text) >= 3 and any(ch.isupper() for ch in text)


def id_span(text: str) -> tuple[int, int] | None:
    """Where the student number of a read lies, first digit to last (brackets the model
    put inside it included), or None when there is none or letters are inside the span."""
    at = [i for i, ch in enumerate(text) if ch in "0123456789"]
    if len(at) < MIN_ID or any(ch not in _ID_CHARS for ch in text[at[0]:at[-1] + 1]):
        return None
    return at[0], at[-1] + 1


def with_latin_digits(native: str, latin: str) -> str | None:
    """``native`` with its number replaced by the longest digit run of ``latin`` (the same
    crop read with ``DIGIT_PACK``), or None when there is nothing to take: no number, or
    runs whose lengths differ by more than one digit (a different number, not a misread)."""
    span = id_span(native)
    runs = _ID_RUN.findall(latin)
    if span is None or not runs:
        return None
    run = max(runs, key=len)
    digits = sum(ch in "0123456789" for ch in native[span[0]:span[1]])
    if abs(len(run) - digits) > 1:
        return None
    return native[:span[0]] + run + native[span[1]:]


def paired(text: str, cut: bool = False) -> str:
    """``text`` with the one bracket the model lost put back: before the student number that
    ends at a lone ")", or at the start of a short prefix ("초급)강 미숙" -> "(초급)강 미숙"); a lone
    "(" before a number that ends the read gets its ")" unless the app ``cut`` the name there.
    Braces are brackets ("{" is never in a name). Reads that fit neither stay as they are."""
    t = text.translate(_CURLY)
    opens, closes = t.count("("), t.count(")")
    if opens == 0 and closes == 1:
        at = t.index(")")
        number = next((m for m in _ID_RUN.finditer(t[:at]) if m.end() == at), None)
        if number:
            return t[:number.start()] + "(" + t[number.start():]
        if at <= PREFIX_MAX and t[:at].isalpha() and t[at + 1:].strip():
            return "(" + t
    if opens == 1 and closes == 0 and not cut and _ID_RUN.fullmatch(t[t.index("(") + 1:]):
        return t + ")"
    return t
