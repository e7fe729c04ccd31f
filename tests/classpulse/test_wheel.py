"""The built wheel works without the checkout: installed into a fresh venv outside the repository,
``classpulse eval-model`` finds the shipped model inside the installed package and
``classpulse demo --no-dashboard`` writes rows.

No network: the wheel is built without build isolation, installed with ``--no-deps``, and its
dependencies come from the dev venv's site-packages, added to the new venv by a ``.pth`` line
(``--system-site-packages`` alone would reach the base interpreter's packages, not the dev
venv's). That ``.pth`` line does not run the dev venv's editable-install hook, so ``import
classpulse`` must resolve to the wheel's copy, which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _clean_env() -> dict[str, str]:
    """The caller's environment minus anything that points Python back at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    return {**env, "PIP_NO_INDEX": "1", "PYTHONUNBUFFERED": "1"}


def _run(cmd: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd,
                       env=_clean_env(), timeout=timeout)
    assert r.returncode == 0, f"{cmd}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv, outside the checkout, with only the wheel installed in it."""
    base = tmp_path_factory.mktemp("wheel")
    # Built from a copy: an in-tree build leaves build/ behind, whose stale files a later
    # build would pack.
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "runs", "var", "*.db*"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", base / "dist", src], cwd=base)
    wheels = list((base / "dist").glob("classpulse-*.whl"))
    assert len(wheels) == 1, wheels
    env = base / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", env], cwd=base)
    py = env / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "-q", wheels[0]],
         cwd=base)
    # Only now (pip must not see the dev venv's classpulse): the dev venv's packages, as a path.
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=base).stdout.strip())
    (site / "_classpulse_dev_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def test_wheel_ships_the_models_and_not_the_checkpoint(venv: Path, tmp_path: Path):
    r = _run([venv / "bin" / "python", "-c",
              "import classpulse, models; from inference.classifier import DEFAULT_MODEL; "
              "print(classpulse.__file__); print(DEFAULT_MODEL); "
              "print(sorted(p.name for p in DEFAULT_MODEL.parent.iterdir()))"], cwd=tmp_path)
    pkg, model, names = r.stdout.strip().splitlines()
    assert Path(pkg).resolve().is_relative_to(venv.resolve()), pkg
    assert Path(model).resolve().is_relative_to(venv.resolve()), model
    assert "expression.tflite" in names and "expression_fast.tflite" in names, names
    assert "expression.keras" not in names, names


def test_installed_eval_model_uses_the_packaged_model(venv: Path, tmp_path: Path):
    rng = np.random.default_rng(0)
    data = tmp_path / "small.npz"
    np.savez(data, x=rng.integers(0, 256, (24, 48, 48), dtype=np.uint8),
             y=rng.integers(0, 7, 24))
    r = _run([venv / "bin" / "classpulse", "eval-model", "--data", data, "--json"], cwd=tmp_path)
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["n"] == 24, summary
    assert str(venv) in r.stderr, r.stderr  # "evaluating <the venv's models/expression.tflite>"


def test_installed_demo_writes_rows(venv: Path, tmp_path: Path):
    db = tmp_path / "demo.db"
    _run([venv / "bin" / "classpulse", "demo", "--no-dashboard", "--duration", "10", "--db",
          f"sqlite:///{db}"], cwd=tmp_path, timeout=300)
    con = sqlite3.connect(db)
    try:
        obs = con.execute("select count(*) from observation").fetchone()[0]
        faces = con.execute("select count(*) from observation where top_expression is not null"
                            ).fetchone()[0]
    finally:
        con.close()
    assert obs > 0 and faces > 0, (obs, faces)
