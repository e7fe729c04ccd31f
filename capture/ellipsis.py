"""Whether a name label ends in "…" (the app cut the name), from its glyph parts or, when
the dots are too faint to be parts, from its pixels.

Why two tests: at the apps' own size the three dots are three parts of the stroke mask, of
one size and evenly spaced (``dots``). On a shrunk or compressed screenshot a 1.5 px dot
blends into the label box: one or two of them fall under the mask's levels and the dots test
sees none, so "Marco R…" read as "Marco R" (bench_downscaled: 23 of 79 cut names lost their
"…"). ``faint_dots`` then looks at the brightness just after the last letter: three evenly
spaced bright runs at the baseline (or mid-height, CJK), nothing above (or around) them, no
letter after them.
"""

from __future__ import annotations

import numpy as np

FAINT_INK = 0.3  # x the letters' contrast: a faint dot reaches this
PEAK_RISE = 0.1  # x the letters' contrast: the dip between two blurred dots


def dots(comps: np.ndarray, line: np.ndarray, width: int = 1 << 30) -> np.ndarray:
    """Indices of the dots of an ellipsis right after ``line``'s letters (empty if none): 3
    small dots of one size in the line's lower half, evenly and closely spaced, near the last
    letter, and no letter after them. The line may have taken the first dots in already: a
    bold camera-off name sets "…" 2 px after its last letter ("Björn Åströ…" kept 2 of 3
    dots outside its line and lost its "…"). Two dots do when the third would touch the
    search region's right side (``width``): a small camera-off tile's centred name is found
    in the bottom-left region, which ends before the tile does. ``comps``: rows x, y, w, h,
    area."""
    x, y, bw, bh = comps[:, 0], comps[:, 1], comps[:, 2], comps[:, 3]
    none = np.zeros(0, np.int64)
    y0 = y[line].min()
    lh = (y[line] + bh[line]).max() - y0
    small = _dot_sized(comps, line)
    if small[line].all():
        return none
    x1 = letters_end(comps, line, small)
    cand = np.nonzero((x >= x1 - 1) & (x <= x1 + 1.6 * lh) & small)[0]
    cand = cand[np.argsort(x[cand])][:3]
    if len(cand) == 2 and 2 * x[cand[1]] - x[cand[0]] + bw[cand[1]] < width - 1:
        return none  # two dots with room for a third: not an ellipsis
    if len(cand) < 2 or x[cand[0]] - x1 > 0.4 * lh + 1:
        return none
    gaps = np.diff(x[cand]) - bw[cand[:-1]]
    if (gaps.max() > 0.35 * lh + 1 or gaps.max() - gaps.min() > 1
            or np.ptp(bw[cand]) > 1 or np.ptp(bh[cand]) > 1):
        return none
    end = x[cand[-1]] + bw[cand[-1]]
    # a letter after it, not a speck, nor video above the label (centred on the line)
    after = ((x > end) & (x <= end + 0.6 * lh) & (np.abs(y + bh / 2 - (y0 + lh / 2)) < 0.5 * lh)
             & (comps[:, 4] >= comps[cand, 4].min()))
    return none if after.any() else cand


def _dot_sized(comps: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Which parts could be an ellipsis's dot beside ``line``: small, on the baseline (Latin
    fonts) or at mid-height (CJK fonts centre "…" in the em box)."""
    y, bw, bh = comps[:, 1], comps[:, 2], comps[:, 3]
    y0 = y[line].min()
    lh = (y[line] + bh[line]).max() - y0
    return ((bw <= 0.3 * lh) & (bh <= 0.3 * lh) & (y + bh >= y0 + 0.45 * lh)
            & (y + bh <= y0 + 1.1 * lh))


def letters_end(comps: np.ndarray, line: np.ndarray, small: np.ndarray | None = None) -> int:
    """Right end of ``line``'s letters: dot-sized parts the line took in past them are left
    out (a shrunk "Ingrid Bjø…" kept its first dot as a part of the line and the other two
    only as faint pixels, which ``faint_dots`` must find counting from the letters).
    ``small``: ``_dot_sized``'s answer when the caller has it."""
    small = _dot_sized(comps, line) if small is None else small
    letters = line[~small[line]]
    part = letters if len(letters) else line
    return int((comps[part, 0] + comps[part, 2]).max())


def _runs(lit: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D mask."""
    edges = np.diff(np.concatenate(([0], lit.astype(np.int8), [0])))
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(),
                    strict=True))


def faint_dots(white: np.ndarray, box: tuple[int, int, int, int], ink: float) -> bool:
    """Whether three faint dots follow a text line. ``white``: the whiteness image, ``box``:
    the line's letters (x0, y0, x1, y1), ``ink``: the letters' whiteness (their bright
    strokes). The dots sit on the baseline (Latin fonts) or at mid-height (CJK fonts centre
    "…": a shrunk Korean "박서준(20…" lost its dots to the mask as Latin names did)."""
    x0, y0, x1, y1 = box
    lh = y1 - y0
    w = int(1.6 * lh) + 3
    band = white[y0:y1 + 1, x1:min(white.shape[1], x1 + w)].astype(np.float32)
    if lh < 5 or band.shape[1] < 0.8 * lh:
        return False
    bg = float(np.median(band))
    level = bg + FAINT_INK * max(40.0, ink - bg)
    lit = band >= level
    rows = lambda r0, r1=None: lit[r0:r1].any(axis=0)  # noqa: E731 (columns lit in rows r0:r1)
    rise = PEAK_RISE * max(40.0, ink - bg)
    for (r0, r1), clear in (((int(0.55 * lh), None), rows(0, int(0.4 * lh))),
                            ((int(0.3 * lh), int(0.7 * lh) + 1),
                             rows(0, int(0.2 * lh) + 1) | rows(int(0.85 * lh)))):
        if (_three_dots(rows(r0, r1), clear, lh)
                or _three_peaks(band[r0:r1].max(axis=0), level, rise, clear, lh)):
            return True
    return False


def _peaks(profile: np.ndarray, level: float, rise: float) -> list[int]:
    """Columns of ``profile`` that are local maxima of at least ``level``, each with a dip
    at least ``rise`` below it since the previous one (or since column 0: the letter)."""
    out: list[int] = []
    low = float(profile[0])
    for i in range(1, len(profile) - 1):
        v = float(profile[i])
        if v >= level and v >= profile[i - 1] and v > profile[i + 1] and low <= v - rise:
            out.append(i)
            low = v
        low = min(low, v)
    return out


def _three_peaks(profile: np.ndarray, level: float, rise: float, clear: np.ndarray,
                 lh: int) -> bool:
    """Three evenly spaced brightness peaks close after the last letter, nothing lit in
    ``clear`` over their span, no fourth peak (a letter) right after them. Why, beside
    ``_three_dots``: blur at 0.6x joins two lit dots into one run, or the first dot into the
    last letter's edge (Teams' "Ahmed Ha…", "Liam O'Bri…"), while the dips between the dots
    still show."""
    pk = _peaks(profile, level, rise)
    # the first dot's centre close after the letter, the dots a third of the line height
    # apart: video past the label box's end has peaks too, further out or closer together
    # (as drawn, Teams' "Ravi Patel", "Noor Khan", "Kenji Tanaka" read with a "…")
    if len(pk) < 3 or pk[0] > 0.45 * lh + 1:
        return False
    d1, d2 = pk[1] - pk[0], pk[2] - pk[1]
    if abs(d1 - d2) > 1 or max(d1, d2) > 0.5 * lh + 1 or min(d1, d2) < max(2.0, 0.15 * lh):
        return False
    if clear[max(0, pk[0] - 1):pk[2] + 2].any():
        return False
    # each peak narrow, as a dot is: letters ("iss") are plateaus as wide as a letter
    reach = int(0.15 * lh) + 1
    for i in pk[:3]:
        v = profile[i] - rise
        left, right = profile[max(0, i - reach):i], profile[i + 1:i + reach + 1]
        if not ((left <= v).any() and (right <= v).any()):
            return False
    # the last dot ends: brightness drops under ``level`` just after it (bright video behind a
    # box-less Meet name has dips too, but runs on: "Camille Roux" read "Camille Roux…")
    if not (profile[pk[2] + 1:pk[2] + int(0.2 * lh) + 2] < level).any():
        return False
    return not (len(pk) > 3 and pk[3] <= pk[2] + 0.6 * lh + 2)


def _three_dots(row: np.ndarray, clear: np.ndarray, lh: int) -> bool:
    """Three evenly spaced small runs in ``row`` (columns lit in the dots' rows) close after
    the last letter, with nothing lit in ``clear`` (the rows above or around them) over
    their span, and no letter right after them (``row`` ends 1.6 line heights past the
    last letter: what runs on to its end is video beyond a label box, as in "Eva Horv…")."""
    runs = [r for r in _runs(row) if r[0] > 0]  # not the last letter's blurred edge
    if len(runs) < 3 or runs[0][0] > 0.4 * lh + 1:
        return False
    first = runs[:3]
    widths = [b - a for a, b in first]
    gaps = [first[i + 1][0] - first[i][1] for i in range(2)]
    end = first[2][1]
    # the dots are one size: "iss" after a line that lost it, or "ark", has an "i" or a stem
    # beside wider letters ("Zsófia K…" as drawn)
    if (max(widths) > 0.3 * lh + 1 or max(widths) - min(widths) > 2 or max(gaps) > 0.4 * lh + 1
            or abs(gaps[0] - gaps[1]) > 1 or clear[first[0][0]:end].any()):
        return False
    # a letter after them; not bright video past the label box's end (it runs off the band)
    return not (len(runs) > 3 and runs[3][0] <= end + 0.6 * lh and runs[3][1] < len(row))
