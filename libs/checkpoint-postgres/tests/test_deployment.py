"""Deployment behaviour: concurrent setup(), dropped pool connections, schema option."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from langgraph.checkpoint.postgres import PostgresSaver

_SETUP = (
    "import sys; from langgraph.checkpoint.postgres import PostgresSaver\n"
    "with PostgresSaver.from_conn_string(sys.argv[1], schema=sys.argv[2]) as s: s.setup()\n"
)


@pytest.mark.slow
def test_setup_from_ten_processes(pg_uri: str, pg_schema: str) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", _SETUP, pg_uri, pg_schema]) for _ in range(10)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 10
    with psycopg.connect(pg_uri) as conn:
        rows = conn.execute(
            psycopg.sql.SQL("SELECT v FROM {} ORDER BY v").format(
                psycopg.sql.Identifier(pg_schema, "lg_migrations")
            )
        ).fetchall()
    assert [r[0] for r in rows] == list(range(len(rows))) and len(rows) > 1


def test_pool_survives_terminated_backend(pg_uri: str, pg_schema: str) -> None:
    with ConnectionPool(pg_uri, min_size=1, max_size=1, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()
        assert saver.get_tuple({"configurable": {"thread_id": "x"}}) is None
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        with psycopg.connect(pg_uri, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        # the pooled connection is dead: the saver retries once on a fresh one
        assert saver.get_tuple({"configurable": {"thread_id": "x"}}) is None
        assert list(saver.list(None)) == []


def test_own_connection_reconnects_after_termination(pg_uri: str, pg_schema: str) -> None:
    """A ``from_conn_string`` saver whose connection the server dropped reports the loss
    once (a write may not be retried blindly) and reconnects on its next call."""
    cfg = {"configurable": {"thread_id": "x", "checkpoint_ns": ""}}
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        assert saver.get_tuple(cfg) is None
        assert saver.conn is not None
        first = saver.conn
        with psycopg.connect(pg_uri, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first.info.backend_pid,))
        with pytest.raises(psycopg.OperationalError):
            saver.get_tuple(cfg)
        assert saver.get_tuple(cfg) is None  # a new connection, a new cursor
        assert saver.conn is not first and not saver.conn.closed
        assert list(saver.list(None)) == []
