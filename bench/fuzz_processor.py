"""The long fuzz profile: tests/reliability/test_fuzz_processor.py with many hypothesis examples,
new random cases every run, and the real tesseract name reader (``make test`` runs a short, fixed
profile with drawn names instead).

Usage: python -m bench.fuzz_processor [--examples 200] [--no-ocr] [--log FILE]
Prints the fault table rows of the run: property -> cases -> survived (0 exceptions escaped).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/reliability/test_fuzz_processor.py"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=200, help="hypothesis examples per property")
    ap.add_argument("--no-ocr", action="store_true", help="drawn names instead of tesseract")
    ap.add_argument("--log", type=Path, default=None, help="trial log (JSON lines)")
    args = ap.parse_args(argv)
    log = args.log or Path(tempfile.mkdtemp(prefix="classpulse-fuzz-")) / "faults.jsonl"
    log.unlink(missing_ok=True)
    env = {**os.environ, "CLASSPULSE_FAULT_LOG": str(log), "CLASSPULSE_FUZZ_PROFILE": "bench",
           "CLASSPULSE_FUZZ_EXAMPLES": str(args.examples),
           "CLASSPULSE_FUZZ_OCR": "0" if args.no_ocr else "1", "OMP_THREAD_LIMIT": "1"}
    cmd = [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider",
           "-k", "not extremes_themselves"]
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"\nfuzz run (log: {log}; {args.examples} examples per property, "
          f"{'drawn names' if args.no_ocr else 'tesseract'}):")
    print("| property | cases | survived | exceptions escaped |")
    print("|---|---:|---|---:|")
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        row = json.loads(line)
        print(f"| {row['fault']} | {row.get('cases', '?')} | {'yes' if row['survived'] else 'NO'} "
              f"| {0 if row['survived'] else '≥ 1'} |")
    return code


if __name__ == "__main__":
    sys.exit(main())
