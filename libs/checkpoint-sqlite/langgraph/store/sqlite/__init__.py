"""SQLite-backed long-term memory store: :class:`SqliteStore` and :class:`AsyncSqliteStore`.

Example:
    >>> from langgraph.store.sqlite import SqliteStore
    >>> with SqliteStore.from_conn_string(":memory:") as store:
    ...     store.put(("alice", "facts"), "city", {"city": "Paris", "n": 2})
    ...     [i.key for i in store.search(("alice",), filter={"n": {"$gt": 1}})]
    ['city']

Behaviour matches :class:`~langgraph.store.memory.InMemoryStore` (filters with the exact
semantics of ``langgraph.store.base._filters``, ``created_at`` kept on overwrite, expired
items never returned, ``list(namespace)``), persisted in SQLite. Schema and queries are
described in ``langgraph.store.sqlite._sql``.
"""

from __future__ import annotations

import asyncio
import builtins
import sqlite3
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.sqlite._acompat import SyncRunner
from langgraph.store.base import (
    BaseStore,
    IndexConfig,
    Item,
    Op,
    Result,
    TTLConfig,
)
from langgraph.store.base._support import embed_queries, embed_rounds, query_texts
from langgraph.store.base._sweeper import ThreadSweeper, ThreadSweeping
from langgraph.store.sqlite._conn import SqliteConnection, as_sqlite3, extension_connect
from langgraph.store.sqlite._shared import StoreState

if TYPE_CHECKING:
    from langgraph.store.sqlite.aio import AsyncSqliteStore

__all__ = ["AsyncSqliteStore", "SqliteConnection", "SqliteStore"]

_List = builtins.list


def __getattr__(name: str) -> Any:
    if name == "AsyncSqliteStore":
        from langgraph.store.sqlite.aio import AsyncSqliteStore

        return AsyncSqliteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SqliteStore(ThreadSweeping, StoreState, BaseStore):
    """Store on a ``sqlite3`` connection (or a ``pysqlite3`` one).

    Args:
        conn: The connection: ``sqlite3.connect(...)``, or ``pysqlite3.dbapi2.connect(...)``
            (package ``pysqlite3-binary``) for sqlite-vec on a Python whose ``sqlite3``
            cannot load extensions. Open it with ``check_same_thread=False`` to share the
            store between threads (calls are serialized with a lock). Default settings are
            fine: the store runs its own transactions (``BEGIN IMMEDIATE`` for writes).
        deserializer: Decodes the stored JSON text of a value (default ``json.loads``).
        index: Semantic search config: ``dims``, ``embed`` and ``fields`` (``text_fields``
            is accepted as an alias), optional ``distance_type`` (``"cosine"`` (default),
            ``"l2"``, ``"inner_product"``). Without it ``query`` is ignored.
        ttl: TTL config: ``default_ttl`` (minutes), ``refresh_on_read``,
            ``sweep_interval_minutes``.
        sqlite_vec: Where vectors are scored. ``None`` (default): by the sqlite-vec
            extension when the ``sqlite_vec`` module is installed and ``conn`` can load
            extensions, else exactly in Python. ``True``: sqlite-vec is required
            (:meth:`setup`, run on first use, raises :class:`RuntimeError` saying why it
            cannot be loaded). ``False``: always in Python. Both give the same results.

    Example:
        >>> import sqlite3
        >>> store = SqliteStore(sqlite3.connect(":memory:"), ttl={"default_ttl": 60})
        >>> store.put(("docs",), "a", {"text": "hello"})
        >>> store.get(("docs",), "a").value
        {'text': 'hello'}
        >>> store.conn.close()
    """

    supports_ttl = True
    _runner: SyncRunner

    def __init__(
        self,
        conn: SqliteConnection,
        *,
        deserializer: Callable[[str], dict[str, Any]] | None = None,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        sqlite_vec: bool | None = None,
    ) -> None:
        self._init_state(
            conn,
            SyncRunner(as_sqlite3(conn)),
            deserializer=deserializer,
            index=index,
            ttl=ttl,
            sqlite_vec=sqlite_vec,
        )
        self._sweeper = ThreadSweeper(self.sweep_ttl)

    @classmethod
    def from_conn_string(
        cls,
        conn_string: str,
        *,
        index: IndexConfig | None = None,
        ttl: TTLConfig | None = None,
        sqlite_vec: bool | None = None,
    ) -> SqliteStore:
        """Return a store owning a new connection to ``conn_string``.

        Use it as ``with SqliteStore.from_conn_string("x.db") as store:`` (closed on
        exit) or directly (call :meth:`close` when done).

        Args:
            conn_string: A file path or ``":memory:"``.
            index: See :class:`SqliteStore`.
            ttl: See :class:`SqliteStore`.
            sqlite_vec: ``None``/``False``: connect with the standard library's
                ``sqlite3`` (sqlite-vec is then used only if that module can load
                extensions and ``None`` was given). ``True``: connect with a driver that
                can load extensions (``sqlite3`` if it can, else ``pysqlite3``) and
                require sqlite-vec; :class:`RuntimeError` when neither is available.
        """
        connect = extension_connect() if sqlite_vec else sqlite3.connect
        conn: SqliteConnection = connect(conn_string, check_same_thread=False)
        store = cls(conn, index=index, ttl=ttl, sqlite_vec=sqlite_vec)
        store._owns_conn = True
        return store

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the TTL sweeper and close the connection if this store opened it."""
        self.stop_ttl_sweeper()
        if self._owns_conn and not self._closed:
            self._closed = True
            self._runner.close()

    def __del__(self) -> None:
        self._stop_owned()

    def setup(self) -> None:
        """Create or upgrade the schema (runs on first use; idempotent)."""
        self._runner.run(self._engine.setup)

    # -- BaseStore --------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> _List[Result]:
        """Execute operations in one transaction; reads see the state before the puts."""
        ops = _List(ops)
        qvecs: dict[str, _List[float]] = {}
        if self.embeddings is not None:
            qvecs = embed_queries(self.embeddings, query_texts(ops))
        run, execute = self._runner.run, self._engine.execute
        return embed_rounds(
            lambda vecs: run(execute, ops, self._ts(), qvecs, vecs), self.embeddings
        )

    async def abatch(self, ops: Iterable[Op]) -> _List[Result]:
        """Async :meth:`batch` (runs in a worker thread)."""
        return await asyncio.to_thread(self.batch, _List(ops))

    def list(
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
        return self._runner.run(
            self._engine.list_items, tuple(namespace), limit, offset, refresh, self._ts()
        )

    async def alist(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Async :meth:`list`."""
        return await asyncio.to_thread(
            self.list, namespace, limit=limit, offset=offset, refresh_ttl=refresh_ttl
        )

    # -- TTL --------------------------------------------------------------------------

    def sweep_ttl(self) -> int:
        """Delete expired items now.

        Returns:
            The number of items removed.
        """
        return self._runner.run(self._engine.sweep, self._ts())

    async def asweep_ttl(self) -> int:
        """Async :meth:`sweep_ttl`."""
        return await asyncio.to_thread(self.sweep_ttl)
