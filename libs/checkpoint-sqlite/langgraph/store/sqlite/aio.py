"""Async SQLite store on an ``aiosqlite`` connection.

Example:
    >>> import asyncio
    >>> from langgraph.store.sqlite.aio import AsyncSqliteStore
    >>> async def main():
    ...     async with AsyncSqliteStore.from_conn_string(":memory:") as store:
    ...         await store.aput(("docs",), "a", {"n": 1})
    ...         return (await store.aget(("docs",), "a")).value
    >>> asyncio.run(main())
    {'n': 1}
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import aiosqlite

from langgraph.checkpoint.sqlite._acompat import AsyncRunner
from langgraph.store.base import IndexConfig, Item, Op, Result, TTLConfig
from langgraph.store.base._support import aembed_queries, aembed_rounds, query_texts
from langgraph.store.base._sweeper import TaskSweeper, TaskSweeping
from langgraph.store.base.batch import AsyncBatchedBaseStore
from langgraph.store.sqlite._conn import as_sqlite3, extension_connect
from langgraph.store.sqlite._shared import StoreState

__all__ = ["AsyncSqliteStore"]

_List = builtins.list


class AsyncSqliteStore(TaskSweeping, StoreState, AsyncBatchedBaseStore):
    """Store on an ``aiosqlite`` connection; concurrent calls are batched per loop tick.

    Must be created inside a running event loop. Each batch is one call on aiosqlite's
    worker thread (one transaction). Sync methods work from other threads and raise
    :class:`asyncio.InvalidStateError` on the loop's own thread.

    Args:
        conn: The aiosqlite connection (started or not). ``aiosqlite.connect`` always opens
            a standard-library ``sqlite3`` connection; for another driver (``pysqlite3``,
            to load sqlite-vec on a Python whose ``sqlite3`` cannot load extensions)
            wrap its connect: ``aiosqlite.Connection(lambda:
            pysqlite3.dbapi2.connect(path), iter_chunk_size=64)``, or use
            ``from_conn_string(path, sqlite_vec=True)``.
        deserializer: Decodes the stored JSON text of a value (default ``json.loads``).
        index: Semantic search config (``dims``, ``embed``, ``fields``, optional
            ``distance_type``: ``"cosine"`` (default), ``"l2"``, ``"inner_product"``).
        ttl: TTL config (``default_ttl``, ``refresh_on_read``, ``sweep_interval_minutes``).
        sqlite_vec: Where vectors are scored, as for
            :class:`~langgraph.store.sqlite.SqliteStore`: ``None`` (default) sqlite-vec
            when the connection can load it, else Python; ``True`` require sqlite-vec;
            ``False`` always Python.
    """

    supports_ttl = True
    _runner: AsyncRunner

    def __init__(
        self,
        conn: aiosqlite.Connection,
        *,
        deserializer: Callable[[str], dict[str, Any]] | None = None,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        sqlite_vec: bool | None = None,
    ) -> None:
        super().__init__()
        self._init_state(
            conn,
            AsyncRunner(conn),
            deserializer=deserializer,
            index=index,
            ttl=ttl,
            sqlite_vec=sqlite_vec,
        )
        self._sweeper = TaskSweeper(self.asweep_ttl)

    @classmethod
    def from_conn_string(
        cls,
        conn_string: str,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        sqlite_vec: bool | None = None,
    ) -> AsyncSqliteStore:
        """Return a store owning a new aiosqlite connection to ``conn_string``.

        Use it as ``async with AsyncSqliteStore.from_conn_string("x.db") as store:``
        (closed on exit) or directly (connects on first use; ``await store.aclose()``).

        Args:
            conn_string: A file path or ``":memory:"``.
            index: See :class:`AsyncSqliteStore`.
            ttl: See :class:`AsyncSqliteStore`.
            sqlite_vec: ``None``/``False``: the standard library's ``sqlite3`` under
                aiosqlite. ``True``: a driver that can load extensions (``sqlite3`` if it
                can, else ``pysqlite3``) and sqlite-vec required; :class:`RuntimeError`
                when neither driver is available.
        """
        if sqlite_vec:
            connect = extension_connect()
            conn = aiosqlite.Connection(
                lambda: as_sqlite3(connect(conn_string)), iter_chunk_size=64
            )
        else:
            conn = aiosqlite.connect(conn_string)
        store = cls(conn, index=index, ttl=ttl, sqlite_vec=sqlite_vec)
        store._owns_conn = True
        return store

    async def __aenter__(self) -> AsyncSqliteStore:
        await self.setup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the sweeper and close the connection if this store opened it."""
        await self.stop_ttl_sweeper()
        if self._owns_conn and not self._closed:
            self._closed = True
            await self._runner.close()

    def __del__(self) -> None:
        super().__del__()
        sweeper = getattr(self, "_sweeper", None)
        if sweeper is not None:
            sweeper.cancel_soon(self._loop)
        self._stop_owned()

    async def setup(self) -> None:
        """Create or upgrade the schema (runs on first use; idempotent)."""
        await self._runner.run(self._engine.setup)

    async def abatch(self, ops: Iterable[Op]) -> _List[Result]:
        """Execute operations in one transaction; reads see the state before the puts."""
        ops = _List(ops)
        qvecs: dict[str, _List[float]] = {}
        emb = self.embeddings
        if emb is not None:
            qvecs = await aembed_queries(emb, query_texts(ops))
        run, execute = self._runner.run, self._engine.execute
        return await aembed_rounds(lambda vecs: run(execute, ops, self._ts(), qvecs, vecs), emb)

    async def alist(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Items of exactly one namespace (not sub-namespaces), in insertion order.

        Args:
            namespace: The namespace.
            limit: Maximum number of items (``None`` = all).
            offset: Items to skip.
            refresh_ttl: Renew the TTL of the returned items (default per ``ttl`` config).
        """
        refresh = self._refresh(refresh_ttl)
        return await self._runner.run(
            self._engine.list_items, tuple(namespace), limit, offset, refresh, self._ts()
        )

    def list(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Sync :meth:`alist` (from another thread than the event loop's)."""
        self._check_thread("list")
        coro = self.alist(namespace, limit=limit, offset=offset, refresh_ttl=refresh_ttl)
        return self._block("list", coro)  # type: ignore[no-any-return]

    # -- TTL --------------------------------------------------------------------------

    async def asweep_ttl(self) -> int:
        """Delete expired items now; return how many were removed."""
        return await self._runner.run(self._engine.sweep, self._ts())

    def sweep_ttl(self) -> int:
        """Sync :meth:`asweep_ttl` (from another thread than the event loop's)."""
        self._check_thread("sweep_ttl")
        return self._block("sweep_ttl", self.asweep_ttl())  # type: ignore[no-any-return]
