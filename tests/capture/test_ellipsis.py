"""A cut name's "…" on shrunk screenshots (capture.ellipsis): the dots blend into the label
box, so the parts test alone missed it and "Marco R…" read as a whole name "Marco R"."""

from __future__ import annotations

import numpy as np
import pytest

from capture import ellipsis
from capture.label_find import find_label
from capture.render_apps import AppScene, compress, downscale, render_app


@pytest.mark.parametrize(("theme", "seed", "f"), [("light", 748785767, 0.68),
                                               ("dark", 811237077, 0.6)])
def test_cut_names_are_seen_cut_on_shrunk_screens(theme: str, seed: int, f: float) -> None:
    """A 49-tile Teams screen at 150 % on 1366x768, shared shrunk and as JPEG: each label
    says whether its name was cut, and only the cut ones do. The dots test alone saw 13 of
    30 (light) and 15 of 28 (dark); with ``faint_dots`` 20 and 22. With heads drawn 0.3-0.6
    of the tile height (session 14) 19 of 20 and 11 of 19, and 19 and 18 with the peaks
    test (blurred dots joined into one run) and bodies under the heads."""
    image, truth = render_app(AppScene("teams", theme, 49, (1366, 768), 1.5, seed=seed))
    image, truth = downscale(image, truth, f)
    image = compress(image, "jpeg", 75)
    cut = seen = 0
    for t in truth.tiles:
        if not t.shown:
            continue
        b = t.box
        crop = find_label(image[b.y:b.y + b.h, b.x:b.x + b.w])
        truncated = crop is not None and crop.truncated
        if t.shown.endswith("\u2026"):
            cut, seen = cut + 1, seen + truncated
        else:
            assert not truncated, t.shown
    assert cut >= 15  # enough cut names to judge (Open Sans, Teams' stand-in font: 19 and 30)
    assert seen >= 0.65 * cut, (seen, cut)


def _line(after: str) -> np.ndarray:
    """A whiteness image: letters 0..40 x 10..22 (12 px line), then ``after`` drawn faint."""
    white = np.full((34, 80), 60, np.uint8)
    white[10:22, 2:40:4] = 220  # stems of the letters
    dots = {"dots": [(44, 45), (48, 49), (52, 53)], "two": [(44, 45), (48, 49)],
            "colons": [(44, 45), (48, 49), (52, 53)], "none": []}.get(after, [(44, 45), (48, 49),
                                                                          (52, 53)])
    for x0, x1 in dots:
        rows = {"mid": (14, 16), "mid-bar": (14, 16)}.get(after, (19, 21))  # CJK: mid-height
        white[rows[0]:rows[1], x0:x1 + 1] = 130
        if after == "mid-bar":
            white[11:21, x0] = 130  # a letter's stems, not dots
        if after == "colons":
            white[13:15, x0:x1 + 1] = 130  # ":" has a dot above: not an ellipsis
    return white


@pytest.mark.parametrize(("after", "cut"), [("dots", True), ("two", False),
                                            ("colons", False), ("none", False),
                                            ("mid", True), ("mid-bar", False)])
def test_faint_dots(after: str, cut: bool) -> None:
    assert ellipsis.faint_dots(_line(after), (2, 10, 40, 22), 220.0) is cut


def test_a_letter_after_the_dots_is_no_ellipsis() -> None:
    white = _line("dots")
    white[12:22, 57:59] = 200  # "...l": the dots were a letter's marks, text goes on
    assert not ellipsis.faint_dots(white, (2, 10, 40, 22), 220.0)


def test_video_past_the_label_box_is_no_letter_after_the_dots() -> None:
    white = _line("dots")
    white[:, 57:] = 200  # bright video from just past the box's end on (Teams' "Eva Horv…")
    assert ellipsis.faint_dots(white, (2, 10, 40, 22), 220.0)


def test_scraps_of_a_broken_last_letter_join_the_line_but_dots_do_not() -> None:
    """Parts of "Léa Dubois" at ×0.55 (rows x, y, w, h, area): the faint "s" kept only two
    1 px scraps, which read "Léa Duboi" before ``label_find._broken_ends``."""
    from capture.label_find import _broken_ends

    letters = [[18, 38, 4, 5, 14], [24, 38, 4, 5, 15], [33, 36, 6, 7, 21], [40, 38, 5, 5, 12],
               [47, 36, 5, 7, 17], [53, 38, 5, 5, 13], [59, 38, 1, 5, 5]]
    body = np.arange(len(letters))
    scraps = np.array(letters + [[62, 38, 3, 1, 3], [62, 42, 3, 1, 3]])
    assert _broken_ends(scraps, body, np.zeros(0, np.int64)).tolist() == list(range(9))
    dots = np.array(letters + [[61, 42, 1, 1, 1], [63, 42, 1, 1, 1], [65, 42, 1, 1, 1]])
    assert _broken_ends(dots, body, np.zeros(0, np.int64)).tolist() == list(range(7))


def test_dots_the_line_took_in_or_the_region_cut_off() -> None:
    """Parts of a bold camera-off "Björn Åströ…" (rows x, y, w, h, area; "ö" ends at 112).
    Set 2 px after the last letter, the first dot chains into the line; in a small tile the
    bottom-left region that found the name ends where the third dot would be."""
    letters = [[60, 12, 10, 11, 68], [80, 12, 8, 11, 57], [102, 12, 10, 11, 69]]
    three = np.array(letters + [[114, 20, 3, 3, 8], [120, 20, 3, 3, 7], [126, 20, 3, 3, 9]])
    in_line = np.arange(4)  # the line took the first dot in
    assert ellipsis.dots(three, in_line).tolist() == [3, 4, 5]
    two = three[:5]
    assert ellipsis.dots(two, in_line).size == 0  # room for a third dot: no ellipsis
    assert ellipsis.dots(two, in_line, width=128).tolist() == [3, 4]


@pytest.mark.parametrize("variant", [0, 3])  # Noto Sans, Open Sans
def test_a_small_camera_off_tiles_cut_name_keeps_its_ellipsis(variant: int) -> None:
    from capture.synth_labels import draw_label, jpeg, video_background

    img = video_background(82, 145, np.random.default_rng(24))
    shown = draw_label(img, "Björn Åström", "teams", 15, "latin", kind="camera_off", mic=True,
                       font_variant=variant)
    assert shown.endswith("\u2026")
    crop = find_label(jpeg(img, 85))
    assert crop is not None and crop.truncated


def test_faint_dots_are_counted_from_the_letters_not_a_dot_the_line_took_in() -> None:
    """A shrunk "Ingrid Bjø…": the first dot is a part of the line, the other two are faint
    pixels. Counted from the line's end, two faint dots are no ellipsis; from the letters'
    end, the three are."""
    letters = [[2, 10, 6, 12, 40], [10, 10, 6, 12, 40], [18, 10, 6, 12, 40], [26, 10, 6, 12, 40],
               [34, 10, 6, 12, 40]]
    comps = np.array(letters + [[44, 19, 2, 3, 5]])  # the first dot, taken into the line
    line = np.arange(6)
    assert ellipsis.letters_end(comps, line) == 40
    white = _line("dots")
    white[19:22, 44:46] = 220  # the first dot as bright as the letters
    assert not ellipsis.faint_dots(white, (2, 10, 46, 22), 220.0)
    assert ellipsis.faint_dots(white, (2, 10, ellipsis.letters_end(comps, line), 22), 220.0)


def test_blurred_dots_that_join_into_one_run_are_still_dots() -> None:
    """At 0.6x, JPEG blur lifts the gap between two dots over the lit level, so the runs test
    sees two dots; the dips between the three peaks still show (Teams' "Ahmed Ha…")."""
    white = _line("none")
    for x in (45, 50, 55):
        white[19:21, x] = 130  # three dots' peaks, 5 px apart
    white[19:21, 46:50] = 112  # blur bridges the first two, over 60 + 0.3 x 160 = 108
    assert ellipsis.faint_dots(white, (2, 10, 40, 22), 220.0)
    white[19:21, 56:70] = 120  # ...but bright video behind a box-less name runs on after them
    assert not ellipsis.faint_dots(white, (2, 10, 40, 22), 220.0)


def test_letters_of_unequal_width_are_no_faint_dots() -> None:
    """"iss" after a line that lost it (a tall line: its accents count): an "i" stem and two
    wider "s" pass every other dots test, but dots are one size ("Zsófia Kiss" as drawn read
    "Zsófia K…")."""
    white = np.full((50, 100), 60, np.uint8)
    white[10:36, 2:40:4] = 220  # a 26 px line's letters
    for x0, x1 in ((42, 44), (46, 52), (53, 59)):  # "i", "s", "s" in the lower half
        white[26:35, x0:x1] = 200
    assert not ellipsis.faint_dots(white, (2, 10, 40, 36), 220.0)
    white[26:35, 42:60] = 60
    for x0 in (42, 48, 54):  # three dots of one size do
        white[31:35, x0:x0 + 3] = 200
    assert ellipsis.faint_dots(white, (2, 10, 40, 36), 220.0)
