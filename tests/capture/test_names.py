"""OCR of rendered name labels (diacritics included), caching, and text outside tiles."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from capture.grid import GridDetector
from capture.names import NameReader, best_language, identity_key, normalize_name
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
    assert identity_key("ZOË  MÜLLER", 3) == identity_key("zoë müller", 7)
    assert identity_key("  ", 3) == "tile-3"


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
