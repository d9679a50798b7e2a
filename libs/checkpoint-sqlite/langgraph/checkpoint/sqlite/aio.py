"""SQLite checkpoint saver (async): :class:`AsyncSqliteSaver`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import aiosqlite

from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    RunnableConfig,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite._ashell import AsyncSaverShell
from langgraph.checkpoint.sqlite._policy import DEFAULT_BUSY_TIMEOUT
from langgraph.checkpoint.sqlite._reads import ListPages

__all__ = ["AsyncSqliteSaver"]

T = TypeVar("T")


class AsyncSqliteSaver(AsyncSaverShell):
    """An asyncio checkpoint saver storing threads in a SQLite database (via aiosqlite).

    Each call runs as one unit on aiosqlite's worker thread (one hop, one transaction).
    The sync methods (``get_tuple``, ``put``, ...) may be called from *other* OS threads:
    they are scheduled on the event loop the saver was created in. Called on that loop's
    own thread they raise ``asyncio.InvalidStateError`` instead of deadlocking.

    Args:
        conn: an ``aiosqlite`` connection (started or not).
        serde: serializer (e.g. an ``EncryptedSerializer``).
        busy_timeout: seconds to wait for another process's write lock (default 5).
        synchronous: ``PRAGMA synchronous`` for file databases (default "NORMAL").
        cache_bytes: memory budget of the in-process value caches.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection,
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
        try:
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None

    @classmethod
    def from_conn_string(
        cls,
        conn_string: str,
        *,
        serde: SerializerProtocol | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        synchronous: str = "NORMAL",
    ) -> AsyncSqliteSaver:
        """Return a saver owning a new aiosqlite connection to ``conn_string``.

        Use it as ``async with AsyncSqliteSaver.from_conn_string("x.db") as saver:`` (the
        connection is closed on exit) or directly (it connects on first use; call
        ``await saver.aclose()`` when done).
        """
        saver = cls(
            aiosqlite.connect(conn_string),
            serde=serde,
            busy_timeout=busy_timeout,
            synchronous=synchronous,
        )
        saver._owns_conn = True
        saver.engine.path = conn_string
        return saver

    async def __aenter__(self) -> AsyncSqliteSaver:
        self.loop = asyncio.get_running_loop()
        await self.setup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._owns_conn:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the connection if this saver opened it (idempotent)."""
        if self._owns_conn and not self._closed:
            self._closed = True
            await self.runner.close()

    async def setup(self) -> None:
        """Create or upgrade the schema and configure the connection (idempotent)."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        await super().setup()

    # ------------------------------------------------------------------ sync bridges

    def _bridge(self, coro: Coroutine[Any, Any, T], method: str) -> T:
        loop = self.loop
        if loop is None:
            coro.close()
            raise asyncio.InvalidStateError(
                f"AsyncSqliteSaver.{method}() needs the saver's event loop: use it (or "
                "create it) inside a running loop first, or call the async method"
            )
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop or getattr(loop, "_thread_id", None) == threading.get_ident():
            coro.close()
            raise asyncio.InvalidStateError(
                f"AsyncSqliteSaver.{method}() was called on the event loop's own thread, "
                f"where it would deadlock; use `await saver.a{method}(...)` there, or call "
                "the sync method from another thread"
            )
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Sync :meth:`aget_tuple`, for use from threads other than the loop's."""
        return self._bridge(self.aget_tuple(config), "get_tuple")

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002 - public API name
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Sync :meth:`alist`, for use from threads other than the loop's."""
        pages = ListPages(config, filter=filter, before=before, limit=limit)
        while not pages.done:
            page = self._bridge(self.runner.run(self.engine.list_page, *pages.request()), "list")
            yield from pages.take(page)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Sync :meth:`aput`, for use from threads other than the loop's."""
        return self._bridge(self.aput(config, checkpoint, metadata, new_versions), "put")

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Sync :meth:`aput_writes`, for use from threads other than the loop's."""
        self._bridge(self.aput_writes(config, writes, task_id, task_path), "put_writes")

    def delete_thread(self, thread_id: str) -> None:
        """Sync :meth:`adelete_thread`, for use from threads other than the loop's."""
        self._bridge(self.adelete_thread(thread_id), "delete_thread")

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Sync :meth:`adelete_for_runs`, for use from threads other than the loop's."""
        self._bridge(self.adelete_for_runs(run_ids), "delete_for_runs")

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Sync :meth:`acopy_thread`, for use from threads other than the loop's."""
        self._bridge(self.acopy_thread(source_thread_id, target_thread_id), "copy_thread")

    def prune(
        self, thread_ids: Sequence[str], *, strategy: str = "keep_latest", keep: int = 1
    ) -> None:
        """Sync :meth:`aprune`, for use from threads other than the loop's."""
        self._bridge(self.aprune(thread_ids, strategy=strategy, keep=keep), "prune")

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Sync :meth:`aget_delta_channel_history`, from threads other than the loop's."""
        return self._bridge(
            self.aget_delta_channel_history(config=config, channels=channels),
            "get_delta_channel_history",
        )
