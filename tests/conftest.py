"""Shared fixtures. ``pg_server``/``pg_url``: one throwaway PostgreSQL server for the whole test
run (started on 127.0.0.1 and a free port, stopped and deleted afterwards); tests that need a
clean database call ``pg_server.create_database(name)``. Skips, saying why, when the PostgreSQL
server binaries are not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    from storage.pgserver import TempPostgres, find_pg_bin

    if find_pg_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install "
                    "postgresql, or set CLASSPULSE_PG_BIN")
    server = TempPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server) -> str:  # noqa: ANN001
    """postgresql+psycopg:// URL of a database on the shared throwaway server."""
    return pg_server.create_database("classpulse_test")
