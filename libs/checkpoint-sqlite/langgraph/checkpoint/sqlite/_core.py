"""Engine state and plumbing: transactions, caches, setup, thread ids.

:class:`EngineCore` holds everything the storage operations share: the serializer, the
caches and their memory budget, the ``lg_state.generation`` seen last (a connection that
sees a new generation drops its caches, see :mod:`._engine`), and the helpers that wrap
one unit of work in a write (``BEGIN IMMEDIATE``) or read (``BEGIN``) transaction and
turn driver errors into :class:`~langgraph.checkpoint.errors.StorageError`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from langgraph.checkpoint.base import RunnableConfig
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import StorageError
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._migrate import migrate
from langgraph.checkpoint.sqlite._policy import (
    DEFAULT_BUSY_TIMEOUT,
    apply_policy,
    begin_read,
    begin_write,
    commit,
    rollback,
)

__all__ = ["Conn", "EngineCore", "PLAN_CACHE", "CacheMiss", "config_of"]

T = TypeVar("T")
Conn = sqlite3.Connection
PLAN_CACHE = 4096
"""Entries of the count-bounded caches (body plans, id texts, reused read rows)."""
Templates = tuple[bytes, "list[Any] | None", "list[tuple[int, Any]] | None"]
"""A memo list's hashes, its elements decoded once, and how to copy them (or Nones)."""


class CacheMiss(Exception):
    """Raised by cache-only resolution when a value is not cached."""


def config_of(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


class EngineCore:
    """State and plumbing shared by the storage operations (see :class:`._engine.Engine`).

    Args:
        serde: the saver's serializer.
        busy_timeout: seconds to wait for another connection's write lock.
        synchronous: ``PRAGMA synchronous`` for file databases (see ``_policy``).
        cache_bytes: memory budget of the value caches.
    """

    def __init__(
        self,
        serde: SerializerProtocol,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        synchronous: str = "NORMAL",
        cache_bytes: int = 32 << 20,
    ) -> None:
        self.serde = serde
        self.busy_timeout = busy_timeout
        self.synchronous = synchronous
        self.cache_bytes = cache_bytes
        inner: Any = getattr(serde, "serde", None)
        encrypting = getattr(serde, "cipher", None) is not None and inner is not None
        self._hash_dumps = inner.dumps_typed if encrypting else None
        self.hash_key = b""
        self.path = ""
        self.is_setup = False
        self._generation: int | None = None
        self._threads: dict[str, int] = {}
        self._elements: dict[tuple[int, bytes], bytes] = {}
        self._blobs: dict[tuple[int, str, str, Any], bytes] = {}
        self._rowids: dict[tuple[int, str, Any], int] = {}
        self._lists: dict[tuple[int, str, str], tuple[bytes, bytes, list[int]]] = {}
        self._templates: dict[tuple[int, str, str], Templates] = {}
        self._results: dict[tuple[int, str, str | None], tuple[int, int, list[Any]]] = {}
        self._cached = 0
        # pure functions of immutable bytes (never invalidated, only bounded)
        self._plans: dict[bytes, codec.BodyPlan] = {}
        self._ids: dict[bytes, str] = {}  # checkpoint ids by stored key
        self._task_ids: dict[bytes | str, str] = {}
        self._metas: dict[str | bytes, tuple[dict[str, Any], list[Any] | None]] = {}
        # encodings of the lists of earlier puts (content only: never invalidated)
        self._list_cache = codec.ListCache(max_bytes=cache_bytes)

    # ------------------------------------------------------------------ plumbing

    def _error(self, op: str, exc: BaseException) -> StorageError:
        where = self.path or ":memory:"
        return StorageError(f"SQLite {op} failed on {where!r}: {exc}")

    def _write(self, conn: Conn, op: str, fn: Callable[[], T]) -> T:
        if not self.is_setup:
            self.setup(conn)
        try:
            begin_write(conn)
            self._check_generation(conn)
            result = fn()
            commit(conn)
            return result
        except sqlite3.ProgrammingError:
            rollback(conn)
            raise
        except sqlite3.DatabaseError as exc:
            rollback(conn)
            raise self._error(op, exc) from exc
        except BaseException:
            rollback(conn)
            raise

    def _read(self, conn: Conn, op: str, fn: Callable[[], T]) -> T:
        if not self.is_setup:
            self.setup(conn)
        try:
            begin_read(conn)
            try:
                return fn()
            finally:
                commit(conn)
        except sqlite3.ProgrammingError:
            rollback(conn)
            raise
        except sqlite3.DatabaseError as exc:
            rollback(conn)
            raise self._error(op, exc) from exc

    def clear_caches(self) -> None:
        """Forget every cached value (thread ids are kept: they never change)."""
        self._elements.clear()
        self._blobs.clear()
        self._rowids.clear()
        self._lists.clear()
        self._templates.clear()
        self._results.clear()
        self._cached = 0

    def _check_generation(self, conn: Conn) -> None:
        generation = conn.execute(q.GET_GENERATION).fetchone()[0]
        if generation != self._generation:
            self.clear_caches()
            self._generation = generation

    def _bumped(self, conn: Conn) -> None:
        conn.execute(q.BUMP_GENERATION)
        self.clear_caches()
        self._generation = None

    def _cache(self, store: dict[Any, bytes], key: Any, data: bytes) -> None:
        self._cached += len(data) + 64
        if self._cached > self.cache_bytes:
            self.clear_caches()
            self._cached = len(data) + 64
        store[key] = data

    # ------------------------------------------------------------------ setup

    def _element_hash_key(self, db_key: bytes) -> bytes:
        """The key of element hashes: the database's random key, mixed with the encrypting
        serializer's secret when it has one (then the hashes confirm no guess to someone
        holding the file but not the encryption key)."""
        secret = getattr(self.serde, "hash_key", None) if self._hash_dumps else None
        if not secret:
            return db_key
        return hashlib.blake2b(db_key, key=secret, digest_size=32).digest()

    def setup(self, conn: Conn) -> None:
        """Apply the connection policy and pending migrations (idempotent)."""
        if self.is_setup:
            return
        try:
            self.path = (
                apply_policy(conn, busy_timeout=self.busy_timeout, synchronous=self.synchronous)
                or self.path
            )
            migrate(conn)
            self._generation, db_key = conn.execute(q.GET_STATE).fetchone()
            self.hash_key = self._element_hash_key(bytes(db_key))
            commit(conn)
        except sqlite3.ProgrammingError:
            raise
        except sqlite3.DatabaseError as exc:
            rollback(conn)
            raise self._error("setup", exc) from exc
        self.is_setup = True

    def _thread_for_write(self, conn: Conn, name: str) -> int:
        tid = self._threads.get(name)
        if tid is None:
            conn.execute(q.ADD_THREAD, (name,))
            tid = conn.execute(q.GET_THREAD, (name,)).fetchone()[0]
            self._threads[name] = tid
        return tid

    def _thread_for_read(self, conn: Conn, name: str) -> int | None:
        tid = self._threads.get(name)
        if tid is None:
            row = conn.execute(q.GET_THREAD, (name,)).fetchone()
            if row is None:
                return None
            tid = self._threads[name] = row[0]
        return tid
