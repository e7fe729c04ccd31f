"""Whether a fitted layout's tiles show name labels where the apps draw them: evidence that
a grid is a gallery (capture.grid's last check on a fitted layout).

Why apart from ``capture.label_find``: it judges boxes of a whole frame, not one tile's label.
"""

from __future__ import annotations

import numpy as np

from capture.label_find import find_label
from capture.types import Box

LABEL_SAMPLE = 12  # tiles of a fitted layout looked at for labels (labelled)
LABEL_LEFT = 0.35  # a name starts in the left third of its label region (a mic icon before it)
LABEL_PLACED = 80  # px: tiles at least this tall must show it there; in smaller ones a 200 %
#                    label fills the tile and only parts of it are found, anywhere


def labelled(image: np.ndarray, boxes: list[Box]) -> float:
    """Share of the tiles (up to LABEL_SAMPLE, spread over the grid) that show a name label:
    at the bottom starting in the left third (LABEL_LEFT), or centred on a camera-off card.
    Every app labels every tile so; a "grid" fitted on a lone speaker's window, its chrome
    and the desktop around it shows toolbar words or the real label off to one side in a few
    of its "tiles" at most. Single-tile screens (2 seeds x 48) taken for galleries of 2-27
    tiles: 17 / 14 without this check, 9 / 7 with any label, 6 / 6 with the left third in
    tiles LABEL_PLACED tall. A true layout on bench_downscaled's screens shows labels in 0.67
    or more of its tiles; 95 / 99 % of true labels start within 0.25 / 0.37 of the region
    (shrunk screens)."""
    pick = np.unique(np.linspace(0, len(boxes) - 1, min(LABEL_SAMPLE, len(boxes))).astype(int))
    crops = [find_label(image[b.y:b.y + b.h, b.x:b.x + b.w]) for b in (boxes[i] for i in pick)]
    seen = [c is not None and (c.where == "centre" or c.left <= LABEL_LEFT
                               or boxes[i].h < LABEL_PLACED)
            for i, c in zip(pick, crops, strict=True)]
    return sum(seen) / max(1, len(seen))
