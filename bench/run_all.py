"""Runs every benchmark in one go (``make bench``) and prints each one's output.

Each bench is its own module with its own ``--help``; this runner only sequences them so the
numbers in the README can be reproduced with one command. Results land in bench/out/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = ["bench_classifier", "bench_capture", "bench_downscaled", "bench_fallback", "bench_lone",
           "bench_names", "bench_storage",
           "bench_pipeline", "bench_dashboard", "bench_matching", "bench_attendance"]


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    (root / "bench" / "out").mkdir(parents=True, exist_ok=True)
    failed = []
    for name in BENCHES:
        if not (root / "bench" / f"{name}.py").exists():
            print(f"== {name}: missing, skipped", flush=True)
            continue
        print(f"== {name}", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=root)
        if rc:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
