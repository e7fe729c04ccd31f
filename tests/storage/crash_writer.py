"""Subprocess for test_crash.py: writes whole-frame batches forever until SIGKILLed.

Usage: python -m tests.storage.crash_writer URL SESSION_ID BATCH PEOPLE
Prints "BEGIN" / "COMMIT" (flushed) around every transaction, so the parent can kill it while a
batch is in flight and then check that it really was.
"""

from __future__ import annotations

import sys

from sqlalchemy import event

from storage.engine import make_engine
from storage.writer import Writer
from tests.storage.test_writer import frames


def main(url: str, sid: int, batch: int, people: int) -> None:
    engine = make_engine(url)
    event.listen(engine, "begin", lambda _conn: print("BEGIN", flush=True))
    event.listen(engine, "commit", lambda _conn: print("COMMIT", flush=True))
    # Only full batches are written (flush interval of an hour): each is exactly batch records.
    writer = Writer(engine, max_buffer=batch * 3, batch_size=batch, flush_interval_s=3600)
    writer.start()
    per_batch = batch // people
    f = 0
    while True:
        recs = [r for frame in frames(sid, f, per_batch, people) for r in frame]
        if not writer.submit_observations(recs, block=True, timeout=60):
            sys.exit(f"crash_writer: buffer stayed full for 60 s ({writer.last_error})")
        f += per_batch


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
