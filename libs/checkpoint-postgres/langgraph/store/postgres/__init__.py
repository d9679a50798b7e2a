"""Postgres-backed long-term memory store: :class:`PostgresStore` and :class:`AsyncPostgresStore`.

Example:
    >>> from langgraph.store.postgres import PostgresStore
    >>> with PostgresStore.from_conn_string(uri) as store:  # doctest: +SKIP
    ...     store.setup()
    ...     store.put(("alice", "facts"), "city", {"city": "Paris", "n": 2})
    ...     [i.key for i in store.search(("alice",), filter={"n": {"$gt": 1}})]
    ['city']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langgraph.store.postgres.base import (
    ANNIndexConfig,
    HNSWConfig,
    IVFFlatConfig,
    PoolConfig,
    PostgresIndexConfig,
    PostgresStore,
)

if TYPE_CHECKING:
    from langgraph.store.postgres.aio import AsyncPostgresStore

__all__ = [
    "ANNIndexConfig",
    "AsyncPostgresStore",
    "HNSWConfig",
    "IVFFlatConfig",
    "PoolConfig",
    "PostgresIndexConfig",
    "PostgresStore",
]


def __getattr__(name: str) -> Any:
    if name == "AsyncPostgresStore":
        from langgraph.store.postgres.aio import AsyncPostgresStore

        return AsyncPostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
