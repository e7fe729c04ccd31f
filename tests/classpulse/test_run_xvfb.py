"""``classpulse run`` under Xvfb captures a real X window showing a gallery view."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from tests.xwindow import SHOW, SKIPS, free_display

ROOT = Path(__file__).resolve().parents[2]

pytestmark = SKIPS


@pytest.fixture
def xvfb_window(tmp_path):
    """Xvfb at 1280x720 with a borderless Tk window showing a 6-person gallery."""
    from capture.synthetic import SyntheticGallerySource

    src = SyntheticGallerySource(n=6, size=(1280, 720), seed=21, events=False, n_frames=1)
    frame = next(iter(src.frames()))
    png = tmp_path / "gallery.png"
    cv2.imwrite(str(png), frame.image)
    names = sorted(t.name for t in src.last_truth.tiles)
    n = free_display(90, 200)
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "DISPLAY": f":{n}"}
    win = None
    try:
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.1)
        win = subprocess.Popen([sys.executable, "-c", SHOW, str(png)], env=env)
        time.sleep(2.0)
        assert win.poll() is None, "the test window did not stay up"
        yield env, names
    finally:
        for p in (win, xvfb):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(10)


def test_run_captures_a_real_window(xvfb_window, tmp_path):
    env, names = xvfb_window
    db = tmp_path / "live.db"
    r = subprocess.run(
        [sys.executable, "-m", "classpulse", "run", "--db", f"sqlite:///{db}", "--no-dashboard",
         "--presence-only", "--duration", "8", "--fps", "2", "--every", "0",
         "--course", "Xvfb 101", "--title", "window capture"],
        capture_output=True, text=True, timeout=180, env=env, cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    con = sqlite3.connect(db)
    try:
        course, title, source, ended = con.execute(
            "select course, title, source, ended_at from class_session").fetchone()
        got = sorted(x for (x,) in con.execute("select display_name from participant"))
        obs = con.execute("select count(*) from observation").fetchone()[0]
        health = con.execute("select count(*) from health_sample where capture_online = 1"
                             ).fetchone()[0]
    finally:
        con.close()
    assert (course, title) == ("Xvfb 101", "window capture") and source.startswith("screen:")
    assert ended is not None
    assert got == names
    assert obs >= 6 and health >= 1
