"""bench/fuzz_pipeline: the long hypothesis run of grid -> names -> faces on rendered galleries.

The default test suite runs the same properties (tests/classpulse/test_pipeline_properties.py)
with a handful of examples and the small ``eng`` OCR model, to stay fast. This runs them with
many examples and the OCR language ClassPulse would really use, for before a release or after a
change to grid detection, OCR or the renderer:

    .venv/bin/python -m bench.fuzz_pipeline --examples 300
    .venv/bin/python -m bench.fuzz_pipeline --examples 50 --lang kor+eng --seed 1

A failure prints the smallest gallery that breaks, and a ``@reproduce_failure`` blob.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = "tests/classpulse/test_pipeline_properties.py"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=300, help="examples per property")
    ap.add_argument("--lang", default="", help="tesseract languages (default: NameReader's)")
    ap.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    ap.add_argument("-k", default=None, help="only properties matching this pytest -k")
    args = ap.parse_args(argv)
    env = {**os.environ, "CLASSPULSE_HYPOTHESIS_PROFILE": "classpulse-fuzz",
           "CLASSPULSE_FUZZ_EXAMPLES": str(args.examples), "CLASSPULSE_FUZZ_LANG": args.lang,
           "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    cmd = [sys.executable, "-m", "pytest", TESTS, "-q", "-p", "no:cacheprovider",
           "--hypothesis-show-statistics", "-o", "timeout=0"]
    if args.seed is not None:
        cmd.append(f"--hypothesis-seed={args.seed}")
    if args.k:
        cmd += ["-k", args.k]
    t0 = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"fuzz_pipeline: {args.examples} examples per property, lang "
          f"{args.lang or 'default'}: {'ok' if rc == 0 else 'FAILED'} in "
          f"{time.monotonic() - t0:.0f} s", flush=True)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
