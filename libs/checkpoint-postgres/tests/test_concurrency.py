"""Concurrency guarantees of the Postgres savers against a real server.

* two processes racing on one thread never corrupt it nor lose a committed checkpoint;
* 16 threads (and 16 asyncio tasks) through a pool complete a fixed workload correctly;
* ``prune`` racing with puts that reuse list elements never leaves a checkpoint that
  refers to a deleted element.

Correctness only: how fast this runs is measured by ``make bench``, never here.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from lgpg_workers import RACE_THREAD, config, make_checkpoint, race_worker
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

RACE_STEPS = 60
POOL_WORKERS = 16
POOL_STEPS = 12


def run_in_threads(*targets: Callable[[], None], timeout: float = 300) -> None:
    """Run each target in a thread of its own; fail with the first error one raised."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # reported by the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout}s"
    assert not errors, repr(errors[0])


@pytest.mark.slow
def test_two_processes_racing_on_one_thread(pg_uri: str, pg_schema: str, tmp_path: Path) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    outs = [tmp_path / f"p{i}.json" for i in range(2)]
    procs = [
        ctx.Process(
            target=race_worker,
            args=(pg_uri, pg_schema, f"p{i}", RACE_STEPS, str(out), start),
        )
        for i, out in enumerate(outs)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0, 0]
    committed: list[dict[str, Any]] = []
    for out in outs:
        committed.extend(json.loads(out.read_text(encoding="utf-8")))
    assert len(committed) == 2 * RACE_STEPS

    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        stored = list(saver.list(config(RACE_THREAD)))
        by_id = {t.checkpoint["id"]: t for t in stored}
        # nothing lost, nothing invented
        assert sorted(by_id) == sorted(c["id"] for c in committed)
        assert len(stored) == len(by_id)
        for c in committed:
            got = saver.get_tuple(config(RACE_THREAD, c["id"]))
            assert got is not None, f"committed checkpoint {c['id']} of {c['tag']} is gone"
            assert got.checkpoint["channel_values"] == c["values"]
            assert got.metadata["writer"] == c["tag"]
            assert [list(w) for w in got.pending_writes or []] == c["writes"]
            listed = by_id[c["id"]]
            assert listed.checkpoint["channel_values"] == c["values"]
            # parent chain: the parent each process saw is the stored one, and exists
            if c["parent"] is None:
                assert got.parent_config is None
            else:
                assert got.parent_config is not None
                assert got.parent_config["configurable"]["checkpoint_id"] == c["parent"]
                assert c["parent"] in by_id
        latest = saver.get_tuple(config(RACE_THREAD))
        assert latest is not None
        assert latest.checkpoint["id"] == max(by_id)


def _pool_step(saver: Any, thread_id: str, previous: dict[str, Any] | None, i: int) -> Any:
    messages = list(previous["channel_values"]["messages"]) if previous else []
    messages.append({"role": "ai" if i % 2 else "human", "text": f"{thread_id} says {i}"})
    values = {"messages": messages, "step": i, "ctx": {"thread": thread_id, "big": "x" * 200}}
    cp, new_versions = make_checkpoint(saver, values, previous)
    parent = previous["id"] if previous else None
    return config(thread_id, parent), cp, {"source": "loop", "step": i}, new_versions


def _check_pool_threads(saver: PostgresSaver) -> None:
    for w in range(POOL_WORKERS):
        thread_id = f"worker-{w}"
        items = list(saver.list(config(thread_id)))
        assert len(items) == POOL_STEPS, thread_id
        for back, item in enumerate(items):
            i = POOL_STEPS - 1 - back
            values = item.checkpoint["channel_values"]
            assert values["step"] == i
            assert [m["text"] for m in values["messages"]] == [
                f"{thread_id} says {k}" for k in range(i + 1)
            ]
            assert values["ctx"] == {"thread": thread_id, "big": "x" * 200}
            assert item.pending_writes == [(f"t{i}", "out", f"{thread_id}:{i}")]
            if i:
                assert item.parent_config is not None
                assert (
                    item.parent_config["configurable"]["checkpoint_id"]
                    == (items[back + 1].checkpoint["id"])
                )


def test_sixteen_threads_through_a_pool(pg_uri: str, pg_schema: str) -> None:
    with ConnectionPool(pg_uri, min_size=4, max_size=POOL_WORKERS, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()
        barrier = threading.Barrier(POOL_WORKERS)

        def work(w: int) -> None:
            thread_id = f"worker-{w}"
            previous = None
            barrier.wait(60)
            for i in range(POOL_STEPS):
                cfg, cp, meta, versions = _pool_step(saver, thread_id, previous, i)
                saved = saver.put(cfg, cp, meta, versions)  # type: ignore[arg-type]
                saver.put_writes(saved, [("out", f"{thread_id}:{i}")], f"t{i}")
                previous = cp
                got = saver.get_tuple(config(thread_id))
                assert got is not None and got.checkpoint["id"] == cp["id"]

        run_in_threads(*(partial(work, w) for w in range(POOL_WORKERS)))
        _check_pool_threads(saver)


async def test_sixteen_tasks_through_an_async_pool(pg_uri: str, pg_schema: str) -> None:
    async with AsyncConnectionPool(pg_uri, min_size=4, max_size=POOL_WORKERS, open=False) as pool:
        saver = AsyncPostgresSaver(pool, schema=pg_schema)
        await saver.setup()

        async def work(w: int) -> None:
            thread_id = f"worker-{w}"
            previous = None
            for i in range(POOL_STEPS):
                cfg, cp, meta, versions = _pool_step(saver, thread_id, previous, i)
                saved = await saver.aput(cfg, cp, meta, versions)  # type: ignore[arg-type]
                await saver.aput_writes(saved, [("out", f"{thread_id}:{i}")], f"t{i}")
                previous = cp

        await asyncio.gather(*(work(w) for w in range(POOL_WORKERS)))
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as check:
        _check_pool_threads(check)


GC_THREAD = "gc-race"
GC_PUTS = 150


def test_prune_racing_with_puts_reusing_elements(pg_uri: str, pg_schema: str) -> None:
    """Checkpoints alternate between two element sets; prune(keep=1) keeps deleting the
    set the latest checkpoint does not use while the next put reuses it."""
    sets = [[{"set": s, "k": k, "pad": "p" * 40} for k in range(40)] for s in ("A", "B")]
    done = threading.Event()
    with ConnectionPool(pg_uri, min_size=3, max_size=3, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()

        def putter() -> None:
            try:
                previous = None
                for i in range(GC_PUTS):
                    values = {"messages": [*sets[i % 2], {"unique": i}], "i": i}
                    cp, new_versions = make_checkpoint(saver, values, previous)
                    parent = previous["id"] if previous else None
                    saver.put(config(GC_THREAD, parent), cp, {"step": i}, new_versions)  # type: ignore[arg-type]
                    previous = cp
                    # the newest checkpoint is never pruned (keep=1): it must read back
                    got = saver.get_tuple(config(GC_THREAD, cp["id"]))
                    assert got is not None, f"checkpoint {i} vanished"
                    assert got.checkpoint["channel_values"] == values
            finally:
                done.set()

        def pruner() -> None:
            while not done.is_set():
                saver.prune([GC_THREAD], keep=1)

        run_in_threads(putter, pruner)
        saver.prune([GC_THREAD], keep=1)
        items = list(saver.list(config(GC_THREAD)))
        assert len(items) == 1
        assert items[0].checkpoint["channel_values"]["i"] == GC_PUTS - 1


def test_delete_thread_racing_with_puts(pg_uri: str, pg_schema: str) -> None:
    """A checkpoint put while its thread is being deleted is either gone or whole."""
    shared = [{"shared": k, "pad": "q" * 40} for k in range(40)]
    done = threading.Event()
    with ConnectionPool(pg_uri, min_size=3, max_size=3, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()

        def putter() -> None:
            try:
                for i in range(GC_PUTS):
                    values = {"messages": [*shared, {"unique": i}], "i": i}
                    cp, new_versions = make_checkpoint(saver, values, None)
                    saver.put(config(GC_THREAD), cp, {"step": i}, new_versions)  # type: ignore[arg-type]
                    got = saver.get_tuple(config(GC_THREAD, cp["id"]))
                    assert got is None or got.checkpoint["channel_values"] == values
            finally:
                done.set()

        def deleter() -> None:
            while not done.is_set():
                saver.delete_thread(GC_THREAD)

        run_in_threads(putter, deleter)
        for item in saver.list(config(GC_THREAD)):
            assert len(item.checkpoint["channel_values"]["messages"]) == len(shared) + 1


@pytest.mark.parametrize("collector", ["prune", "delete_thread"])
def test_puts_omitting_parent_elements_race_with_gc(
    pg_uri: str, pg_schema: str, collector: str
) -> None:
    """A chain of puts whose list grows (each put sends only the elements its parent
    lacks) while another thread prunes or deletes the thread: every checkpoint that
    exists reads back whole; a put whose parent vanished stores every element."""
    done = threading.Event()
    with ConnectionPool(pg_uri, min_size=3, max_size=3, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()
        # reads through a saver of its own: the writer's memory of the lists it sent would
        # fill in elements missing on the server
        checker = PostgresSaver(pool, schema=pg_schema)
        history: list[dict[str, Any]] = [{"k": k, "pad": "r" * 40} for k in range(20)]

        def putter() -> None:
            try:
                previous = None
                for i in range(GC_PUTS):
                    history.append({"unique": i})
                    values = {"messages": list(history), "i": i}
                    cp, new_versions = make_checkpoint(saver, values, previous)
                    parent = previous["id"] if previous else None
                    saver.put(config(GC_THREAD, parent), cp, {"step": i}, new_versions)  # type: ignore[arg-type]
                    previous = cp
                    got = checker.get_tuple(config(GC_THREAD, cp["id"]))
                    assert got is None or got.checkpoint["channel_values"] == values, i
            finally:
                done.set()

        def collect() -> None:
            while not done.is_set():
                if collector == "prune":
                    saver.prune([GC_THREAD], keep=1)
                else:
                    saver.delete_thread(GC_THREAD)

        run_in_threads(putter, collect)
        for item in PostgresSaver(pool, schema=pg_schema).list(config(GC_THREAD)):
            i = item.checkpoint["channel_values"]["i"]
            assert len(item.checkpoint["channel_values"]["messages"]) == 21 + i


def test_concurrent_put_writes_of_one_task_lose_nothing(pg_uri: str, pg_schema: str) -> None:
    """Calls for the same (checkpoint, task) from many connections merge into its one row:
    every special channel written survives, and regular writes keep the first stored
    value of each idx."""
    specials = ["__error__", "__interrupt__", "__resume__", "__scheduled__"]
    with ConnectionPool(pg_uri, min_size=8, max_size=8, open=True) as pool:
        saver = PostgresSaver(pool, schema=pg_schema)
        saver.setup()
        cp, versions = make_checkpoint(saver, {"n": 1}, None)
        saved = saver.put(config("merge"), cp, {"source": "input", "step": -1}, versions)  # type: ignore[arg-type]
        barrier = threading.Barrier(8)

        def work(i: int) -> None:
            barrier.wait()
            for round_ in range(5):
                if i < 4:
                    saver.put_writes(saved, [(specials[i], f"{i}:{round_}")], "task")
                else:
                    writes = [(f"ch{j}", f"{i}:{j}") for j in range(i - 2)]
                    saver.put_writes(saved, writes, "task")

        run_in_threads(*(partial(work, i) for i in range(8)))
        got = saver.get_tuple(saved)
        assert got is not None
        by_channel = {c: v for _t, c, v in got.pending_writes or []}
        # the last round of every special writer is what stays
        assert {c: by_channel[c] for c in specials} == {c: f"{i}:4" for i, c in enumerate(specials)}
        regular = [(c, v) for _t, c, v in got.pending_writes or [] if c.startswith("ch")]
        # idx j of the regular writes exists once: the longest call (5 writes) added the last
        assert [c for c, _v in regular] == [f"ch{j}" for j in range(5)]
        assert all(v.endswith(f":{j}") for j, (_c, v) in enumerate(regular))
