"""``AsyncPostgresSaver``: the asyncio Postgres checkpoint saver."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator, Sequence
from typing import Any, TypeVar

from psycopg import AsyncConnection, AsyncPipeline
from psycopg_pool import AsyncConnectionPool

from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    RunnableConfig,
    SerializerProtocol,
)
from langgraph.checkpoint.postgres._async import _AsyncCore
from langgraph.checkpoint.postgres._shared import connect_later
from langgraph.checkpoint.postgres.base import BasePostgresSaver

__all__ = ["AsyncPostgresSaver", "BasePostgresSaver", "Conn"]

Conn = AsyncConnection[Any] | AsyncConnectionPool[Any]
"""What an :class:`AsyncPostgresSaver` runs on: one connection or a pool."""

T = TypeVar("T")


class AsyncPostgresSaver(_AsyncCore):
    """A checkpoint saver on PostgreSQL for asyncio code (psycopg 3).

    The saver manages its own transactions and row types, so any ``AsyncConnection`` or
    ``AsyncConnectionPool`` works, whatever its ``autocommit`` or ``row_factory``. Call
    :meth:`setup` once to create the tables.

    Args:
        conn: an ``AsyncConnection`` or an ``AsyncConnectionPool``.
        pipe: an ``AsyncPipeline`` of ``conn`` to run the statements in (single connection
            only).
        serde: serializer for channel values and writes.
        schema: schema holding the tables (default: the connection's ``search_path``).
        prepare: use server-side prepared statements (False behind PgBouncer in
            transaction mode without prepared-statement support).
        statement_timeout: per-statement timeout in seconds.

    Example:
        >>> async with AsyncPostgresSaver.from_conn_string(uri) as saver:  # doctest: +SKIP
        ...     await saver.setup()
    """

    def __init__(
        self,
        conn: Conn,
        pipe: AsyncPipeline | None = None,
        serde: SerializerProtocol | None = None,
        *,
        schema: str | None = None,
        prepare: bool = True,
        statement_timeout: float | None = None,
    ) -> None:
        super().__init__(
            conn,
            pipe,
            serde,
            schema=schema,
            prepare=prepare,
            statement_timeout=statement_timeout,
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
        pipeline: bool = False,
        serde: SerializerProtocol | None = None,
        schema: str | None = None,
        prepare: bool = True,
        statement_timeout: float | None = None,
    ) -> AsyncPostgresSaver:
        """A saver on its own connection to ``conn_string``, opened on first use.

        Use it in ``async with`` (the connection is closed on exit) or directly as a
        checkpointer (call :meth:`aclose` when done).

        Args:
            conn_string: a libpq URI or key/value connection string.
            pipeline: run statements through a pipeline on the connection.
            serde: serializer for channel values and writes.
            schema: schema holding the tables.
            prepare: use server-side prepared statements.
            statement_timeout: per-statement timeout in seconds.
        """
        return connect_later(
            cls,
            conn_string,
            pipeline,
            serde=serde,
            schema=schema,
            prepare=prepare,
            statement_timeout=statement_timeout,
        )

    async def setup(self) -> None:
        """Create or upgrade the tables (idempotent; safe from many processes at once)."""
        self._capture_loop()
        await self.asetup()

    def _capture_loop(self) -> None:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()

    async def __aenter__(self) -> AsyncPostgresSaver:
        self._capture_loop()
        await super().__aenter__()
        return self

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:  # noqa: D102
        self._capture_loop()
        return await super().aget_tuple(config)

    async def aput(  # noqa: D102
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self._capture_loop()
        return await super().aput(config, checkpoint, metadata, new_versions)

    # ------------------------------------------------------------------ sync bridges

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            coro.close()
            raise asyncio.InvalidStateError(
                "Synchronous calls to AsyncPostgresSaver are only allowed from a thread "
                "other than the event loop's; use the async methods (aget_tuple, alist, "
                "aput, ...) inside the loop, or PostgresSaver for sync code."
            )
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Sync :meth:`aget_tuple`, from a thread other than the event loop's."""
        return self._run(self.aget_tuple(config))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Sync :meth:`alist`, from a thread other than the event loop's."""

        async def collect() -> list[CheckpointTuple]:
            return [
                item async for item in self.alist(config, filter=filter, before=before, limit=limit)
            ]

        yield from self._run(collect())

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Sync :meth:`aput`, from a thread other than the event loop's."""
        return self._run(self.aput(config, checkpoint, metadata, new_versions))

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Sync :meth:`aput_writes`, from a thread other than the event loop's."""
        self._run(self.aput_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        """Sync :meth:`adelete_thread`, from a thread other than the event loop's."""
        self._run(self.adelete_thread(thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Sync :meth:`adelete_for_runs`, from a thread other than the event loop's."""
        self._run(self.adelete_for_runs(run_ids))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Sync :meth:`acopy_thread`, from a thread other than the event loop's."""
        self._run(self.acopy_thread(source_thread_id, target_thread_id))

    def prune(
        self, thread_ids: Sequence[str], *, strategy: str = "keep_latest", keep: int = 1
    ) -> None:
        """Sync :meth:`aprune`, from a thread other than the event loop's."""
        self._run(self.aprune(thread_ids, strategy=strategy, keep=keep))
