"""Run the fault trials (tests/reliability) and print the table for the closing note:
fault -> trials -> survived -> rows lost.

Usage: python -m bench.fault_report [--no-run] [--log FILE] [-- extra pytest args]
``--no-run`` only prints the table of an existing log (default runs/reliability/faults.jsonl).
Rows lost "n/a": that trial has no side log of submitted rows to count against.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.reliability import faultlog

ROOT = Path(__file__).resolve().parents[1]


def table(path: Path) -> str:
    rows = faultlog.summarise(path)
    head = ("fault", "trials", "survived", "rows lost")
    body = [(f, str(t), str(s), "n/a" if lost is None else str(lost)) for f, t, s, lost in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(4)]
    fmt = "| " + " | ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*head) + " |", "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [fmt.format(*r) + " |" for r in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-run", action="store_true", help="print the table of an existing log")
    ap.add_argument("--log", type=Path, default=None, help="trial log (JSON lines)")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    if args.no_run:
        path = args.log or faultlog.log_path()
        print(table(path))
        return 0
    path = args.log or Path(tempfile.mkdtemp(prefix="classpulse-faults-")) / "faults.jsonl"
    path.unlink(missing_ok=True)
    env = {**os.environ, faultlog.ENV: str(path)}
    cmd = [sys.executable, "-m", "pytest", "tests/reliability", "-q", "-p", "no:cacheprovider",
           *args.pytest_args]
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"\nfault trials (log: {path}):")
    print(table(path))
    return code


if __name__ == "__main__":
    sys.exit(main())
