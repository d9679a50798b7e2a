"""The shared store conformance suite against PostgresStore / AsyncPostgresStore.

Every connection mode (a connection with default settings, a pool, a pipeline), on every
server of the session (PG 15 without pgvector, PG 18 with it). Each test gets a fresh
schema in the session database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from langgraph.checkpoint.conformance.store import StoreConformance
from langgraph.store.postgres import PostgresStore
from langgraph.store.postgres.aio import AsyncPostgresStore

TTL: Any = {"refresh_on_read": True}


class TestPostgresStoreConnection(StoreConformance):
    @pytest.fixture
    def store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with psycopg.connect(pg_uri) as conn:
            store = PostgresStore(conn, schema=pg_schema)
            store.setup()
            yield store

    @pytest.fixture
    def indexed_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with psycopg.connect(pg_uri) as conn:
            store = PostgresStore(conn, schema=pg_schema, index=self.index_config())
            store.setup()
            yield store

    @pytest.fixture
    def ttl_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with psycopg.connect(pg_uri) as conn:
            store = PostgresStore(conn, schema=pg_schema, ttl=TTL)
            store.setup()
            yield store


class TestPostgresStorePool(StoreConformance):
    @pytest.fixture
    def store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with ConnectionPool(pg_uri, min_size=1, max_size=4, open=True) as pool:
            store = PostgresStore(pool, schema=pg_schema)
            store.setup()
            yield store

    @pytest.fixture
    def indexed_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with ConnectionPool(pg_uri, min_size=1, max_size=4, open=True) as pool:
            store = PostgresStore(pool, schema=pg_schema, index=self.index_config())
            store.setup()
            yield store

    @pytest.fixture
    def ttl_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        pool_config: Any = {"min_size": 1, "max_size": 3}
        with PostgresStore.from_conn_string(
            pg_uri, pool_config=pool_config, schema=pg_schema, ttl=TTL
        ) as store:
            store.setup()
            yield store


class TestPostgresStorePipeline(StoreConformance):
    @pytest.fixture
    def store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with PostgresStore.from_conn_string(pg_uri, pipeline=True, schema=pg_schema) as store:
            store.setup()
            yield store

    @pytest.fixture
    def indexed_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with PostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema, index=self.index_config()
        ) as store:
            store.setup()
            yield store

    @pytest.fixture
    def ttl_store(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresStore]:
        with PostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema, ttl=TTL
        ) as store:
            store.setup()
            yield store


class TestAsyncPostgresStoreConnection(StoreConformance):
    # The sync methods of an AsyncBatchedBaseStore block on the loop that owns it, which
    # is the test's own loop here; they are tested from a thread in test_store.py.
    sync_api = False

    @pytest.fixture
    async def store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with await psycopg.AsyncConnection.connect(pg_uri) as conn:
            store = AsyncPostgresStore(conn, schema=pg_schema)
            await store.setup()
            yield store

    @pytest.fixture
    async def indexed_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with await psycopg.AsyncConnection.connect(pg_uri) as conn:
            store = AsyncPostgresStore(conn, schema=pg_schema, index=self.index_config())
            await store.setup()
            yield store

    @pytest.fixture
    async def ttl_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with await psycopg.AsyncConnection.connect(pg_uri) as conn:
            store = AsyncPostgresStore(conn, schema=pg_schema, ttl=TTL)
            await store.setup()
            yield store


class TestAsyncPostgresStorePool(StoreConformance):
    sync_api = False

    @pytest.fixture
    async def store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with AsyncConnectionPool(pg_uri, min_size=1, max_size=4, open=False) as pool:
            store = AsyncPostgresStore(pool, schema=pg_schema)
            await store.setup()
            yield store

    @pytest.fixture
    async def indexed_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        pool_config: Any = {"min_size": 1, "max_size": 3}
        async with AsyncPostgresStore.from_conn_string(
            pg_uri, pool_config=pool_config, schema=pg_schema, index=self.index_config()
        ) as store:
            await store.setup()
            yield store

    @pytest.fixture
    async def ttl_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with AsyncConnectionPool(pg_uri, min_size=1, max_size=4, open=False) as pool:
            store = AsyncPostgresStore(pool, schema=pg_schema, ttl=TTL)
            await store.setup()
            yield store


class TestAsyncPostgresStorePipeline(StoreConformance):
    sync_api = False

    @pytest.fixture
    async def store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with AsyncPostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema
        ) as store:
            await store.setup()
            yield store

    @pytest.fixture
    async def indexed_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with AsyncPostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema, index=self.index_config()
        ) as store:
            await store.setup()
            yield store

    @pytest.fixture
    async def ttl_store(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresStore]:
        async with AsyncPostgresStore.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema, ttl=TTL
        ) as store:
            await store.setup()
            yield store
