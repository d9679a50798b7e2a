"""The conformance suite against PostgresSaver / AsyncPostgresSaver in every connection mode.

Each test gets a fresh schema in the session database (see ``conftest.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from langgraph.checkpoint.conformance import CheckpointerConformance
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver


class TestPostgresSaverConnection(CheckpointerConformance):
    @pytest.fixture
    def saver(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresSaver]:
        # default connection settings: no autocommit, tuple rows
        with psycopg.connect(pg_uri) as conn:
            saver = PostgresSaver(conn, schema=pg_schema)
            saver.setup()
            yield saver


class TestPostgresSaverPool(CheckpointerConformance):
    @pytest.fixture
    def saver(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresSaver]:
        with ConnectionPool(pg_uri, min_size=1, max_size=4, open=True) as pool:
            saver = PostgresSaver(pool, schema=pg_schema)
            saver.setup()
            yield saver


class TestPostgresSaverPipeline(CheckpointerConformance):
    @pytest.fixture
    def saver(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresSaver]:
        with PostgresSaver.from_conn_string(pg_uri, pipeline=True, schema=pg_schema) as saver:
            saver.setup()
            yield saver


class TestAsyncPostgresSaverConnection(CheckpointerConformance):
    sync_api = False

    @pytest.fixture
    async def saver(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresSaver]:
        async with await psycopg.AsyncConnection.connect(pg_uri) as conn:
            saver = AsyncPostgresSaver(conn, schema=pg_schema)
            await saver.setup()
            yield saver


class TestAsyncPostgresSaverPool(CheckpointerConformance):
    sync_api = False

    @pytest.fixture
    async def saver(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresSaver]:
        async with AsyncConnectionPool(pg_uri, min_size=1, max_size=4, open=False) as pool:
            saver = AsyncPostgresSaver(pool, schema=pg_schema)
            await saver.setup()
            yield saver


class TestAsyncPostgresSaverPipeline(CheckpointerConformance):
    sync_api = False

    @pytest.fixture
    async def saver(self, pg_uri: str, pg_schema: str) -> AsyncIterator[AsyncPostgresSaver]:
        async with AsyncPostgresSaver.from_conn_string(
            pg_uri, pipeline=True, schema=pg_schema
        ) as saver:
            await saver.setup()
            yield saver


class TestPostgresSaverUnprepared(CheckpointerConformance):
    """As behind PgBouncer in transaction mode: no server-side prepared statements.

    (The async saver runs the same generated code; ``test_unprepared.py`` covers it.)
    """

    @pytest.fixture
    def saver(self, pg_uri: str, pg_schema: str) -> Iterator[PostgresSaver]:
        kwargs = {"prepare_threshold": None}
        with ConnectionPool(pg_uri, min_size=1, max_size=4, kwargs=kwargs, open=True) as pool:
            saver = PostgresSaver(pool, schema=pg_schema, prepare=False)
            saver.setup()
            yield saver
