"""The roster matcher: the issue's label shapes, its never-guess rules (hypothesis), and a small
run of the accuracy bench (the full 300/200 run and its numbers live in bench/)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.bench_matching import generate, measure
from storage.matching import Candidate, Matcher, fold, parse_label

ROSTER = [
    Candidate(1, "Chloé Dubois", "s1001"), Candidate(2, "Chloé Dupont", "s1002"),
    Candidate(3, "김수영", "20190777"), Candidate(4, "강미숙", "20190778"),
    Candidate(5, "강미순", "20190779"), Candidate(6, "Alexandra Papadopoulos", ""),
    Candidate(7, "예지 박", "20183233"), Candidate(8, "Robert Smith", "", ("Bobby",)),
]
M = Matcher(ROSTER)


def key(label: str) -> int | None:
    m = M.match(label)
    return m.key if m.status == "matched" else None


def test_the_issue_label_shapes() -> None:
    assert key("chloe dubois") == 1
    assert key("DUBOIS, Chloé") == 1
    assert key("김수영(20190777)") == 3
    assert key("(초급)강 미숙") == 4
    assert key("20183233 dPwl") == 7  # the id is the evidence: the name is keyboard garble
    assert key("Alexandra Papado…") == 6
    assert key("Bobby") == 8  # a CSV alias
    assert key("Chloé Dubojs") == 1  # an OCR typo (i read as j) in a long word


def test_never_forces_a_match() -> None:
    assert key("강미수") is None  # one Hangul syllable off: another person
    assert M.match("Chloé Du…").status == "unmatched"  # 2 letters of the family name: anyone
    assert key("Zoe Dubois") is None  # another first name, same family name
    assert key("Teacher") is None
    assert key("") is None
    dup = Matcher([Candidate(1, "Min Kim"), Candidate(2, "Min Kim")])
    m = dup.match("Min Kim")
    assert m.status == "ambiguous" and m.candidates == (1, 2)
    near = Matcher([Candidate(1, "Alexandra Papadopoulos"), Candidate(2, "Alexandra Papadopoulou")])
    assert near.match("Alexandra Papadopoulo…").status == "ambiguous"


def test_label_parsing() -> None:
    lab = parse_label("(초급)김수영(20190777)…")
    assert (lab.text, lab.ids, lab.truncated) == ("김수영", ("20190777",), True)
    assert fold("Søren  Ærø-Hansen") == "soren aero hansen"
    assert fold("김수영") == "김수영"  # Hangul is not split into jamo


names = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüøł", min_size=3, max_size=10),
                 min_size=2, max_size=3).map(lambda ws: " ".join(w.capitalize() for w in ws))


@settings(max_examples=150, deadline=None)
@given(st.lists(names, min_size=1, max_size=12, unique_by=fold), st.data())
def test_an_exact_name_never_matches_someone_else(roster_names, data) -> None:  # noqa: ANN001
    roster = [Candidate(i, n) for i, n in enumerate(roster_names)]
    matcher = Matcher(roster)
    i = data.draw(st.integers(0, len(roster) - 1))
    m = matcher.match(roster_names[i])
    assert m.status in ("matched", "ambiguous")
    if m.status == "matched":
        assert m.key == i
    else:
        assert i in m.candidates


@settings(max_examples=150, deadline=None)
@given(st.lists(names, min_size=1, max_size=12, unique_by=fold), names, st.randoms())
def test_case_and_roster_order_do_not_change_the_answer(roster_names, label, rnd) -> None:  # noqa: ANN001
    roster = [Candidate(i, n) for i, n in enumerate(roster_names)]
    shuffled = list(roster)
    rnd.shuffle(shuffled)
    a, b = Matcher(roster).match(label), Matcher(shuffled).match(label.upper())
    assert (a.status, a.key, a.candidates) == (b.status, b.key, b.candidates)


@settings(max_examples=150, deadline=None)
@given(st.lists(names, min_size=1, max_size=12, unique_by=fold), names)
def test_a_matched_key_is_always_on_the_roster(roster_names, label) -> None:  # noqa: ANN001
    m = Matcher([Candidate(i, n) for i, n in enumerate(roster_names)]).match(label)
    assert m.status != "matched" or 0 <= m.key < len(roster_names)
    assert m.status != "ambiguous" or len(m.candidates) >= 2


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="김이박최정강조윤장임수영미숙민준서연", min_size=2, max_size=4), st.data())
def test_one_hangul_syllable_off_never_matches(name, data) -> None:  # noqa: ANN001
    pos = data.draw(st.integers(0, len(name) - 1))
    other = data.draw(st.sampled_from([c for c in "한오신권황안송류" if c != name[pos]]))
    variant = name[:pos] + other + name[pos + 1:]
    assert Matcher([Candidate(1, name)]).match(variant).status == "unmatched"


def test_small_bench_run_meets_the_target() -> None:
    roster, cases = generate(60, 40, seed=3)
    result = measure(roster, cases)
    assert result["wrong_matches"] == 0, result["wrong_examples"]
    assert result["matched_right_pct"] >= 97.0
