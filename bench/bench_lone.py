"""bench/lone: one participant on screen (speaker view, or the minutes before class), which is
no gallery, and the small galleries of 2-5 beside it.

Why: ``bench_capture`` and ``bench_downscaled`` draw 2-49 tiles, so they never ask whether a
lone speaker's window, its chrome and the desktop around it pass for a grid. They did: 17 of
48 such screens gave galleries of 2-27 "tiles" (fake participants in the report). A lone
window must give "no grid", and the no-grid fallback (classpulse.fallback) must still find
the person when the camera shows a face.

    .venv/bin/python -m bench.bench_lone --frames 48 --seed 7
"""

from __future__ import annotations

import argparse

import numpy as np

from capture.grid import GridDetector
from capture.render_apps import APP_STYLES, AppScene, compress, render_app
from classpulse.fallback import NoGridFallback

SCREENS = ((1920, 1080), (1366, 768), (2560, 1440))


def scenes(n_frames: int, seed: int, lo: int, hi: int) -> list[tuple[AppScene, str]]:
    """Seeded screens of ``lo``..``hi`` tiles: every style x theme x compression, scalings
    100-200 %, maximised or not, page arrows."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_frames):
        n = int(rng.integers(lo, hi + 1))
        scene = AppScene(APP_STYLES[i % 3], ("dark", "light")[(i // 3) % 2], n,
                         SCREENS[int(rng.integers(0, 3))],
                         float(rng.choice([1.0, 1.25, 1.5, 2.0])), bool(rng.random() < 0.6),
                         pages=bool(rng.random() < 0.3), seed=int(rng.integers(0, 1 << 30)))
        out.append((scene, ("png", "jpeg", "h264")[(i // 6) % 3]))
    return out


def score(n_frames: int, seed: int) -> dict:
    acc = {"lone": 0, "lone_gallery": 0, "lone_face": 0, "lone_face_found": 0,
           "small": 0, "small_exact": 0}
    fallback = NoGridFallback()
    for scene, comp in scenes(n_frames, seed, 1, 1):
        image, truth = render_app(scene)
        image = compress(image, comp, 75)
        grid = GridDetector().detect(image)
        acc["lone"] += 1
        acc["lone_gallery"] += grid.is_gallery
        if truth.tiles[0].face is not None:
            acc["lone_face"] += 1
            acc["lone_face_found"] += not grid.is_gallery and bool(fallback.apply(image, grid).tiles)
    for scene, comp in scenes(n_frames, seed, 2, 5):
        image, truth = render_app(scene)
        grid = GridDetector().detect(compress(image, comp, 75))
        acc["small"] += 1
        acc["small_exact"] += len(grid.tiles) == len(truth.tiles) and all(
            a.box.iou(b.box) >= 0.9 for a, b in zip(grid.tiles, truth.tiles, strict=True))
    return acc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    acc = score(a.frames, a.seed)
    print(f"lone speaker screens taken for a gallery {acc['lone_gallery']}/{acc['lone']} "
          f"(target 0); those showing a face in a no-grid fallback tile "
          f"{acc['lone_face_found']}/{acc['lone_face']}")
    print(f"galleries of 2-5 tiles exact (IoU>=0.9) {acc['small_exact']}/{acc['small']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
