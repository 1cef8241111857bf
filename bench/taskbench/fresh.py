"""One Taskward on a fresh database, for the single-server benchmarks (bench/calendars,
bench/recurring, bench/mcp, bench/reminders): the backends a run covers, and a started
server on a new SQLite file or a new PostgreSQL database, stopped and dropped afterwards."""

from __future__ import annotations

import os
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .servers import Server, taskward_server

REPO = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-bench-secret-bench-secret-0123"


def release_binary() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release" / "taskward"


def backends(sqlite: str = "SQLite", postgres: str = "PostgreSQL") -> list[tuple[str, str | None]]:
    """SQLite, and PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server
    this run may create databases on: (name, server URL or None)."""
    out: list[tuple[str, str | None]] = [(sqlite, None)]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        out.append((postgres, pg))
    return out


@contextmanager
def taskward_on(binary: Path, pg_url: str | None, label: str,
                env: dict[str, str] | None = None) -> Iterator[tuple[Server, Path]]:
    """A started Taskward and its working directory, on a new SQLite file there (pg_url
    None) or a new database `bench_<label>_<pid>` on pg_url's server; `env` adds or
    overrides settings."""
    with tempfile.TemporaryDirectory(prefix=f"taskward-{label}-") as tmp:
        workdir = Path(tmp)
        name = f"bench_{label}_{os.getpid()}"
        if pg_url is None:
            database = f"sqlite://{workdir / 'bench.db'}"
        else:
            subprocess.run(["psql", pg_url, "-qc", f"CREATE DATABASE {name}"], check=True)
            database = pg_url.rsplit("/", 1)[0] + "/" + name
        server = taskward_server(binary, database, workdir, SECRET)
        server.env.update(env or {})
        try:
            server.start()
            yield server, workdir
        finally:
            server.stop()
            if pg_url is not None:
                subprocess.run(["psql", pg_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)
