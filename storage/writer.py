"""The writer: one thread drains a bounded in-memory buffer into the database in batches.

Why this shape: capture and inference must never wait on the disk. They hand records over with
``submit_*`` (O(1), never blocks); one thread owns the database connection, so SQLite sees a
single writer and PostgreSQL one connection per worker. Each batch is one transaction, and every
insert ignores conflicts on its natural key, so a batch retried after a lost commit acknowledgement
or a crash never duplicates a row. When the database is locked or unreachable the batch stays in
the buffer and is retried with exponential backoff; only when the buffer bound is hit are new
records dropped, counted in ``dropped`` and logged at ERROR. Nothing is lost silently.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import datetime
from itertools import islice

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy import exc as sa_exc

from storage.models import (
    STATE_CAMERA_OFF,
    STATE_FACE_NO_EXPRESSION,
    STATE_NO_FACE,
    ClassSession,
    Participant,
)
from storage.records import EXPRESSION_COLUMNS, EXPRESSION_NAMES, HealthRecord, ObservationRecord

log = logging.getLogger(__name__)

OBS_COLUMNS = (
    "session_id", "participant_id", "t", "frame_index", "camera_state", "top_expression",
    "state_code", "confidence", "speaking", "speaking_s", *EXPRESSION_COLUMNS,
)
HEALTH_COLUMNS = (
    "session_id", "t", "fps", "dropped_frames", "tiles_found", "capture_online", "is_gallery",
    "last_frame_t", "last_error", "frames_failed", "frames_skipped", "degraded",
)
# Locked, busy, disconnected, pool exhausted: worth retrying. Anything else is a bad batch.
RETRYABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
             sa_exc.TimeoutError)


def _insert_sql(engine: Engine, table: str, columns: tuple[str, ...], conflict: str) -> str:
    """Driver-level INSERT ... ON CONFLICT DO NOTHING (same syntax on SQLite >= 3.24 and
    PostgreSQL). Raw executemany of tuples is ~5x faster than Core's per-row dict handling."""
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )


_NO_PROBS = (None,) * 7
_STATE_CODE = {"camera_off": STATE_CAMERA_OFF, "no_face": STATE_NO_FACE}


def observation_row(rec: ObservationRecord, participant_id: int) -> tuple:
    """The stored row: top expression, confidence and state code derived here, once.
    Hot path (50,000+ calls/s): plain tuple work, no per-row helper calls."""
    probs = rec.probs
    if probs is None:
        return (rec.session_id, participant_id, rec.ts.timestamp(), int(rec.frame_index),
                rec.camera_state, None, _STATE_CODE.get(rec.camera_state, STATE_FACE_NO_EXPRESSION),
                None, bool(rec.speaking), rec.speaking_s, *_NO_PROBS)
    p = tuple(map(float, probs))
    conf = max(p)
    top = p.index(conf)
    return (rec.session_id, participant_id, rec.ts.timestamp(), int(rec.frame_index),
            rec.camera_state, EXPRESSION_NAMES[top], _STATE_CODE.get(rec.camera_state, top),
            conf, bool(rec.speaking), rec.speaking_s, *p)


def health_row(rec: HealthRecord) -> tuple:
    return (rec.session_id, rec.ts.timestamp(), float(rec.fps), int(rec.dropped_frames),
            int(rec.tiles_found), bool(rec.capture_online), bool(rec.is_gallery),
            rec.last_frame_at.timestamp() if rec.last_frame_at else None, rec.last_error or "",
            int(rec.frames_failed), int(rec.frames_skipped), bool(rec.degraded))


class Writer:
    """Batched, retrying, idempotent writer thread. See the module docstring for why."""

    def __init__(
        self,
        engine: Engine,
        max_buffer: int = 50_000,
        batch_size: int = 5_000,
        flush_interval_s: float = 0.5,
        max_backoff_s: float = 5.0,
    ) -> None:
        if max_buffer < 1 or batch_size < 1:
            raise ValueError(f"Writer: expected max_buffer, batch_size >= 1, got {max_buffer}, {batch_size}")
        self.engine = engine
        self.max_buffer = max_buffer
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.max_backoff_s = max_backoff_s
        self.dropped = 0
        self.written = 0
        self.health_written = 0
        self.retries = 0
        self.last_error: str | None = None
        self._obs: deque[ObservationRecord] = deque()
        self._health: deque[HealthRecord] = deque()
        self._cond = threading.Condition()
        self._pending_since: float | None = None
        self._flush_waiters = 0
        self._busy = False
        self._stopping = False
        self._abandoned = False
        self._thread: threading.Thread | None = None
        self._pids: dict[tuple[int, str], int] = {}
        self._drops_unlogged = 0
        self._last_drop_log = -1e9
        self._obs_sql = _insert_sql(engine, "observation", OBS_COLUMNS, "participant_id, frame_index")
        self._health_sql = _insert_sql(engine, "health_sample", HEALTH_COLUMNS, "session_id, t")

    # ----- producer side -------------------------------------------------------------------
    def start(self) -> Writer:
        if self._thread is not None:
            raise RuntimeError("Writer.start: already started")
        self._thread = threading.Thread(target=self._run, name="classpulse-writer", daemon=True)
        self._thread.start()
        return self

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._obs) + len(self._health)

    def submit_observations(
        self, records: list[ObservationRecord], block: bool = False, timeout: float | None = None
    ) -> bool:
        """Queue one frame's records. False (and counted in ``dropped``) if the buffer is full:
        the whole list is dropped so a frame is never half-stored. ``block=True`` (replaying a
        file, filling a demo DB) first waits up to ``timeout`` for room instead."""
        if not records:
            return True
        n = len(records)
        with self._cond:
            if block and len(self._obs) + n > self.max_buffer:
                self._cond.wait_for(lambda: len(self._obs) + n <= self.max_buffer, timeout)
            if len(self._obs) + n > self.max_buffer:
                self.dropped += n
                self._drops_unlogged += n
                queued = len(self._obs)
            else:
                self._obs.extend(records)
                self._mark_pending()
                return True
        self._log_drop(queued)
        return False

    def _log_drop(self, queued: int) -> None:
        """ERROR-log drops, outside the lock and at most once a second so a full buffer cannot
        flood (or block on) stderr; the count covers every drop since the last line."""
        now = time.monotonic()
        with self._cond:
            if now - self._last_drop_log < 1.0:
                return
            self._last_drop_log, n, self._drops_unlogged = now, self._drops_unlogged, 0
        log.error(
            "storage writer buffer full (%d/%d queued, last error: %s): DROPPED %d observations "
            "(%d dropped in total)", queued, self.max_buffer, self.last_error, n, self.dropped,
        )

    def submit_health(self, rec: HealthRecord) -> bool:
        with self._cond:
            full = len(self._health) >= self.max_buffer
            if full:
                self.dropped += 1
                self._drops_unlogged += 1
            else:
                self._health.append(rec)
                self._mark_pending()
                return True
        self._log_drop(len(self._obs))
        return False

    def _mark_pending(self) -> None:
        """Wake the thread when the buffer stops being empty (it then times the flush
        interval) and when a full batch is ready."""
        if self._pending_since is None:
            self._pending_since = time.monotonic()
            self._cond.notify_all()
        elif len(self._obs) >= self.batch_size:
            self._cond.notify_all()

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until everything submitted so far is committed. False on timeout."""
        if self._thread is None or not self._thread.is_alive():
            raise RuntimeError("Writer.flush: the writer thread is not running (call start())")
        with self._cond:
            self._flush_waiters += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(
                    lambda: not self._obs and not self._health and not self._busy, timeout
                )
            finally:
                self._flush_waiters -= 1

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Flush and stop the thread. False if records were still unwritten at the timeout."""
        if self._thread is None:
            return not self._obs and not self._health
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():  # the DB is still down: give up at the next backoff
            self._abandoned = True
            self._thread.join(self.max_backoff_s + 1)
        left = self.pending
        if left:
            log.error("storage writer stopped with %d records NOT written (last error: %s)",
                      left, self.last_error)
        return left == 0 and not self._thread.is_alive()

    # ----- writer thread -------------------------------------------------------------------
    def _take_batch(self) -> tuple[list[ObservationRecord], list[HealthRecord]] | None:
        """Wait until a batch is due, then copy it (it leaves the buffer only once committed)."""
        with self._cond:
            while True:
                has = bool(self._obs or self._health)
                if self._stopping and not has:
                    return None
                if has:
                    age = time.monotonic() - (self._pending_since or time.monotonic())
                    if (len(self._obs) >= self.batch_size or self._stopping
                            or self._flush_waiters or age >= self.flush_interval_s):
                        self._busy = True
                        n = min(len(self._obs), self.batch_size)
                        obs = list(islice(self._obs, n))  # deque[i] is O(i): islice is O(n)
                        health = list(islice(self._health, 1000))
                        return obs, health
                    self._cond.wait(self.flush_interval_s - age)
                else:
                    self._cond.wait()

    def _run(self) -> None:
        backoff = 0.05
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            obs, health = batch
            try:
                done = self._write_or_salvage(obs, health)
            except RETRYABLE as e:
                self._failed(f"{type(e).__name__}: {e.orig if hasattr(e, 'orig') else e}")
                if self._sleep_or_stop(backoff):
                    return
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            backoff = 0.05
            self._committed(len(obs), len(health), *done)

    def _write_or_salvage(
        self, obs: list[ObservationRecord], health: list[HealthRecord]
    ) -> tuple[int, int, int]:
        """Write a batch; if the database rejects it for good (not a lock or outage), write its
        halves separately, so one bad record (say, for a session deleted meanwhile) costs only
        itself and not thousands of good ones. Returns (obs written, health written, dropped).
        Retrying halves is safe because every insert is idempotent."""
        try:
            self._write(obs, health)
            return len(obs), len(health), 0
        except RETRYABLE:
            raise
        except Exception as e:  # noqa: BLE001 - any rejection: isolate it, count it, log it
            self._pids.clear()  # ids created in the rolled-back transaction are not real
            gone = self._missing_sessions({r.session_id for r in obs} | {h.session_id for h in health})
            if gone:  # deleted while recording: one log line, not one per record
                keep_obs = [r for r in obs if r.session_id not in gone]
                keep_health = [h for h in health if h.session_id not in gone]
                n_gone = len(obs) + len(health) - len(keep_obs) - len(keep_health)
                log.error("storage writer: DROPPED %d records of deleted session(s) %s",
                          n_gone, sorted(gone))
                with self._cond:
                    self.last_error = f"{type(e).__name__}: session(s) {sorted(gone)} not found"
                written = self._write_or_salvage(keep_obs, keep_health) if (
                    keep_obs or keep_health) else (0, 0, 0)
                return written[0], written[1], written[2] + n_gone
            if len(obs) + len(health) == 1:
                log.error("storage writer: record REJECTED and dropped: %s: %s",
                          type(e).__name__, e)
                with self._cond:
                    self.last_error = f"{type(e).__name__}: {e}"
                return 0, 0, 1
        if obs and health:
            parts = [(obs, []), ([], health)]
        elif obs:
            parts = [(obs[: len(obs) // 2], []), (obs[len(obs) // 2 :], [])]
        else:
            parts = [([], health[: len(health) // 2]), ([], health[len(health) // 2 :])]
        totals = [0, 0, 0]
        for part_obs, part_health in parts:
            for i, v in enumerate(self._write_or_salvage(part_obs, part_health)):
                totals[i] += v
        return totals[0], totals[1], totals[2]

    def _failed(self, message: str) -> None:
        with self._cond:
            self.retries += 1
            self.last_error = message
            self._busy = False
            self._cond.notify_all()
        log.warning("storage writer: write failed, keeping %d records and retrying: %s",
                    self.pending, message)

    def _sleep_or_stop(self, seconds: float) -> bool:
        """Back off. True once stop() has timed out waiting for the database: then the thread
        ends and the unwritten records are reported by stop() instead of retried forever."""
        time.sleep(seconds)
        return self._abandoned

    def _missing_sessions(self, ids: set[int]) -> set[int]:
        table = ClassSession.__table__
        with self.engine.connect() as conn:
            found = set(conn.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())
        return ids - found

    def _committed(
        self, n_obs: int, n_health: int, obs_written: int, health_written: int, dropped: int
    ) -> None:
        """The batch's records leave the buffer only now, after their transaction(s)."""
        with self._cond:
            for _ in range(n_obs):
                self._obs.popleft()
            for _ in range(n_health):
                self._health.popleft()
            self.written += obs_written
            self.health_written += health_written
            self.dropped += dropped
            self._pending_since = time.monotonic() if (self._obs or self._health) else None
            self._busy = False
            self._cond.notify_all()

    def _write(self, obs: list[ObservationRecord], health: list[HealthRecord]) -> None:
        with self.engine.begin() as conn:
            new_ids = self._resolve_participants(conn, obs)
            ids = {**self._pids, **new_ids}
            if obs:
                row, clip = observation_row, _clip_key
                rows = [row(r, ids[(r.session_id, clip(r.participant_key))]) for r in obs]
                # executemany: psycopg 3 pipelines it; measured faster here than one
                # INSERT ... SELECT FROM unnest(arrays) (client CPU 80k vs 57k rows/s).
                conn.exec_driver_sql(self._obs_sql, rows)
            if health:
                conn.exec_driver_sql(self._health_sql, [health_row(h) for h in health])
        self._pids.update(new_ids)  # only after the commit: a rolled-back id is not real

    def _resolve_participants(self, conn, obs: list[ObservationRecord]) -> dict:  # noqa: ANN001
        """Create unseen participants and refresh last_seen/name/tile order of those in the
        batch. Returns ids created or looked up in this transaction."""
        latest: dict[tuple[int, str], ObservationRecord] = {}
        first: dict[tuple[int, str], datetime] = {}
        for r in obs:
            k = (r.session_id, r.participant_key)
            prev = latest.get(k)
            if prev is None:
                latest[k] = r
                first[k] = r.ts
            elif r.ts >= prev.ts:
                latest[k] = r
            elif r.ts < first[k]:
                first[k] = r.ts
        # Clip keys to the column length only once per participant, not per record.
        latest = {(sid, _clip_key(key)): r for (sid, key), r in latest.items()}
        first = {(sid, _clip_key(key)): ts for (sid, key), ts in first.items()}
        missing = [k for k in latest if k not in self._pids]
        new_ids: dict[tuple[int, str], int] = {}
        table = Participant.__table__
        if missing:
            conn.execute(_upsert_ignore(conn, table, ("session_id", "key")), [
                {"session_id": sid, "key": key, "display_name": _name(latest[(sid, key)]),
                 "tile_order": latest[(sid, key)].tile_order, "first_seen": first[(sid, key)],
                 "last_seen": latest[(sid, key)].ts}
                for sid, key in missing
            ])
            for sid in {k[0] for k in missing}:
                keys = [k[1] for k in missing if k[0] == sid]
                for start in range(0, len(keys), 500):
                    q = select(table.c.id, table.c.key).where(
                        table.c.session_id == sid, table.c.key.in_(keys[start : start + 500]))
                    for pid, key in conn.execute(q):
                        new_ids[(sid, key)] = int(pid)
        if not latest:  # a health-only batch (capture offline, empty screen): nothing to update
            return new_ids
        ids = {**self._pids, **new_ids}
        stmt = (
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values(last_seen=bindparam("ls"), display_name=bindparam("dn"),
                    tile_order=bindparam("to"))
        )
        conn.execute(stmt, [
            {"pid": ids[k], "ls": r.ts, "dn": _name(r), "to": r.tile_order}
            for k, r in latest.items()
        ])
        return new_ids


# Names are read off the screen and students control them: a 10,000-character name must not
# make PostgreSQL reject (and the writer drop) the whole batch with "value too long".
_KEY_LEN = Participant.__table__.c.key.type.length
_NAME_LEN = Participant.__table__.c.display_name.type.length


def _clip_key(key: str) -> str:
    return key if len(key) <= _KEY_LEN else key[:_KEY_LEN]


def _name(rec: ObservationRecord) -> str:
    return (rec.display_name or "")[:_NAME_LEN]


def _upsert_ignore(conn, table, keys: tuple[str, ...]):  # noqa: ANN001, ANN202
    """Core INSERT ... ON CONFLICT (keys) DO NOTHING for the connection's dialect."""
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert(table).on_conflict_do_nothing(index_elements=list(keys))
