"""A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp dir, listen on
127.0.0.1 and a free port, unix socket inside the temp dir, remove everything on stop.

Why here and not in tests/: the benchmarks (bench/bench_storage.py) and other teams' tests need
the same server. initdb refuses to run as root, so as root every server command runs as the
``postgres`` OS user via ``runuser``.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def find_pg_bin() -> Path | None:
    """Directory holding initdb and pg_ctl ($CLASSPULSE_PG_BIN, Debian's layout, or PATH)."""
    candidates = [os.environ.get("CLASSPULSE_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.append(str(Path(which).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """``start()`` returns an admin URL; ``create_database(name)`` a URL for a fresh database.

    ``durable=False`` (tests) turns fsync off for speed; benchmarks keep PostgreSQL's defaults.
    """

    def __init__(self, bin_dir: Path | None = None, durable: bool = False, port: int | None = None):
        found = bin_dir or find_pg_bin()
        if found is None:
            raise FileNotFoundError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
                "'postgresql' package or set CLASSPULSE_PG_BIN"
            )
        self.bin = Path(found)
        self.durable = durable
        self.port = port or free_port()
        self.root: Path | None = None
        self.running = False

    # ----- helpers -------------------------------------------------------------------------
    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = [*self._as_owner(), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            log = self._log_tail()
            raise RuntimeError(
                f"{' '.join(args[:2])} failed (exit {proc.returncode}): {proc.stderr.strip()} "
                f"{proc.stdout.strip()}\n{log}"
            )

    def _log_tail(self) -> str:
        if self.root and (self.root / "server.log").exists():
            return (self.root / "server.log").read_text(errors="replace")[-2000:]
        return ""

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    # ----- lifecycle -----------------------------------------------------------------------
    def init(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="classpulse-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")

    def start(self) -> str:
        """Init (first time) and start the server; returns the admin database URL."""
        if self.root is None:
            self.init()
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data_dir), "-o", opts,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start", timeout=90)
        self.running = True
        self._wait_ready()
        return self.url()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self._dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, remove: bool = True) -> None:
        """Stop the server (fast shutdown); ``remove`` also deletes the data directory."""
        if self.running and self.root is not None:
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
                          "-w", "stop", timeout=60)
            finally:
                self.running = False
        if remove and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name`` (a plain identifier) and return its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"create_database: expected letters, digits and _, got {name!r}")
        with psycopg.connect(self._dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> TempPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
