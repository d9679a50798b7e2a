"""``statement_timeout`` cancels a blocked statement with a clear error; the saver recovers.

Another connection holds an exclusive lock on the checkpoints table, so ``put`` and
``get_tuple`` block until the server cancels them. No timing is asserted: only that the
statement fails with the server's statement-timeout error instead of waiting forever,
and that the same saver works once the lock is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from lgpg_workers import config, make_checkpoint
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

TIMEOUT = 0.3
CANCELLED = "statement timeout"


@contextmanager
def _table_locked(uri: str, schema: str) -> Iterator[None]:
    with psycopg.connect(uri) as blocker:
        blocker.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                sql.Identifier(schema, "lg_checkpoints")
            )
        )
        yield
        blocker.rollback()


def _put(saver: Any, thread_id: str, previous: dict[str, Any] | None = None) -> Any:
    cp, versions = make_checkpoint(saver, {"messages": [{"a": 1}, {"b": 2}], "n": 1}, previous)
    return cp, (config(thread_id), cp, {"source": "input"}, versions)


def _check_sync(saver: PostgresSaver, uri: str, schema: str) -> None:
    saver.setup()
    first, args = _put(saver, "t")
    saver.put(*args)
    with _table_locked(uri, schema):
        second, args = _put(saver, "t", first)
        with pytest.raises(psycopg.errors.QueryCanceled, match=CANCELLED):
            saver.put(*args)
        with pytest.raises(psycopg.errors.QueryCanceled, match=CANCELLED):
            saver.get_tuple(config("t"))
    # nothing was stored half-way, and the saver is usable again
    got = saver.get_tuple(config("t"))
    assert got is not None and got.checkpoint["id"] == first["id"]
    saver.put(*args)
    got = saver.get_tuple(config("t"))
    assert got is not None and got.checkpoint["id"] == second["id"]
    assert len(list(saver.list(config("t")))) == 2


def test_timeout_single_connection(pg_uri: str, pg_schema: str) -> None:
    with psycopg.connect(pg_uri) as conn:
        _check_sync(
            PostgresSaver(conn, schema=pg_schema, statement_timeout=TIMEOUT), pg_uri, pg_schema
        )


def test_timeout_from_conn_string(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(
        pg_uri, schema=pg_schema, statement_timeout=TIMEOUT
    ) as saver:
        _check_sync(saver, pg_uri, pg_schema)


def test_timeout_through_a_pool_recovers(pg_uri: str, pg_schema: str) -> None:
    with ConnectionPool(pg_uri, min_size=1, max_size=2, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema, statement_timeout=TIMEOUT)
        _check_sync(saver, pg_uri, pg_schema)
        # the pool's connections are healthy afterwards
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


async def test_timeout_async(pg_uri: str, pg_schema: str) -> None:
    async with AsyncConnectionPool(pg_uri, min_size=1, max_size=2, open=False) as pool:
        saver = AsyncPostgresSaver(pool, schema=pg_schema, statement_timeout=TIMEOUT)
        await saver.setup()
        first, args = _put(saver, "t")
        await saver.aput(*args)
        async with await psycopg.AsyncConnection.connect(pg_uri) as blocker:
            await blocker.execute(
                sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                    sql.Identifier(pg_schema, "lg_checkpoints")
                )
            )
            second, args = _put(saver, "t", first)
            with pytest.raises(psycopg.errors.QueryCanceled, match=CANCELLED):
                await saver.aput(*args)
            await blocker.rollback()
        await saver.aput(*args)
        got = await saver.aget_tuple(config("t"))
        assert got is not None and got.checkpoint["id"] == second["id"]


def test_without_timeout_nothing_is_set(pg_uri: str, pg_schema: str) -> None:
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        saver = PostgresSaver(conn, schema=pg_schema)
        saver.setup()
        _, args = _put(saver, "t")
        saver.put(*args)
        row = conn.execute("SHOW statement_timeout").fetchone()
        assert row is not None and row[0] == "0"
