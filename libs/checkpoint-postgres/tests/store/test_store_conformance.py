"""The shared store conformance suite against PostgresStore / AsyncPostgresStore.

Every connection mode (a connection with default settings, a pool, a pipeline), on every
server of the session (PG 15 without pgvector, PG 18 with it). Each test gets a fresh
schema in the session database.

Each mode says how to open a store (``open``, given the store's ``index``/``ttl``
options); the suite's three fixtures (plain, indexed, TTL) are built from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from langgraph.checkpoint.conformance.store import StoreConformance
from langgraph.store.postgres import PostgresStore
from langgraph.store.postgres.aio import AsyncPostgresStore

TTL: Any = {"refresh_on_read": True}
POOL_CONFIG: Any = {"min_size": 1, "max_size": 3}


class _SyncModes(StoreConformance):
    def open(self, pg_uri: str, pg_schema: str, **options: Any) -> Any:
        """A context manager giving a ``PostgresStore`` of this mode."""
        raise NotImplementedError

    @pytest.fixture
    def store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with self.open(pg_uri, pg_schema) as store:
            store.setup()
            yield store

    @pytest.fixture
    def indexed_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with self.open(pg_uri, pg_schema, index=self.index_config()) as store:
            store.setup()
            yield store

    @pytest.fixture
    def ttl_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with self.open(pg_uri, pg_schema, ttl=TTL) as store:
            store.setup()
            yield store


class _AsyncModes(StoreConformance):
    # The sync methods of an AsyncBatchedBaseStore block on the loop that owns it, which
    # is the test's own loop here; they are tested from a thread in test_store.py.
    sync_api = False

    def open(self, pg_uri: str, pg_schema: str, **options: Any) -> Any:
        """An async context manager giving an ``AsyncPostgresStore`` of this mode."""
        raise NotImplementedError

    @pytest.fixture
    async def store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with self.open(pg_uri, pg_schema) as store:
            await store.setup()
            yield store

    @pytest.fixture
    async def indexed_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with self.open(pg_uri, pg_schema, index=self.index_config()) as store:
            await store.setup()
            yield store

    @pytest.fixture
    async def ttl_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with self.open(pg_uri, pg_schema, ttl=TTL) as store:
            await store.setup()
            yield store


class TestPostgresStoreConnection(_SyncModes):
    @contextmanager
    def open(self, pg_uri: str, pg_schema: str, **options: Any) -> Iterator[PostgresStore]:
        with psycopg.connect(pg_uri) as conn:  # default settings: no autocommit, tuple rows
            yield PostgresStore(conn, schema=pg_schema, **options)


class TestPostgresStorePool(_SyncModes):
    @contextmanager
    def open(self, pg_uri: str, pg_schema: str, **options: Any) -> Iterator[PostgresStore]:
        if "ttl" in options:  # the TTL checks run on a pool made by from_conn_string
            with PostgresStore.from_conn_string(
                pg_uri, pool_config=POOL_CONFIG, schema=pg_schema, **options
            ) as store:
                yield store
        else:
            with ConnectionPool(pg_uri, min_size=1, max_size=4, open=True) as pool:
                yield PostgresStore(pool, schema=pg_schema, **options)


class TestPostgresStorePipeline(_SyncModes):
    @contextmanager
    def open(self, pg_uri: str, pg_schema: str, **options: Any) -> Iterator[PostgresStore]:
        with PostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema, **options
        ) as store:
            yield store


class TestAsyncPostgresStoreConnection(_AsyncModes):
    @asynccontextmanager
    async def open(
        self, pg_uri: str, pg_schema: str, **options: Any
    ) -> AsyncIterator[AsyncPostgresStore]:
        async with await psycopg.AsyncConnection.connect(pg_uri) as conn:
            yield AsyncPostgresStore(conn, schema=pg_schema, **options)


class TestAsyncPostgresStorePool(_AsyncModes):
    @asynccontextmanager
    async def open(
        self, pg_uri: str, pg_schema: str, **options: Any
    ) -> AsyncIterator[AsyncPostgresStore]:
        if "index" in options:  # the vector checks run on a pool made by from_conn_string
            async with AsyncPostgresStore.from_conn_string(
                pg_uri, pool_config=POOL_CONFIG, schema=pg_schema, **options
            ) as store:
                yield store
        else:
            async with AsyncConnectionPool(pg_uri, min_size=1, max_size=4, open=False) as pool:
                yield AsyncPostgresStore(pool, schema=pg_schema, **options)


class TestAsyncPostgresStorePipeline(_AsyncModes):
    @asynccontextmanager
    async def open(
        self, pg_uri: str, pg_schema: str, **options: Any
    ) -> AsyncIterator[AsyncPostgresStore]:
        async with AsyncPostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema, **options
        ) as store:
            yield store
