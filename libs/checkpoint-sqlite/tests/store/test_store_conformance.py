"""The shared store conformance suite against every SQLite store and connection mode."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest

from langgraph.checkpoint.conformance.store import StoreConformance
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
