"""Trial outcomes of the fault tests, appended as JSON lines so ``bench/fault_report.py`` (and
the lead's closing note) can print the table: fault -> trials -> survived -> rows lost.

Why a file and not pytest output: one test runs many trials, and a failing assertion would hide
the trials before it; every trial is recorded the moment it ends, pass or fail.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = "CLASSPULSE_FAULT_LOG"


def log_path() -> Path:
    """``$CLASSPULSE_FAULT_LOG``, else runs/reliability/faults.jsonl (runs/ is git-ignored)."""
    env = os.environ.get(ENV, "").strip()
    return Path(env) if env else ROOT / "runs" / "reliability" / "faults.jsonl"


def record(fault: str, survived: bool, rows_lost: int | None, **detail: object) -> None:
    """Append one trial. ``survived``: the product met every promise for this trial;
    ``rows_lost`` None: not measurable in this trial (no side log of submitted rows)."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {"fault": fault, "survived": bool(survived),
           "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **detail}
    row["rows_lost"] = None if rows_lost is None else int(rows_lost)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, default=str) + "\n")


def summarise(path: Path | None = None) -> list[tuple[str, int, int, int | None]]:
    """(fault, trials, survived, rows lost or None if never measured) per fault, in first-seen
    order."""
    path = path or log_path()
    table: dict[str, list] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            t = table.setdefault(row["fault"], [0, 0, None])
            t[0] += 1
            t[1] += bool(row["survived"])
            if row.get("rows_lost") is not None:
                t[2] = (t[2] or 0) + int(row["rows_lost"])
    return [(fault, *vals) for fault, vals in table.items()]
