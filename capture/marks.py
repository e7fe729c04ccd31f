"""When a second tesseract pack may correct a Latin read: Vietnamese tone and vowel marks.

Why: the 'Latin' pack (the default) has no letters with two stacked marks, horns or hooks, so
it reads "Nguyễn" as "Nguyën" or "Nguyēn"; the 'Vietnamese' pack reads them, but it turns
"Łukasz" into "tukasz" and "Åström" into "Âström", so it cannot be the default. It only lends
marks: a stretch of the Latin read changes where the Vietnamese read has Vietnamese letters on
the same base letters (or marked letters the Latin pack put for one it lacks), and only when one
of them carries a mark that only Vietnamese writes. Every other difference (Ł -> t, a speck)
keeps the Latin read; ``capture.names.read_labels`` also wants the higher confidence.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

VIETNAMESE_PACK = "Vietnamese"
LATIN_PACKS = frozenset({"Latin", "eng"})  # packs whose reads the Vietnamese look may correct

_VOWEL_MARKS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook, dot
_ONLY_VIETNAMESE = frozenset("\u031b\u0309\u0323")  # horn, hook above, dot below
# one Vietnamese syllable, marks stripped: initial consonant(s), 1-3 vowels, a final consonant
_SYLLABLE = re.compile(r"(ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnpqrstvx])?[aeiouy]{1,3}"
                       r"(ch|ng|nh|[cmnpt])?")


def _parts(ch: str) -> tuple[str, list[str]]:
    """A letter's base and its combining marks (NFD)."""
    d = unicodedata.normalize("NFD", ch)
    return d[0], [m for m in d[1:] if unicodedata.combining(m)]


def _vietnamese_letter(ch: str) -> bool:
    """A letter of the Vietnamese alphabet: a plain letter, đ, or a vowel with at most one
    vowel mark and one tone mark."""
    if ch in "đĐ":
        return True
    base, marks = _parts(ch)
    if not marks:
        return base.isascii() and base.isalpha()
    vowel = [m for m in marks if m in _VOWEL_MARKS]
    tone = [m for m in marks if m in _TONE_MARKS]
    return (base.lower() in "aeiouy" and len(vowel) <= 1 and len(tone) <= 1
            and len(vowel) + len(tone) == len(marks))


def _only_vietnamese(ch: str) -> bool:
    """A letter no other big Latin alphabet writes: a horn, a hook above, a dot below or two
    stacked marks (ễ, ắ). Not a lone tilde on e, i, u, y: the Vietnamese pack reads "Müller"
    as "Mũller" too often (bench), so "Mỹ" needs ``--lang Vietnamese+Latin``."""
    marks = _parts(ch)[1]
    return bool(set(marks) & _ONLY_VIETNAMESE) or len(marks) >= 2


def foreign_marks(text: str) -> bool:
    """Whether a read has a mark Vietnamese never writes (diaeresis, caron, macron, ring...):
    where the Latin pack lacks a Vietnamese letter it puts such a one ("Nguyën", "Nguyčn"),
    often with a confident score, so these reads get the Vietnamese look however sure."""
    return any(m not in _VOWEL_MARKS | _TONE_MARKS for c in text for m in _parts(c)[1])


def skeleton(text: str) -> str:
    """The text without its combining marks: "Nguyễn" -> "Nguyen", "Łukasz" keeps its Ł."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _marked(ch: str) -> bool:
    return bool(_parts(ch)[1])


def _mark_fix(latin: str, other: str) -> bool:
    """One changed stretch: to Vietnamese letters on the same bases, or, where the Latin pack
    put marked letters for a glyph it lacks ("ễ" read "č", "ồ" read "ôö"), to letters only
    Vietnamese writes. A plain letter never changes (Ł has no combining mark: "Łukasz")."""
    if not other or not all(map(_vietnamese_letter, other)):
        return False
    if skeleton(latin.replace("Ð", "Đ")) == skeleton(other):  # Icelandic Ð draws as Đ
        return True
    return all(map(_marked, latin)) and all(map(_only_vietnamese, other))


def _in_syllable(text: str, j0: int, j1: int) -> bool:
    """Whether ``text[j0:j1]`` lies in a word that can be one Vietnamese syllable ("Nguyễn",
    "Phạm"; not "Tomás", "Noah", "Kenji"): on blurred text the Vietnamese pack puts hooks and
    dots on names of other languages ("Tomảs", "Noạh"), and Vietnamese writes every syllable
    as its own word."""
    start = text.rfind(" ", 0, j0) + 1
    end = text.find(" ", j1)
    word = skeleton(text[start:end if end >= 0 else len(text)]).lower()
    return _SYLLABLE.fullmatch(word) is not None


def mark_fixes(first: str, other: str) -> str | None:
    """``first`` (the Latin read) with the Vietnamese letters of ``other`` (a Vietnamese-pack
    read) put where it had marked ones, each changed stretch a ``_mark_fix`` inside a word that
    can be a Vietnamese syllable; every other difference keeps the Latin read (a speck the
    other look saw, "Ł" it reads "t"). None unless one fix gives a letter only Vietnamese
    writes."""
    a, b = unicodedata.normalize("NFC", first), unicodedata.normalize("NFC", other)
    out, pos, special = [], 0, False
    for _, i0, i1, j0, j1 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if a[i0:i1] != b[j0:j1] and _mark_fix(a[i0:i1], b[j0:j1]) and _in_syllable(b, j0, j1):
            out += [a[pos:i0], b[j0:j1]]
            pos = i1
            special |= any(map(_only_vietnamese, b[j0:j1]))
    return "".join(out + [a[pos:]]) if special else None


def vietnamese_name(text: str) -> bool:
    """Whether a read has two or more letters only Vietnamese writes ("Phạm Đức Thắng"): a
    Vietnamese name, which the Vietnamese pack reads better than the Latin pack, whose read
    of a bigger crop may add a letter ("Đúrc") that marks alone cannot take away."""
    return sum(map(_only_vietnamese, unicodedata.normalize("NFC", text))) >= 2


def vietnamese_look(lang: str, installed: frozenset[str]) -> bool:
    """Whether reads in ``lang`` get a second look with the Vietnamese pack: only Latin-script
    packs without it already (a user's ``--lang Vietnamese+Latin`` reads it directly)."""
    packs = set(lang.split("+"))
    return VIETNAMESE_PACK in installed and packs <= LATIN_PACKS
