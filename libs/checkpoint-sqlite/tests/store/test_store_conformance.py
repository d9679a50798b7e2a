"""The shared store conformance suite against every SQLite store and connection mode.

Each store runs on the standard library's ``sqlite3`` (vectors scored exactly in Python)
and on an extension-capable driver with sqlite-vec (``pysqlite3``; see ``conftest.py``).
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiosqlite
import pytest

from langgraph.checkpoint.conformance.store import StoreConformance
from langgraph.store.base import TTLConfig
from langgraph.store.sqlite import SqliteStore
from langgraph.store.sqlite.aio import AsyncSqliteStore


class TestSqliteStoreFile(StoreConformance):
    @pytest.fixture
    def store(self, tmp_path: pathlib.Path) -> Iterator[SqliteStore]:
        with SqliteStore.from_conn_string(str(tmp_path / "store.db")) as store:
            yield store

    @pytest.fixture
    def indexed_store(self, tmp_path: pathlib.Path) -> Iterator[SqliteStore]:
        path = str(tmp_path / "indexed.db")
        with SqliteStore.from_conn_string(path, index=self.index_config()) as store:
            yield store

    @pytest.fixture
    def ttl_store(self, tmp_path: pathlib.Path) -> Iterator[SqliteStore]:
        path = str(tmp_path / "ttl.db")
        with SqliteStore.from_conn_string(path, ttl={"refresh_on_read": True}) as store:
            yield store


class TestSqliteStoreMemory(StoreConformance):
    @pytest.fixture
    def store(self) -> Iterator[SqliteStore]:
        with SqliteStore.from_conn_string(":memory:") as store:
            yield store

    @pytest.fixture
    def indexed_store(self) -> Iterator[SqliteStore]:
        with SqliteStore.from_conn_string(":memory:", index=self.index_config()) as store:
            yield store

    @pytest.fixture
    def ttl_store(self) -> Iterator[SqliteStore]:
        with SqliteStore.from_conn_string(":memory:", ttl={"refresh_on_read": True}) as store:
            yield store


class TestAsyncSqliteStore(StoreConformance):
    # The sync methods of an AsyncBatchedBaseStore block on the loop that owns it, which
    # is the test's own loop here; they are tested from a thread in test_store.py.
    sync_api = False

    @pytest.fixture
    async def store(self, tmp_path: pathlib.Path) -> AsyncIterator[AsyncSqliteStore]:
        async with AsyncSqliteStore.from_conn_string(str(tmp_path / "store.db")) as store:
            yield store

    @pytest.fixture
    async def indexed_store(self, tmp_path: pathlib.Path) -> AsyncIterator[AsyncSqliteStore]:
        path = str(tmp_path / "indexed.db")
        async with AsyncSqliteStore.from_conn_string(path, index=self.index_config()) as store:
            yield store

    @pytest.fixture
    async def ttl_store(self) -> AsyncIterator[AsyncSqliteStore]:
        ttl = {"refresh_on_read": True}
        async with AsyncSqliteStore.from_conn_string(":memory:", ttl=ttl) as store:  # type: ignore[arg-type]
            yield store


# -- sqlite-vec: a driver that can load extensions (pysqlite3 here) -------------------------


def _vec_store(store: SqliteStore | AsyncSqliteStore) -> None:
    """Fail unless the store really scores with sqlite-vec (call after setup)."""
    assert store._engine.use_vec, "sqlite-vec was not loaded"


class TestSqliteStoreSqliteVecFile(StoreConformance):
    """``from_conn_string(..., sqlite_vec=True)``: an extension-capable driver."""

    @pytest.fixture
    def store(
        self, tmp_path: pathlib.Path, ext_connect: Callable[..., Any]
    ) -> Iterator[SqliteStore]:
        with SqliteStore.from_conn_string(str(tmp_path / "store.db"), sqlite_vec=True) as store:
            yield store

    @pytest.fixture
    def indexed_store(
        self, tmp_path: pathlib.Path, ext_connect: Callable[..., Any]
    ) -> Iterator[SqliteStore]:
        path = str(tmp_path / "indexed.db")
        with SqliteStore.from_conn_string(
            path, index=self.index_config(), sqlite_vec=True
        ) as store:
            store.setup()
            _vec_store(store)
            yield store

    @pytest.fixture
    def ttl_store(
        self, tmp_path: pathlib.Path, ext_connect: Callable[..., Any]
    ) -> Iterator[SqliteStore]:
        path = str(tmp_path / "ttl.db")
        ttl: TTLConfig = {"refresh_on_read": True}
        with SqliteStore.from_conn_string(path, ttl=ttl, sqlite_vec=True) as store:
            yield store


class TestSqliteStoreSqliteVecMemory(StoreConformance):
    """A caller's own extension-capable connection (``pysqlite3.dbapi2.connect``)."""

    @pytest.fixture
    def store(self, ext_connect: Callable[..., Any]) -> Iterator[SqliteStore]:
        conn = ext_connect(":memory:", check_same_thread=False)
        try:
            yield SqliteStore(conn)
        finally:
            conn.close()

    @pytest.fixture
    def indexed_store(self, ext_connect: Callable[..., Any]) -> Iterator[SqliteStore]:
        conn = ext_connect(":memory:", check_same_thread=False)
        try:
            store = SqliteStore(conn, index=self.index_config())
            store.setup()
            _vec_store(store)
            yield store
        finally:
            conn.close()

    @pytest.fixture
    def ttl_store(self, ext_connect: Callable[..., Any]) -> Iterator[SqliteStore]:
        conn = ext_connect(":memory:", check_same_thread=False)
        try:
            yield SqliteStore(conn, ttl={"refresh_on_read": True})
        finally:
            conn.close()


class TestAsyncSqliteStoreSqliteVec(StoreConformance):
    """aiosqlite over an extension-capable driver."""

    sync_api = False  # see TestAsyncSqliteStore

    @pytest.fixture
    async def store(
        self, tmp_path: pathlib.Path, ext_connect: Callable[..., Any]
    ) -> AsyncIterator[AsyncSqliteStore]:
        path = str(tmp_path / "store.db")
        async with AsyncSqliteStore.from_conn_string(path, sqlite_vec=True) as store:
            yield store

    @pytest.fixture
    async def indexed_store(
        self, tmp_path: pathlib.Path, ext_connect: Callable[..., Any]
    ) -> AsyncIterator[AsyncSqliteStore]:
        path = str(tmp_path / "indexed.db")
        async with AsyncSqliteStore.from_conn_string(
            path, index=self.index_config(), sqlite_vec=True
        ) as store:
            _vec_store(store)
            yield store

    @pytest.fixture
    async def ttl_store(self, ext_connect: Callable[..., Any]) -> AsyncIterator[AsyncSqliteStore]:
        # the caller's own aiosqlite connection over the extension-capable driver
        conn = aiosqlite.Connection(lambda: ext_connect(":memory:"), iter_chunk_size=64)
        store = AsyncSqliteStore(conn, ttl={"refresh_on_read": True})
        try:
            await store.setup()
            yield store
        finally:
            await store.aclose()
            await conn.close()
