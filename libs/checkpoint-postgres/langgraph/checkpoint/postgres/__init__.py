"""PostgreSQL checkpoint savers for LangGraph (psycopg 3).

``PostgresSaver`` (sync) and ``AsyncPostgresSaver`` (asyncio, also importable from
``langgraph.checkpoint.postgres.aio``) store checkpoints, channel values and pending writes
in PostgreSQL. See the package README for the schema, deployment options and encryption.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from psycopg import Connection, Pipeline
from psycopg_pool import ConnectionPool

from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    RunnableConfig,
    SerializerProtocol,
)
from langgraph.checkpoint.postgres._shared import connect_later, in_executor
from langgraph.checkpoint.postgres._sync import _SyncCore
from langgraph.checkpoint.postgres.base import BasePostgresSaver

if TYPE_CHECKING:
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

__all__ = ["AsyncPostgresSaver", "BasePostgresSaver", "Conn", "PostgresSaver"]

Conn = Connection[Any] | ConnectionPool[Any]
"""What a :class:`PostgresSaver` runs on: one connection or a pool."""


class PostgresSaver(_SyncCore):
    """A checkpoint saver on PostgreSQL (psycopg 3).

    The saver manages its own transactions and row types, so any ``Connection`` or
    ``ConnectionPool`` works, whatever its ``autocommit`` or ``row_factory``. Call
    :meth:`setup` once to create the tables. Its async methods run the sync ones in the
    default executor.

    Args:
        conn: a ``Connection`` or a ``ConnectionPool`` (shared safely between threads).
        pipe: a ``Pipeline`` of ``conn`` to run the statements in (single connection only).
        serde: serializer for channel values and writes.
        schema: schema holding the tables (default: the connection's ``search_path``).
        prepare: use server-side prepared statements (False behind PgBouncer in
            transaction mode without prepared-statement support).
        statement_timeout: per-statement timeout in seconds.

    Example:
        >>> with PostgresSaver.from_conn_string(uri) as saver:  # doctest: +SKIP
        ...     saver.setup()
    """

    def __init__(
        self,
        conn: Conn,
        pipe: Pipeline | None = None,
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
    ) -> PostgresSaver:
        """A saver on its own connection to ``conn_string``, opened on first use.

        Use it in a ``with`` block (the connection is closed on exit) or directly as a
        checkpointer (call :meth:`close` when done).

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

    def __enter__(self) -> PostgresSaver:
        super().__enter__()
        return self

    # ------------------------------------------------------------------ async twins

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Async :meth:`get_tuple` (runs in the default executor)."""
        return await in_executor(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Async :meth:`list` (runs in the default executor)."""

        def collect() -> list[CheckpointTuple]:
            return list(self.list(config, filter=filter, before=before, limit=limit))

        for item in await in_executor(collect):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Async :meth:`put` (runs in the default executor)."""
        return await in_executor(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Async :meth:`put_writes` (runs in the default executor)."""
        await in_executor(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        """Async :meth:`delete_thread` (runs in the default executor)."""
        await in_executor(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Async :meth:`delete_for_runs` (runs in the default executor)."""
        await in_executor(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Async :meth:`copy_thread` (runs in the default executor)."""
        await in_executor(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(
        self, thread_ids: Sequence[str], *, strategy: str = "keep_latest", keep: int = 1
    ) -> None:
        """Async :meth:`prune` (runs in the default executor)."""
        await in_executor(self.prune, thread_ids, strategy=strategy, keep=keep)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Async :meth:`get_delta_channel_history` (runs in the default executor)."""
        return await in_executor(self.get_delta_channel_history, config=config, channels=channels)


def __getattr__(name: str) -> Any:
    if name == "AsyncPostgresSaver":
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        return AsyncPostgresSaver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
