"""bench/downscaled: realistic screens shrunk the way shared screenshots are, scored the way the
real-screenshot bar is (tiles matched at IoU >= 0.7, with precision; faces; camera-off).

Why: every other capture number comes from screens our renderer draws pixel-exact. Real
screenshots are often resized (a 2560 px capture shown at 1600 px, a web page's copy): 2 px
gutters become 1 px and blend into the tiles, edges go soft. This bench takes the same scenes as
``bench_capture --app-only`` (capture.render_apps), shrinks each by a random factor
(``--min-f``..``--max-f``, area averaging), then compresses it as PNG/JPEG/H.264. The same
screens unscaled are scored first, for comparison (``--min-f 1 --max-f 1``: those alone).

    .venv/bin/python -m bench.bench_downscaled --frames 60
    .venv/bin/python -m bench.bench_downscaled --script hangul --lang kor+eng  # a Korean class

``--script`` draws the class's names in another script (capture.synth_scripts; 15 % plain
Latin names mixed in), read with ``--lang`` as a teacher would set it.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench.bench_capture import app_scenes
from capture.grid import GridDetector
from capture.name_text import normalize_name
from capture.names import NameReader
from capture.render_apps import compress, downscale, render_app
from capture.synth_scripts import SCRIPTS
from inference.face import FaceDetector

MATCH_IOU = 0.7  # the real-screenshot bar's tile match


def score(n_frames: int, min_f: float, max_f: float, seed: int = 11, script: str = "latin",
          lang: str | None = None) -> dict:
    """Counts over ``n_frames`` scenes: frames exact, tiles matched/true/found, faces, names."""
    rng = np.random.default_rng(seed + 1000)
    det = FaceDetector("blazeface")
    acc = {"frames": 0, "exact": 0, "true": 0, "found": 0, "matched": 0, "precise": 0,
           "face_tiles": 0, "face_found": 0, "off_tiles": 0, "off_face": 0, "labels": 0,
           "names_ok": 0, "bad": [], "misread": []}
    for scene, comp in app_scenes(n_frames, seed, script):
        f = float(rng.uniform(min_f, max_f))
        image, truth = render_app(scene)
        image, truth = downscale(image, truth, f)
        image = compress(image, comp, 75)
        grid = NameReader(lang).read(GridDetector().detect(image))
        found = list(grid.tiles) if grid.is_gallery else []
        want = [t.box for t in truth.tiles]
        acc["frames"] += 1
        acc["true"] += len(want)
        acc["found"] += len(found)
        acc["matched"] += sum(any(w.iou(t.box) >= MATCH_IOU for t in found) for w in want)
        acc["precise"] += sum(any(w.iou(t.box) >= MATCH_IOU for w in want) for t in found)
        exact = len(found) == len(want) and all(
            a.box.iou(b) >= 0.9 for a, b in zip(found, want, strict=True))
        acc["exact"] += exact
        if not exact:
            acc["bad"].append(f"{scene.style}/{scene.theme} n={scene.n} {scene.screen} "
                              f"x{scene.scale} {'max' if scene.maximised else 'window'} {comp} "
                              f"f={f:.2f}: found {len(found)} {grid.reason}")
        matched = [_match(want, found) for want in truth.tiles]
        _faces(det, found, matched, truth, acc)
        _names(matched, truth, acc)
    return acc


def _match(want, found: list):
    """The found tile that matches a true one (IoU >= MATCH_IOU), or None."""
    tile = max(found, key=lambda t: want.box.iou(t.box), default=None)
    return tile if tile is not None and want.box.iou(tile.box) >= MATCH_IOU else None


def _names(matched: list, truth, acc: dict) -> None:
    """Names read exactly, over every true tile that shows a label (a missed tile reads none)."""
    for want, tile in zip(truth.tiles, matched, strict=True):
        if not want.shown:
            continue
        read = tile.name if tile is not None else ""
        acc["labels"] += 1
        ok = normalize_name(read) == normalize_name(want.shown)
        acc["names_ok"] += ok
        if not ok:
            acc["misread"].append(f"{want.shown!r} ({want.name_px} px) -> {read!r}")


def _faces(det: FaceDetector, found: list, matched: list, truth, acc: dict) -> None:
    """Faces per true tile, through the tile that matches it (a missed tile finds none)."""
    on = [t for t in found if t.camera_on]
    boxes = det.detect_batch([t.image for t in on]) if on else []
    seen = {t.order: b for t, b in zip(on, boxes, strict=True)}
    for want, tile in zip(truth.tiles, matched, strict=True):
        hit = tile is not None and seen.get(tile.order) is not None
        if want.face is not None:
            acc["face_tiles"] += 1
            acc["face_found"] += hit
        elif want.kind == "off":
            acc["off_tiles"] += 1
            acc["off_face"] += hit


def report(acc: dict, min_f: float, max_f: float) -> None:
    pct = lambda a, b: f"{100.0 * a / max(1, b):.1f}%"  # noqa: E731
    print(f"downscaled screens x{min_f:.2f}..{max_f:.2f}: frames exact (IoU>=0.9) "
          f"{acc['exact']}/{acc['frames']} = {pct(acc['exact'], acc['frames'])}")
    print(f"  tiles matched (IoU>={MATCH_IOU}) {acc['matched']}/{acc['true']} = "
          f"{pct(acc['matched'], acc['true'])}, precision {acc['precise']}/{acc['found']} = "
          f"{pct(acc['precise'], acc['found'])}")
    print(f"  face found in face tiles {acc['face_found']}/{acc['face_tiles']} = "
          f"{pct(acc['face_found'], acc['face_tiles'])}; faces in camera-off tiles "
          f"{acc['off_face']}/{acc['off_tiles']}")
    print(f"  names exact {acc['names_ok']}/{acc['labels']} = "
          f"{pct(acc['names_ok'], acc['labels'])} of the labels shown")
    for b in acc["bad"][:12]:
        print("  missed:", b)
    for m in acc["misread"][:12]:
        print("  misread:", m)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--min-f", type=float, default=0.55)
    ap.add_argument("--max-f", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--script", default="latin", choices=sorted(SCRIPTS))
    ap.add_argument("--lang", default=None, help="tesseract codes (default: the script's)")
    a = ap.parse_args(argv)
    lang = a.lang or (None if a.script == "latin" else SCRIPTS[a.script].lang + "+eng")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if (a.min_f, a.max_f) != (1.0, 1.0):  # the same scenes unscaled first, for comparison
        report(score(a.frames, 1.0, 1.0, a.seed, a.script, lang), 1.0, 1.0)
    report(score(a.frames, a.min_f, a.max_f, a.seed, a.script, lang), a.min_f, a.max_f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
