"""The server does not JIT-compile the saver's statements.

PostgreSQL JIT-compiles a plan whose estimated cost exceeds ``jit_above_cost`` (100,000
by default; JIT is on by default where the server has LLVM). Compiling a read costs
hundreds of milliseconds, and a prepared statement is planned afresh for each of its
first five executions on a connection: a saver whose list page was estimated above the
threshold took 350-500 ms for each of the first five ``list()`` calls of every
connection, against 10 ms afterwards. The reads' estimates are checked here, so the test
holds on servers built without LLVM too. The garbage collection of ``prune`` and
``delete_for_runs`` is estimated by the size of the threads (280-470 ms of compiling for
a 1,000-checkpoint thread it collects in 70 ms): it runs with ``jit`` off for its
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres import PostgresSaver

JIT_ABOVE_COST = 100_000  # the server default of jit_above_cost
HISTORY = 200
THREADS = ("long", *(f"short{i}" for i in range(40)))


@pytest.fixture
def saver(pg_uri: str, pg_schema: str) -> Iterator[PostgresSaver]:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        for thread in THREADS:
            steps = HISTORY if thread == "long" else 5
            parent: str | None = None
            messages: list[dict[str, Any]] = []
            for step in range(steps):
                messages = [*messages, {"role": "user", "content": f"{thread} {step}"}]
                cp = empty_checkpoint()
                cp["channel_values"] = {"messages": messages, "step": step}
                cp["channel_versions"] = {"messages": step + 1, "step": step + 1}
                configurable = {"thread_id": thread, "checkpoint_ns": ""}
                if parent is not None:
                    configurable["checkpoint_id"] = parent
                saved = saver.put(
                    {"configurable": configurable},
                    cp,
                    {"source": "loop", "step": step},
                    dict(cp["channel_versions"]),
                )
                saver.put_writes(saved, [("messages", [{"role": "ai"}]), ("step", 1)], "task")
                parent = cp["id"]
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            conn.execute(sql.SQL("ANALYZE {}.lg_checkpoints").format(sql.Identifier(pg_schema)))
            conn.execute(sql.SQL("ANALYZE {}.lg_elements").format(sql.Identifier(pg_schema)))
            conn.execute(sql.SQL("ANALYZE {}.lg_writes").format(sql.Identifier(pg_schema)))
        yield saver


def _reads(saver: PostgresSaver) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """Each read statement the saver sends, with the parameters it sends them with."""
    latest = {"configurable": {"thread_id": "long"}}
    stmt, params, _ = saver._get_params(latest)
    yield "get_tuple latest", stmt, params
    middle = list(saver.list(latest))[HISTORY // 2].config
    stmt, params, _ = saver._get_params(middle)
    yield "get_tuple by id", stmt, params
    for name, config, kwargs in (
        ("list, first page", latest, {}),
        ("list, largest page", latest, {"_produced": 10_000}),
        ("list limit=10", latest, {"limit": 10}),
        ("list before", latest, {"before": middle}),
        ("list filter", latest, {"filter": {"source": "loop"}}),
        ("list every thread", None, {"_produced": 10_000}),
    ):
        produced = kwargs.pop("_produced", 0)
        plan = codec.plan_list(config, **kwargs)
        stmt, params, _ = saver._list_query(plan)
        params["page_size"] = codec.page_size(plan, produced)
        yield name, stmt, params


def test_reads_are_estimated_below_the_jit_threshold(saver: PostgresSaver) -> None:
    assert saver.conn is not None
    costs: dict[str, float] = {}
    compiled: list[str] = []
    with saver.conn.cursor(binary=True) as cur:
        cur.execute(sql.SQL("SET jit_above_cost = {}").format(sql.Literal(JIT_ABOVE_COST)))
        for name, stmt, params in _reads(saver):
            cur.execute(b"EXPLAIN (FORMAT JSON) " + stmt, params)
            row = cur.fetchone()
            assert row is not None
            costs[name] = row[0][0]["Plan"]["Total Cost"]
            if "JIT" in row[0][0]:  # only where the server can compile
                compiled.append(name)
        cur.execute("RESET jit_above_cost")
    assert len(costs) == 8
    too_costly = {name: cost for name, cost in costs.items() if cost >= JIT_ABOVE_COST}
    assert not too_costly, f"estimated above jit_above_cost: {too_costly}"
    assert not compiled


def _jit(cur: psycopg.Cursor[Any]) -> str:
    row = cur.execute("SELECT current_setting('jit')").fetchone()
    assert row is not None
    return str(row[0])


def test_garbage_collection_runs_without_jit(
    saver: PostgresSaver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert saver.conn is not None
    with saver.conn.cursor() as cur:
        before = _jit(cur)
    gc, execute = saver._stmts.gc_elements, psycopg.Cursor.execute
    during: list[str] = []

    def spy(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if query is gc:
            during.append(_jit(self))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy)
    saver.prune(["long", "short0"], keep=10)
    monkeypatch.undo()
    assert during == ["off"]
    with saver.conn.cursor() as cur:
        assert _jit(cur) == before  # only the collection's transaction
    assert len(list(saver.list({"configurable": {"thread_id": "long"}}))) == 10
    assert len(list(saver.list({"configurable": {"thread_id": "short0"}}))) == 5
