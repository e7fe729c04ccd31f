"""bench/capture: gallery tiles, names, faces and per-frame speed, on generated galleries.

One run measures the issue's targets against the synthetic truth:
  * tiles exact (IoU >= 0.9, right count) on every frame: 2/9/25/49 participants x zoom/meet/teams
    x 1366x768 (2 px gutters) / 1920x1080 (style's own) / 2560x1440 (12 px), several frames
    each with joins, leaves and reorders;
  * names read exactly, for labels >= 14 px and overall;
  * faces found in camera-on tiles and reported in camera-off tiles, BlazeFace vs Haar (the
    detector is chosen by these numbers), plus how well the FER crop frames the pasted face;
  * ms per 49-tile 1080p frame: screen grab (mss on an Xvfb showing the gallery in a Tk window,
    when Xvfb is available) -> tiles -> names (cached) -> face crops, side by side with the
    earlier projects' way, a Haar cascade over the whole frame, and the ratio.

    .venv/bin/python -m bench.bench_capture --out bench/out/capture.json
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from capture.grid import GridDetector
from capture.names import NameReader
from capture.render_apps import APP_STYLES, AppScene, compress, render_app
from capture.sources import ScreenSource
from capture.synthetic import SyntheticGallerySource, fer_available
from capture.types import Box
from inference.face import FaceDetector
from inference.face_crop import crop_for_fer, fer_square
from inference.face_reuse import FaceReuse

STYLES = ("zoom", "meet", "teams")
COUNTS = (2, 9, 25, 49)
SIZES = ((1366, 768), (1920, 1080), (2560, 1440))
GUTTERS = (2, None, 12)  # per size: the thinnest, the style's own, the widest gutter
TK_SHOW = (
    "import sys, tkinter as tk\nroot = tk.Tk()\nroot.overrideredirect(True)\n"
    "img = tk.PhotoImage(data=sys.stdin.readline().strip())\nroot.geometry(f'{img.width()}x{img.height()}+0+0')\n"
    "tk.Label(root, image=img, borderwidth=0, highlightthickness=0).pack()\nroot.update()\n"
    "print('ready', flush=True)\nsys.stdin.readline()\n")


def _crop(image: np.ndarray, b: Box) -> np.ndarray:
    return image[b.y:b.y + b.h, b.x:b.x + b.w]


def accuracy(frames_per_config: int) -> dict:
    """Tiles, names and faces against the truth over the whole matrix."""
    det_b, det_h = FaceDetector("blazeface"), FaceDetector("haar")
    acc = {"frames": 0, "frames_exact": 0, "names": 0, "names_ok": 0, "names14": 0,
           "names14_ok": 0, "bad": [], "misread": []}
    faces = {b: {"on": 0, "found": 0, "off": 0, "fp": 0, "pipeline_fp": 0, "ms": 0.0,
                 "frame_iou": []} for b in ("blazeface", "haar")}
    reader = NameReader()
    for style in STYLES:
        for n in COUNTS:
            for size, gutter in zip(SIZES, GUTTERS, strict=True):
                src = SyntheticGallerySource(n, style, size, seed=n * 7 + len(style),
                                             event_every=2, gutter=gutter)
                grid_det = GridDetector()
                for i in range(frames_per_config):
                    image, truth = src.render(i)
                    grid = grid_det.detect(image, index=i)
                    ok = grid.is_gallery and len(grid.tiles) == len(truth.tiles) and all(
                        a.box.iou(b.box) >= 0.9 for a, b in zip(grid.tiles, truth.tiles,
                                                                  strict=True))
                    acc["frames"] += 1
                    acc["frames_exact"] += ok
                    if not ok:
                        acc["bad"].append(f"{style} n={n} {size} frame {i}: {grid.reason}")
                        continue
                    if i == 0:
                        _names(reader, grid, truth, acc)
                        _faces({"blazeface": det_b, "haar": det_h}, image, grid, truth, faces)
    return {"tiles": acc, "faces": faces}


def app_scenes(n_frames: int, seed: int = 11, script: str = "latin"
               ) -> list[tuple[AppScene, str]]:
    """A seeded spread of realistic screens: every style x theme x compression, scalings
    100-200 %, 2-49 tiles, maximised or not, page arrows, three screen sizes; names in
    ``script`` (the same scenes whatever the script)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_frames):
        style = APP_STYLES[i % 3]
        theme = ("dark", "light")[(i // 3) % 2]
        comp = ("png", "jpeg", "h264")[(i // 6) % 3]
        screen = ((1920, 1080), (1366, 768), (2560, 1440))[int(rng.integers(0, 3))]
        scene = AppScene(style, theme, int(rng.choice([2, 4, 6, 9, 12, 16, 20, 25, 36, 49])),
                         screen, float(rng.choice([1.0, 1.25, 1.5, 2.0])),
                         bool(rng.random() < 0.6), pages=bool(rng.random() < 0.3),
                         seed=int(rng.integers(0, 1 << 30)), script=script)
        out.append((scene, comp))
    return out


def realistic(n_frames: int) -> dict:
    """Tiles exact per frame and faces per tile on render_apps screens (see app_scenes)."""
    det = FaceDetector("blazeface")
    acc = {"frames": 0, "exact": 0, "bad": [], "face_tiles": 0, "face_found": 0,
           "off_tiles": 0, "off_face": 0, "speaker_ok": 0, "speaker_n": 0, "ms": []}
    for scene, comp in app_scenes(n_frames):
        image, truth = render_app(scene)
        image = compress(image, comp, 75)
        t0 = time.perf_counter()
        grid = GridDetector().detect(image)
        acc["ms"].append((time.perf_counter() - t0) * 1e3)
        acc["frames"] += 1
        ok = grid.is_gallery and len(grid.tiles) == len(truth.tiles) and all(
            a.box.iou(b.box) >= 0.9 for a, b in zip(grid.tiles, truth.tiles, strict=True))
        acc["exact"] += ok
        if not ok:
            acc["bad"].append(f"{scene.style}/{scene.theme} n={scene.n} {scene.screen} "
                              f"x{scene.scale} {'max' if scene.maximised else 'window'} {comp}: "
                              f"found {len(grid.tiles)} {grid.reason}")
            continue
        on = [t for t in grid.tiles if t.camera_on]
        boxes = dict(zip([t.order for t in on], det.detect_batch([t.image for t in on]),
                         strict=True))
        for tile, want in zip(grid.tiles, truth.tiles, strict=True):
            acc["speaker_n"] += 1
            acc["speaker_ok"] += tile.is_speaker == want.is_speaker
            if want.face is not None:  # a visible face (pillarboxed phones included)
                acc["face_tiles"] += 1
                acc["face_found"] += boxes.get(tile.order) is not None
            elif want.kind == "off":
                acc["off_tiles"] += 1
                acc["off_face"] += boxes.get(tile.order) is not None
    return acc


def speed_app(n_frames: int) -> dict:
    """Median ms per realistic 49-tile 1080p Zoom frame, grid -> names -> faces + crops, with
    fresh sensor noise every frame (the cached layout must survive it). Two pipelines, their
    frames interleaved so that both see the same machine load: as users run it (FaceReuse:
    unchanged tiles keep their box, 1/8 of tiles refreshed per frame) and with every tile
    detected every frame. The scene is static apart from noise, so reuse's gain here is an
    upper bound: in a class with moving people more tiles are re-detected."""
    image, _ = render_app(AppScene("zoom", "dark", 49, (1920, 1080), seed=3))
    rng = np.random.default_rng(0)
    frames = [np.clip(image.astype(np.int16) + rng.normal(0, 2, image.shape).astype(np.int16),
                      0, 255).astype(np.uint8) for _ in range(4)]
    runs = {"reuse": (GridDetector(), NameReader(), FaceReuse(FaceDetector("blazeface"))),
            "full": (GridDetector(), NameReader(), FaceDetector("blazeface"))}
    laps = {r: {k: [] for k in ("grid", "names", "faces", "total", "cpu")} for r in runs}
    for i in range(n_frames + 2):
        for r, (grid, reader, faces) in runs.items():
            c0, t0 = time.process_time(), time.perf_counter()
            result = grid.detect(frames[i % 4], index=i)
            t1 = time.perf_counter()
            result = reader.read(result)
            t2 = time.perf_counter()
            on = [t for t in result.tiles if t.camera_on]
            keys = [(t.box.x, t.box.y, t.box.w, t.box.h) for t in on]
            boxes = (faces.detect_batch([t.image for t in on], keys=keys) if r == "reuse"
                     else faces.detect_batch([t.image for t in on]))
            _ = [crop_for_fer(t.image, b) for t, b in zip(on, boxes, strict=True) if b]
            t3 = time.perf_counter()
            if i >= 2:
                for k, v in zip(laps[r], (t1 - t0, t2 - t1, t3 - t2, t3 - t0,
                                          time.process_time() - c0), strict=True):
                    laps[r][k].append(v * 1e3)
    med = {r: {k: statistics.median(v) for k, v in lap.items()} for r, lap in laps.items()}
    reuse = runs["reuse"][2]
    return {"median_ms": med["reuse"]["total"], "stages_ms": med["reuse"],
            "full_median_ms": med["full"]["total"], "full_stages_ms": med["full"],
            "tiles": len(result.tiles), "full_detections": runs["reuse"][0].full_detections,
            "faces_detected": reuse.detected, "faces_reused": reuse.reused}


def _names(reader: NameReader, grid, truth, acc: dict) -> None:
    for tile, want in zip(reader.read(grid).tiles, truth.tiles, strict=True):
        ok = tile.name == want.name
        acc["names"] += 1
        acc["names_ok"] += ok
        if want.name_px >= 14:
            acc["names14"] += 1
            acc["names14_ok"] += ok
        if not ok:
            acc["misread"].append(f"{want.name!r}->{tile.name!r} ({want.name_px}px)")


def _faces(dets: dict, image: np.ndarray, grid, truth, faces: dict) -> None:
    tiles = [_crop(image, t.box) for t in truth.tiles]
    for name, det in dets.items():
        t0 = time.perf_counter()
        found = det.detect_batch(tiles)
        f = faces[name]
        f["ms"] += (time.perf_counter() - t0) * 1e3
        for box, want, seen in zip(found, truth.tiles, grid.tiles, strict=True):
            if want.camera_on:
                f["on"] += 1
                f["found"] += box is not None
                if box is not None and want.head_box is not None:
                    x, y, s = fer_square(box, name)
                    hx, hy, hs, _ = want.head_box
                    f["frame_iou"].append(Box(x, y, s, s).iou(Box(hx, hy, hs, hs)))
            else:
                f["off"] += 1
                f["fp"] += box is not None
                # the pipeline only looks for faces where capture says the camera is on
                f["pipeline_fp"] += box is not None and seen.camera_on


class _Screen:
    """Xvfb + a Tk window showing ``image`` at (0, 0); grab() returns mss frames of it."""

    def __init__(self, image: np.ndarray, tmp: Path) -> None:
        self.procs: list[subprocess.Popen] = []
        r, w = os.pipe()
        h, wd = image.shape[:2]
        self.procs.append(subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{wd}x{h}x24", "-nolisten", "tcp"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        os.close(w)
        buf, deadline = b"", time.monotonic() + 20
        while not buf.endswith(b"\n") and time.monotonic() < deadline:
            chunk = os.read(r, 16)  # Xvfb writes the display number once it is ready
            if not chunk:
                break
            buf += chunk
        os.close(r)
        if not buf.strip():
            raise RuntimeError("Xvfb did not report a display number")
        display = f":{int(buf.strip())}"
        env = {**os.environ, "DISPLAY": display}
        tk = subprocess.Popen([sys.executable, "-c", TK_SHOW], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs.append(tk)
        # the frame goes to Tk through a pipe (base64 PNG), never through a file
        tk.stdin.write(base64.b64encode(cv2.imencode(".png", image)[1].tobytes()).decode() + "\n")
        tk.stdin.flush()
        if tk.stdout.readline().strip() != "ready":
            raise RuntimeError("Tk window did not come up")
        os.environ["DISPLAY"] = display
        self.source = ScreenSource(monitor=1, fps=0)

    def grab(self) -> np.ndarray:
        return self.source.grab().image

    def close(self) -> None:
        self.source.close()
        for p in reversed(self.procs):
            if p.stdin:
                p.stdin.close()
            p.terminate()
            p.wait(timeout=10)


def speed(n_frames: int, baseline_frames: int) -> dict:
    """Median ms per 49-tile 1080p frame: ours vs Haar over the whole frame."""
    src = SyntheticGallerySource(49, "zoom", (1920, 1080), seed=3, events=False)
    frames = [src.render(i)[0] for i in range(4)]
    screen = None
    tmp = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    if shutil.which("Xvfb"):
        try:
            screen = _Screen(frames[0], tmp)
        except Exception as exc:  # no Tk or no X: time without the grab, and say so
            print(f"(screen grab not measured: {exc})", file=sys.stderr)
    grid, reader, faces = GridDetector(), NameReader(), FaceDetector("blazeface")
    laps: dict[str, list[float]] = {k: [] for k in ("grab", "grid", "names", "faces", "total")}
    cpu: list[float] = []
    try:
        for i in range(n_frames + 2):  # the first two frames fill the caches (OCR, layout)
            c0, t0 = time.process_time(), time.perf_counter()
            image = screen.grab() if screen else frames[i % len(frames)]
            t1 = time.perf_counter()
            result = grid.detect(image, index=i)
            t2 = time.perf_counter()
            result = reader.read(result)
            t3 = time.perf_counter()
            on = [t for t in result.tiles if t.camera_on]
            boxes = faces.detect_batch([t.image for t in on])
            crops = [crop_for_fer(t.image, b) for t, b in zip(on, boxes, strict=True) if b]
            t4 = time.perf_counter()
            if i >= 2:
                cpu.append((time.process_time() - c0) * 1e3)
                for k, v in zip(laps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
                    laps[k].append(v * 1e3)
        assert len(result.tiles) == 49 and crops
    finally:
        if screen:
            screen.close()
        shutil.rmtree(tmp, ignore_errors=True)
    haar = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades,
                                              "haarcascade_frontalface_default.xml"))
    base = []
    for i in range(baseline_frames):
        t0 = time.perf_counter()
        grey = cv2.cvtColor(frames[i % len(frames)], cv2.COLOR_BGR2GRAY)
        found = haar.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(30, 30))
        _ = [cv2.resize(grey[y:y + h, x:x + w], (48, 48)) for x, y, w, h in found]
        base.append((time.perf_counter() - t0) * 1e3)
    med = {k: statistics.median(v) for k, v in laps.items()}
    return {"ours_ms": med, "ours_cpu_ms": statistics.median(cpu), "ours_p90_total_ms": float(np.percentile(laps["total"], 90)),
            "screen_grab": screen is not None, "haar_whole_frame_ms": statistics.median(base),
            "haar_whole_frame_faces": int(len(found)),
            "ratio": statistics.median(base) / med["total"], "frames": n_frames}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames-per-config", type=int, default=4)
    ap.add_argument("--speed-frames", type=int, default=30)
    ap.add_argument("--baseline-frames", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--speed-only", action="store_true", help="skip the accuracy matrix")
    ap.add_argument("--app-frames", type=int, default=60,
                    help="realistic Zoom/Meet/Teams screens (render_apps) to score")
    ap.add_argument("--app-only", action="store_true",
                    help="only the realistic screens and their 49-tile timing")
    a = ap.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    t0 = time.time()
    app = realistic(a.app_frames)
    app_speed = speed_app(a.speed_frames)
    report_app(app, app_speed)
    if a.app_only:
        return 0 if _app_ok(app, app_speed) else 1
    spd = speed(a.speed_frames, a.baseline_frames)
    if a.speed_only:
        report_speed(spd, time.time() - t0)
        return 0 if spd["ours_ms"]["total"] <= 100 else 1
    acc = accuracy(a.frames_per_config)
    report(acc, spd, time.time() - t0)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps({"accuracy": acc, "speed": spd, "app": app,
                                     "app_speed": app_speed,
                                     "fer_faces": fer_available()}, indent=1, default=float))
    tiles = acc["tiles"]
    ok = (tiles["frames_exact"] == tiles["frames"] and spd["ours_ms"]["total"] <= 100
          and tiles["names14_ok"] >= 0.95 * tiles["names14"] and _app_ok(app, app_speed))
    return 0 if ok else 1


def _app_ok(app: dict, spd: dict) -> bool:
    return (app["exact"] >= 0.99 * app["frames"] and spd["median_ms"] <= 100
            and app["face_found"] >= 0.95 * app["face_tiles"] and app["off_face"] == 0)


def report_app(app: dict, spd: dict) -> None:
    pct = lambda a, b: f"{100.0 * a / max(1, b):.1f}%"  # noqa: E731
    print(f"realistic screens (render_apps): tiles exact (IoU>=0.9) {app['exact']}/"
          f"{app['frames']} frames = {pct(app['exact'], app['frames'])} (target 99%); full "
          f"detection median {statistics.median(app['ms']) if app['ms'] else float('nan'):.0f} ms")
    for b in app["bad"][:8]:
        print("  missed:", b)
    print(f"  face found in face tiles {app['face_found']}/{app['face_tiles']} = "
          f"{pct(app['face_found'], app['face_tiles'])} (target 95%); faces in camera-off "
          f"tiles {app['off_face']}/{app['off_tiles']} (target 0); speaker flag right "
          f"{pct(app['speaker_ok'], app['speaker_n'])} of tiles (exact frames only)")
    print(f"  49-tile 1080p realistic Zoom frame, grid+names+faces: median "
          f"{spd['median_ms']:.1f} ms (target <= 100; grid {spd['stages_ms']['grid']:.1f}, names "
          f"{spd['stages_ms']['names']:.1f}, faces+crops {spd['stages_ms']['faces']:.1f}), "
          f"{spd['tiles']} tiles, {spd['full_detections']} full detection(s); CPU "
          f"{spd['stages_ms']['cpu']:.1f} ms; load avg {os.getloadavg()[0]:.1f}")
    f = spd["full_stages_ms"]
    print(f"    face boxes: {spd['faces_detected']} tiles detected, {spd['faces_reused']} reused "
          f"(pixels unchanged); same frames with every tile detected every frame: median "
          f"{spd['full_median_ms']:.1f} ms (grid {f['grid']:.1f}, names {f['names']:.1f}, "
          f"faces+crops {f['faces']:.1f}; CPU {f['cpu']:.1f} ms)")


def report(acc: dict, spd: dict, wall: float) -> None:
    t, f = acc["tiles"], acc["faces"]
    pct = lambda a, b: f"{100.0 * a / max(1, b):.1f}%"  # noqa: E731
    print(f"faces from: {'FER2013 PublicTest' if fer_available() else 'astronaut fallback'}")
    print(f"tiles exact (IoU>=0.9): {t['frames_exact']}/{t['frames']} frames "
          f"= {pct(t['frames_exact'], t['frames'])}  "
          f"({len(STYLES)} styles x {COUNTS} x {len(SIZES)} sizes)")
    for b in t["bad"][:5]:
        print("  missed:", b)
    print(f"names exact, labels >=14 px: {t['names14_ok']}/{t['names14']} = "
          f"{pct(t['names14_ok'], t['names14'])}; all labels (11-22 px): "
          f"{t['names_ok']}/{t['names']} = {pct(t['names_ok'], t['names'])}")
    print("  misread:", "; ".join(t["misread"][:8]))
    for name, s in f.items():
        iou = statistics.median(s["frame_iou"]) if s["frame_iou"] else float("nan")
        print(f"{name:9s}: face in camera-on {s['found']}/{s['on']} = {pct(s['found'], s['on'])}"
              f"; raw detections in camera-off {s['fp']}/{s['off']}, after capture's camera "
              f"check {s['pipeline_fp']}; {s['ms'] / max(1, s['on'] + s['off']):.2f} ms/tile; "
              f"FER-crop IoU vs pasted face (median) {iou:.2f}")
    report_speed(spd, wall)


def report_speed(spd: dict, wall: float) -> None:
    o = spd["ours_ms"]
    print(f"49-tile 1080p frame, median of {spd['frames']}: total {o['total']:.1f} ms "
          f"(grab {o['grab']:.1f}{'' if spd['screen_grab'] else ' (no X: not measured)'}, grid "
          f"{o['grid']:.1f}, names {o['names']:.1f}, faces+crops {o['faces']:.1f}); p90 "
          f"{spd['ours_p90_total_ms']:.1f} ms; CPU time of this process {spd['ours_cpu_ms']:.1f} ms")
    print(f"Haar on the whole frame: {spd['haar_whole_frame_ms']:.1f} ms "
          f"({spd['haar_whole_frame_faces']} faces found of ~39 camera-on); ratio "
          f"{spd['ratio']:.1f}x; load avg {os.getloadavg()[0]:.1f}; bench wall {wall:.0f} s")


if __name__ == "__main__":
    raise SystemExit(main())
