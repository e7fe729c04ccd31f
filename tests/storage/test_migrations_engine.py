"""Migrations from an empty database to head (and back), and engine set-up from a URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.engine import default_db_url, make_engine, normalize_url
from storage.migrate import current_revision, downgrade, upgrade
from storage.models import Base


def test_empty_to_head_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade(db_url)  # by URL, as `classpulse db upgrade` does
    assert current_revision(engine) == "0004"
    tables = set(inspect(engine).get_table_names())
    assert {"class_session", "participant", "observation", "health_sample"} <= tables
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    upgrade(engine)  # idempotent: safe on every start-up
    downgrade(engine, "base")
    assert "observation" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == "0004"
    engine.dispose()


def test_observation_indexes_exist(engine) -> None:  # noqa: ANN001
    names = {ix["name"] for ix in inspect(engine).get_indexes("observation")}
    assert {"ix_observation_time", "ix_observation_person"} <= names
    uniques = {u["name"] for u in inspect(engine).get_unique_constraints("observation")}
    assert "uq_observation_frame" in uniques


def test_sqlite_pragmas_on_every_connection(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "sub" / "x.db"), busy_timeout_ms=1234)
    for _ in range(2):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    assert (tmp_path / "sub" / "x.db").exists()
    engine.dispose()


def test_url_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert normalize_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert make_engine("postgresql://u@h/db").dialect.driver == "psycopg"
    with pytest.raises(ValueError, match="mysql"):
        normalize_url("mysql://u@h/db")
    with pytest.raises(ValueError, match="database url"):
        normalize_url("  ")
    monkeypatch.setenv("CLASSPULSE_DB", str(tmp_path / "env.db"))
    assert default_db_url() == f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.delenv("CLASSPULSE_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_url() == f"sqlite:///{tmp_path / 'classpulse' / 'classpulse.db'}"


def _session_and_participant(conn) -> None:  # noqa: ANN001
    """Session 1 with participant 1, in raw SQL: the models may be ahead of the schema."""
    conn.exec_driver_sql(
        "INSERT INTO class_session (id, course, title, instructor, started_at, "
        "presence_only, sample_interval_s, source) VALUES (1, 'C', 'T', '', "
        "'2026-01-01 09:00:00', false, 1.0, '')"
    )
    conn.exec_driver_sql(
        "INSERT INTO participant (id, session_id, key, display_name, first_seen, last_seen) "
        "VALUES (1, 1, 'a', 'A', '2026-01-01 09:00:00', '2026-01-01 09:00:00')"
    )


def test_0002_backfills_state_code_from_existing_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        _session_and_participant(conn)
        for f, (state, top) in enumerate([("face", "Sad"), ("face", None), ("camera_off", None),
                                          ("no_face", None), ("face", "Angry")]):
            conn.exec_driver_sql(
                "INSERT INTO observation (session_id, participant_id, t, frame_index, "
                f"camera_state, top_expression) VALUES (1, 1, {1e9 + f}, {f}, '{state}', "
                + ("NULL" if top is None else f"'{top}'") + ")"
            )
    upgrade(engine)
    with engine.connect() as conn:
        codes = conn.exec_driver_sql(
            "SELECT state_code FROM observation ORDER BY frame_index").scalars().all()
    assert codes == [4, 7, 8, 9, 0]
    engine.dispose()


def test_0003_defaults_speaking_and_failure_counts_on_existing_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        _session_and_participant(conn)
        conn.exec_driver_sql(
            "INSERT INTO observation (session_id, participant_id, t, frame_index, camera_state, "
            "state_code) VALUES (1, 1, 1e9, 0, 'face', 7)"
        )
        conn.exec_driver_sql(
            "INSERT INTO health_sample (session_id, t, fps, dropped_frames, tiles_found, "
            "capture_online, is_gallery, last_error) VALUES (1, 1e9, 1.0, 0, 3, true, true, '')"
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT speaking FROM observation").scalar_one() in (0, False)
        row = conn.exec_driver_sql(
            "SELECT frames_failed, frames_skipped, degraded FROM health_sample").one()
    assert tuple(row) in ((0, 0, 0), (0, 0, False))
    engine.dispose()
