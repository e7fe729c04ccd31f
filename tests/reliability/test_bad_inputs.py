"""Unrecoverable input gets ONE clear line on stderr and a non-zero exit, never a traceback:
corrupt, truncated, empty or missing model files, bad configs, bad database URLs. Recoverable
input does not stop the tool: presence-only runs need no model at all."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.reliability import faultlog
from tests.reliability.procs import ROOT

MODEL = ROOT / "models" / "expression.tflite"


def _cli(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "DISPLAY": "", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "classpulse", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)


def _trial(fault: str, r: subprocess.CompletedProcess, *must: str) -> str:
    """``_one_line_error``, with the outcome recorded in the fault log either way."""
    try:
        line = _one_line_error(r, *must)
    except AssertionError as exc:
        faultlog.record(fault, False, 0, error=str(exc)[:500])
        raise
    faultlog.record(fault, True, 0, message=line)
    return line


def _one_line_error(r: subprocess.CompletedProcess, *must: str) -> str:
    """The last stderr line; asserts non-zero exit, no traceback, and that it names ``must``."""
    assert r.returncode not in (0, None), (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("INFO:")]
    assert lines and lines[-1].startswith("error: "), r.stderr[-2000:]
    assert len([ln for ln in lines if ln.startswith("error")]) == 1, lines
    for word in must:
        assert word in lines[-1], (word, lines[-1])
    return lines[-1]


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> Path:
    from capture.synthetic import SyntheticGallerySource

    d = tmp_path_factory.mktemp("frames")
    src = SyntheticGallerySource(n=4, size=(1280, 720), seed=3, events=False, n_frames=2)
    for f in src.frames():
        cv2.imwrite(str(d / f"{f.index:03d}.png"), f.image)
    return d


def _bad_models(d: Path) -> dict[str, Path]:
    rng = __import__("numpy").random.default_rng(5)
    out = {"random bytes": d / "random.tflite", "empty": d / "empty.tflite",
           "missing": d / "missing.tflite", "a folder": d / "folder.tflite",
           "text": d / "text.tflite"}
    out["random bytes"].write_bytes(rng.bytes(5000))
    out["empty"].write_bytes(b"")
    out["a folder"].mkdir()
    out["text"].write_text("this is not a model\n")
    if MODEL.exists():
        out["truncated"] = d / "truncated.tflite"
        out["truncated"].write_bytes(MODEL.read_bytes()[: MODEL.stat().st_size // 3])
    return out


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_bad_model_files_give_one_line_errors(tmp_path, frames):
    for kind, path in _bad_models(tmp_path).items():
        r = _cli("analyze", str(frames), "--db", f"sqlite:///{tmp_path / 'a.db'}",
                 "--model", str(path), "--no-progress", cwd=tmp_path)
        _trial(f"bad model file ({kind})", r, path.name)
    # demo takes the model from the config file; it must fail the same way, and early
    cfg = tmp_path / "model.toml"
    cfg.write_text(f'[pipeline]\nmodel_path = "{tmp_path / "random.tflite"}"\n')
    r = _cli("demo", "--duration", "3", "--no-dashboard", "--db",
             f"sqlite:///{tmp_path / 'd.db'}", "--config", str(cfg), cwd=tmp_path)
    _one_line_error(r, "random.tflite")
    con = sqlite3.connect(tmp_path / "d.db")
    try:  # the model is checked before a session row exists: no empty session is left behind
        assert con.execute("select count(*) from class_session").fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.timeout(200)
def test_presence_only_runs_without_any_model(tmp_path, frames):
    db = tmp_path / "p.db"
    r = _cli("analyze", str(frames), "--db", f"sqlite:///{db}", "--presence-only", "--model",
             str(tmp_path / "no-such-model.tflite"), "--no-progress", "--json", "--every", "0",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["presence_only"] is True and out["observations"] >= 4
    con = sqlite3.connect(db)
    try:
        probs = con.execute("select count(*) from observation where top_expression is not null "
                            "or p_happy is not null or confidence is not null").fetchone()[0]
    finally:
        con.close()
    assert probs == 0


BAD_CONFIGS = {
    "invalid TOML": ("[capture\nfps = 2\n", "invalid TOML"),
    "unknown field": ("[capture]\nfsp = 2\n", "capture.fsp"),
    "unknown section": ("[camera]\nfps = 2\n", "camera"),
    "wrong type": ('[capture]\nfps = "fast"\n', "capture.fps"),
    "out of range": ("[capture]\nfps = 0\n", "capture.fps"),
    "bad region": ("[capture]\nregion = [0, 0, -5, 10]\n", "capture.region"),
    "bad port": ("[dashboard]\nport = 70000\n", "dashboard.port"),
    "section not a table": ("capture = 3\n", "capture"),
    "negative interval": ("[pipeline]\nevery_s = -1\n", "pipeline.every_s"),
    "binary garbage": (b"\x00\xff\xfe\x89PNG\r\n", "invalid TOML"),
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_bad_configs_give_one_line_errors_naming_the_field(tmp_path):
    for kind, (body, field) in BAD_CONFIGS.items():
        f = tmp_path / f"{kind.replace(' ', '_')}.toml"
        f.write_bytes(body if isinstance(body, bytes) else body.encode())
        r = _cli("config", "check", str(f), cwd=tmp_path)
        _trial(f"bad config ({kind})", r, field)
    r = _cli("config", "check", str(tmp_path / "absent.toml"), cwd=tmp_path)
    _one_line_error(r, "absent.toml")
    # the same check guards the commands that do work
    r = _cli("demo", "--duration", "2", "--no-dashboard", "--config",
             str(tmp_path / "wrong_type.toml"), cwd=tmp_path)
    _one_line_error(r, "capture.fps")
    r = _cli("dashboard", "--config", str(tmp_path / "bad_port.toml"), cwd=tmp_path)
    _one_line_error(r, "dashboard.port")


@pytest.mark.timeout(200)
def test_bad_database_urls_give_one_line_errors(tmp_path, frames):
    for args in (["session", "list", "--db", "ftp://example.org/x"],
                 ["db", "upgrade", "--db", "mysql://root@localhost/x"],
                 ["analyze", str(frames), "--db", "ftp://nowhere", "--no-progress",
                  "--presence-only"]):
        _trial("bad database URL", _cli(*args, cwd=tmp_path), "database url")


@pytest.mark.timeout(120)
def test_export_of_a_missing_session_is_an_error_not_an_empty_file(tmp_path):
    out = tmp_path / "none.csv"
    r = _cli("session", "export", "999", "--db", f"sqlite:///{tmp_path / 'e.db'}", "--csv",
             str(out), cwd=tmp_path)
    _trial("export of a missing session", r, "999")
    assert not out.exists()
