"""bench/fallback: people on screen when no tile grid is found (classpulse.fallback).

Why: a layout the grid detector does not know (speaker view, a custom layout, a screen it
misreads) goes through the fallback, which cuts a pseudo-tile around each face found on the
whole frame. Those tiles then take the normal path: names from each tile's bottom-left label,
faces per tile. This bench takes the realistic screens of ``bench_capture --app-only``,
pretends no grid was found on any of them, and counts what the fallback still gets:

- whole-frame faces found, and how many of them end up inside a pseudo-tile;
- true faces (the renderer's) whose pseudo-tile's own face detection finds them;
- true names read exactly on some pseudo-tile (distinct names of face tiles).

    .venv/bin/python -m bench.bench_fallback --frames 30
"""

from __future__ import annotations

import argparse
import os

from bench.bench_capture import app_scenes
from capture.name_text import normalize_name
from capture.names import NameReader
from capture.render_apps import render_app
from capture.types import Box, GridResult
from classpulse.fallback import NoGridFallback
from inference.face import FaceDetector


def _holds(tile: Box, x: float, y: float) -> bool:
    return tile.x <= x < tile.x + tile.w and tile.y <= y < tile.y + tile.h


def score(n_frames: int, seed: int = 11) -> dict:
    fb, det = NoGridFallback(), FaceDetector("blazeface")
    acc = {"frames": 0, "found": 0, "in_tile": 0, "faces": 0, "faces_ok": 0, "names": 0,
           "names_ok": 0}
    for scene, _ in app_scenes(n_frames, seed, "latin"):
        image, truth = render_app(scene)
        found = fb.faces(image)
        grid = fb.gallery(image, GridResult(0, reason="no gallery: bench forces it"), found)
        tiles = list(grid.tiles) if grid.is_gallery else []
        acc["frames"] += 1
        acc["found"] += len(found)
        acc["in_tile"] += sum(any(_holds(t.box, f.x + f.w / 2, f.y + f.h / 2) for t in tiles)
                              for f in found)
        boxes = det.detect_batch([t.image for t in tiles]) if tiles else []
        hits = [(t.box.x + b.x + b.w / 2, t.box.y + b.y + b.h / 2)
                for t, b in zip(tiles, boxes, strict=True) if b is not None]
        faces = [(w.box.x + w.face[0], w.box.y + w.face[1], w.face[2]) for w in truth.tiles
                 if w.face is not None]
        acc["faces"] += len(faces)
        acc["faces_ok"] += sum(any(fx <= x < fx + s and fy <= y < fy + s for x, y in hits)
                               for fx, fy, s in faces)
        read = {normalize_name(n) for n in NameReader().read_tiles(tiles)} if tiles else set()
        names = {normalize_name(w.shown) for w in truth.tiles if w.shown and w.face is not None}
        acc["names"] += len(names)
        acc["names_ok"] += len(names & read)
    return acc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    acc = score(a.frames, a.seed)
    pct = lambda x, y: f"{100.0 * x / max(1, y):.1f}%"  # noqa: E731
    print(f"fallback on {acc['frames']} realistic screens, grid forced off:")
    print(f"  whole-frame faces {acc['found']}, inside a pseudo-tile {acc['in_tile']} = "
          f"{pct(acc['in_tile'], acc['found'])}")
    print(f"  true faces found through their pseudo-tile {acc['faces_ok']}/{acc['faces']} = "
          f"{pct(acc['faces_ok'], acc['faces'])}")
    print(f"  names of face tiles read exactly {acc['names_ok']}/{acc['names']} = "
          f"{pct(acc['names_ok'], acc['names'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
