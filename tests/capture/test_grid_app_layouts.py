"""Regression screens for layout fitting (capture.layout_fit) on realistic app screens: each
one failed before, for a reason real Zoom/Meet/Teams screens share.

- an edge column or row of weak tiles (pillarboxed phones, dark video, camera-off cards close
  to the gutter colour, a speaker ring) was dropped: 25 found as 23, 49 as 45, 36 as 34;
- 2-tile calls with pillarboxed tiles, whose left and right edges are invisible;
- a window that is not maximised, where a row of taskbar icons was taken as the grid;
- 2 tiles whose only gutter is filled by the speaker ring (drawn OUTSIDE the tile, as Zoom
  does): the ring's outer box won, its neighbour a "weak tile" cutting through video;
- a light theme at 200 %, whose thin gutters cover fewer pixels than its chrome bars, a
  camera-off card and the taskbar: the gutter colour was never tried (Korean class names);
- a taskbar a few levels off the gutter, under the toolbar, taken for a last row of camera-off
  cards (36 tiles found as 42);
- 25 tiles in a small window at 200 %, shared shrunk: 68x37 px tiles, under the fit's old
  70x40 minimum (a wrong 3-tile grid over the toolbar won instead);
- screens shared shrunk, whose gutters land a fractional and different distance apart across
  and down (2 px at 0.66: 1.5 px across, 0.8 px down): one whole-pixel gap for both put outer
  rows and columns off (49 Meet tiles in a window found as 33 or 42, 36 Teams tiles as 34);
- Zoom's 2-4 px gutters shared at 0.6-0.77: 1 px wide, or blended into the tiles beside them,
  with no two gutter pixels side by side for a boundary: 4 tiles were found as 2, 12 as 6,
  49 as 4 or 35;
- a top row of pillarboxed phones (top edges, few side edges) over a row whose speaker ring
  and pillarboxed tile hid its gaps: only the lower row was found, with the wrong gap, and
  growing it upwards missed the top row (6 Meet tiles found as 3, as drawn);
- a 2x2 window whose top-left tile is dark video inside the speaker ring: tiles as tall as
  the lower row plus the toolbar fitted first and were taken, though the true layout,
  finished (grown upwards from its lower row), explains more border at a better quality
  (4 Teams tiles 562x316 found as 4 of 755x415);
- a grid in a small window whose best hypotheses are a lower row or two, covering under the
  fit's minimum area until grown upwards: they were skipped before they were finished (49
  Meet tiles at 200 % found as 3 big ones; a shrunk 4-tile Zoom window as 4 in a row);
- 2-tile calls where the white title bar, tried as the gutter colour, fitted 3 touching
  "tiles" of empty dark window between it and the real tiles' top edge, and outscored them
  (see ``layout_checks.surround``);
- a 25-tile Teams window just under the screen's top grew a 6th row over its title bar and
  the starfield wallpaper above: the bar's bottom edge outweighed the rest, though none of
  the row's gaps shows the gutter colour (``layout_fit._grown_rows_clear``).

The scenes are bench/bench_capture's realistic frames that used to fail (same seeds)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capture.grid import GridDetector, _one_row
from capture.render_apps import AppScene, compress, downscale, render_app
from capture.types import Box

SCENES = {  # id: (style, theme, n, screen, scale, maximised, pages, seed, compression)
    "edge-column-25": ("meet", "light", 25, (1366, 768), 2.0, True, False, 210080626, "h264"),
    "edge-column-49": ("zoom", "light", 49, (1366, 768), 1.0, True, False, 154635312, "jpeg"),
    "last-row-36-window": ("teams", "light", 36, (2560, 1440), 1.5, False, True, 28930267,
                           "h264"),
    "row-above-9": ("teams", "dark", 9, (1920, 1080), 2.0, True, True, 340780570, "h264"),
    "two-pillarboxed": ("meet", "light", 2, (1920, 1080), 1.5, True, False, 433832056, "png"),
    "two-pillarboxed-jpeg": ("zoom", "dark", 2, (1920, 1080), 1.5, True, True, 348884140,
                             "jpeg"),
    "two-window": ("zoom", "dark", 2, (2560, 1440), 2.0, False, True, 493701876, "png"),
    "taskbar-icons-window": ("zoom", "dark", 4, (1920, 1080), 2.0, False, True, 536095522,
                             "png"),
    "two-ring-fills-gutter": ("zoom", "light", 2, (1366, 768), 1.0, True, True, 901003445,
                              "h264"),
    "taskbar-no-extra-row": ("zoom", "dark", 36, (1366, 768), 1.0, True, False, 711047661,
                             "png"),
    "light-200-gutter-rare": ("zoom", "light", 6, (1920, 1080), 2.0, True, False, 668476749,
                              "png", "hangul"),
    "small-tiles-shrunk": ("meet", "light", 25, (1366, 768), 2.0, False, False, 71673068,
                           "h264", "latin", 0.65),
    "gaps-differ-shrunk-064": ("meet", "dark", 49, (1920, 1080), 1.25, False, True, 301409466,
                               "jpeg", "latin", 0.64),
    "gaps-differ-shrunk-079": ("meet", "dark", 49, (1920, 1080), 1.25, False, True, 301409466,
                               "jpeg", "latin", 0.79),
    "gaps-differ-shrunk-36": ("teams", "light", 36, (1366, 768), 1.0, True, False, 515934038,
                              "jpeg", "latin", 0.62),
    "phones-over-ringed-row": ("meet", "light", 6, (1366, 768), 2.0, True, False, 945249452,
                               "jpeg"),
    "phones-over-ringed-row-window": ("meet", "light", 6, (2560, 1440), 1.25, False, False,
                                      198397136, "png"),
    "seam-gutters-4": ("zoom", "dark", 4, (1920, 1080), 1.0, True, False, 1069914874, "h264",
                       "latin", 0.67),
    "seam-gutters-12": ("zoom", "light", 12, (1366, 768), 1.25, True, False, 914859216, "h264",
                        "latin", 0.73),
    "seam-gutters-49": ("zoom", "light", 49, (2560, 1440), 1.0, True, False, 154228996, "png",
                        "latin", 0.64),
    "seam-gutters-49-125": ("zoom", "light", 49, (2560, 1440), 1.25, True, False, 866196524,
                            "png", "latin", 0.79),
    "dark-speaker-over-toolbar-rows": ("teams", "dark", 4, (1920, 1080), 1.25, False, False,
                                       371580640, "h264"),
    "dark-speaker-over-toolbar-rows-shrunk": ("meet", "dark", 4, (1920, 1080), 1.5, False,
                                              False, 475808225, "jpeg", "latin", 0.776),
    "small-window-49-lower-rows": ("meet", "light", 49, (1366, 768), 2.0, False, False,
                                   851114254, "png"),
    "taskbar-icons-window-shrunk": ("zoom", "dark", 4, (1920, 1080), 2.0, False, True,
                                    536095522, "png", "latin", 0.649),
    "title-bar-gutter-shrunk": ("zoom", "dark", 2, (1920, 1080), 1.5, True, True, 348884140,
                                "jpeg", "hangul", 0.7499),
    "title-bar-gutter-window": ("zoom", "light", 2, (1366, 768), 1.0, False, True, 371064662,
                                "h264", "hangul"),
    "no-row-over-title-bar": ("teams", "dark", 25, (2560, 1440), 1.0, False, False, 368493479,
                              "jpeg", "hangul"),
}


@pytest.mark.parametrize("case", list(SCENES))
def test_realistic_layout_exact(case: str) -> None:
    style, theme, n, screen, scale, maxi, pages, seed, comp, *more = SCENES[case]
    script = more[0] if more else "latin"
    shrink = more[1] if len(more) > 1 else 1.0
    image, truth = render_app(AppScene(style, theme, n, screen, scale, maxi, pages=pages,
                                       seed=seed, script=script))
    if shrink != 1.0:  # a screenshot shared smaller than the screen it was taken on
        image, truth = downscale(image, truth, shrink)
    result = GridDetector().detect(compress(image, comp, 75))
    assert result.is_gallery, result.reason
    kinds = [t.kind for t in truth.tiles]
    assert len(result.tiles) == n, (len(result.tiles), kinds)
    for got, want in zip(result.tiles, truth.tiles, strict=True):
        assert got.box.iou(want.box) >= 0.9, (got.box, want.box, want.kind)


def test_weak_tiles_need_gutter_and_content() -> None:
    """A weak tile is gutter on >= 3 sides with content inside: empty gutter next to the grid
    is none, a camera-off card a few levels off the gutter is one."""
    import numpy as np

    from capture import layout_evidence

    gray = np.full((300, 600), 26, np.uint8)
    gray[100:190, 100:260] = 36  # a camera-off card, 10 levels off the gutter
    ev = layout_evidence.evidence(gray, 26.0)
    weak = layout_evidence.weak_tiles(ev, 100, 90, 160, 6)
    assert weak[100]
    assert not weak[300]  # empty gutter
    assert not layout_evidence.weak_tiles(ev, 10, 90, 160, 6)[100]  # straddles the card's top


def test_weak_tile_4th_side_must_be_gutter_or_ring() -> None:
    """Gutter on 3 sides is not enough: the 4th may be a neighbour's speaker ring, but not
    video (a ring-sized box shifted onto the next tile has gutter on 3 sides too)."""
    import numpy as np

    from capture import layout_evidence

    img = np.full((300, 600, 3), 240, np.uint8)
    img[100:190, 100:260] = (90, 120, 150)  # a tile
    rng = np.random.default_rng(0)
    img[100:190, 260:420] = rng.integers(40, 200, (90, 160, 3))  # video against its right side
    gray, sat = layout_evidence.luma(img), layout_evidence.saturation(img)
    ev = layout_evidence.evidence(gray, 240.0, layout_evidence.rings(gray, sat))
    assert not layout_evidence.weak_tiles(ev, 100, 90, 160, 6)[100]
    img[100:190, 260:420] = 240
    img[95:195, 260:266] = (40, 224, 156)  # a neighbour's yellow-green ring beside it
    gray, sat = layout_evidence.luma(img), layout_evidence.saturation(img)
    ev = layout_evidence.evidence(gray, 240.0, layout_evidence.rings(gray, sat))
    assert layout_evidence.weak_tiles(ev, 100, 90, 160, 6)[100]


def test_a_slide_with_a_flat_rectangle_is_no_gallery() -> None:
    """A slide (light page, dark title text, a flat blue box) once fitted as 12 touching
    tiles with the text colour as gutter: tiles that show nothing at all are no gallery."""
    import cv2
    import numpy as np

    from capture.grid import GridDetector

    slide = np.full((720, 1280, 3), 245, np.uint8)
    cv2.putText(slide, "Week 3: photosynthesis", (80, 200), cv2.FONT_HERSHEY_SIMPLEX, 2,
                (30, 30, 30), 4)
    cv2.rectangle(slide, (80, 300), (700, 600), (200, 120, 40), -1)
    result = GridDetector().detect(slide)
    assert not result.is_gallery and result.tiles == (), result.reason


def test_seam_maps_need_one_gutter_pixel() -> None:
    """Two tiles 1 px apart (a 2 px gutter shared at 0.6): the plain boundary maps see no
    edge between them (they want two gutter pixels outside), the seam maps see both."""
    import numpy as np

    from capture import layout_evidence

    gray = np.full((200, 400), 26, np.uint8)
    gray[50:150, 20:190] = 120
    gray[50:150, 191:360] = 140  # column 190: the 1 px gutter
    for seam in (False, True):
        ev = layout_evidence.evidence(gray, 26.0, seam=seam).exact
        assert ev is not None
        right = ev.band_cols(ev.right, 60, 140)[190]  # the left tile's right boundary
        left = ev.band_cols(ev.left, 60, 140)[191]  # the right tile's left boundary
        assert (right >= 70 and left >= 70) == seam, (seam, right, left)
        assert ev.band_cols(ev.left, 60, 140)[20] >= 70  # outer edges: either way


def test_seam_layout_replaces_plain_only_with_thin_gutters() -> None:
    """The seam maps' layout wins only with 1-2 px gutters, and only over nothing or over
    fewer tiles inside its area (2x2 merged into one): thin dark lines in wallpaper fit
    as tiles with wider gaps, and elsewhere."""
    from capture.layout_fit import Fit, _seams_win, gutters
    from capture.types import Box

    def grid(gap: int, x0: int = 10) -> Fit:
        boxes = [Box(x0 + c * (160 + gap), 10 + r * (90 + gap), 160, 90)
                 for r in range(2) for c in range(2)]
        return Fit(boxes, 100.0, 0.9, gap)

    assert gutters(grid(1).boxes) == (1, 1)
    assert _seams_win(None, grid(1)) and not _seams_win(None, grid(4))
    assert _seams_win(Fit([Box(10, 10, 321, 181)], 50.0, 0.6, 0), grid(1))  # merged
    assert not _seams_win(grid(6, x0=600), grid(1))  # the plain grid lies elsewhere
    assert not _seams_win(grid(1), grid(1))  # no more tiles: the plain layout stays


def test_measures_are_kept_read_only_and_match_fresh_ones() -> None:
    """tile_hits / weak_tiles are kept per Evidence (hypotheses that differ in their gap
    measure the same rows again): a kept row equals a fresh measure, cannot be written, and
    the gap counts only as 1, 2 or 3+."""
    import numpy as np

    from capture import layout_evidence

    gray = np.full((300, 600), 26, np.uint8)
    gray[100:190, 100:260] = 120
    gray[100:190, 266:426] = 36
    ev = layout_evidence.evidence(gray, 26.0)
    hits = layout_evidence.tile_hits(ev, 100, 90, 160)
    assert np.array_equal(hits, layout_evidence._tile_hits(ev, 100, 90, 160))
    assert hits.max() > 0 and layout_evidence.tile_hits(ev, 100, 90, 160) is hits
    with pytest.raises(ValueError):
        hits[0] = 1
    for g in (1, 2, 3, 6, 9):
        kept = layout_evidence.weak_tiles(ev, 100, 90, 160, g)
        assert np.array_equal(kept, layout_evidence._weak_tiles(ev, 100, 90, 160, g)), g
    assert layout_evidence.weak_tiles(ev, 100, 90, 160, 6)[266]
    assert layout_evidence.weak_tiles(ev, 100, 90, 160, 9) is \
        layout_evidence.weak_tiles(ev, 100, 90, 160, 3)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 6), st.integers(1, 16), st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_running_max_and_sum_match_numpy(k: int, c: int, w: int, seed: int) -> None:
    """fit_rows' slice-by-slice running max over counts and sum over rows equal numpy's
    accumulate and cumsum, -inf (no tiles fit) included."""
    import numpy as np

    from capture.layout_rows import running

    rng = np.random.default_rng(seed)
    a = rng.normal(0, 50, (k, c, w)).astype(np.float32)
    a[rng.random(a.shape) < 0.3] = -np.inf
    a1 = a + np.float32(1)
    last, full = running(a1, a)
    assert np.array_equal(last, np.maximum.accumulate(a1, axis=1))
    assert np.array_equal(full, np.cumsum(a, axis=0))


def test_new_rows_leave_no_hole_in_the_grid() -> None:
    """Rows beyond the exact fit, nearest first: a closed row brings in the rows between it
    and the fit (which show edges but hid a top or bottom); a row with no edges ends it."""
    from capture.layout_fit import _new_rows
    from capture.types import Box

    rows = [[Box(0, y, 10, 10)] for y in (100, 112, 124, 136)]
    seen_y, closed_y = {100, 112, 136}, {112, 136}
    take = _new_rows(rows, lambda r: r[0].y in seen_y, lambda r: r[0].y in closed_y)
    assert [b.y for b in take] == [100, 112]  # 124 shows nothing: 136 is past the grid's end
    seen_y = {100, 112, 124, 136}
    take = _new_rows(rows, lambda r: r[0].y in seen_y, lambda r: r[0].y in closed_y)
    assert [b.y for b in take] == [100, 112, 124, 136]
    assert _new_rows(rows, lambda r: True, lambda r: False) == []  # none closed: none taken


def test_surround_is_the_gutter_share_around_a_layout() -> None:
    """A layout on its gutter colour scores 1; one with other pixels on three sides (a title
    bar's "gutter" over dark window space) scores about a quarter; sides beyond the frame
    do not count."""
    import numpy as np

    from capture.layout_checks import surround
    from capture.types import Box

    gray = np.full((200, 300), 30, np.uint8)
    boxes = [Box(50, 50, 90, 50), Box(150, 50, 90, 50)]
    gray[50:100, 50:140] = gray[50:100, 150:240] = 120
    assert surround(gray, boxes, 30.0) == 1.0
    assert surround(gray, boxes, 250.0) == 0.0
    gray[:45] = 250  # a white bar above: the only side in the white "gutter" colour
    assert 0.2 <= surround(gray, boxes, 250.0) <= 0.3
    frame_wide = [Box(0, 0, 300, 120)]  # only the band below lies in the frame
    assert surround(gray, frame_wide, 30.0) == 1.0
    assert surround(gray, frame_wide, 250.0) == 0.0


def test_gap_columns_clear_measures_a_rows_gaps() -> None:
    """Down the middle of each gap 3 px or wider: 1.0 on the gutter colour, 0.0 where a bar
    and wallpaper run through the gaps; gaps under 3 px are not measured."""
    import numpy as np

    from capture.layout_evidence import evidence, gap_columns_clear
    from capture.types import Box

    gray = np.full((120, 400), 30, np.uint8)
    row = [Box(10 + 96 * i, 20, 90, 50) for i in range(4)]  # 6 px gaps
    for b in row:
        gray[b.y:b.y + b.h, b.x:b.x + b.w] = 140
    assert gap_columns_clear(evidence(gray, 30.0), row) == 1.0
    gray[20:70, :] = 90  # a bar across the whole row, gaps included
    assert gap_columns_clear(evidence(gray, 30.0), row) == 0.0
    touching = [Box(10 + 91 * i, 20, 90, 50) for i in range(4)]  # 1 px gaps
    assert gap_columns_clear(evidence(gray, 30.0), touching) == 1.0


@pytest.mark.parametrize(("scene", "comp"), [
    (AppScene("teams", "dark", 1, (1920, 1080), 2.0, False, seed=317988640), "png"),  # 25
    (AppScene("meet", "light", 1, (1366, 768), 1.0, False, seed=718001234), "jpeg"),  # 13
    (AppScene("zoom", "light", 1, (2560, 1440), 2.0, False, seed=47231424), "h264"),  # 3
    (AppScene("teams", "dark", 1, (1920, 1080), 1.25, False, seed=217109670), "png"),  # 2
    (AppScene("teams", "light", 1, (1366, 768), 2.0, True, seed=514533318), "jpeg"),
    (AppScene("teams", "light", 1, (1366, 768), 1.5, True, seed=459797988), "jpeg"),  # 11
    (AppScene("zoom", "dark", 1, (1366, 768), 2.0, True, seed=447878108), "h264"),  # 4
], ids=["teams", "meet", "zoom", "label-off-to-one-side", "toolbar-words", "toolbar-row",
        "toolbar-row-h264"])
def test_a_lone_speakers_window_is_no_gallery(scene: AppScene, comp: str) -> None:
    """One participant in a window (speaker view, or before class): its chrome, toolbar and
    the desktop around it once fitted as a grid of 2-25 "tiles" (the counts above). Those
    show no name labels, or the real one off to one side, or toolbar words, and every app
    labels every tile at its bottom left (``layout_checks.labelled``); the no-grid fallback
    finds the person instead. The last two fitted one row of "tiles" on the toolbar, whose
    button captions passed for labels (``grid._one_row``)."""
    result = GridDetector().detect(compress(render_app(scene)[0], comp, 75))
    assert not result.is_gallery and result.tiles == (), len(result.tiles)


def test_four_tiles_in_one_row_are_no_gallery_view() -> None:
    """Gallery view puts 4+ tiles in two rows or more; 2-3 side by side, or rows of 4 over
    each other, are layouts the apps draw."""
    row = [Box(10 + 210 * i, 500, 200, 112) for i in range(4)]
    assert _one_row(row)
    assert not _one_row(row[:3])
    assert not _one_row(row[:2] + [Box(10, 620, 200, 112), Box(220, 620, 200, 112)])
    assert not _one_row(row + [Box(10 + 210 * i, 620, 200, 112) for i in range(4)])
