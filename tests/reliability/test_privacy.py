"""Privacy promises, tested: a real run writes no image bytes (database, WAL, working folders,
temp folder, watched WHILE it runs); presence-only never builds or calls the classifier and
stores no expression values; ``session delete`` and ``db prune`` remove every row of a session
(SQLite and PostgreSQL), and on SQLite the deleted names are gone from the file bytes too."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.reliability.procs import ROOT

MODEL = ROOT / "models" / "expression.tflite"
IMAGE_MAGIC = re.compile(
    rb"\x89PNG\r\n\x1a\n|\xff\xd8\xff.{0,8}(?:JFIF|Exif)|GIF8[79]a|\x93NUMPY|II\*\x00|MM\x00\*"
    rb"|RIFF....WEBP", re.DOTALL)
TABLES = ("observation", "health_sample", "participant", "class_session")


def _image_files(root: Path, skip: Path | None = None) -> list[str]:
    hits = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            if skip is not None and skip in p.parents:
                continue
            try:
                data = p.read_bytes()
            except OSError:  # vanished between listing and reading
                continue
            m = IMAGE_MAGIC.search(data)
            if m:
                hits.append(f"{p} @ {m.start()}")
    return hits


class Watcher(threading.Thread):
    """Polls a folder tree every 50 ms while a run is going, noting any file holding image
    bytes even if it is deleted again before the run ends (transient temp files)."""

    def __init__(self, root: Path) -> None:
        super().__init__(daemon=True)
        self.root, self.hits, self.stop = root, set(), threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            self.hits.update(h.split(" @ ")[0] for h in _image_files(self.root))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_real_run_never_writes_image_bytes(tmp_path):
    if not MODEL.exists():
        pytest.skip(f"the demo runs the real classifier: no model at {MODEL}")
    work, home, tmp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for d in (work, home, tmp):
        d.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "XDG_DATA_HOME": str(home / "d"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("CLASSPULSE_DB", None)
    watcher = Watcher(tmp_path)
    watcher.start()
    try:
        r = subprocess.run([sys.executable, "-m", "classpulse", "demo", "--duration", "12",
                            "--no-dashboard", "--participants", "9"], capture_output=True,
                           text=True, timeout=240, cwd=work, env=env)
    finally:
        watcher.stop.set()
        watcher.join(10)
    assert r.returncode == 0, r.stderr[-3000:]
    db = work / "runs" / "demo.db"
    con = sqlite3.connect(db)
    try:
        obs, faces = con.execute("select count(*), count(top_expression) from observation"
                                 ).fetchone()
        blobs = sum(
            con.execute(f"select count(*) from {t} where " + " or ".join(
                f"typeof({c[1]}) = 'blob'" for c in con.execute(f"pragma table_info({t})")
            )).fetchone()[0] for t in TABLES)
        longest = con.execute("select max(length(display_name)) from participant").fetchone()[0]
    finally:
        con.close()
    assert obs > 0 and faces > 0, (obs, faces)  # the classifier really ran on face crops
    assert blobs == 0
    assert longest < 400
    assert _image_files(tmp_path) == []
    assert sorted(watcher.hits) == [], "image bytes written during the run (even if deleted)"


@pytest.mark.timeout(200)
def test_presence_only_never_builds_the_classifier_and_stores_no_expressions(tmp_path,
                                                                             monkeypatch):
    from classpulse import adapters
    from classpulse.config import load_config, overrides
    from classpulse.demo import make_demo_source
    from classpulse.worker import Worker, live_clock
    from storage.records import SessionSpec

    def spy(path):  # noqa: ANN001, ANN202
        raise AssertionError(f"classifier built in presence-only mode ({path})")

    monkeypatch.setattr(adapters, "make_classifier", spy)
    monkeypatch.setattr(adapters, "crop_for_fer", spy)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    cfg = load_config(None, overrides(pipeline__presence_only=True, pipeline__every_s=0.0))
    source = make_demo_source(6, 4.0, 3, realtime=False)
    w = Worker(cfg, url, source, SessionSpec("P", "presence", presence_only=True),
               clock=live_clock, live=False, max_frames=6)
    w.start()
    w.wait(120)
    summary = w.shutdown()
    assert summary.presence_only and summary.frames == 6 and summary.faces > 0
    eng = create_engine(url)
    with eng.connect() as conn:
        n, n_expr = conn.execute(text(
            "select count(*), count(coalesce(top_expression, confidence, p_angry, p_disgust, "
            "p_fear, p_happy, p_sad, p_surprise, p_neutral)) from observation")).one()
        flag = conn.execute(text("select presence_only from class_session")).scalar()
    eng.dispose()
    assert n > 0 and n_expr == 0 and bool(flag)


def _seed(url: str, started: datetime, names: list[str]) -> int:
    from storage.engine import make_engine
    from storage.migrate import upgrade
    from storage.records import HealthRecord, ObservationRecord, SessionSpec
    from storage.sessions import end_session, start_session
    from storage.writer import Writer

    upgrade(url)
    eng = make_engine(url)
    sid = start_session(eng, SessionSpec("Privacy", "retention", started_at=started))
    w = Writer(eng).start()
    for f in range(5):
        ts = started + timedelta(seconds=2 * f)
        w.submit_observations([ObservationRecord(sid, n.casefold(), n, ts, f, "face",
                                                 (0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1), i)
                               for i, n in enumerate(names)])
        w.submit_health(HealthRecord(sid, ts, 2.0, 0, len(names), True, True, ts, ""))
    assert w.flush() and w.stop()
    end_session(eng, sid, ended_at=started + timedelta(seconds=10))
    eng.dispose()
    return sid


def _counts(url: str, sid: int) -> dict[str, int]:
    eng = create_engine(url)
    with eng.connect() as conn:
        out = {t: int(conn.execute(text(
            f"select count(*) from {t} where {'id' if t == 'class_session' else 'session_id'}"
            " = :s"), {"s": sid}).scalar()) for t in TABLES}
    eng.dispose()
    return out


def _cli(*args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "classpulse", *args], capture_output=True,
                       text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def retention_db(request, tmp_path):  # noqa: ANN001, ANN201
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'retention.db'}"
    return request.getfixturevalue("pg_server").create_database(
        f"retention_{abs(hash(str(tmp_path))) % 10**8}")


@pytest.mark.timeout(200)
def test_delete_and_prune_remove_every_row_of_a_session(retention_db):
    url = retention_db
    now = datetime.now(UTC).replace(microsecond=0)
    gone = ["Xanthippe Quillfeather", "Zebulon Marchbanks"]
    old = _seed(url, now - timedelta(days=120), ["Ottoline Vexworth", "Peregrine Ashdown"])
    doomed = _seed(url, now - timedelta(days=2), gone)
    kept = _seed(url, now - timedelta(days=1), ["Kept Student"])
    before_kept = _counts(url, kept)
    assert all(before_kept.values())
    _cli("session", "delete", str(doomed), "--db", url)
    assert _counts(url, doomed) == dict.fromkeys(TABLES, 0)
    _cli("db", "prune", "--older-than", "90d", "--db", url)
    assert _counts(url, old) == dict.fromkeys(TABLES, 0)
    assert _counts(url, kept) == before_kept  # nothing else touched
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for name in (*gone, "Ottoline Vexworth", "Peregrine Ashdown"):
            for form in (name, name.casefold()):
                assert form.encode() not in raw, f"{form!r} still in the SQLite file bytes"
        assert b"Kept Student" in raw
