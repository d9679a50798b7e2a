"""SQLite checkpoint saver (sync): :class:`SqliteSaver`.

Storage model, connection policy and migrations: see the package README,
``_sql.py`` and ``_policy.py``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    RunnableConfig,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite._policy import DEFAULT_BUSY_TIMEOUT
from langgraph.checkpoint.sqlite._reads import ListPages
from langgraph.checkpoint.sqlite._shell import SaverShell

__all__ = ["SqliteSaver"]

T = TypeVar("T")


class SqliteSaver(SaverShell):
    """A checkpoint saver storing threads in a SQLite database.

    Every call is one transaction; values are deduplicated per channel version and list
    elements (chat messages) are stored once per thread, so a growing conversation costs
    the new messages, not the whole history again, at every step.

    Args:
        conn: a ``sqlite3`` connection (default settings are fine; open it with
            ``check_same_thread=False`` to use the saver from several threads).
        serde: serializer (e.g. ``EncryptedSerializer.from_pycryptodome_aes()`` to
            encrypt channel values and writes).
        busy_timeout: seconds to wait for another process's write lock (default 5).
        synchronous: ``PRAGMA synchronous`` for file databases (default "NORMAL").
        cache_bytes: memory budget of the in-process value caches.

    Example:
        >>> from langgraph.checkpoint.sqlite import SqliteSaver
        >>> with SqliteSaver.from_conn_string(":memory:") as saver:
        ...     saver.get_tuple({"configurable": {"thread_id": "1"}}) is None
        True
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        serde: SerializerProtocol | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        synchronous: str = "NORMAL",
        cache_bytes: int = 32 << 20,
    ) -> None:
        super().__init__(
            conn,
            serde=serde,
            busy_timeout=busy_timeout,
            synchronous=synchronous,
            cache_bytes=cache_bytes,
        )
        self._inline_async = False

    @classmethod
    def from_conn_string(
        cls,
        conn_string: str,
        *,
        serde: SerializerProtocol | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        synchronous: str = "NORMAL",
    ) -> SqliteSaver:
        """Open ``conn_string`` (a file path or ``":memory:"``) and return a saver owning it.

        The result works directly as a checkpointer and as a context manager that closes
        the connection on exit (``with SqliteSaver.from_conn_string("x.db") as saver:``).
        Call :meth:`close` when not using ``with``.
        """
        conn = sqlite3.connect(conn_string, check_same_thread=False)
        saver = cls(conn, serde=serde, busy_timeout=busy_timeout, synchronous=synchronous)
        saver._owns_conn = True
        saver.engine.path = conn_string
        return saver

    def __enter__(self) -> SqliteSaver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._owns_conn:
            self.close()

    def close(self) -> None:
        """Close the connection if this saver opened it (idempotent)."""
        if self._owns_conn and not self._closed:
            self._closed = True
            self.runner.close()

    # ------------------------------------------------------------------ async twins

    async def _offload(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a sync call in a worker thread (inline if the connection is thread-bound)."""
        if self._inline_async:
            return fn(*args)
        try:
            return await asyncio.to_thread(fn, *args)
        except sqlite3.ProgrammingError as exc:
            if "thread" not in str(exc):
                raise
            self._inline_async = True
            return fn(*args)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Async :meth:`get_tuple` (runs in a worker thread)."""
        return await self._offload(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002 - public API name
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Async :meth:`list` (each page is read in a worker thread)."""
        pages = ListPages(config, filter=filter, before=before, limit=limit)
        while not pages.done:
            page = await self._offload(self.runner.run, self.engine.list_page, *pages.request())
            for item in pages.take(page):
                yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Async :meth:`put` (runs in a worker thread)."""
        return await self._offload(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Async :meth:`put_writes` (runs in a worker thread)."""
        await self._offload(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        """Async :meth:`delete_thread`."""
        await self._offload(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Async :meth:`delete_for_runs`."""
        await self._offload(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Async :meth:`copy_thread`."""
        await self._offload(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(
        self, thread_ids: Sequence[str], *, strategy: str = "keep_latest", keep: int = 1
    ) -> None:
        """Async :meth:`prune`."""
        await self._offload(self._prune_call, thread_ids, strategy, keep)

    def _prune_call(self, thread_ids: Sequence[str], strategy: str, keep: int) -> None:
        self.prune(thread_ids, strategy=strategy, keep=keep)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Async :meth:`get_delta_channel_history`."""
        return await self._offload(self._history_call, config, channels)

    def _history_call(
        self, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return self.get_delta_channel_history(config=config, channels=channels)
