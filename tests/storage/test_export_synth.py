"""CSV export (with hostile display names) and the synthetic data generator."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from storage import queries as q
from storage.export import (
    OBS_HEADER,
    export_observations_csv,
    export_participants_csv,
    neutralise,
    observations_csv_text,
)
from storage.records import ObservationRecord, SessionSpec
from storage.sessions import start_session
from storage.synth import make_demo_db
from storage.writer import Writer
from tests.storage.data import HAPPY, T0, build_known

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def test_neutralise() -> None:
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert neutralise("Ana") == "Ana" and neutralise(-1.5) == -1.5 and neutralise("") == ""


def test_observations_csv(engine, tmp_path) -> None:  # noqa: ANN001
    a, _ = build_known(engine)
    path = tmp_path / "obs.csv"
    assert export_observations_csv(engine, a, path) == 18
    rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    assert list(rows[0].keys()) == OBS_HEADER
    first = rows[0]
    assert first["t"] == "2026-03-02T10:00:00.000+00:00" and first["frame"] == "0"
    assert first["participant"] == "Ana" and first["camera_on"] == "1"
    assert first["expression"] == "Happy" and float(first["p_happy"]) == 0.7
    off = [r for r in rows if r["participant"] == "Ben" and r["frame"] == "5"][0]
    assert off["camera_on"] == "0" and off["expression"] == "" and off["p_happy"] == ""
    assert observations_csv_text(engine, a).splitlines()[0] == ",".join(OBS_HEADER)


def test_hostile_names_are_neutralised_in_both_exports(engine) -> None:  # noqa: ANN001
    sid = start_session(engine, SessionSpec(course="C", title="T", started_at=T0))
    w = Writer(engine).start()
    w.submit_observations([
        ObservationRecord(sid, f"k{i}", name, T0 + timedelta(seconds=1), 0, "face", HAPPY, i)
        for i, name in enumerate(HOSTILE)
    ])
    assert w.stop(30)
    for export in (export_observations_csv, export_participants_csv):
        buf = io.StringIO()
        assert export(engine, sid, buf) == len(HOSTILE)
        names = [r["participant"] for r in csv.DictReader(io.StringIO(buf.getvalue()))]
        assert sorted(names) == sorted("'" + v for v in HOSTILE)


def test_make_demo_db(db_url: str) -> None:
    from storage.engine import make_engine

    ids = make_demo_db(db_url, n_sessions=3, n_participants=6, minutes=2, interval_s=2.0,
                       seed=1, live_last=True, presence_only_every=3)
    engine = make_engine(db_url)
    sessions = q.list_sessions(engine)
    assert sorted(sessions["session_id"]) == ids
    assert set(sessions["n_observations"]) == {6 * 60} and set(sessions["n_participants"]) == {6}
    assert q.latest_session_id(engine) == ids[-1] and q.get_session(engine, ids[-1]).ended_at is None
    cmp = q.session_comparison(engine)
    assert bool(cmp.iloc[0]["presence_only"]) and cmp.iloc[0]["Happy"] != cmp.iloc[0]["Happy"]
    summary = q.participant_summary(engine, ids[1])
    assert summary["presence_rate"].between(0, 1).all() and summary["Neutral"].notna().all()
    engine.dispose()
