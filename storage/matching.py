"""Match gallery labels (names as OCR read them) to a course roster. Pure: no database.

Why these rules: a wrong match silently gives one student another's attendance, while an
unmatched label only costs the instructor one alias. So the matcher never forces a match: a
label below the threshold stays "not on roster", and two candidates that score alike are reported
as ambiguous, not guessed. Evidence, strongest first: an alias the instructor confirmed (or the
CSV listed), a student id in the label ("김수영(20190777)", "20183233 dPwl"), then the name via
rapidfuzz on a folded form (case, diacritics, punctuation and word order do not count; a label
cut with "…" is compared as a prefix; every word must agree within a small edit budget). Hangul/CJK names are short and one character is a
different person, so they must match exactly (spaces aside).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

_TRUNC = re.compile(r"(…|\.{2,})\s*$")
_BRACKET = re.compile(r"[(\[{（【]([^)\]}）】]*)[)\]}）】]")
_ID = re.compile(r"\b[a-z]{0,2}\d{4,}[a-z]?\b")  # 20190777, s1234567
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d",
                          "þ": "th", "ı": "i", "ß": "ss"})
MIN_PREFIX = 5  # a truncated label needs this many letters to be compared at all
MARGIN = 6.0  # a runner-up within this many points of the best makes the label ambiguous


def is_cjk(ch: str) -> bool:
    """Hangul, CJK ideographs and kana: scripts where one character is a different name."""
    o = ord(ch)
    return (0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F
            or 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or 0xF900 <= o <= 0xFAFF)


def fold(text: str) -> str:
    """Casefolded, diacritics removed (Hangul kept whole: NFKD would split it into jamo),
    punctuation and symbols as spaces, whitespace collapsed."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text).casefold().translate(_LETTERS):
        if is_cjk(ch):
            out.append(ch)
            continue
        for c in unicodedata.normalize("NFKD", ch):
            cat = unicodedata.category(c)
            if cat.startswith("M"):
                continue
            out.append(" " if cat[0] in "PSZC" else c)
    return " ".join("".join(out).split())


@dataclass(frozen=True, slots=True)
class Label:
    """A label split into the evidence it carries."""

    raw: str
    text: str  # folded name part: ids, bracketed parts and the "…" removed
    ids: tuple[str, ...]
    truncated: bool


def parse_label(raw: str) -> Label:
    """Split ids, bracketed prefixes/suffixes and a trailing "…" off a label."""
    s = raw.strip()
    truncated = bool(_TRUNC.search(s))
    s = _TRUNC.sub("", s)
    ids: list[str] = []
    for inner in _BRACKET.findall(s):
        ids += _ID.findall(fold(inner))
    s = _BRACKET.sub(" ", s)
    folded = fold(s)
    ids += _ID.findall(folded)
    text = " ".join(_ID.sub(" ", folded).split())
    return Label(raw, text, tuple(dict.fromkeys(ids)), truncated)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A roster student as the matcher sees them; ``key`` is the caller's id (a row id)."""

    key: int
    name: str
    student_id: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """``matched`` (key set), ``ambiguous`` (candidates set) or ``unmatched``."""

    status: Literal["matched", "ambiguous", "unmatched"]
    key: int | None = None
    score: float = 0.0
    reason: str = ""  # alias, id, name, prefix
    candidates: tuple[int, ...] = field(default=())


def _orders(tokens: list[str]) -> set[str]:
    """The name in its own order and with the family name moved (Last First <-> First Last)."""
    if len(tokens) < 2:
        return {" ".join(tokens)}
    return {" ".join(tokens), " ".join(tokens[-1:] + tokens[:-1]),
            " ".join(tokens[1:] + tokens[:1])}


def _threshold(q: str) -> float:
    """The whole-name floor; the per-word check (``_agree``) is the strict one. Very short
    names must match exactly: one typo in 'Li Na' is another person."""
    return 85.0 if len(q.replace(" ", "")) >= 7 else 100.0


class Matcher:
    """Built once per roster, then ``match(label)`` per participant."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.candidates = list(candidates)
        self._alias: dict[str, set[int]] = {}
        self._ids: dict[str, set[int]] = {}
        self._forms: list[str] = []  # folded names and aliases, each in every order
        self._owner: list[int] = []
        self._cjk: dict[str, set[int]] = {}  # space-free CJK form -> keys
        for c in self.candidates:
            if not isinstance(c, Candidate):
                raise TypeError(f"Matcher: expected Candidate, got {type(c).__name__}")
            if c.student_id.strip():
                self._ids.setdefault(fold(c.student_id).replace(" ", ""), set()).add(c.key)
            for a in c.aliases:
                self._alias.setdefault(fold(a), set()).add(c.key)
            for text in (c.name, *c.aliases):
                self._add_form(c.key, parse_label(text).text)

    def _add_form(self, key: int, text: str) -> None:
        if not text:
            return
        if any(is_cjk(ch) for ch in text):
            for form in {text.replace(" ", ""), "".join(sorted(text.split()))}:
                self._cjk.setdefault(form, set()).add(key)
            return
        for form in _orders(text.split()):
            self._forms.append(form)
            self._owner.append(key)

    def match(self, raw: str) -> Match:
        """The roster student a label means, or why there is none."""
        exact = self._alias.get(fold(raw)) or set()
        label = parse_label(raw)
        exact = exact or self._alias.get(label.text) or set()
        if exact:
            return _decide(exact, 100.0, "alias")
        id_keys = set().union(*(self._ids.get(i, set()) for i in label.ids)) if label.ids else set()
        if id_keys:
            return _decide(id_keys, 100.0, "id")
        if not label.text:
            return Match("unmatched")
        if any(is_cjk(ch) for ch in label.text):
            return self._match_cjk(label)
        return self._match_latin(label)

    def _match_cjk(self, label: Label) -> Match:
        q = label.text.replace(" ", "")
        keys = self._cjk.get(q) or self._cjk.get("".join(sorted(label.text.split()))) or set()
        if keys:
            return _decide(keys, 100.0, "name")
        if label.truncated and len(q) >= 3:
            keys = {k for form, ks in self._cjk.items() if form.startswith(q) for k in ks}
            if keys:
                return _decide(keys, 100.0, "prefix")
        return Match("unmatched")

    def _match_latin(self, label: Label) -> Match:
        q = label.text
        if not self._forms:
            return Match("unmatched")
        if label.truncated:
            if len(q.replace(" ", "")) < MIN_PREFIX:
                return Match("unmatched")
            choices = [f[: len(q)] for f in self._forms]
            scored = process.extract(q, choices, scorer=fuzz.ratio, limit=None, score_cutoff=50)
            threshold, reason = 95.0, "prefix"
        else:
            scored = process.extract(q, self._forms, scorer=fuzz.ratio, limit=None,
                                     score_cutoff=50)
            threshold, reason = _threshold(q), "name"
        best: dict[int, float] = {}
        tokens = q.split()
        for _choice, score, idx in scored:
            key = self._owner[idx]
            if score > best.get(key, -1.0) and _agree(tokens, self._forms[idx].split(),
                                                      label.truncated):
                best[key] = float(score)
        return _rank(best, threshold, reason)


# letter pairs tesseract confuses on small labels: one of these is a typo, not another name
OCR_CONFUSABLE = frozenset(frozenset(p) for p in (
    "li", "ij", "il", "ec", "oc", "ao", "uv", "nh", "nu", "mn", "rn", "tf", "gq", "hb", "ce",
    "ea", "ye", "lt", "o0", "l1", "i1"))


def _same_word(a: str, b: str) -> bool:
    """``a`` (as read) is ``b`` (on the roster) up to a typo. Words of up to 6 letters allow
    only one OCR-confusable letter ("Zoe"/"Ole", "Sofia"/"Zsofia", "Nowak"/"Novak" are other
    names); longer words one edit of any kind, very long ones two."""
    d = Levenshtein.distance(a, b)
    if d == 0:
        return True
    if len(b) <= 3:
        return False
    if len(b) <= 6:
        diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
        return len(a) == len(b) and len(diff) == 1 and frozenset(diff[0]) in OCR_CONFUSABLE
    return d <= (1 if len(b) <= 10 else 2)


def _agree(q: list[str], form: list[str], truncated: bool) -> bool:
    """Word by word, the label says the same name as this roster form (in this order).

    Why on top of the whole-string score: rapidfuzz's ratio forgives a whole short first name
    ("zoe grunewald" vs "ole grunewald" scores 92), a per-word typo budget does not. A truncated
    label's last word is a prefix and must keep at least 3 letters ("Consuelo P…" could be
    anyone whose family name starts with P)."""
    if truncated:
        if len(q) > len(form) or len(q[-1]) < 3:
            return False
        last, whole = q[-1], q[:-1]
        stem = form[len(q) - 1][: len(last)]
        if Levenshtein.distance(last, stem) > (0 if len(last) < 6 else 1):
            return False
        form = form[: len(whole)]
        q = whole
    if len(q) != len(form):
        return False
    return all(_same_word(a, b) for a, b in zip(q, form, strict=True))


def _decide(keys: set[int], score: float, reason: str) -> Match:
    if len(keys) == 1:
        return Match("matched", next(iter(keys)), score, reason)
    return Match("ambiguous", None, score, reason, tuple(sorted(keys)))


def _rank(best: dict[int, float], threshold: float, reason: str) -> Match:
    """The best key if it clears the threshold and no other key is close to it."""
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] < threshold:
        return Match("unmatched", None, ranked[0][1] if ranked else 0.0)
    top_key, top = ranked[0]
    rivals = [k for k, s in ranked[1:] if s >= top - MARGIN and (s >= 100.0 or top < 100.0)]
    if rivals:
        return Match("ambiguous", None, top, reason, tuple(sorted([top_key, *rivals])))
    return Match("matched", top_key, top, reason)


def match_all(matcher: Matcher, labels: Sequence[str]) -> dict[str, Match]:
    """Each distinct label matched once."""
    return {label: matcher.match(label) for label in dict.fromkeys(labels)}
