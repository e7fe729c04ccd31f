"""Config, smoothing, sampling, the drop queue and the frame processor, with fakes (fast)."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

import numpy as np
import pytest

from classpulse import adapters
from classpulse.config import ConfigError, load_config, overrides
from classpulse.framequeue import DropQueue
from classpulse.processor import FrameProcessor
from classpulse.smoothing import EmaSmoother, Sampler
from tests.classpulse import fakes


# ---- config ----------------------------------------------------------------------------------
def test_config_defaults_and_toml_and_cli_override(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[capture]\nfps = 3.0\nmonitor = 2\n[session]\ncourse = "Bio"\n')
    cfg = load_config(f, overrides(capture__fps=5.0, session__title=None))
    assert cfg.capture.fps == 5.0  # CLI wins
    assert cfg.capture.monitor == 2  # TOML kept
    assert cfg.session.course == "Bio"
    assert cfg.pipeline.every_s == 2.0  # default


def test_attendance_thresholds_reach_the_rules(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[attendance]\nlate_after_s = 900\nmin_present_s = 5\n")
    rules = load_config(f).attendance.rules()
    assert (rules.late_after_s, rules.min_present_s) == (900.0, 5.0)
    assert rules.left_early_before_end_s == 300.0  # default kept


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("[capture]\nfps = -1\n", "capture.fps"),
        ("[pipeline]\nevry_s = 2\n", "pipeline.evry_s"),
        ("[dashboard]\nport = 'x'\n", "dashboard.port"),
        ("[capture]\nregion = [0, 0, 0, 10]\n", "capture.region"),
        ("bogus = 1\n", "bogus"),
    ],
)
def test_bad_config_error_names_the_field_in_one_line(tmp_path, toml, field):
    f = tmp_path / "bad.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError) as exc:
        load_config(f)
    msg = str(exc.value)
    assert field in msg and "\n" not in msg


def test_config_check_cli_one_line_nonzero(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[capture]\nfps = 0\n")
    r = subprocess.run([sys.executable, "-m", "classpulse", "config", "check", str(f)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "capture.fps" in lines[0], r.stderr
    f.write_text("[capture]\nfps = 1\n")
    r = subprocess.run([sys.executable, "-m", "classpulse", "config", "check", str(f)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout


def test_dashboard_password_from_env(monkeypatch):
    monkeypatch.setenv("CLASSPULSE_DASHBOARD_PASSWORD", "s3cret")
    assert load_config().dashboard.password == "s3cret"


# ---- smoothing and sampling ------------------------------------------------------------------
def test_ema_one_odd_frame_does_not_flip_the_top_class():
    sm = EmaSmoother(alpha=0.4)
    happy = np.array([0.02, 0.02, 0.02, 0.88, 0.02, 0.02, 0.02])
    angry = np.roll(happy, -3)
    for t in range(5):
        sm.update("a", happy, float(t))
    out = sm.update("a", angry, 5.0)
    assert int(np.argmax(out)) == 3 and abs(out.sum() - 1) < 1e-9
    for t in range(6, 12):
        out = sm.update("a", angry, float(t))
    assert int(np.argmax(out)) == 0  # a persistent change does come through


def test_ema_resets_after_a_gap_and_can_be_disabled():
    sm = EmaSmoother(alpha=0.2, reset_after_s=10)
    a, b = np.eye(7)[3], np.eye(7)[0]
    sm.update("x", a, 0.0)
    assert np.allclose(sm.update("x", b, 60.0), b)
    off = EmaSmoother(enabled=False)
    off.update("x", a, 0.0)
    assert np.allclose(off.update("x", b, 1.0), b)


def test_sampler_every_two_seconds_and_every_frame():
    s = Sampler(2.0)
    due = [t for t in np.arange(0, 10, 0.5) if s.due("k", float(t))]
    assert due == [0.0, 2.0, 4.0, 6.0, 8.0]
    s0 = Sampler(0.0)
    assert all(s0.due("k", t) for t in (0.0, 0.0, 0.1))


# ---- bounded queue ---------------------------------------------------------------------------
def test_drop_queue_drops_oldest_and_counts():
    q: DropQueue[int] = DropQueue(2)
    for i in range(5):
        q.put(i)
    assert q.dropped == 3 and [q.get(0), q.get(0)] == [3, 4] and q.get(0.01) is None


def test_blocking_queue_never_drops():
    q: DropQueue[int] = DropQueue(1, block=True)
    got = []

    def consume():
        while (x := q.get(1.0)) is not None:
            got.append(x)

    th = threading.Thread(target=consume)
    th.start()
    for i in range(50):
        q.put(i)
    q.close()
    th.join(5)
    assert got == list(range(50)) and q.dropped == 0


# ---- processor -------------------------------------------------------------------------------
@pytest.fixture
def fake_adapters(monkeypatch):
    monkeypatch.setattr(adapters, "crop_for_fer", fakes.fake_crop)
    monkeypatch.setattr(adapters, "normalize_name", lambda s: " ".join((s or "").split()))
    monkeypatch.setattr(adapters, "identity_key", lambda n, o: n.casefold() or f"tile-{o}")


def _proc(classifier, every=0.0):
    return FrameProcessor(fakes.FakeGrid(), fakes.FakeNames(), fakes.FakeFaces(), classifier,
                          EmaSmoother(0.4), Sampler(every), session_id=1)


def test_processor_one_classifier_call_per_frame_and_states(fake_adapters):
    clf = fakes.FakeClassifier()
    proc = _proc(clf)
    res = proc.process(fakes.make_frame(0), 0.0, datetime.now(UTC))
    assert clf.calls == [4]  # 5 camera-on tiles, one without a face -> one batch of 4
    states = {r.display_name: r.camera_state for r in res.records}
    assert states["Grace Hopper"] == "camera_off"
    assert states["Ole Nordmann"] == "no_face"
    assert states["Ada Lovelace"] == "face"
    assert "Participant 4" in states  # unreadable name -> positional fallback
    face = [r for r in res.records if r.camera_state == "face"]
    assert all(r.probs is not None and abs(sum(r.probs) - 1) < 1e-6 for r in face)
    assert all(r.probs is None for r in res.records if r.camera_state != "face")


def test_presence_only_never_calls_a_classifier(fake_adapters):
    proc = _proc(None)
    res = proc.process(fakes.make_frame(0), 0.0, datetime.now(UTC))
    assert proc.presence_only and len(res.records) == 6
    assert all(r.probs is None for r in res.records)
    assert {r.camera_state for r in res.records} == {"face", "camera_off", "no_face"}


def test_processor_samples_every_two_seconds(fake_adapters):
    proc = _proc(fakes.FakeClassifier(), every=2.0)
    counts = [len(proc.process(fakes.make_frame(i), i * 0.5, datetime.now(UTC)).records)
              for i in range(8)]
    assert counts == [6, 0, 0, 0, 6, 0, 0, 0]


def test_analysis_stride_and_strided_source():
    from classpulse.commands import StridedSource, analysis_stride

    assert analysis_stride(30.0, 2.0, 2.0) == 15
    assert analysis_stride(30.0, 2.0, 0.0) == 1  # --every 0: every frame
    assert analysis_stride(2.0, 2.0, 2.0) == 1
    assert analysis_stride(30.0, 0.0, 2.0) == 1
    src = StridedSource(fakes.FakeSource(31), 15)
    assert [f.index for f in src.frames()] == [0, 15, 30] and src.read == 31


def test_health_state_offline_then_recovered():
    from classpulse.stages import HealthState

    q: DropQueue = DropQueue(2)
    h = HealthState(q)
    assert h.snapshot(1).last_error.startswith("starting")
    h.on_capture_error("screen grab failed: display gone")
    snap = h.snapshot(1)
    assert not snap.capture_online and "display gone" in snap.last_error
    h.on_frame(fakes.make_frame(0))
    snap = h.snapshot(1)
    assert snap.capture_online and snap.last_error == "" and snap.last_frame_at is not None


def test_capture_stage_retries_after_capture_error():
    from capture.sources import CaptureError
    from classpulse.stages import CaptureStage, HealthState

    class Flaky:
        def __init__(self):
            self.calls = 0

        def frames(self):
            self.calls += 1
            if self.calls == 1:
                raise CaptureError("window closed")
            yield from fakes.FakeSource(3).frames()

        def close(self):
            pass

    q: DropQueue = DropQueue(10)
    stop = threading.Event()
    h = HealthState(q)
    CaptureStage(Flaky(), q, stop, h, retry_s=0.01).run()
    assert len(q) == 3 and h.capture_online and q.closed


def test_speaking_timer_integrates_every_frame_between_samples() -> None:
    """A speaker who changes every second at 2 fps: each 2 s sample gets the seconds spoken since
    the last one, not 0 or 2 s from the one frame it happens to see."""
    from classpulse.smoothing import SpeakingTimer

    timer = SpeakingTimer()
    for i in range(9):  # t = 0 .. 4 s; "a" speaks in [0, 1) and [2, 3), "b" otherwise
        t = i * 0.5
        timer.frame(t, ["a"] if int(t) % 2 == 0 else ["b"])
        if i == 4:  # a sample at t = 2 s: each frame stands for 0.5 s, the first one too
            assert (timer.take("a"), timer.take("b")) == (1.5, 1.0)  # frames 0, 0.5, 2 / 1, 1.5
    assert (timer.take("a"), timer.take("b")) == (1.0, 1.0)  # frames 2.5, 4 / 3, 3.5
    assert timer.take("a") == 0.0  # taken: starts again from zero
    timer.frame(100.0, ["a"])  # a 96 s gap (capture offline) counts as max_gap_s only
    assert timer.take("a") == 5.0
    with pytest.raises(ValueError, match="max_gap_s"):
        SpeakingTimer(max_gap_s=0)
