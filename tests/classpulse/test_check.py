"""``classpulse check``: the JSON contract, broken files, non-galleries, no files written, and
``--screen`` on a real X server showing a rendered gallery in a real window."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from capture.synthetic import SyntheticGallerySource
from capture.types import Box
from tests.classpulse.check_contract import assert_contract

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "expression.tflite"
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract-ocr not installed")


def check(*args: str, env: dict | None = None, cwd: Path = ROOT,
          prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "classpulse", "check", *args],
                          capture_output=True, text=True, timeout=180, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """Two rendered galleries (PNG and JPEG), the PNG again with alpha, a slide, a broken PNG
    and an empty JPEG."""
    d = tmp_path_factory.mktemp("check_in")
    png, png_truth = SyntheticGallerySource(n=6, style="zoom", size=(1280, 720), seed=5,
                                            events=False).render(0)
    jpg, jpg_truth = SyntheticGallerySource(n=12, style="teams", size=(1920, 1080), seed=8,
                                            events=False).render(0)
    cv2.imwrite(str(d / "gallery.png"), png)
    cv2.imwrite(str(d / "gallery.jpg"), jpg, [cv2.IMWRITE_JPEG_QUALITY, 85])
    cv2.imwrite(str(d / "gallery_rgba.png"), cv2.cvtColor(png, cv2.COLOR_BGR2BGRA))
    slide = np.full((720, 1280, 3), 245, np.uint8)
    cv2.putText(slide, "Week 3: photosynthesis", (80, 200), cv2.FONT_HERSHEY_SIMPLEX, 2,
                (30, 30, 30), 4)
    cv2.rectangle(slide, (80, 300), (700, 600), (200, 120, 40), -1)
    cv2.imwrite(str(d / "slide.png"), slide)
    (d / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (d / "empty.jpg").write_bytes(b"")
    return {"dir": d, "png": png_truth, "jpg": jpg_truth}


@pytest.fixture(scope="module")
def json_run(inputs) -> subprocess.CompletedProcess:
    d = inputs["dir"]
    return check("--json", *(str(d / f) for f in ("gallery.png", "broken.png", "slide.png",
                                                  "gallery.jpg", "empty.jpg",
                                                  "gallery_rgba.png")))


def _reports(run: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in run.stdout.splitlines()]


def _truth_box(t, dx: int = 0, dy: int = 0) -> Box:
    return Box(t.box.x + dx, t.box.y + dy, t.box.w, t.box.h)


def _assert_matches_truth(rep: dict, truth, dx: int = 0, dy: int = 0,
                          names_exact: float = 1.0) -> None:
    assert rep["gallery"], rep["reason"]
    assert len(rep["tiles"]) == len(truth.tiles)
    named = 0
    for got, want in zip(rep["tiles"], truth.tiles, strict=True):
        assert Box(*got["box"]).iou(_truth_box(want, dx, dy)) >= 0.9, (got["box"], want.box)
        assert got["speaking"] == want.is_speaker, got
        assert (got["camera"] == "camera_off") == (not want.camera_on), got
        if want.camera_on and want.head_box is not None:  # the face lies on the pasted head
            hx, hy, hw, hh = want.head_box
            fx, fy, fw, fh = got["face"]
            cx, cy = fx + fw / 2 - want.box.x - dx, fy + fh / 2 - want.box.y - dy
            assert hx <= cx <= hx + hw and hy <= cy <= hy + hh, (got["face"], want.head_box)
        named += got["name"] == want.name
    assert named >= names_exact * len(truth.tiles), [t["name"] for t in rep["tiles"]]


@needs_tesseract
def test_json_prints_one_contract_line_per_readable_image(json_run, inputs) -> None:
    reps = _reports(json_run)
    d = inputs["dir"]
    assert [r["file"] for r in reps] == [str(d / f) for f in ("gallery.png", "slide.png",
                                                              "gallery.jpg", "gallery_rgba.png")]
    for rep, (w, h) in zip(reps, [(1280, 720), (1280, 720), (1920, 1080), (1280, 720)],
                           strict=True):
        assert_contract(rep, w, h)
    # the same pixels with an alpha channel, checked after other images: the same answer
    # (no layout or name cache leaks from one screenshot into the next)
    assert reps[3]["tiles"] == reps[0]["tiles"]


@needs_tesseract
def test_json_tiles_are_what_is_on_the_screenshot(json_run, inputs) -> None:
    png, _slide, jpg, _rgba = _reports(json_run)
    _assert_matches_truth(png, inputs["png"])
    _assert_matches_truth(jpg, inputs["jpg"], names_exact=0.8)
    faces = [t for t in png["tiles"] + jpg["tiles"] if t["camera"] == "face"]
    assert faces, "no face found on either gallery"
    if MODEL.is_file():
        assert all(isinstance(t["expression"], str) for t in faces)


@needs_tesseract
def test_a_slide_is_read_but_is_not_a_gallery(json_run) -> None:
    slide = _reports(json_run)[1]
    assert slide["gallery"] is False and slide["reason"] and slide["tiles"] == []


@needs_tesseract
def test_broken_files_get_one_error_line_each_and_the_rest_go_on(json_run) -> None:
    assert json_run.returncode == 0, json_run.stderr
    errors = [line for line in json_run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, json_run.stderr
    assert "broken.png" in errors[0] and "not a readable image" in errors[0]
    assert "empty.jpg" in errors[1] and "empty file" in errors[1]
    assert "Traceback" not in json_run.stderr


def test_only_unreadable_inputs_exit_1(inputs, tmp_path) -> None:
    r = check("--json", str(inputs["dir"] / "broken.png"), str(tmp_path / "missing.png"),
              str(tmp_path))
    assert r.returncode == 1 and r.stdout == ""
    assert [line.split(":")[0] for line in r.stderr.splitlines()] == ["error"] * 3, r.stderr
    assert "no such file" in r.stderr and "is a folder" in r.stderr


def test_no_input_and_unknown_language_are_usage_errors(inputs) -> None:
    r = check("--json")
    assert r.returncode == 2 and "--screen" in r.stderr
    if shutil.which("tesseract"):
        r = check("--lang", "zzz+eng", str(inputs["dir"] / "gallery.png"))
        assert r.returncode == 2 and "zzz" in r.stderr and r.stdout == ""


def test_an_image_the_pipeline_fails_on_is_one_error_line_and_the_rest_go_on(inputs) -> None:
    """No tesseract on PATH: OCR fails on the gallery (one error line naming it), the slide,
    which needs no OCR, is still reported."""
    d = inputs["dir"]
    r = check("--json", "--presence-only", str(d / "gallery.png"), str(d / "slide.png"),
              env={"PATH": "/nonexistent"})
    assert r.returncode == 0, r.stderr
    assert [rep["file"] for rep in _reports(r)] == [str(d / "slide.png")]
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "gallery.png: check failed" in errors[0], r.stderr
    assert "Traceback" not in r.stderr


@needs_tesseract
def test_presence_only_gives_no_expressions(inputs) -> None:
    r = check("--json", "--presence-only", str(inputs["dir"] / "gallery.png"))
    assert r.returncode == 0, r.stderr
    (rep,) = _reports(r)
    assert_contract(rep, 1280, 720)
    assert any(t["face"] for t in rep["tiles"])
    assert all(t["expression"] is None for t in rep["tiles"])


def _listing(*roots: Path) -> set[str]:
    return {str(p) for root in roots for p in root.rglob("*")}


@needs_tesseract
def test_check_writes_no_files(inputs, tmp_path) -> None:
    """The table run (full pipeline, models and OCR) leaves its cwd, TMPDIR and HOME as they
    were; under strace, no process it starts opens any file for writing."""
    cwd, tmp, home = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "home"
    for p in (cwd, tmp, home):
        p.mkdir()
    (cwd / "keep.txt").write_text("x")
    before = _listing(cwd, tmp, home, inputs["dir"])
    trace = tmp_path.parent / f"{tmp_path.name}.strace"  # outside every watched folder
    prefix: tuple[str, ...] = ()
    if shutil.which("strace") and subprocess.run(["strace", "-f", "-qq", "-o", os.devnull,
                                                  "true"]).returncode == 0:
        prefix = ("strace", "-f", "-qq", "-e", "trace=open,openat,creat,mkdir,rename",
                  "-o", str(trace))
    env = {"TMPDIR": str(tmp), "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(ROOT)}
    r = check(str(inputs["dir"] / "gallery.png"), env=env, cwd=cwd, prefix=prefix)
    assert r.returncode == 0, r.stderr
    assert "6 tiles" in r.stdout and inputs["png"].tiles[1].name in r.stdout
    assert _listing(cwd, tmp, home, inputs["dir"]) == before
    if prefix:
        calls = trace.read_text().splitlines()
        trace.unlink()
        assert any("tessdata" in c for c in calls), "strace did not follow tesseract"
        writes = [c for c in calls if any(f in c for f in ("O_WRONLY", "O_RDWR", "O_CREAT",
                                                          "mkdir(", "rename(", "creat("))
                  and '"/dev/' not in c]
        assert writes == [], writes[:5]


def test_check_has_help() -> None:
    from typer.testing import CliRunner

    from classpulse.cli import app

    r = CliRunner().invoke(app, ["check", "--help"])
    assert r.exit_code == 0
    for flag in ("--screen", "--monitor", "--region", "--lang", "--json", "--presence-only"):
        assert flag in r.output, flag


def test_report_gives_face_boxes_in_image_pixels() -> None:
    """Faces come out of the detector in tile pixels; the contract wants image pixels, clipped
    to the tile."""
    from capture.types import GridResult, Tile
    from classpulse.check import Shot, report
    from classpulse.processor import FrameResult
    from inference.types import FaceBox

    image = np.zeros((400, 600, 3), np.uint8)
    tiles = (Tile(Box(100, 50, 160, 90), 0, image[50:140, 100:260], "Ana", True, True),
             Tile(Box(300, 50, 160, 90), 1, image[50:140, 300:460], "", False))
    probs = np.array([0, 0, 0, 0.9, 0, 0, 0.1])
    result = FrameResult(0, GridResult(0, tiles, True), [],
                         [("ana", "face", probs), ("tile-1", "camera_off", None)],
                         faces={0: FaceBox(10, 20, 200, 30, 0.9)})
    rep = report(Shot("x.png", image), result)
    assert rep["tiles"][0] == {"box": [100, 50, 160, 90], "name": "Ana", "camera": "face",
                               "speaking": True, "face": [110, 70, 150, 30],
                               "expression": "Happy"}
    assert rep["tiles"][1]["face"] is None and rep["tiles"][1]["expression"] is None
    assert_contract(rep, 600, 400)


def test_lang_goes_to_the_name_reader() -> None:
    from classpulse.check import Checker, ocr_languages
    from classpulse.config import Config

    cfg = Config()
    cfg.pipeline.presence_only = True
    assert ocr_languages(cfg, " kor+eng ") == "kor+eng"
    assert ocr_languages(cfg, None) in ("Latin", "eng")  # the config's "auto"
    assert Checker(cfg, "kor+eng").processor().name_reader.lang == "kor+eng"

# ---- --screen on a real X server ---------------------------------------------------------------
@pytest.fixture(scope="module")
def screen(tmp_path_factory):
    """Xvfb 1920x1080 with a borderless Tk window at (40, 30) showing a 9-tile Zoom gallery."""
    from tests.xwindow import SHOW_AT, free_display, tk_ok

    if shutil.which("Xvfb") is None or not tk_ok():
        pytest.skip("Xvfb or tkinter not installed (apt: xvfb python3-tk)")
    image, truth = SyntheticGallerySource(n=9, style="zoom", size=(1280, 720), seed=11,
                                          events=False).render(0)
    png = tmp_path_factory.mktemp("screen") / "gallery.png"
    cv2.imwrite(str(png), image)
    n = free_display(300, 400)
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "DISPLAY": f":{n}"}
    win = None
    try:
        deadline = time.monotonic() + 20
        while not Path(f"/tmp/.X11-unix/X{n}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        win = subprocess.Popen([sys.executable, "-c", SHOW_AT, str(png), "40", "30"], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert win.stdout.readline().strip() == "ready", "the test window did not come up"
        yield {"DISPLAY": f":{n}"}, truth
    finally:
        if win is not None:
            win.stdin.close()
        for p in (win, xvfb):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(10)


@needs_tesseract
def test_check_screen_sees_the_gallery_window(screen) -> None:
    env, truth = screen
    r = check("--screen", "--monitor", "1", "--json", "--presence-only", env=env)
    assert r.returncode == 0, r.stderr
    (rep,) = _reports(r)
    assert rep["file"] == "screen:1"
    assert_contract(rep, 1920, 1080)
    _assert_matches_truth(rep, truth, dx=40, dy=30)


@needs_tesseract
def test_check_screen_region_gives_boxes_in_region_pixels(screen) -> None:
    env, truth = screen
    r = check("--screen", "--region", "40,30,1280,720", "--json", "--presence-only", env=env)
    assert r.returncode == 0, r.stderr
    (rep,) = _reports(r)
    assert_contract(rep, 1280, 720)
    _assert_matches_truth(rep, truth)


def test_check_screen_without_a_display_is_one_error_line() -> None:
    r = check("--screen", "--json", "--presence-only", env={"DISPLAY": ":59999"})
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip().startswith("error: screen:1: cannot capture the screen")
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
