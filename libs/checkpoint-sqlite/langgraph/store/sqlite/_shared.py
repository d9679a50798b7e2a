"""What :class:`~langgraph.store.sqlite.SqliteStore` and
:class:`~langgraph.store.sqlite.aio.AsyncSqliteStore` share besides the engine: their state
and the ownership of their connection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from langgraph.store.base import IndexConfig, TTLConfig
from langgraph.store.base._support import utcnow
from langgraph.store.sqlite._core import distance_type, index_setup
from langgraph.store.sqlite._engine import StoreEngine

__all__ = ["StoreState"]


class StoreState:
    """Mixin: the attributes both SQLite stores set up alike.

    The store's ``_runner`` (a ``SyncRunner`` or an ``AsyncRunner`` of ``conn``, see
    :mod:`langgraph.checkpoint.sqlite._acompat`) runs the engine's operations.
    """

    conn: Any
    index_config: Any
    embeddings: Any
    ttl_config: TTLConfig | None
    _runner: Any
    _engine: StoreEngine
    _now: Callable[[], datetime]
    _owns_conn: bool
    _closed: bool

    def _init_state(
        self,
        conn: Any,
        runner: Any,
        *,
        deserializer: Callable[[str], dict[str, Any]] | None,
        index: IndexConfig | None,
        ttl: TTLConfig | None,
        sqlite_vec: bool | None,
    ) -> None:
        self.conn = conn
        self.index_config, self.embeddings, fields = index_setup(index)
        self.ttl_config = ttl
        self._runner = runner
        self._engine = StoreEngine(
            fields=fields,
            deserializer=deserializer,
            distance=distance_type(self.index_config),
            sqlite_vec=sqlite_vec,
        )
        self._now = utcnow
        self._owns_conn = False  # True once from_conn_string opened the connection
        self._closed = False

    def _ts(self) -> float:
        return self._now().timestamp()

    def _stop_owned(self) -> None:
        """At garbage collection: close the connection this store opened and never closed."""
        if getattr(self, "_owns_conn", False) and not getattr(self, "_closed", True):
            self._runner.stop()
