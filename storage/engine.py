"""Engine set-up from one URL: a SQLite file for one laptop, PostgreSQL for many classrooms.

SQLite pragmas are set in a connect listener so that EVERY pooled connection gets them (a pragma
run once on one connection does not reach the others): WAL lets the dashboard read while the
writer writes, ``synchronous=NORMAL`` is durable across application crashes and fast in WAL,
``foreign_keys`` is off by default in SQLite, the busy timeout turns short lock waits into waits
rather than errors, ``secure_delete`` zeroes deleted rows so "delete" really removes names, and a
larger page cache keeps indexes in memory.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 5000


def default_db_url() -> str:
    """``$CLASSPULSE_DB`` if set, else a SQLite file under the XDG data directory."""
    env = os.environ.get("CLASSPULSE_DB", "").strip()
    if env:
        return normalize_url(env)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'classpulse' / 'classpulse.db'}"


def normalize_url(url: str) -> str:
    """Accept a plain file path or a URL; ``postgresql://`` means psycopg 3 (not psycopg2)."""
    url = str(url).strip()
    if not url:
        raise ValueError("database url: expected a file path or a sqlite:// / postgresql:// URL, got ''")
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().absolute()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg")):
        raise ValueError(
            f"database url: expected sqlite:///PATH or postgresql+psycopg://..., got {url!r}"
        )
    return url


def _sqlite_pragmas(busy_timeout_ms: int):  # noqa: ANN202
    def listener(dbapi_conn, _record) -> None:  # noqa: ANN001
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA secure_delete=ON")
            # 32 MiB page cache (default 2 MiB): the writer's index inserts and the dashboard's
            # scans of a 180,000-row session stay in memory; sorts in RAM, not temp files.
            cur.execute("PRAGMA cache_size=-32768")
            cur.execute("PRAGMA temp_store=MEMORY")
        finally:
            cur.close()

    return listener


def make_engine(url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs) -> Engine:
    """An Engine for ``url`` (a path, ``sqlite:///...`` or ``postgresql[+psycopg]://...``).

    Creates the SQLite file's directory. ``busy_timeout_ms`` is how long a SQLite statement
    waits for a lock before failing (the Writer then backs off and retries). Extra ``kwargs``
    go to ``create_engine``.
    """
    url = normalize_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # Each thread opens its own connection; timeout is sqlite3's own busy wait (seconds).
        args = kwargs.setdefault("connect_args", {})
        args.setdefault("check_same_thread", False)
        args.setdefault("timeout", busy_timeout_ms / 1000)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
