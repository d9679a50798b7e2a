"""Postgres test fixtures: a server per parameter (pg15, pg18, ...), a database per session.

See ``lgpg_servers.py`` for how servers are found (``POSTGRES_URI``, 127.0.0.1:5432, the
embedded PostgreSQL 18 of ``tools/pg_embedded.py``, testcontainers) and
``LANGGRAPH_TEST_POSTGRES`` for choosing them. Without a server every Postgres test fails
with instructions; none is skipped silently.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

sys.path.insert(0, str(Path(__file__).parent))

import lgpg_servers  # noqa: E402

SERVERS, WHY_NONE = lgpg_servers.discover()
_schemas = itertools.count()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    lgpg_servers.stop_containers()


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not SERVERS:
        return ["postgres: NONE FOUND"]
    return [f"postgres: {s.id} ({s.source})" for s in SERVERS]


@pytest.fixture(
    scope="session",
    params=SERVERS or [None],
    ids=[s.id for s in SERVERS] or ["no-postgres"],
)
def pg_server(request: pytest.FixtureRequest) -> lgpg_servers.Server:
    """One of the discovered servers (tests run once per server)."""
    server: lgpg_servers.Server | None = request.param
    if server is None:
        pytest.fail(WHY_NONE, pytrace=False)
    return server


@pytest.fixture(scope="session")
def pg_uri(pg_server: lgpg_servers.Server) -> Iterator[str]:
    """URI of a database created for this session on ``pg_server`` (dropped after)."""
    with lgpg_servers.session_database(pg_server) as uri:
        yield uri


@pytest.fixture(scope="session")
def pg_has_vector(pg_uri: str) -> bool:
    """Whether pgvector can be enabled in the session database."""
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
        return bool(row and row[0])


@pytest.fixture
def pg_schema(pg_uri: str) -> str:
    """A fresh, empty schema name in the session database (created by the saver)."""
    return f"t{os.getpid()}_{next(_schemas)}"


def drop_schema(uri: str, schema: str) -> None:
    """Drop a test schema and everything in it."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
