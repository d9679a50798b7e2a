"""``AsyncPostgresStore``: the asyncio Postgres store.

Example:
    >>> async with AsyncPostgresStore.from_conn_string(uri) as store:  # doctest: +SKIP
    ...     await store.setup()
    ...     await store.aput(("docs",), "a", {"n": 1})
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import AsyncConnection, AsyncPipeline
from psycopg_pool import AsyncConnectionPool

from langgraph.store.base import IndexConfig, TTLConfig
from langgraph.store.base._sweeper import TaskSweeper, TaskSweeping
from langgraph.store.base.batch import AsyncBatchedBaseStore
from langgraph.store.postgres._async import _AsyncStoreCore
from langgraph.store.postgres.base import (
    ANNIndexConfig,
    HNSWConfig,
    IVFFlatConfig,
    PoolConfig,
    PostgresIndexConfig,
)

__all__ = [
    "ANNIndexConfig",
    "AsyncPostgresStore",
    "HNSWConfig",
    "IVFFlatConfig",
    "PoolConfig",
    "PostgresIndexConfig",
]


class AsyncPostgresStore(TaskSweeping, _AsyncStoreCore, AsyncBatchedBaseStore):
    """Long-term memory store on PostgreSQL for asyncio code; concurrent calls are batched.

    Must be created inside a running event loop. Concurrent ``aget``/``asearch``/``aput``
    calls issued in one loop tick run as one batch (one transaction). The sync methods
    work from other threads and raise :class:`asyncio.InvalidStateError` on the loop's
    own thread. Call :meth:`setup` once to create the tables.

    Args:
        conn: An ``AsyncConnection`` or an ``AsyncConnectionPool`` (any settings).
        pipe: An ``AsyncPipeline`` of ``conn`` (single connection only).
        deserializer: Decodes a stored value from its JSON bytes (default ``json.loads``).
        index: Semantic search config (see :class:`PostgresIndexConfig`).
        ttl: TTL config: ``default_ttl``, ``refresh_on_read``,
            ``sweep_interval_minutes``, ``omit_expired``.
        schema: Schema holding the tables (default: the connection's ``search_path``).
    """

    def __init__(
        self,
        conn: AsyncConnection[Any] | AsyncConnectionPool[Any],
        *,
        pipe: AsyncPipeline | None = None,
        deserializer: Callable[[bytes], dict[str, Any]] | None = None,
        index: PostgresIndexConfig | IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        schema: str | None = None,
    ) -> None:
        AsyncBatchedBaseStore.__init__(self)
        self._init_core(
            conn, pipe=pipe, deserializer=deserializer, index=index, ttl=ttl, schema=schema
        )
        self._sweeper = TaskSweeper(self.asweep_ttl)

    @classmethod
    def from_conn_string(
        cls,
        conn_string: str,
        *,
        pipeline: bool = False,
        pool_config: PoolConfig | None = None,
        index: PostgresIndexConfig | IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        schema: str | None = None,
    ) -> AsyncPostgresStore:
        """A store on its own connection (or pool) to ``conn_string``, opened on first use.

        Use it as ``async with AsyncPostgresStore.from_conn_string(uri) as store:``
        (closed on exit) or directly (``await store.aclose()`` when done). Must be
        called inside a running event loop.

        Args:
            conn_string: A libpq URI or key/value connection string.
            pipeline: Run statements through a pipeline (single connection only).
            pool_config: Build an ``AsyncConnectionPool`` with these settings instead.
            index: Semantic search config.
            ttl: TTL config.
            schema: Schema holding the tables.
        """
        store = cls(None, index=index, ttl=ttl, schema=schema)  # type: ignore[arg-type]
        store._own(conn_string, pipeline, pool_config)
        return store

    async def __aenter__(self) -> AsyncPostgresStore:
        await super().__aenter__()
        return self

    async def aclose(self) -> None:
        """Stop the sweeper and close the connection or pool if this store opened it."""
        await self.stop_ttl_sweeper()
        await super().aclose()

    def __del__(self) -> None:
        AsyncBatchedBaseStore.__del__(self)
        sweeper = getattr(self, "_sweeper", None)
        if sweeper is not None:
            sweeper.cancel_soon(self._loop)

    async def setup(self) -> None:
        """Create or upgrade the tables (idempotent; safe from many processes at once)."""
        await self.asetup()

    async def sweep_ttl(self) -> int:
        """Delete expired items now (a coroutine, as upstream's); see :meth:`asweep_ttl`."""
        return await self.asweep_ttl()
