"""``classpulse db ...`` and ``classpulse session list|delete|export``: the database's upkeep.

Why a module of its own: these commands only need storage (no capture, no inference, no
worker), and keeping them out of commands.py keeps that file about running a class. Storage is
imported inside each command, so ``classpulse --help`` stays instant. Each returns an exit code;
a missing session or a bad retention period is a one-line error, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

from classpulse.commands import err
from classpulse.config import Config, resolve_db_url


def _engine(cfg: Config):
    from storage.engine import make_engine
    from storage.migrate import upgrade

    url = resolve_db_url(cfg)
    upgrade(url)
    return make_engine(url)


def db_upgrade(cfg: Config) -> int:
    from storage.migrate import upgrade

    url = resolve_db_url(cfg)
    upgrade(url)
    print(f"database up to date: {url}")
    return 0


def db_prune(cfg: Config, older_than: str) -> int:
    from storage.sessions import parse_duration, prune

    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        err(f"error: --older-than: {exc}")
        return 2
    from storage.rosters import prune_rosters

    engine = _engine(cfg)
    n = prune(engine, age)
    print(f"deleted {n} rows from sessions older than {older_than}")
    n = prune_rosters(engine, age)
    if n:
        print(f"deleted {n} rows from rosters unused for {older_than}")
    return 0


def session_list(cfg: Config, course: str | None, as_json: bool) -> int:
    from storage.queries import list_sessions

    df = list_sessions(_engine(cfg), course=course)
    if as_json:
        for row in json.loads(df.to_json(orient="records", date_format="iso")):
            print(json.dumps(row))
    elif df.empty:
        print("no sessions")
    else:
        print(df.to_string(index=False))
    return 0


def session_delete(cfg: Config, session_id: int) -> int:
    from storage.sessions import delete_session

    n = delete_session(_engine(cfg), session_id)
    if n == 0:
        err(f"error: session {session_id}: no such session")
        return 1
    print(f"deleted session {session_id} ({n} rows)")
    return 0


def session_export(cfg: Config, session_id: int, csv: Path) -> int:
    from storage.export import export_observations_csv
    from storage.queries import get_session

    engine = _engine(cfg)
    if get_session(engine, session_id) is None:  # the exporter writes a header-only file
        err(f"error: session {session_id}: no such session")
        return 1
    try:
        n = export_observations_csv(engine, session_id, csv)
    except KeyError as exc:
        err(f"error: session {session_id}: {exc}")
        return 1
    print(f"wrote {n} observations to {csv}")
    return 0
