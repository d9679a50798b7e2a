"""Savers without server-side prepared statements (``prepare=False``, PgBouncer).

Their hot statements run as functions that ``setup()`` stores (``_sql.Routine``): the server
caches a function's plan per connection, where an unprepared statement is parsed and
planned on every call.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from lgpg_workers import config, make_checkpoint
from psycopg import sql

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver


def _step(saver: Any, thread: str, previous: dict[str, Any] | None, n: int) -> dict[str, Any]:
    values = {"messages": [{"text": f"m{i}"} for i in range(n + 2)], "n": n}
    cp, versions = make_checkpoint(saver, values, previous)
    parent = previous["id"] if previous else None
    saved = saver.put(config(thread, parent), cp, {"source": "loop", "step": n}, versions)
    saver.put_writes(saved, [("n", n), ("out", f"w{n}")], f"task-{n}")
    return cp


def _run(saver: Any, steps: int) -> Any:
    """``steps`` steps of thread ``t``; returns its latest tuple, checked."""
    previous = None
    for n in range(steps):
        previous = _step(saver, "t", previous, n)
    got = saver.get_tuple(config("t"))
    last = steps - 1
    assert got is not None and got.checkpoint["channel_values"]["n"] == last
    assert got.pending_writes == [(f"task-{last}", "n", last), (f"task-{last}", "out", f"w{last}")]
    return got


def _calls(conn: psycopg.Connection[Any], schema: str) -> dict[str, int]:
    rows = conn.execute(
        "SELECT funcname, calls FROM pg_stat_user_functions WHERE schemaname = %s", (schema,)
    ).fetchall()
    return {name.rsplit("_", 1)[0]: calls for name, calls in rows}


def test_unprepared_saver_calls_the_routines(pg_uri: str, pg_schema: str) -> None:
    with psycopg.connect(pg_uri, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SET track_functions = 'pl'")
        saver = PostgresSaver(conn, schema=pg_schema, prepare=False)
        saver.setup()
        got = _run(saver, 4)
        older = saver.get_tuple(config("t", got.parent_config["configurable"]["checkpoint_id"]))  # type: ignore[index]
        assert older is not None and older.checkpoint["channel_values"]["n"] == 2
        assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
        conn.execute("SELECT pg_stat_force_next_flush()")  # flushed as this statement ends
        conn.execute("SELECT pg_stat_clear_snapshot()")
        assert _calls(conn, pg_schema) == {
            "lg_put": 4,
            "lg_put_writes": 4,
            "lg_get_latest": 1,
            "lg_get_by_id": 1,
        }


def test_without_the_routines_statements_are_used(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        names = [r.name for r in saver._stmts.routines]
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        for name in names:  # as if an earlier release had run setup()
            conn.execute(sql.SQL("DROP FUNCTION {}").format(sql.Identifier(pg_schema, name)))
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, prepare=False) as saver:
        _run(saver, 3)
        assert saver._routines is False
        saver.setup()  # creates them
        assert saver._routines is True
        got = saver.get_tuple(config("t"))
        assert got is not None and got.checkpoint["channel_values"]["n"] == 2


async def test_async_unprepared_saver(pg_uri: str, pg_schema: str) -> None:
    async with await psycopg.AsyncConnection.connect(
        pg_uri, autocommit=True, prepare_threshold=None
    ) as conn:
        saver = AsyncPostgresSaver(conn, schema=pg_schema, prepare=False)
        await saver.setup()
        previous = None
        for n in range(3):
            values = {"messages": [{"text": f"m{i}"} for i in range(n + 2)], "n": n}
            cp, versions = make_checkpoint(saver, values, previous)
            parent = previous["id"] if previous else None
            saved = await saver.aput(config("t", parent), cp, {"step": n}, versions)  # type: ignore[arg-type]
            await saver.aput_writes(saved, [("n", n)], "task")
            previous = cp
        got = await saver.aget_tuple(config("t"))
        assert got is not None and got.checkpoint["channel_values"]["n"] == 2
        assert got.pending_writes == [("task", "n", 2)]
        cur = await conn.execute("SELECT count(*) FROM pg_prepared_statements")
        assert await cur.fetchone() == (0,)
        assert saver._routines is True


@pytest.mark.parametrize("schema", [None, "given"])
def test_routine_names_follow_the_statements(schema: str | None) -> None:
    from langgraph.checkpoint.postgres._sql import Statements

    a, b = Statements.build(schema), Statements.build(schema)
    assert [r.name for r in a.routines] == [r.name for r in b.routines]
    assert set(a.calls) == {a.get_latest, a.get_by_id, a.put, a.put_writes}
    other = Statements.build("other")
    assert [r.name for r in other.routines] != [r.name for r in a.routines]


@pytest.mark.parametrize("options", [{"pipeline": True}, {"statement_timeout": 5.0}])
def test_unprepared_with_pipeline_or_timeout(
    pg_uri: str, pg_schema: str, options: dict[str, Any]
) -> None:
    with PostgresSaver.from_conn_string(
        pg_uri, schema=pg_schema, prepare=False, **options
    ) as saver:
        saver.setup()
        _run(saver, 3)
        assert saver._routines is True
