"""A folder of frames with broken files, end to end through ``classpulse analyze DIR --fps 2
--every 0 --json`` (real grid, OCR, faces, classifier, SQLite): 6 good 2560x1440 gallery frames
among a truncated PNG, an empty file, a text file named .png, a 16-bit PNG, a 1x1 PNG and a
greyscale PNG. Every good frame is processed, the 16-bit and greyscale frames are converted and
processed too, the 1x1 frame is processed as "no gallery", and the three broken files are counted
by reason. Before the fix this reported ``frames 1, frames_processed 1``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.reliability import faultlog

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "expression.tflite"
N_PEOPLE = 6

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="tesseract-ocr is not installed (scripts/setup.sh installs it)")


def write_broken_folder(out: Path) -> None:
    """The issue's folder: good frames at even numbers, one kind of bad file at each odd one."""
    from capture.synthetic import SyntheticGallerySource

    src = SyntheticGallerySource(n=N_PEOPLE, style="zoom", size=(2560, 1440), seed=3,
                                 events=False, n_frames=8)
    imgs = [f.image for f in src.frames()]
    for i in range(6):
        cv2.imwrite(str(out / f"frame_{2 * i:02d}.png"), imgs[i])
    data = cv2.imencode(".png", imgs[6])[1].tobytes()
    (out / "frame_01.png").write_bytes(data[: len(data) // 2])  # truncated
    (out / "frame_03.png").write_bytes(b"")  # empty
    (out / "frame_05.png").write_text("this is not a picture\n")  # text named .png
    cv2.imwrite(str(out / "frame_07.png"), imgs[6].astype(np.uint16) * 257)  # 16-bit
    cv2.imwrite(str(out / "frame_09.png"), np.zeros((1, 1, 3), np.uint8))  # 1x1
    cv2.imwrite(str(out / "frame_11.png"), cv2.cvtColor(imgs[7], cv2.COLOR_BGR2GRAY))  # grey


def analyze(folder: Path, db: Path) -> subprocess.CompletedProcess:
    extra = [] if MODEL.exists() else ["--presence-only"]
    return subprocess.run(
        [sys.executable, "-m", "classpulse", "analyze", str(folder), "--fps", "2", "--every", "0",
         "--json", "--db", f"sqlite:///{db}", *extra],
        capture_output=True, text=True, timeout=240, cwd=ROOT)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_good_frames_among_broken_files_are_all_processed(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    write_broken_folder(folder)
    r = analyze(folder, tmp_path / "b.db")
    ok = r.returncode == 0
    out = json.loads(r.stdout.strip().splitlines()[-1]) if ok else {}
    faultlog.record("broken files among 6 good frames (analyze)", ok and out["frames_processed"] == 9,
                    None if not ok else 9 - out["frames_processed"],
                    skipped=out.get("skipped_reasons"), processed=out.get("frames_processed"))
    assert ok, r.stderr[-3000:]
    # 6 good + the 16-bit, the greyscale and the 1x1 frame; nothing failed
    assert out["frames"] == 9 and out["frames_processed"] == 9 and out["frames_failed"] == 0
    assert out["frames_skipped"] == 3
    assert out["skipped_reasons"] == {"truncated": 1, "empty file": 1, "not an image": 1}
    assert out["observations"] == 8 * N_PEOPLE  # the 1x1 frame is no gallery: no rows
    assert len(out["participants"]) == N_PEOPLE
    assert r.stderr.count("Traceback") == 0


def test_a_folder_of_only_broken_files_is_a_one_line_error(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "b.png").write_text("nope")
    r = analyze(tmp_path, tmp_path / "e.db")
    assert r.returncode == 1, r.stderr[-2000:]
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: PATH: no frame of") and "1 empty file" in last
    assert "1 not an image" in last and "Traceback" not in r.stderr
