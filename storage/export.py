"""CSV export of one session. Display names come from students' own screen names, so every text
cell that a spreadsheet would read as a formula (= + - @, tab, CR) is neutralised with a leading
single quote (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, select

from storage.models import Observation, Participant
from storage.records import EXPRESSION_COLUMNS

OBS_HEADER = ["t", "frame", "participant", "camera_on", "expression", "confidence",
              *EXPRESSION_COLUMNS]
PARTICIPANT_HEADER = ["participant_id", "participant", "tile_order", "first_seen", "last_seen"]
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix formula-like strings with ``'``; numbers pass through (a negative number is data)."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


@contextmanager
def _open(path_or_file: str | Path | IO[str]) -> Iterator[IO[str]]:
    if isinstance(path_or_file, str | Path):
        with open(path_or_file, "w", newline="", encoding="utf-8") as f:
            yield f
    else:
        yield path_or_file


def _iso(ts: datetime | float | None) -> str:
    if ts is None:
        return ""
    if not isinstance(ts, datetime):
        ts = datetime.fromtimestamp(float(ts), UTC)
    return ts.astimezone(UTC).isoformat(timespec="milliseconds")


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def export_observations_csv(
    engine: Engine, session_id: int, path_or_file: str | Path | IO[str]
) -> int:
    """Write every observation of a session (time order) as CSV; returns the row count.
    Streams rows, so a long session never sits in memory."""
    o, p = Observation.__table__.c, Participant.__table__.c
    stmt = (
        select(o.t, o.frame_index, p.display_name, o.camera_state, o.top_expression,
               o.confidence, *[o[c] for c in EXPRESSION_COLUMNS])
        .join_from(Observation.__table__, Participant.__table__, p.id == o.participant_id)
        .where(o.session_id == session_id)
        .order_by(o.t, p.tile_order, p.id)
    )
    n = 0
    with _open(path_or_file) as f, engine.connect() as conn:
        w = csv.writer(f)
        w.writerow(OBS_HEADER)
        for row in conn.execution_options(stream_results=True, yield_per=5000).execute(stmt):
            t, frame, name, state, top, conf, *probs = row
            w.writerow([_iso(t), frame, neutralise(name or ""), int(state != "camera_off"),
                        neutralise(top or ""), _fmt(conf), *[_fmt(v) for v in probs]])
            n += 1
    return n


def export_participants_csv(
    engine: Engine, session_id: int, path_or_file: str | Path | IO[str]
) -> int:
    """One row per participant of a session; returns the row count."""
    p = Participant.__table__.c
    stmt = (
        select(p.id, p.display_name, p.tile_order, p.first_seen, p.last_seen)
        .where(p.session_id == session_id)
        .order_by(p.tile_order, p.id)
    )
    n = 0
    with _open(path_or_file) as f, engine.connect() as conn:
        w = csv.writer(f)
        w.writerow(PARTICIPANT_HEADER)
        for pid, name, order, first, last in conn.execute(stmt):
            w.writerow([pid, neutralise(name or ""), "" if order is None else order,
                        _iso(first), _iso(last)])
            n += 1
    return n


def observations_csv_text(engine: Engine, session_id: int) -> str:
    """The observations CSV as a string (for a dashboard download button)."""
    buf = io.StringIO()
    export_observations_csv(engine, session_id, buf)
    return buf.getvalue()
