"""``classpulse analyze`` on a generated gallery video: the session, its participants by name,
media-time timestamps, the JSON contract and the CSV export contract."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from capture.name_text import normalize_name

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "expression.tflite"
N, FRAMES, FPS = 6, 8, 2.0

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="tesseract-ocr is not installed (scripts/setup.sh installs it)")


def _write_video(out: Path, fourcc: str):
    """A 6-person Zoom-style gallery video (8 frames at 2 fps); returns the tile names."""
    from capture.synthetic import SyntheticGallerySource

    src = SyntheticGallerySource(n=N, style="zoom", size=(1280, 720), fps=FPS, seed=11,
                                 events=False, n_frames=FRAMES)
    vw = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*fourcc), FPS, (1280, 720))
    assert vw.isOpened(), f"OpenCV cannot write {fourcc} video"
    names = None
    for frame in src.frames():
        vw.write(frame.image)
        names = [normalize_name(t.name) for t in src.last_truth.tiles]
    vw.release()
    return names


@pytest.fixture(scope="module")
def gallery_video(tmp_path_factory):
    """A lossless (FFV1 .mkv) gallery video and its participant names."""
    out = tmp_path_factory.mktemp("video") / "class.mkv"
    return out, _write_video(out, "FFV1")


def cli(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "classpulse", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def _analyze(video: Path, db: str, *extra: str) -> dict:
    r = cli("analyze", str(video), "--db", db, "--json", "--started-at", "2026-01-05T09:00:00Z",
            *extra)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_analyze_presence_only_session_names_and_export(gallery_video, tmp_path):
    video, names = gallery_video
    db = f"sqlite:///{tmp_path / 'a.db'}"
    out = _analyze(video, db, "--presence-only")
    assert out["frames"] == FRAMES
    assert sorted(out["participants"]) == sorted(names)
    # default: one observation per student every 2 s of VIDEO time -> frames 0 and 4
    assert out["observations"] == N * 2
    csv_path = tmp_path / "obs.csv"
    r = cli("session", "export", str(out["session_id"]), "--db", db, "--csv", str(csv_path))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert len(rows) == N * 2
    need = {"t", "frame", "participant", "camera_on", "expression", "confidence",
            "p_angry", "p_neutral"}
    assert need <= set(rows[0])
    assert {r["frame"] for r in rows} == {"0", "4"}
    assert {r["t"][:19] for r in rows} == {"2026-01-05T09:00:00", "2026-01-05T09:00:02"}
    assert all(r["expression"] == "" for r in rows)  # presence-only: no expressions


@pytest.mark.skipif(not MODEL.exists(), reason=f"no expression model at {MODEL} yet")
def test_analyze_with_expressions_every_frame(gallery_video, tmp_path):
    video, names = gallery_video
    db = f"sqlite:///{tmp_path / 'b.db'}"
    out = _analyze(video, db, "--every", "0", "--smoothing", "off")
    assert out["frames"] == FRAMES and out["observations"] == N * FRAMES
    assert sorted(out["participants"]) == sorted(names)
    csv_path = tmp_path / "obs.csv"
    assert cli("session", "export", str(out["session_id"]), "--db", db, "--csv",
               str(csv_path)).returncode == 0
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    faces = [r for r in rows if r["expression"]]
    assert faces, "no expression read on any face"
    valid = {"Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"}
    assert {r["expression"] for r in faces} <= valid


def test_analyze_lossy_mp4(tmp_path):
    """Real recordings are lossy (H.264); capture.grid tolerates the codec noise in gutters."""
    video = tmp_path / "class.mp4"
    names = _write_video(video, "mp4v")
    out = _analyze(video, f"sqlite:///{tmp_path / 'm.db'}", "--presence-only")
    assert sorted(out["participants"]) == sorted(names)


def test_analyze_folder_of_frames(tmp_path):
    from capture.synthetic import SyntheticGallerySource

    folder = tmp_path / "frames"
    folder.mkdir()
    src = SyntheticGallerySource(n=4, size=(960, 540), seed=5, events=False, n_frames=3)
    for frame in src.frames():
        cv2.imwrite(str(folder / f"f{frame.index:04d}.png"), frame.image)
    out = _analyze(folder, f"sqlite:///{tmp_path / 'c.db'}", "--fps", "1", "--presence-only",
                   "--every", "0")
    assert out["frames"] == 3 and len(out["participants"]) == 4 and out["observations"] == 12


def test_analyze_missing_path_is_a_clear_error(tmp_path):
    r = cli("analyze", str(tmp_path / "nope.mp4"), "--db", f"sqlite:///{tmp_path / 'd.db'}")
    assert r.returncode != 0 and "nope.mp4" in r.stderr
