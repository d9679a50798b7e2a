"""Pending writes keyed by their checkpoint row (migration v14): writes that arrive before
their checkpoint, and deletions racing with ``put_writes``."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from lgpg_workers import config, make_checkpoint
from psycopg import sql
from psycopg_pool import ConnectionPool
from test_concurrency import run_in_threads

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver


def _counts(pg_uri: str, schema: str) -> tuple[int, int, int]:
    """(checkpoint rows incl. placeholders, writes rows, writes rows without a checkpoint)."""
    c = sql.Identifier(schema, "lg_checkpoints")
    w = sql.Identifier(schema, "lg_writes")
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT (SELECT count(*) FROM {c}), (SELECT count(*) FROM {w}),"
                " (SELECT count(*) FROM {w} x WHERE NOT EXISTS"
                " (SELECT 1 FROM {c} y WHERE y.sid = x.sid))"
            ).format(c=c, w=w)
        ).fetchone()
    assert row is not None
    return row


def test_writes_before_their_checkpoint(pg_uri: str, pg_schema: str) -> None:
    """Writes for a checkpoint not stored yet (as with ``durability="async"``) are kept
    and show up once it is put; until then nothing reads as a checkpoint."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        first, versions = make_checkpoint(saver, {"n": 1}, None)
        saver.put(config("early"), first, {"step": 0}, versions)  # type: ignore[arg-type]
        second, versions2 = make_checkpoint(saver, {"n": 2}, first)
        saver.put_writes(config("early", second["id"]), [("out", "a")], "task-1")
        saver.put_writes(config("early", second["id"]), [("out", "b"), ("x", 1)], "task-2")
        saver.put_writes(config("early", second["id"]), [("out", "dup")], "task-1")  # kept "a"
        assert _counts(pg_uri, pg_schema) == (2, 2, 0)  # one placeholder row

        latest = saver.get_tuple(config("early"))
        assert latest is not None and latest.checkpoint["id"] == first["id"]
        assert saver.get_tuple(config("early", second["id"])) is None
        assert [t.checkpoint["id"] for t in saver.list(config("early"))] == [first["id"]]
        assert [t.checkpoint["id"] for t in saver.list(None)] == [first["id"]]
        saver.prune(["early"], keep=1)  # the placeholder is not a checkpoint: nothing pruned
        assert _counts(pg_uri, pg_schema) == (2, 2, 0)

        saver.put(config("early", first["id"]), second, {"step": 1}, versions2)  # type: ignore[arg-type]
        got = saver.get_tuple(config("early"))
        assert got is not None and got.checkpoint["id"] == second["id"]
        assert got.checkpoint["channel_values"] == {"n": 2}
        assert sorted(got.pending_writes or []) == [
            ("task-1", "out", "a"),
            ("task-2", "out", "b"),
            ("task-2", "x", 1),
        ]
        assert _counts(pg_uri, pg_schema) == (2, 2, 0)  # the placeholder became the checkpoint

        # writes that come after their checkpoint was pruned hang off a placeholder
        # older than what prune keeps: the next prune deletes it with them
        pruned, versions0 = make_checkpoint(saver, {"n": 0}, None)
        pruned["id"] = "0" + pruned["id"][1:]  # older than every checkpoint of the thread
        saver.put_writes(config("early", pruned["id"]), [("out", "late")], "task-9")
        assert _counts(pg_uri, pg_schema) == (3, 3, 0)
        saver.prune(["early"], keep=2)
        assert _counts(pg_uri, pg_schema) == (2, 2, 0)

        saver.copy_thread("early", "early-copy")
        copied = saver.get_tuple(config("early-copy"))
        assert copied is not None and sorted(copied.pending_writes or []) == sorted(
            got.pending_writes or []
        )
        saver.delete_thread("early")
        saver.delete_thread("early-copy")
        assert _counts(pg_uri, pg_schema) == (0, 0, 0)


async def test_async_writes_before_their_checkpoint(pg_uri: str, pg_schema: str) -> None:
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        cp, versions = make_checkpoint(saver, {"n": 1}, None)
        await saver.aput_writes(config("aearly", cp["id"]), [("out", "w")], "task")
        assert await saver.aget_tuple(config("aearly")) is None
        assert [t async for t in saver.alist(config("aearly"))] == []
        await saver.aput(config("aearly"), cp, {}, versions)  # type: ignore[arg-type]
        got = await saver.aget_tuple(config("aearly"))
        assert got is not None and got.pending_writes == [("task", "out", "w")]
        await saver.adelete_thread("aearly")
    assert _counts(pg_uri, pg_schema) == (0, 0, 0)


def test_copy_never_overwrites_a_checkpoint_with_a_placeholder(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cp, versions = make_checkpoint(saver, {"n": 1}, None)
        saver.put(config("dst"), cp, {}, versions)  # type: ignore[arg-type]
        saver.put_writes(config("src", cp["id"]), [("out", "from src")], "t")  # placeholder
        saver.copy_thread("src", "dst")
        got = saver.get_tuple(config("dst"))
        assert got is not None and got.checkpoint["channel_values"] == {"n": 1}
        assert got.pending_writes == [("t", "out", "from src")]


@pytest.mark.slow
@pytest.mark.parametrize("deleter", ["delete_thread", "prune", "delete_for_runs"])
def test_deletions_racing_with_put_writes_leave_no_orphans(
    pg_uri: str, pg_schema: str, deleter: str
) -> None:
    """Writes stored while their checkpoint is being deleted are deleted with it or kept
    with a (placeholder) checkpoint row, never left unreachable; delete_thread at the end
    leaves nothing."""
    done = threading.Event()
    with ConnectionPool(pg_uri, min_size=3, max_size=3, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()

        def writer() -> None:
            try:
                previous = None
                for i in range(150):
                    cp, versions = make_checkpoint(saver, {"i": i}, previous)
                    meta: dict[str, Any] = {"run_id": f"run-{i % 3}"}
                    saver.put(config("race"), cp, meta, versions)  # type: ignore[arg-type]
                    for task in ("a", "b"):
                        saver.put_writes(config("race", cp["id"]), [("out", i)], task)
                    previous = cp
            finally:
                done.set()

        def delete() -> None:
            while not done.is_set():
                if deleter == "delete_thread":
                    saver.delete_thread("race")
                elif deleter == "prune":
                    saver.prune(["race"], keep=1)
                else:
                    saver.delete_for_runs(["run-0", "run-1", "run-2"])

        run_in_threads(writer, delete)
        assert _counts(pg_uri, pg_schema)[2] == 0
        for item in saver.list(config("race")):
            assert len(item.pending_writes or []) in (0, 1, 2)
        saver.delete_thread("race")
        assert _counts(pg_uri, pg_schema) == (0, 0, 0)


def test_delete_for_runs_does_not_deadlock_with_a_put(pg_uri: str, pg_schema: str) -> None:
    """``delete_for_runs`` takes its threads' locks before deleting rows: a put of a child
    of a checkpoint being deleted waits and then stores the child whole."""
    with (
        PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver,
        PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as deleter,
    ):
        saver.setup()
        messages = [{"text": f"m{i}"} for i in range(30)]
        parent, versions = make_checkpoint(saver, {"messages": messages}, None)
        saver.put(config("dl"), parent, {"run_id": "r1"}, versions)  # type: ignore[arg-type]
        gc = deleter._gc
        deleted = threading.Event()

        def slow_gc(cur: Any, rows: Any) -> None:
            deleted.set()  # the parent row is deleted and locked by this transaction
            threading.Event().wait(1.0)
            gc(cur, rows)

        deleter._gc = slow_gc  # type: ignore[method-assign]
        worker = threading.Thread(target=deleter.delete_for_runs, args=(["r1"],))
        worker.start()
        assert deleted.wait(10)
        child_values = {"messages": [*messages, {"text": "new"}]}
        child, versions = make_checkpoint(saver, child_values, parent)
        saver.put(config("dl", parent["id"]), child, {"run_id": "r2"}, versions)  # type: ignore[arg-type]
        worker.join(10)
        got = saver.get_tuple(config("dl"))
        assert got is not None and got.checkpoint["channel_values"] == child_values
        assert saver.get_tuple(config("dl", parent["id"])) is None


def test_setup_refuses_a_newer_schema(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            conn.execute(
                sql.SQL("INSERT INTO {} (v) SELECT max(v) + 1 FROM {}").format(
                    sql.Identifier(pg_schema, "lg_migrations"),
                    sql.Identifier(pg_schema, "lg_migrations"),
                )
            )
        with pytest.raises(Exception, match=r"newer than this langgraph-checkpoint-postgres"):
            saver.setup()


def test_put_over_a_placeholder_does_not_deadlock_with_delete_thread(
    pg_uri: str, pg_schema: str
) -> None:
    """A put takes its thread's lock before it locks the row it upserts (here the
    placeholder of writes that came first), the order ``delete_thread`` uses."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        first, versions = make_checkpoint(saver, {"n": 1}, None)
        saver.put(config("t"), first, {}, versions)  # type: ignore[arg-type]
        second, versions2 = make_checkpoint(saver, {"n": 2}, first)
        saver.put_writes(config("t", second["id"]), [("out", 1)], "task")  # a placeholder
        holder = psycopg.connect(pg_uri)  # another put in flight: holds the shared lock
        holder.execute("SELECT pg_advisory_xact_lock_shared(%s::int8)", (saver._lock_key(b"t"),))
        results: dict[str, str] = {}

        def run(name: str, call: Any) -> None:
            with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as own:
                try:
                    call(own)
                    results[name] = "ok"
                except Exception as exc:  # reported below
                    results[name] = repr(exc)

        deleter = threading.Thread(target=run, args=("delete", lambda s: s.delete_thread("t")))
        deleter.start()
        threading.Event().wait(0.5)  # queued for the exclusive lock
        putter = threading.Thread(
            target=run,
            args=("put", lambda s: s.put(config("t", first["id"]), second, {}, versions2)),
        )
        putter.start()
        threading.Event().wait(0.5)  # the put is waiting too
        holder.commit()
        holder.close()
        deleter.join(20)
        putter.join(20)
        assert results == {"delete": "ok", "put": "ok"}
        got = saver.get_tuple(config("t"))  # the put came after the deletion
        assert got is not None and got.checkpoint["id"] == second["id"]
        assert got.pending_writes == []
        assert _counts(pg_uri, pg_schema)[2] == 0
