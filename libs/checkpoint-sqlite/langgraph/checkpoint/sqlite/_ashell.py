"""The saver shell, written once (async); ``_shell.py`` is generated from this file.

Run ``python tools/gen_sqlite.py`` after editing. Only names listed in the generator's
rename map and the ``async``/``await`` keywords are rewritten; the constructs that mean
different things in ``sqlite3`` and ``aiosqlite`` are in ``_acompat.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    RunnableConfig,
    next_string_version,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite._acompat import AsyncRunner
from langgraph.checkpoint.sqlite._engine import Engine
from langgraph.checkpoint.sqlite._policy import DEFAULT_BUSY_TIMEOUT
from langgraph.checkpoint.sqlite._reads import ListPages

__all__ = ["AsyncSaverShell"]


class AsyncSaverShell(BaseCheckpointSaver[str]):
    """Storage calls of the SQLite saver; each one is a single transaction.

    Args:
        conn: the database connection.
        serde: serializer for channel values and writes (default ``JsonPlusSerializer``).
        busy_timeout: seconds to wait for another process's write lock.
        synchronous: ``PRAGMA synchronous`` for file databases ("NORMAL" in WAL mode: a
            crash never corrupts the file; a power loss may drop the last commits).
        cache_bytes: memory budget of the in-process value caches.
    """

    runner: AsyncRunner
    engine: Engine

    def __init__(
        self,
        conn: Any,
        *,
        serde: SerializerProtocol | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        synchronous: str = "NORMAL",
        cache_bytes: int = 32 << 20,
    ) -> None:
        super().__init__(serde=serde)
        self.conn = conn
        self.runner = AsyncRunner(conn)
        self.engine = Engine(
            self.serde,
            busy_timeout=busy_timeout,
            synchronous=synchronous,
            cache_bytes=cache_bytes,
        )
        self._owns_conn = False  # True once from_conn_string opened the connection
        self._closed = False

    def __del__(self) -> None:
        if getattr(self, "_owns_conn", False) and not getattr(self, "_closed", True):
            self.runner.stop()

    @property
    def is_setup(self) -> bool:
        """True once :meth:`setup` ran (it runs on first use)."""
        return self.engine.is_setup

    @property
    def lock(self) -> Any:
        """The lock serializing this saver's use of its connection."""
        return self.runner.lock

    def with_allowlist(self, extra_allowlist: Any) -> AsyncSaverShell:
        """Return a copy whose serializer also revives ``extra_allowlist`` types."""
        clone = super().with_allowlist(extra_allowlist)
        if clone is not self and isinstance(clone, AsyncSaverShell):
            engine = Engine(
                clone.serde,
                busy_timeout=self.engine.busy_timeout,
                synchronous=self.engine.synchronous,
                cache_bytes=self.engine.cache_bytes,
            )
            clone.engine = engine
            clone._owns_conn = False  # the connection stays the original saver's to close
        return clone  # type: ignore[return-value]

    def get_next_version(self, current: str | None, channel: None = None) -> str:
        """Return a zero-padded string version greater than ``current``."""
        return next_string_version(current)

    async def setup(self) -> None:
        """Create or upgrade the schema and configure the connection (idempotent)."""
        await self.runner.run(self.engine.setup)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Fetch a checkpoint tuple; the latest of the namespace without ``checkpoint_id``."""
        return await self.runner.run(self.engine.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002 - public API name
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """List checkpoints newest first, streaming page by page.

        ``filter`` follows :mod:`langgraph.checkpoint.base._filters`; conditions that
        SQLite can evaluate exactly run in SQL, the rest in Python. The lock is released
        between pages, so the caller may use the saver while iterating.
        """
        pages = ListPages(config, filter=filter, before=before, limit=limit)
        while not pages.done:
            page = await self.runner.run(self.engine.list_page, *pages.request())
            for item in pages.take(page):  # noqa: UP028 - generated as sync code too
                yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint; only channels in ``new_versions`` get a new value row."""
        return await self.runner.run(self.engine.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's writes; re-sending a write never duplicates it."""
        await self.runner.run(self.engine.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        """Delete every checkpoint, write and value of a thread, in all namespaces."""
        await self.runner.run(self.engine.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints whose ``metadata["run_id"]`` is listed, with their writes."""
        await self.runner.run(self.engine.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint, write and value of a thread to another thread id."""
        await self.runner.run(self.engine.copy_thread, source_thread_id, target_thread_id)

    async def aprune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep: int = 1,
    ) -> None:
        """Shrink threads.

        Args:
            thread_ids: threads to prune; others are untouched.
            strategy: ``"keep_latest"`` keeps the newest ``keep`` checkpoints of every
                namespace (with their writes); ``"delete"`` removes the threads.
            keep: checkpoints per namespace kept by ``"keep_latest"`` (default 1).
        """
        await self.runner.run(self.engine.prune, thread_ids, strategy, keep)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Writes of ``channels`` along the ancestry of a checkpoint (beta)."""
        return await self.runner.run(self.engine.get_delta_channel_history, config, channels)
