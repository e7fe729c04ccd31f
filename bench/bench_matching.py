"""Roster matching accuracy (issue 13) on generated name variants.

Target: 300 roster names, each shown as labels with case, diacritics, "Last, First" order,
truncation with "…" (names of 14+ characters cut after 11 or more, as a label width does), ids, bracketed prefixes and OCR typos (one confusable letter), against 200 similar distractors (people
not on the roster who share a first or a family name with someone who is): >= 99 % of roster
labels matched to the right student, and 0 wrong matches (a roster label matched to another
student, or a distractor matched to anyone). Unmatched is allowed; wrong is not.

    .venv/bin/python -m bench.bench_matching [--roster 300] [--distractors 200] [--seed 0]

Every name is invented from the pools below (no real class list). Results: bench/out/matching.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.matching import Candidate, Matcher  # noqa: E402

FIRST = ["Chloé", "Zoë", "Amélie", "José", "Søren", "Björn", "François", "Łukasz", "Ana María",
         "Mateusz", "Oliver", "Priya", "Wei", "Fatima", "Liam", "Noah", "Emma", "Sofía", "Kenji",
         "Ingrid", "Mia", "Lucas", "Ahmed", "Olga", "Jakub", "Ella", "Hugo", "Nina", "Tomás",
         "Greta", "Pavel", "Léa", "Sara", "Marco", "Yusuf", "Aoife", "Elif", "Mateo", "Hannah",
         "Ravi", "Julia", "Ethan", "Zsófia", "Anton", "Maja", "Iván", "Camille", "Sven", "Noor",
         "Eva", "Ole", "Beatriz", "Dmitri", "Agnieszka", "Giulia", "Kwame", "Aylin", "Rafael",
         "Ines", "Henrik", "Leilani", "Matthias", "Océane", "Thandiwe", "Bogdan", "Consuelo"]
LAST = ["Dubois", "Müller", "Durand", "Núñez", "Hansen", "Åström", "Lefèvre", "Kowalski",
        "Pérez", "Żółw", "Smith", "Sharma", "Chen", "Al Zahra", "O'Brien", "Johnson", "Brown",
        "García", "Tanaka", "Bjørnstad", "Schröder", "Martin", "Hassan", "Petrova", "Dvořák",
        "Wilson", "Lambert", "Kovač", "Silva", "Weiß", "Novák", "Lindqvist", "Rossi", "Demir",
        "Byrne", "Yılmaz", "López", "Becker", "Patel", "Nowak", "Clark", "Kiss", "Fischer",
        "Jensen", "Ruiz", "Roux", "Eriksson", "Khan", "Horváth", "Nordmann", "Oyelaran",
        "Castellanos", "Wiśniewska", "Papadopoulos", "Van der Berg", "Nakamura", "Ferreira",
        "Mbeki", "Grünewald", "Ó Súilleabháin", "Hernández", "Kuznetsova", "Abernathy"]
KO_FAMILY = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오"]
KO_GIVEN = ["수영", "미숙", "민준", "서연", "지훈", "하은", "도윤", "예지", "현우", "지민", "수빈",
            "유진", "태양", "은비", "승민", "가은", "준호", "다인", "시우", "채원"]


OCR_SWAP = {"l": "i", "i": "l", "e": "c", "c": "e", "a": "o", "o": "a", "n": "h", "h": "n",
            "u": "v", "m": "n", "r": "n", "t": "f"}


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    want: int | None  # the roster key it must match, or None for a distractor
    kind: str


def _strip(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _names(rng: np.random.Generator, n: int, korean_share: float = 0.1) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        if rng.random() < korean_share:
            name = f"{rng.choice(KO_FAMILY)}{rng.choice(KO_GIVEN)}"
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _typo(name: str, rng: np.random.Generator) -> str | None:
    """One OCR misreading (a confusable letter: l/i, e/c, a/o, n/h...) in the longest word;
    None when the name has no such letter."""
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    spots = [k for k in range(1, len(w)) if w[k] in OCR_SWAP]
    if len(w) < 4 or not spots:
        return None
    j = spots[int(rng.integers(len(spots)))]
    words[i] = w[:j] + OCR_SWAP[w[j]] + w[j + 1:]
    return " ".join(words)


def _variants(name: str, sid: str, rng: np.random.Generator, on_roster: bool) -> list[tuple[str, str]]:
    korean = not name[0].isascii() and "\uac00" <= name[0] <= "\ud7a3"
    out = [("exact", name), ("lower", name.lower()), ("upper", name.upper()),
           ("no_diacritics", _strip(name))]
    if korean:
        out += [("spaced", f"{name[0]} {name[1:]}"), ("bracket", f"(초급){name[0]} {name[1:]}"),
                ("id", f"{name}({sid})"), ("id_garbled", f"{sid} dPwl")]
        return out
    first, last = name.split(" ", 1) if " " in name else (name, "")
    # apps cut a name that does not fit the label: long names, at a label width of 11+ chars
    cut = int(rng.integers(11, len(name) - 1)) if len(name) >= 14 else len(name)
    out += [("last_first", f"{last}, {first}"), ("bracket", f"(TA) {name}"),
            ("id", f"{sid} {name}"), ("id_suffix", f"{name} ({sid})")]
    if cut < len(name):
        out.append(("truncated", name[:cut].rstrip() + "…"))
    typo = _typo(name, rng)
    if typo:
        out.append(("typo", typo))
    return out


def generate(n_roster: int = 300, n_distractors: int = 200, seed: int = 0
             ) -> tuple[list[Candidate], list[Case]]:
    """A roster and the labels to match against it (roster variants, then distractors)."""
    rng = np.random.default_rng(seed)
    names = _names(rng, n_roster + n_distractors)
    roster_names, others = names[:n_roster], names[n_roster:]
    roster = [Candidate(key=i + 1, name=n, student_id=f"2019{i:04d}") for i, n in
              enumerate(roster_names)]
    cases: list[Case] = []
    for c in roster:
        cases += [Case(label, c.key, kind) for kind, label in
                  _variants(c.name, c.student_id, rng, True)]
    for j, name in enumerate(others):
        cases += [Case(label, None, kind) for kind, label in
                  _variants(name, f"2020{j:04d}", rng, False)]
    return roster, cases


def measure(roster: list[Candidate], cases: list[Case]) -> dict:
    """Right / wrong / unmatched / ambiguous counts, overall and by kind."""
    matcher = Matcher(roster)
    t0 = time.perf_counter()
    right = wrong = missed = 0
    by_kind: dict[str, list[int]] = {}
    wrong_examples: list[str] = []
    for case in cases:
        m = matcher.match(case.label)
        got = m.key if m.status == "matched" else None
        if case.want is None:
            ok, bad = got is None, got is not None
        else:
            ok, bad = got == case.want, got is not None and got != case.want
        if case.want is not None:
            right += ok
            missed += not ok and not bad
            stats = by_kind.setdefault(case.kind, [0, 0])
            stats[0] += ok
            stats[1] += 1
        wrong += bad
        if bad and len(wrong_examples) < 10:
            wrong_examples.append(f"{case.label!r} -> {got} (want {case.want})")
    elapsed = time.perf_counter() - t0
    n_roster_cases = sum(c.want is not None for c in cases)
    return {
        "roster_labels": n_roster_cases, "distractor_labels": len(cases) - n_roster_cases,
        "matched_right_pct": round(100.0 * right / max(n_roster_cases, 1), 2),
        "wrong_matches": wrong, "unmatched_or_ambiguous": missed,
        "by_kind_pct": {k: round(100.0 * a / b, 1) for k, (a, b) in sorted(by_kind.items())},
        "labels_per_s": round(len(cases) / elapsed), "wrong_examples": wrong_examples,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--roster", type=int, default=300)
    ap.add_argument("--distractors", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    result = measure(*generate(args.roster, args.distractors, args.seed))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "matching.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    ok = result["matched_right_pct"] >= 99.0 and result["wrong_matches"] == 0
    print(f"target (>= 99 % right, 0 wrong): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
