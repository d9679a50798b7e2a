"""``PostgresStore``: the synchronous Postgres store, and its configuration types.

Behaviour matches :class:`~langgraph.store.memory.InMemoryStore` (filters with the exact
semantics of ``langgraph.store.base._filters``, ``created_at`` kept on overwrite,
``list(namespace)``), persisted in PostgreSQL. Schema and queries: ``_sql.py``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypedDict

from psycopg import Connection, Pipeline
from psycopg_pool import ConnectionPool

from langgraph.checkpoint.postgres._shared import in_executor
from langgraph.store.base import IndexConfig, Item, Op, Result, TTLConfig
from langgraph.store.base._sweeper import ThreadSweeper, ThreadSweeping
from langgraph.store.postgres._sync import _SyncStoreCore

__all__ = [
    "ANNIndexConfig",
    "HNSWConfig",
    "IVFFlatConfig",
    "PoolConfig",
    "PostgresIndexConfig",
    "PostgresStore",
]

_List = builtins.list


class PoolConfig(TypedDict, total=False):
    """Connection pool settings for ``from_conn_string``.

    Keys:
        min_size: Connections kept open (default 1).
        max_size: Upper bound (default: ``min_size``).
        kwargs: Extra ``connect()`` arguments, merged over ``autocommit=True``.
    """

    min_size: int
    max_size: int | None
    kwargs: dict[str, Any]


class ANNIndexConfig(TypedDict, total=False):
    """Approximate-nearest-neighbour index of the embeddings (pgvector only).

    Keys:
        kind: ``"hnsw"`` (default), ``"ivfflat"`` or ``"flat"`` (no index).
        vector_type: ``"vector"`` (default, float4) or ``"halfvec"`` (float2).
    """

    kind: Literal["hnsw", "ivfflat", "flat"]
    vector_type: Literal["vector", "halfvec"]


class HNSWConfig(ANNIndexConfig, total=False):
    """HNSW parameters: ``m`` (links per node) and ``ef_construction``."""

    m: int
    ef_construction: int


class IVFFlatConfig(ANNIndexConfig, total=False):
    """IVFFlat parameter: ``nlist`` (number of lists; ``lists`` is accepted too)."""

    nlist: int


class PostgresIndexConfig(IndexConfig, total=False):
    """Semantic search config of a Postgres store.

    Keys (besides ``dims``, ``embed``, ``fields``):
        ann_index_config: The ANN index (default HNSW on ``vector``).
        distance_type: ``"cosine"`` (default; score = cosine similarity), ``"l2"``
            (score = minus the distance) or ``"inner_product"`` (score = dot product).
    """

    ann_index_config: ANNIndexConfig
    distance_type: Literal["l2", "inner_product", "cosine"]


class PostgresStore(ThreadSweeping, _SyncStoreCore):
    """Long-term memory store on PostgreSQL (psycopg 3).

    The store runs its own transactions and row factories, so any ``Connection`` or
    ``ConnectionPool`` works, whatever its ``autocommit`` or ``row_factory``. Call
    :meth:`setup` once to create the tables.

    Args:
        conn: A ``Connection`` or a ``ConnectionPool``.
        pipe: A ``Pipeline`` of ``conn`` to run statements in (single connection only).
        deserializer: Decodes a stored value from its JSON bytes (default ``json.loads``).
        index: Semantic search config (``dims``, ``embed``, ``fields``, plus
            ``distance_type`` and ``ann_index_config``). Uses pgvector when the server
            has it, else stores ``real[]`` and scores exactly in Python.
        ttl: TTL config: ``default_ttl`` (minutes), ``refresh_on_read``,
            ``sweep_interval_minutes``, ``omit_expired``.
        schema: Schema holding the tables (default: the connection's ``search_path``).

    Example:
        >>> with PostgresStore.from_conn_string(uri) as store:  # doctest: +SKIP
        ...     store.setup()
        ...     store.put(("docs",), "a", {"text": "hello"})
    """

    def __init__(
        self,
        conn: Connection[Any] | ConnectionPool[Any],
        *,
        pipe: Pipeline | None = None,
        deserializer: Callable[[bytes], dict[str, Any]] | None = None,
        index: PostgresIndexConfig | IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        schema: str | None = None,
    ) -> None:
        self._init_core(
            conn, pipe=pipe, deserializer=deserializer, index=index, ttl=ttl, schema=schema
        )
        self._sweeper = ThreadSweeper(self.sweep_ttl)

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
    ) -> PostgresStore:
        """A store on its own connection (or pool) to ``conn_string``, opened on first use.

        Use it in a ``with`` block (closed on exit) or directly (call :meth:`close`).

        Args:
            conn_string: A libpq URI or key/value connection string.
            pipeline: Run statements through a pipeline (single connection only).
            pool_config: Build a ``ConnectionPool`` with these settings instead (then
                ``pipeline`` is ignored).
            index: Semantic search config.
            ttl: TTL config.
            schema: Schema holding the tables.
        """
        store = cls(None, index=index, ttl=ttl, schema=schema)  # type: ignore[arg-type]
        store._own(conn_string, pipeline, pool_config)
        return store

    def __enter__(self) -> PostgresStore:
        super().__enter__()
        return self

    def close(self) -> None:
        """Stop the TTL sweeper and close the connection if this store opened it."""
        self.stop_ttl_sweeper()
        super().close()

    # -- async twins (a worker thread) ------------------------------------------------

    async def abatch(self, ops: Iterable[Op]) -> _List[Result]:
        """Async :meth:`batch` (runs in the default executor)."""
        return await in_executor(self.batch, _List(ops))

    async def alist(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Async :meth:`list`."""
        return await in_executor(
            self.list, namespace, limit=limit, offset=offset, refresh_ttl=refresh_ttl
        )

    async def asweep_ttl(self) -> int:
        """Async :meth:`sweep_ttl`."""
        return await in_executor(self.sweep_ttl)
