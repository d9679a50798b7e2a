"""The hand-written sync/async pairs that the generated sync shell relies on.

``tools/gen_sqlite.py`` rewrites the async shell (``_ashell.py``) into the sync shell
(``_shell.py``) by renaming ``AsyncRunner`` -> ``SyncRunner`` and dropping
``async``/``await``. Anything whose meaning differs between ``sqlite3`` and
``aiosqlite`` lives here instead of being translated:

* running one storage operation: the sync runner calls it under a ``threading.Lock``;
  the async runner ships it to aiosqlite's worker thread (the thread that owns the
  ``sqlite3`` connection), so a whole saver call costs one hop;
* closing: ``async with`` on an aiosqlite connection closes it, ``with`` on a sqlite3
  connection only commits - the runners expose an explicit ``close()``, and ``stop()``
  for the ``__del__`` of an owner that was never closed (sync in both runners).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite

__all__ = ["AsyncRunner", "SyncRunner"]

T = TypeVar("T")


def _quietly(fn: Callable[[], object]) -> None:
    """Call ``fn`` from a ``__del__``: no warning and no error gets out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class SyncRunner:
    """Runs storage operations on a ``sqlite3`` connection, one at a time.

    Args:
        conn: the connection; open it with ``check_same_thread=False`` to use the saver
            from several OS threads.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Call ``fn(conn, *args)`` under the lock."""
        with self.lock:
            return fn(self.conn, *args)

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    def stop(self) -> None:
        """Close the connection at garbage collection, ignoring any error."""
        _quietly(self.close)


class AsyncRunner:
    """Runs storage operations on aiosqlite's worker thread.

    aiosqlite executes queued callables one at a time on the thread that owns the
    ``sqlite3`` connection; a storage operation is queued as one callable, so it is
    atomic with respect to any other use of the same connection and costs one hop.

    Args:
        conn: an aiosqlite connection (started or not).
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()  # API parity: the worker thread serializes calls
        self._starting: asyncio.Future[None] | None = None

    async def _start(self) -> None:
        conn = self.conn
        thread = getattr(conn, "_thread", None)
        if thread is not None and thread.is_alive():
            await conn._connect()
        else:
            await conn  # starts the worker thread and connects

    async def _raw(self) -> sqlite3.Connection:
        conn = self.conn
        if getattr(conn, "_connection", None) is None:
            if self._starting is None or self._starting.done():
                self._starting = asyncio.ensure_future(self._start())
            await asyncio.shield(self._starting)
        raw: sqlite3.Connection = conn._conn
        return raw

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Call ``fn(raw_sqlite3_conn, *args)`` on the connection's worker thread."""
        raw = await self._raw()
        execute = getattr(self.conn, "_execute", None)
        if execute is None:  # pragma: no cover - every supported aiosqlite has it
            raise RuntimeError("unsupported aiosqlite version: no Connection._execute")
        result: T = await execute(fn, raw, *args)
        return result

    async def close(self) -> None:
        """Close the connection (stops aiosqlite's worker thread)."""
        await self.conn.close()

    def stop(self) -> None:
        """Stop a started worker thread without awaiting (at garbage collection)."""
        if getattr(self.conn, "_connection", None) is not None:
            _quietly(self.conn.stop)
