"""How label crops go through tesseract: text and confidence from one run, the retry of weak
reads, and the cleaning of stray end glyphs. Regressions from bench/bench_names misses."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from capture import names as names_mod
from capture.label_find import find_label
from capture.marks import foreign_marks, mark_fixes, vietnamese_look
from capture.name_text import normalize_name
from capture.names import NameReader, _odd, ocr_scored, read_labels
from capture.ocr_langs import installed_languages
from capture.synth_labels import draw_label, jpeg, video_background
from capture.types import Box, Tile

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="tesseract is not installed (tesseract-ocr)")


def _needs(lang: str) -> None:
    missing = [c for c in lang.split("+") if c not in installed_languages()]
    if missing:
        pytest.skip(f"tesseract pack {missing[0]!r} missing (scripts/setup.sh installs it)")


def _label(name: str, script: str, style: str, px: int, scale: float = 1.0,
           seed: int = 0, flat: bool = False) -> Tile:
    h = int(200 * scale)
    w = int(h * 16 / 9)
    img = (np.full((h, w, 3), 90, np.uint8) if flat
           else video_background(h, w, np.random.default_rng(seed)))
    draw_label(img, name, style, px, script, kind="camera_on", mic=True, scale=scale)
    return Tile(Box(0, 0, w, h), 0, jpeg(img, 90))


def _crop(tile: Tile) -> np.ndarray:
    found = find_label(tile.image)
    assert found is not None
    return found.image


def test_text_and_confidence_stay_with_their_page() -> None:
    """txt and tsv share stdout (form feeds between txt pages, a page number on each TSV row):
    every label must get its own text and confidence back."""
    _needs("Latin")
    names = ["Oliver Smith", "Priya Sharma", "Tomás Silva"]
    blank = np.full((40, 120), 255, np.uint8)  # tesseract makes up an "a" here, confidence 0
    crops = [_crop(_label(n, "latin", "zoom", 18, flat=True)) for n in names]
    got = ocr_scored([crops[0], blank, crops[1], crops[2]], "Latin")
    assert [got[i][0] for i in (0, 2, 3)] == names
    assert got[1][1] < 50 and min(got[i][1] for i in (0, 2, 3)) > 50


def test_hangul_keeps_tesseracts_own_spacing() -> None:
    """The TSV splits "김수영" into syllables; the text must come from the txt renderer."""
    _needs("kor+eng")
    names = ["김수영(20190777)", "강 미숙", "(초급)강 미숙"]
    got = NameReader("kor+eng").read_tiles([_label(n, "hangul", "zoom", 18, seed=i, flat=True)
                                            for i, n in enumerate(names)])
    assert got == names


def test_cjk_names_tesseract_returned_empty_or_misread() -> None:
    """Regressions: "周杰" came back empty at psm 7 (no text block found), 14-18 px kanji
    were misread (翔 -> 閉, 蓮 -> 夢, 蔡 -> 藥) with a 1/3-line-height margin."""
    _needs("chi_sim+jpn+chi_tra")
    for lang, script, names in (("chi_sim", "chinese_sim", ["周杰", "周杰"]),
                                ("jpn", "japanese", ["鈴木 大翔", "田中 蓮"]),
                                ("chi_tra", "chinese_tra", ["蔡宗翰", "張淑芬"])):
        tiles = [_label(n, script, ("zoom", "teams")[i], 16 + 4 * i, scale=1.0 + 0.5 * i,
                        flat=True) for i, n in enumerate(names)]
        got = NameReader(lang).read_tiles(tiles)
        assert got == [normalize_name(n) for n in names], (lang, got)


def test_only_weak_reads_get_one_retry_run(monkeypatch) -> None:
    _needs("Latin")
    runs: list[int] = []
    real = names_mod.ocr_scored
    monkeypatch.setattr(names_mod, "ocr_scored",
                        lambda imgs, lg: runs.append(len(imgs)) or real(imgs, lg))
    strong = _crop(_label("Oliver Smith", "latin", "zoom", 18, flat=True))
    blank = np.full((40, 120), 255, np.uint8)  # nothing to read: always weak
    got = read_labels([strong, blank, strong], "Latin")
    assert got[0] == got[2] == "Oliver Smith"
    viet = vietnamese_look("Latin", installed_languages())  # + the blank's Vietnamese look
    assert runs == [3, len(names_mod.RETRY) + viet]  # the retry run holds the blank's looks only


def test_stray_end_glyphs_and_odd_brackets() -> None:
    assert normalize_name("\u201c\u0641\u0627\u0637\u0645\u0629") == "\u0641\u0627\u0637\u0645\u0629"
    assert normalize_name("田中蓮 。") == "田中蓮"
    assert normalize_name("«Anna Popova»") == "Anna Popova"
    assert normalize_name("[초급)강 미숙") == "(초급)강 미숙"  # a misread "(" is kept, fixed
    assert _odd("Κώστας ]ωά") and _odd("김수영(2019") and not _odd("김수영(20190777)")


def test_vietnamese_names_read_with_the_vietnamese_model() -> None:
    """``--lang Vietnamese+Latin`` reads Vietnamese names directly."""
    _needs("Vietnamese+Latin")
    names = ["Nguyễn Văn An", "Trần Thị Hồng"]
    tiles = [_label(n, "latin", "zoom", 18, flat=True) for n in names]
    assert NameReader("Vietnamese+Latin").read_tiles(tiles) == names


def test_default_latin_gets_vietnamese_marks_but_keeps_other_letters(monkeypatch) -> None:
    """The default 'Latin' pack reads "Nguyễn" as "Nguyën"/"Nguyčn"; the Vietnamese look in
    the second run fixes those marks, while "Łukasz" (which the Vietnamese pack reads
    "tukasz"), "Åström" ("Âström") and "Weiß" keep their Latin read. At most 2 runs."""
    _needs("Latin+Vietnamese")
    runs: list[str] = []
    real = names_mod.ocr_scored
    monkeypatch.setattr(names_mod, "ocr_scored",
                        lambda imgs, lg: runs.append(lg) or real(imgs, lg))
    names = ["Nguyễn Văn An", "Łukasz Kowalski", "Björn Åström", "Trần Thị Hồng",
             "Greta Weiß", "Zoë Müller", "Phạm Đức Thắng"]
    tiles = [_label(n, "latin", ("zoom", "teams")[i % 2], 16 + 2 * (i % 3), flat=True)
             for i, n in enumerate(names)]
    assert NameReader().read_tiles(tiles) == names
    assert runs == ["Latin", "Vietnamese"]


def test_marks_only_vietnamese_corrections() -> None:
    assert mark_fixes("Nguyën Vän An", "Nguyễn Văn An") is not None
    assert mark_fixes("Nguyčn", "Nguyễn") is not None  # the Latin pack's nearest marked letter
    assert mark_fixes("Pham Ðúc", "Phạm Đức") is not None
    assert mark_fixes("Łukasz", "tukasz") is None  # a letter changed, not a mark
    assert mark_fixes("Åström", "Âström") is None  # a mark other alphabets write too
    assert mark_fixes("Trân Thi Hôöng", "Trần Thị Hồng") is not None  # "ồ" read as two letters
    assert mark_fixes("Zoë", "Zoẽ!") is None  # a letter added
    assert mark_fixes("Weiß", "Weil") is None
    assert mark_fixes("Oliver", "Oliver") is None
    assert mark_fixes("Zoë Müller", "Zoë Mũller") is None  # German ü stays
    # the Vietnamese pack's hooks and dots on blurred names of other languages: each word
    # that changes must be able to be one Vietnamese syllable
    assert mark_fixes("Tomás Silva", "Tomảs Silva") is None
    assert mark_fixes("Noah Johnson", "Noạh Johnson") is None
    assert mark_fixes("Kenji Tanaka", "Kọnji Tanaka") is None
    assert mark_fixes("Pham Van Hung", "Phạm Văn Hùng") == "Phạm Văn Hùng"
    # only the marks come from the Vietnamese look; a speck it also read is left out
    assert mark_fixes("Nguyën Văn An", "Nguyễn Văn An ›") == "Nguyễn Văn An"
    assert mark_fixes("Łukasz Nguyën", "tukasz Nguyễn") == "Łukasz Nguyễn"
    assert foreign_marks("Nguyën") and foreign_marks("Čech") and not foreign_marks("José Núñez")
    assert vietnamese_look("Latin", frozenset({"Latin", "Vietnamese"}))
    assert not vietnamese_look("Vietnamese+Latin", frozenset({"Latin", "Vietnamese"}))
    assert not vietnamese_look("kor+eng", frozenset({"kor", "eng", "Vietnamese"}))
    assert not vietnamese_look("Latin", frozenset({"Latin"}))


def test_twelve_px_han_strokes_stay_in_the_crop() -> None:
    """Regression: at 12 px the stem of 王 is fainter than the stroke mask, its three bars
    were too flat to join the line: "王美麗" was read "美麗", then "三美麗"."""
    _needs("chi_tra")
    tiles = [_label("王美麗", "chinese_tra", style, 12, seed=i)
             for i, style in enumerate(("zoom", "meet", "teams"))]
    assert NameReader("chi_tra").read_tiles(tiles) == ["王美麗"] * 3


def test_an_unsure_lone_character_at_either_end_is_dropped() -> None:
    """Video or an icon beside the label box joins the line as one more glyph ("Julia
    Nowak 3", "F Yusuf Demir" in bench_downscaled); a sure one, or a two-word name's
    initial, stays."""
    from capture.names import _without_stray_ends

    assert _without_stray_ends("Julia Nowak 3", [("Julia", 96.0), ("Nowak", 93.0),
                                                 ("3", 41.0)]) == ("Julia Nowak", 93.0)
    assert _without_stray_ends("F Yusuf Demir", [("F", 70.0), ("Yusuf", 95.0),
                                                 ("Demir", 91.0)]) == ("Yusuf Demir", 91.0)
    sure = [("John", 96.0), ("Smith", 95.0), ("K", 94.0)]
    assert _without_stray_ends("John Smith K", sure) == ("John Smith K", 94.0)
    assert _without_stray_ends("J Smith", [("J", 40.0), ("Smith", 95.0)]) == ("J Smith", 40.0)
    assert _without_stray_ends("", []) == ("", -1.0)


def test_a_vietnamese_name_takes_the_vietnamese_read_whole() -> None:
    """The Latin pack reads a 1.3x crop of "Phạm Đức Thắng" as "Pham Ðúrc Thăng": marks alone
    cannot drop the "r", but the lent marks show a Vietnamese name, so the whole Vietnamese
    read is taken. One such letter ("Nguyễn Văn An") is not enough: marks only."""
    from capture.marks import vietnamese_name

    assert vietnamese_name("Phạm Đức Thắng") and vietnamese_name("Trần Thị Hồng")
    assert not vietnamese_name("Nguyễn Văn An") and not vietnamese_name("Łukasz Kowalski")
    assert not vietnamese_name("Zoë Müller") and not vietnamese_name("")
