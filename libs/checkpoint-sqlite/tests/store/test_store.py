"""Integration tests of SqliteStore / AsyncSqliteStore beyond the conformance suite."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from langgraph.checkpoint.errors import InvalidFilterError
from langgraph.store.base import GetOp, PutOp, SearchOp, TTLConfig
from langgraph.store.sqlite import SqliteStore
from langgraph.store.sqlite import _sql as sql
from langgraph.store.sqlite.aio import AsyncSqliteStore


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def store(tmp_path: pathlib.Path) -> Iterator[SqliteStore]:
    with SqliteStore.from_conn_string(str(tmp_path / "s.db")) as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def keys(items: Sequence[object]) -> list[str]:
    return sorted(i.key for i in items)  # type: ignore[attr-defined]


# -- namespaces ---------------------------------------------------------------------------


def test_like_metacharacters_in_labels_are_literal(store: SqliteStore) -> None:
    spaces = [("a",), ("a", "x"), ("ab",), ("a%",), ("a_",), ("a\\",), ("%",), ("_", "b"), ("a*",)]
    for ns in spaces:
        store.put(ns, "k", {"ns": list(ns)})
    assert [tuple(i.namespace) for i in store.search(("a",))] == [("a", "x"), ("a",)]
    for ns in [("a%",), ("a_",), ("a\\",), ("%",), ("a*",)]:
        assert [tuple(i.namespace) for i in store.search(ns)] == [ns]
    assert [tuple(i.namespace) for i in store.search(("_",))] == [("_", "b")]
    assert store.list_namespaces(prefix=("a_",)) == [("a_",)]
    assert store.list_namespaces(prefix=("%",)) == [("%",)]
    assert store.list_namespaces(suffix=("x",)) == [("a", "x")]
    assert store.list_namespaces(prefix=("*",), max_depth=1) == sorted({(ns[0],) for ns in spaces})
    assert len(store.search(())) == len(spaces)
    # a label with "." can never hold items (puts reject it)
    assert store.search(("a.x",)) == []
    assert store.get(("a.x",), "k") is None
    assert store.list_namespaces(prefix=("a.x",)) == []


def test_list_is_exactly_one_namespace(store: SqliteStore) -> None:
    for k in "cab":
        store.put(("n",), k, {"k": k})
    store.put(("n", "sub"), "z", {})
    assert [i.key for i in store.list(("n",))] == ["c", "a", "b"]
    assert [i.key for i in store.list(("n",), limit=1, offset=1)] == ["a"]
    assert store.list(("missing",)) == []


# -- filters ------------------------------------------------------------------------------


def test_numeric_and_typed_filters(store: SqliteStore) -> None:
    ns = ("f",)
    store.put(ns, "nine", {"n": 9, "s": "9"})
    store.put(ns, "ten", {"n": 10, "s": "10"})
    store.put(ns, "float", {"n": 9.5})
    store.put(ns, "true", {"n": True})
    store.put(ns, "one", {"n": 1})
    store.put(ns, "nested", {"d": {"x": [1, {"y": 2}]}})
    assert keys(store.search(ns, filter={"n": {"$gt": 9}})) == ["float", "ten"]
    assert keys(store.search(ns, filter={"n": {"$gte": 9, "$lt": 10}})) == ["float", "nine"]
    assert keys(store.search(ns, filter={"n": 10})) == ["ten"]
    assert keys(store.search(ns, filter={"s": "10"})) == ["ten"]
    assert keys(store.search(ns, filter={"n": 1})) == ["one"]
    assert keys(store.search(ns, filter={"n": True})) == ["true"]
    assert keys(store.search(ns, filter={"d": {"x": [1, {"y": 2}]}})) == ["nested"]
    assert "ten" in keys(store.search(ns, filter={"n": {"$ne": 9}}))
    with pytest.raises(InvalidFilterError):
        store.search(ns, filter={"n": {"$regex": "1"}})


def test_paging_applies_after_filtering(store: SqliteStore) -> None:
    ns = ("p",)
    for i in range(10):
        store.put(ns, f"k{i}", {"even": i % 2 == 0})
    pages = [store.search(ns, filter={"even": True}, limit=2, offset=o) for o in (0, 2, 4)]
    got = [i.key for page in pages for i in page]
    assert sorted(got) == ["k0", "k2", "k4", "k6", "k8"]


# -- writes -------------------------------------------------------------------------------


def test_created_at_kept_on_overwrite(store: SqliteStore, clock: FakeClock) -> None:
    store._now = clock
    store.put(("c",), "k", {"v": 1})
    first = store.get(("c",), "k")
    clock.advance(1)
    store.put(("c",), "k", {"v": 2})
    second = store.get(("c",), "k")
    assert first is not None and second is not None
    assert second.created_at == first.created_at == clock.now - timedelta(minutes=1)
    assert second.updated_at == clock.now and second.value == {"v": 2}


def test_batch_reads_do_not_see_same_batch_puts(store: SqliteStore) -> None:
    store.put(("b",), "old", {"v": 0})
    res = store.batch(
        [
            PutOp(("b",), "new", {"v": 1}),
            GetOp(("b",), "new"),
            SearchOp(("b",)),
            PutOp(("b",), "old", None),
            PutOp(("b",), "new", {"v": 2}),
        ]
    )
    assert res[0] is None and res[1] is None
    assert keys(res[2]) == ["old"]  # type: ignore[arg-type]
    assert store.get(("b",), "old") is None
    got = store.get(("b",), "new")
    assert got is not None and got.value == {"v": 2}


def test_migrations_idempotent_and_shared_file(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "m.db")
    with SqliteStore.from_conn_string(path) as a:
        a.setup()
        a.setup()
        a.put(("x",), "k", {"v": 1})
    with SqliteStore.from_conn_string(path) as b:
        b.setup()
        item = b.get(("x",), "k")
        assert item is not None and item.value == {"v": 1}
    conn = sqlite3.connect(path)
    try:
        versions = [r[0] for r in conn.execute("SELECT v FROM lg_store_migrations ORDER BY v")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    assert versions == list(range(1, len(sql.MIGRATIONS) + 1))
    assert mode == "wal"


def test_concurrent_threads(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "t.db")
    with SqliteStore.from_conn_string(path) as shared, SqliteStore.from_conn_string(path) as other:
        shared.setup()
        errors: list[BaseException] = []

        def work(s: SqliteStore, t: int) -> None:
            try:
                for i in range(20):
                    s.put(("t", str(t)), str(i), {"i": i})
                    assert s.get(("t", str(t)), str(i)) is not None
                    s.search(("t",), limit=5)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=(shared if t % 2 else other, t)) for t in range(6)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert len(shared.search(("t",), limit=1000)) == 120
        assert len(shared.list_namespaces(prefix=("t",))) == 6


# -- TTL ----------------------------------------------------------------------------------


def test_ttl_expiry_refresh_and_sweep(store: SqliteStore, clock: FakeClock) -> None:
    store._now = clock
    ns = ("ttl",)
    store.put(ns, "short", {"v": 1}, ttl=1)
    store.put(ns, "read", {"v": 2}, ttl=1)
    store.put(ns, "listed", {"v": 3}, ttl=1)
    store.put(ns, "forever", {"v": 4})
    clock.advance(0.6)
    assert store.get(ns, "read") is not None  # refresh_on_read defaults to True
    assert store.list(ns, refresh_ttl=False)  # no refresh
    store.search(ns, filter={"v": 3}, refresh_ttl=True)
    clock.advance(0.6)
    # expired items are invisible before any sweep
    assert store.get(ns, "short") is None
    assert keys(store.search(ns)) == ["forever", "listed", "read"]
    assert store.sweep_ttl() == 1
    clock.advance(2)
    assert store.sweep_ttl() == 2
    assert store.list_namespaces() == [ns]
    assert store.sweep_ttl() == 0


def test_default_ttl_and_reput_after_expiry(tmp_path: pathlib.Path, clock: FakeClock) -> None:
    path = str(tmp_path / "d.db")
    with SqliteStore.from_conn_string(path, ttl={"default_ttl": 1, "refresh_on_read": False}) as s:
        s._now = clock
        s.put(("d",), "k", {"v": 1})
        s.put(("d",), "keep", {"v": 1}, ttl=None)
        first = s.get(("d",), "k")
        clock.advance(0.9)
        assert s.get(("d",), "k") is not None  # no refresh
        clock.advance(0.2)
        assert s.get(("d",), "k") is None
        assert s.list_namespaces() == [("d",)]  # "keep" is alive
        s.put(("d",), "k", {"v": 2})  # an expired item is created anew
        again = s.get(("d",), "k")
        assert first is not None and again is not None
        assert again.created_at > first.created_at


def test_sync_sweeper_thread(store: SqliteStore, clock: FakeClock) -> None:
    assert store.start_ttl_sweeper().done()  # no ttl config: nothing started
    ttl: TTLConfig = {"sweep_interval_minutes": 0.0005}  # type: ignore[typeddict-item]
    with SqliteStore.from_conn_string(":memory:", ttl=ttl) as s:
        s._now = clock
        s.put(("s",), "k", {}, ttl=1)
        fut = s.start_ttl_sweeper()
        assert s.start_ttl_sweeper() is fut
        names = [t.name for t in threading.enumerate()]
        assert "ttl-sweeper" in names
        clock.advance(2)
        deadline = time.monotonic() + 5
        while s.list_namespaces() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert s.list_namespaces() == []
        assert s.stop_ttl_sweeper(timeout=5)
        assert fut.done()


async def test_async_sweeper_task(clock: FakeClock) -> None:
    ttl = {"sweep_interval_minutes": 0.0005}
    async with AsyncSqliteStore.from_conn_string(":memory:", ttl=ttl) as s:  # type: ignore[arg-type]
        s._now = clock
        await s.aput(("s",), "k", {}, ttl=1)
        task = await s.start_ttl_sweeper()
        assert task.get_name() == "ttl_sweeper"
        clock.advance(2)
        for _ in range(500):
            if not await s.alist_namespaces():
                break
            await asyncio.sleep(0.01)
        assert await s.alist_namespaces() == []
        assert await s.stop_ttl_sweeper(timeout=5)
    async with AsyncSqliteStore.from_conn_string(":memory:") as plain:
        assert (await plain.start_ttl_sweeper()).done()


# -- async store --------------------------------------------------------------------------


async def test_async_store_sync_methods_from_thread(tmp_path: pathlib.Path) -> None:
    async with AsyncSqliteStore.from_conn_string(str(tmp_path / "a.db")) as s:
        with pytest.raises(asyncio.InvalidStateError):
            s.put(("x",), "k", {"v": 1})
        await asyncio.to_thread(s.put, ("x",), "k", {"v": 1})
        item = await asyncio.to_thread(s.get, ("x",), "k")
        assert item is not None and item.value == {"v": 1}
        assert [i.key for i in await asyncio.to_thread(s.list, ("x",))] == ["k"]
        results = await asyncio.gather(*(s.aput(("x",), f"k{i}", {"i": i}) for i in range(20)))
        assert results == [None] * 20
        assert len(await s.alist(("x",))) == 21
        assert await s.asweep_ttl() == 0


async def test_sync_store_async_methods(store: SqliteStore) -> None:
    await store.aput(("a",), "k", {"v": 1})
    assert (await store.aget(("a",), "k")) is not None
    assert [i.key for i in await store.alist(("a",))] == ["k"]
    assert await store.asweep_ttl() == 0


@pytest.mark.parametrize("isolation_level", ["", None, "DEFERRED"])
def test_callers_connection_any_isolation_level(
    tmp_path: pathlib.Path, isolation_level: str | None
) -> None:
    kwargs: dict[str, Any] = {} if isolation_level == "" else {"isolation_level": isolation_level}
    conn = sqlite3.connect(str(tmp_path / "own.db"), **kwargs)
    try:
        s = SqliteStore(conn)
        s.put(("o",), "k", {"v": 1})
        s.put(("o",), "k", {"v": 2})
        item = s.get(("o",), "k")
        assert item is not None and item.value == {"v": 2}
        assert not conn.in_transaction
    finally:
        conn.close()
    reopened = sqlite3.connect(str(tmp_path / "own.db"))
    try:
        assert reopened.execute("SELECT count(*) FROM lg_store").fetchone()[0] == 1
    finally:
        reopened.close()


def test_setup_logs_migration_progress(tmp_path: pathlib.Path, caplog: Any) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="langgraph.store.sqlite")
    path = str(tmp_path / "store.db")
    with SqliteStore.from_conn_string(path) as store:
        store.setup()
    got = [r.getMessage() for r in caplog.records if r.name.startswith("langgraph.store.sqlite")]
    total = len(sql.MIGRATIONS)
    assert [int(m.split()[4]) for m in got] == list(range(1, total + 1))
    assert all(m.startswith("setup: applied store migration ") for m in got)
    caplog.clear()
    with SqliteStore.from_conn_string(path) as store:
        store.setup()
    assert [r for r in caplog.records if r.name.startswith("langgraph.store.sqlite")] == []
