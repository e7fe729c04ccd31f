"""OCR of rendered name labels (diacritics included), caching, and text outside tiles."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from capture.grid import GridDetector
from capture.name_text import capitalised, identity_key, normalize_name, without_stray_marks
from capture.names import NameReader
from capture.ocr_langs import best_language
from capture.synth_draw import STYLES, name_label
from capture.synthetic import SyntheticGallerySource
from capture.types import Box, Tile

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract is not installed (tesseract-ocr)")
DIACRITICS = ["Zoë Müller", "Łukasz Kowalski", "Søren Ærø Hansen", "François Lefèvre",
              "Dvořák Čech", "José Núñez"]


def test_normalize_name() -> None:
    assert normalize_name("  Zoë \t Müller \n") == "Zoë Müller"
    assert normalize_name("Zoe\u0308 Mu\u0308ller") == "Zoë Müller"  # NFD -> NFC
    assert normalize_name("| Liam O'Brien _") == "Liam O'Brien"
    assert normalize_name("\u00bfBj\u00f6rn \u00c5str\u00f6m") == "Bj\u00f6rn \u00c5str\u00f6m"  # "¿"
    assert identity_key("ZOË  MÜLLER", 3) == identity_key("zoë müller", 7)
    assert identity_key("  ", 3) == "tile-3"


def test_capitalised_mends_only_size_only_letters() -> None:
    assert capitalised("Maja jensen") == "Maja Jensen"
    assert capitalised("Ella wilson") == "Ella Wilson"
    assert capitalised("jakub Dvořák") == "Jakub Dvořák"
    assert capitalised("Ludwig van Beethoven") == "Ludwig van Beethoven"  # a particle
    assert capitalised("maja jensen") == "maja jensen"  # written in lower case
    assert capitalised("Anna bergström") == "Anna bergström"  # b and B differ in shape
    assert capitalised("Sven") == "Sven"
    assert capitalised("tukasz Kowalski") == "Łukasz Kowalski"  # Ł read small, as "t"
    assert capitalised("Anna ter Horst") == "Anna ter Horst"  # a particle
    assert capitalised("tom smith") == "tom smith"  # written in lower case


def test_stray_marks_are_dropped_and_real_brackets_kept() -> None:
    assert without_stray_marks("Sofía García *") == "Sofía García"
    assert without_stray_marks("Maja Jensen]") == "Maja Jensen"  # the box edge, no "["
    assert without_stray_marks("[Noah Johnson") == "Noah Johnson"  # a "[" that never closes
    assert without_stray_marks("박서준[20211\u2026") == "박서준(20211\u2026"  # a cut student id
    assert without_stray_marks("[TA] Kim Lee") == "[TA] Kim Lee"  # a tag: it closes
    assert without_stray_marks("김수영(20190777)") == "김수영(20190777)"
    assert without_stray_marks("[") == "["  # nothing left to call a name: kept
    assert without_stray_marks("【서지우") == "서지우"  # the CJK packs' look of the edges
    assert without_stray_marks("김민준】") == "김민준"
    assert without_stray_marks("【助教】王明") == "【助教】王明"  # a tag


def _tile(name: str, style: str, h: int) -> Tile:
    w = int(h * 16 / 9)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (90, 110, 130)
    name_label(img, STYLES[style], name)
    return Tile(Box(0, 0, w, h), 0, img[:, :, ::-1].copy())


@needs_tesseract
@pytest.mark.parametrize("style", ["zoom", "meet", "teams"])
def test_diacritics_read_exactly(style: str) -> None:
    if best_language() != "Latin":
        pytest.skip("tesseract Latin script data missing (apt-get install "
                    "tesseract-ocr-script-latn): 'eng' cannot read diacritics")
    reader = NameReader()
    tiles = [_tile(n, style, 200) for n in DIACRITICS]  # 18 px labels
    assert reader.read_tiles(tiles) == DIACRITICS


THIN_STEMS = ["Liam O'Brien", "Ravi Patel", "Chen Wei", "Lucas Martin", "Olga Petrova",
              "Ella Wilson", "Amélie Durand", "Ingrid Bjørnstad"]


@needs_tesseract
@pytest.mark.parametrize("style", ["zoom", "teams"])
def test_subpixel_antialiased_labels_read(style: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels drawn with ClearType's colour fringes (a 1 px stem as orange beside blue):
    before ``capture.label_white`` took a complementary pair's grey mean, first and last
    letters with thin stems were dropped ("iam O'Brien", "Ravi Pate")."""
    from capture import synth_labels
    from capture.synth_labels import draw_label

    monkeypatch.setattr(synth_labels, "draw_text", synth_labels.draw_text_subpixel)
    rng = np.random.default_rng(5)
    tiles = []
    for i, name in enumerate(THIN_STEMS):
        img = np.empty((180, 320, 3), np.uint8)
        img[:] = np.linspace(40, 200, 320, dtype=np.uint8)[None, :, None]  # lit from one side
        img[:] = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
        draw_label(img, name, style, 15, mic=i % 2 == 0)
        tiles.append(Tile(Box(0, 0, 320, 180), i, img))
    read = NameReader("Latin").read_tiles(tiles)
    # 6-7 of 8 now, 4-5 before (a last "l" after "e" is still lost now and then)
    assert sum(a == b for a, b in zip(read, THIN_STEMS, strict=True)) >= 6, read


@needs_tesseract
def test_gallery_names_cache_and_reorder() -> None:
    src = SyntheticGallerySource(9, "zoom", (1920, 1080), seed=3, events=True, event_every=2)
    det, reader = GridDetector(), NameReader()
    image, truth = src.render(0)
    grid = reader.read(det.detect(image))
    assert [t.name for t in grid.tiles] == [t.name for t in truth.tiles]
    calls = reader.ocr_calls
    assert calls == 9
    reader.read(det.detect(src.render(1)[0]))  # same layout: all from cache
    assert reader.ocr_calls == calls
    image, truth = src.render(2)  # tiles reorder: same layout, names move
    assert truth.events == ("reorder",)
    grid = reader.read(det.detect(image))
    assert not grid.layout_changed
    assert [t.name for t in grid.tiles] == [t.name for t in truth.tiles]
    assert reader.ocr_calls == calls  # every label was seen before, in another tile


@needs_tesseract
def test_toolbar_text_is_never_a_name() -> None:
    image, truth = SyntheticGallerySource(25, "teams", (1366, 768), seed=8,
                                          events=False).render(0)
    grid = NameReader().read(GridDetector().detect(image))
    names = {t.name for t in grid.tiles}
    assert not any("Participants" in n or "Leave" in n or ":" in n for n in names)
    assert len(names & {t.name for t in truth.tiles}) >= 23  # >= 92 % at 11-12 px labels


def test_no_label_gives_empty_name() -> None:
    blank = Tile(Box(0, 0, 320, 180), 0, np.full((180, 320, 3), 40, np.uint8))
    assert NameReader(lang="eng").read_tiles([blank]) == [""]


def test_signature_of_a_label_strip_256_px_or_wider_does_not_raise() -> None:
    """Regression: ``bytes(mask.shape)`` raised ValueError for any dimension >= 256, which ended
    whole sessions on galleries with big tiles (1366x768 Meet 9, 1440p Teams 49)."""
    from capture.names import _signature

    wide = np.zeros((40, 900), bool)
    wide[10:30, 20:400] = True
    assert _signature(wide) != _signature(wide[:, :800])
    assert len(_signature(np.ones((300, 2560), bool))) == 12


def _strip_tile(name: str, h: int = 72, px: int = 11) -> Tile:
    """A Teams-like pill 3 px from the tile's left edge on a bright wall: between the edge
    (the gutter's dark last column) and the pill's rounded end, a 2 px strip of video."""
    from PIL import Image, ImageDraw

    from capture.synth_draw import font

    w = h * 16 // 9
    rng = np.random.default_rng(1)
    img = np.clip(rng.normal(212, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    img[:, 0] = 28
    pil = Image.fromarray(img)
    d = ImageDraw.Draw(pil)
    f = font(px)
    y0 = h - px - 10
    d.rounded_rectangle((3, y0, 3 + d.textlength(name, font=f) + 10, h - 3),
                        radius=(h - 3 - y0) // 2, fill=(32, 32, 32))
    d.text((8, y0 + 3), name, font=f, fill=(255, 255, 255))
    return Tile(Box(0, 0, w, h), 0, np.asarray(pil)[:, :, ::-1].copy())


@needs_tesseract
def test_a_strip_of_video_at_the_tile_edge_is_not_a_letter() -> None:
    """The strip between the tile's edge and a label box's rounded end is thin and bright, like
    a stroke, and 1 px off the edge: it read "[Hannah Becker" (label_find.EDGE_PX)."""
    names = ["Hannah Becker", "Liam O'Brien", "Yusuf Demir"]
    assert NameReader().read_tiles([_strip_tile(n) for n in names]) == names


def test_whiteness_greys_complementary_fringes_only() -> None:
    """An orange pixel beside a blue one (a subpixel stem) is white; a red mic icon, a lone
    saturated pixel and two same-hued video pixels are not."""
    from capture.label_white import whiteness

    px = np.array([[[20, 20, 20], [77, 144, 207], [222, 185, 112], [20, 20, 20],  # BGR
                    [40, 40, 230], [40, 40, 230], [20, 20, 20], [60, 160, 230],
                    [70, 170, 240], [20, 20, 20]]], np.uint8)
    white = whiteness(px)
    assert white[0, 1] >= 140 and white[0, 2] >= 140  # the stem's two halves
    assert white[0, 4] == white[0, 5] == 0  # red: zeroed as before
    assert white[0, 7] <= 60 and white[0, 8] <= 70  # orange beside orange: its min channel
