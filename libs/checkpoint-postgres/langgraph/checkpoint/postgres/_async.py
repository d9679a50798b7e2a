"""The async Postgres saver core: the single source of both savers' I/O.

``tools/gen_postgres.py`` generates ``_sync.py`` from this module; edit this file, then run
the generator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    RunnableConfig,
    SerializerProtocol,
)
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import InvalidConfigError
from langgraph.checkpoint.postgres import _rows
from langgraph.checkpoint.postgres._acompat import (
    AConnection,
    ACursor,
    ALock,
    APipeline,
    APool,
    acontextmanager,
)
from langgraph.checkpoint.postgres._sql import MIGRATIONS, Query
from langgraph.checkpoint.postgres.base import (
    _MERGE_ATTEMPTS,
    _SCHEMA_ERRORS,
    BasePostgresSaver,
    _k,
)

__all__ = ["_AsyncCore"]

logger = logging.getLogger("langgraph.checkpoint.postgres")

# SQLSTATEs after which the connection is gone, so a pooled statement may be retried
# on another connection: connection exceptions (class 08) and server shutdowns.
_LOST = ("57P01", "57P02", "57P03")


def _connection_lost(exc: psycopg.OperationalError) -> bool:
    """Whether ``exc`` means the connection died (not a statement error or a timeout)."""
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _LOST


def _explain(exc: psycopg.OperationalError, timeout: float | None) -> None:
    """Add a note naming the saver's ``statement_timeout`` to a cancellation."""
    add_note = getattr(exc, "add_note", None)  # Python >= 3.11
    if isinstance(exc, psycopg.errors.QueryCanceled) and timeout is not None and add_note:
        add_note(
            f"the Postgres saver's statement_timeout={timeout}s cancelled the statement;"
            " the saver stays usable (raise statement_timeout for slower operations)"
        )


class _AsyncCore(BasePostgresSaver):
    """I/O of the async saver (see :class:`~langgraph.checkpoint.postgres.aio.AsyncPostgresSaver`)."""

    conn: AConnection[Any] | None
    pool: APool[Any] | None

    def __init__(
        self,
        conn: AConnection[Any] | APool[Any] | None,
        pipe: APipeline | None = None,
        serde: SerializerProtocol | None = None,
        *,
        schema: str | None = None,
        prepare: bool = True,
        statement_timeout: float | None = None,
    ) -> None:
        super().__init__(
            serde=serde, schema=schema, prepare=prepare, statement_timeout=statement_timeout
        )
        if isinstance(conn, APool):
            if pipe is not None:
                raise ValueError("pipe is only supported with a single connection, not with a pool")
            self.pool = conn
            self.conn = None
        else:
            self.pool = None
            self.conn = conn
        self.pipe = pipe
        self.lock = ALock()
        self._conninfo: str | None = None
        self._want_pipeline = False
        self._owns_conn = False
        self._pipe_cm: Any = None
        self._cur: ACursor[Any] | None = None  # reused by _afetch on an autocommit connection

    # ------------------------------------------------------------------ connections

    async def _aopen(self) -> AConnection[Any]:
        """Connect (for savers made by ``from_conn_string``); call with the lock held."""
        if self.conn is None or self.conn.closed:
            if self._conninfo is None:
                raise psycopg.InterfaceError("the saver's connection is closed")
            self.conn = await AConnection.connect(self._conninfo, autocommit=True)
            self._owns_conn = True
            if self._want_pipeline:
                self._pipe_cm = self.conn.pipeline()
                self.pipe = await self._pipe_cm.__aenter__()
        return self.conn

    @acontextmanager
    async def _acursor(self, tx: bool = False) -> AsyncIterator[ACursor[Any]]:
        """A cursor with tuple rows; inside a transaction when needed.

        A transaction wraps the statement when asked, when the connection is not in
        autocommit mode (so no transaction is left open) and when a statement timeout
        must be set for it.
        """
        try:
            if self.pool is not None:
                async with self.pool.connection() as conn:
                    async with self._ause(conn, tx) as cur:
                        yield cur
            else:
                async with self.lock:
                    conn = await self._aopen()
                    async with self._ause(conn, tx) as cur:
                        yield cur
        except _SCHEMA_ERRORS as exc:
            self._schema_note(exc)
            raise

    @acontextmanager
    async def _ause(self, conn: AConnection[Any], tx: bool) -> AsyncIterator[ACursor[Any]]:
        timeout = self._timeout_ms
        async with conn.cursor(row_factory=tuple_row, binary=True) as cur:
            if tx or timeout is not None or not conn.autocommit:
                async with conn.transaction():
                    if timeout is not None:
                        await cur.execute(self._stmts.set_timeout, (timeout,), prepare=False)
                    yield cur
            else:
                yield cur
        if self.pipe is not None:
            await self.pipe.sync()

    async def _afetch(
        self,
        stmt: Query,
        params: dict[str, Any],
        *,
        tx: bool = False,
        rows: bool = True,
    ) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows.

        With a pool, a connection the server dropped is replaced once: every statement
        run through here is a read or an idempotent write. Unprepared (``prepare=False``),
        a statement stored as a routine is called as such (see ``_sql.Routine``).
        """
        if not self.prepare and isinstance(stmt, bytes) and stmt in self._stmts.calls:
            if self._routines is None:
                found = await self._afetch(self._stmts.routines_exist, {})
                self._routines = bool(found and found[0][0])
            if self._routines:
                stmt = self._stmts.calls[stmt]
        if self.pool is None and not tx and self.pipe is None and self.statement_timeout is None:
            # the common case (one autocommit connection): one statement on a cursor kept
            # for this connection, without per-call cursor and context-manager set-up
            async with self.lock:
                conn = await self._aopen()
                if conn.autocommit:
                    cur = self._cur
                    if cur is None or cur.connection is not conn or cur.closed:
                        cur = self._cur = conn.cursor(row_factory=tuple_row, binary=True)
                    try:
                        await cur.execute(stmt, params, prepare=self.prepare)
                        return await cur.fetchall() if rows else []
                    except psycopg.OperationalError as exc:
                        _explain(exc, self.statement_timeout)
                        raise
                    except _SCHEMA_ERRORS as exc:
                        self._schema_note(exc)
                        raise
        attempts = 2 if self.pool is not None else 1
        for attempt in range(attempts):
            try:
                async with self._acursor(tx) as cur:
                    await cur.execute(stmt, params, prepare=self.prepare)
                    return await cur.fetchall() if rows else []
            except psycopg.OperationalError as exc:
                if attempt + 1 >= attempts or not _connection_lost(exc):
                    _explain(exc, self.statement_timeout)
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ lifecycle

    def with_allowlist(self, extra_allowlist: Any) -> Any:
        """Return a copy whose serializer also revives ``extra_allowlist`` types.

        The copy shares this saver's connection (or pool) and lock but never closes what
        this saver opened; a connection the copy opens itself (this saver's being closed)
        is the copy's to close.
        """
        clone = super().with_allowlist(extra_allowlist)
        if clone is not self and isinstance(clone, _AsyncCore):
            clone._owns_conn = False
            clone._pipe_cm = None
            clone._cur = None
        return clone

    async def __aenter__(self) -> Any:
        if self.pool is None:
            async with self.lock:
                await self._aopen()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection if this saver opened it (``from_conn_string``)."""
        if not self._owns_conn or self.conn is None:
            return
        async with self.lock:
            if self._pipe_cm is not None:
                cm, self._pipe_cm, self.pipe = self._pipe_cm, None, None
                try:
                    await cm.__aexit__(None, None, None)
                except psycopg.Error:
                    pass
            conn, self.conn, self._cur = self.conn, None, None
            if conn is not None:
                await conn.close()

    async def asetup(self) -> None:
        """Create or upgrade the tables (idempotent; safe from many processes at once).

        Every migration runs in its own transaction together with its version row, under
        a transaction-level advisory lock. Progress is logged (logger
        ``langgraph.checkpoint.postgres``, INFO): a migration that converts existing rows
        can take a while on a large database.
        """
        stmts = self._stmts
        async with self._acursor() as cur:
            conn = cur.connection
            async with conn.transaction():
                await cur.execute(stmts.lock, prepare=False)
                if stmts.create_schema is not None:
                    await cur.execute(stmts.create_schema, prepare=False)
                await cur.execute(stmts.create_migrations, prepare=False)
                await cur.execute(stmts.read_version, prepare=False)
                row = await cur.fetchone()
                current = row[0] if row else -1
            last = len(MIGRATIONS) - 1
            if current > last:
                raise InvalidConfigError(
                    f"setup: schema {self.schema or '(search_path)'} is at version {current},"
                    f" newer than this langgraph-checkpoint-postgres knows ({last}); upgrade"
                    " the package on every process using it (an older version would not"
                    " read or clean up what newer versions store)"
                )
            if current < last:
                logger.info(
                    "setup: schema %s at version %d, migrating to %d",
                    self.schema or "(search_path)",
                    current,
                    last,
                )
            for version in range(current + 1, len(MIGRATIONS)):
                started = time.monotonic()
                async with conn.transaction():
                    await cur.execute(stmts.lock, prepare=False)
                    await cur.execute(stmts.read_version, prepare=False)
                    row = await cur.fetchone()
                    if row is not None and row[0] >= version:
                        continue  # another process applied it meanwhile
                    for statement in stmts.migrations[version]:
                        await cur.execute(statement, prepare=False)
                    await cur.execute(stmts.record_version, (version,), prepare=False)
                logger.info(
                    "setup: applied migration %d of %d in %.2fs",
                    version,
                    last,
                    time.monotonic() - started,
                )
            await cur.execute(stmts.routines_exist, prepare=False)
            row = await cur.fetchone()
            if not (row and row[0]):
                async with conn.transaction():
                    await cur.execute(stmts.lock, prepare=False)
                    for routine in stmts.routines:
                        await cur.execute(routine.create, prepare=False)
                logger.info("setup: created the functions of unprepared calls")
            self._routines = True

    # ------------------------------------------------------------------ reads

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Fetch a checkpoint tuple (the latest of the namespace without ``checkpoint_id``).

        One statement: the checkpoint, its values, list elements and pending writes.
        """
        stmt, params, known = self._get_params(config)
        rows = await self._afetch(stmt, params)
        found = self._decode_rows(rows, known)
        return found[0] if found else None

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002 - public API name
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """List checkpoints, newest first, one statement per page (keyset paging).

        The connection is not held between pages, so the caller may use the saver
        while iterating. Each list element is decoded once per page: the checkpoints of
        a page may share element objects (each has its own list objects); nothing is
        shared with another call.
        """
        plan = codec.plan_list(config, filter=filter, before=before, limit=limit)
        if limit is not None and limit <= 0:
            return
        stmt, params, known = self._list_query(plan)
        produced = 0
        while True:
            size = codec.page_size(plan, produced)
            params["page_size"] = size
            rows = await self._afetch(stmt, params)
            page = self._decode_rows(rows, known, {})
            for item in page:
                if plan.residual is not None and not plan.residual(item.metadata):
                    continue
                yield item
                produced += 1
                if limit is not None and produced >= limit:
                    return
            if len(page) < size:
                return
            last = page[-1].config["configurable"]
            params["cursor_id"] = _rows.id_key(last["checkpoint_id"])
            params["cursor_thread"] = _k(last["thread_id"])
            params["cursor_ns"] = _k(last["checkpoint_ns"])

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Writes of ``channels`` along the ancestry of a checkpoint (beta).

        Walks ``parent_config`` links, one statement per ancestor, until every channel
        has found its seed value.
        """
        history = BasePostgresSaver.aget_delta_channel_history
        return await history(self, config=config, channels=channels)

    # ------------------------------------------------------------------ writes

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint with its new values in one statement.

        List elements the parent checkpoint already holds are not sent; when the parent
        turns out to be gone (pruned or deleted meanwhile), the statement stores nothing
        and the put is repeated with every element.
        """
        params, next_config = self._put_params(config, checkpoint, metadata, new_versions)
        if not await self._afetch(self._stmts.put, params) and (
            params["p_chunks"] or params["p_rest"]
        ):
            params, _ = self._put_params(config, checkpoint, metadata, new_versions, skip=False)
            await self._afetch(self._stmts.put, params)
        return next_config

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's writes in one statement; re-sending them never duplicates."""
        prepared = self._writes_params(config, writes, task_id, task_path)
        if prepared is None:
            return
        params, entries, upsert = prepared
        for _attempt in range(_MERGE_ATTEMPTS):
            sid, inserted = (await self._afetch(self._stmts.put_writes, params))[0]
            if inserted:
                return
            if sid is not None:  # the task's row exists: merge into it
                await self._amerge_writes(dict(params, sid=sid), entries, upsert)
                return
            # the checkpoint row was being inserted concurrently: look again
        self._gave_up(params)

    async def _amerge_writes(
        self, params: dict[str, Any], entries: Sequence[_rows.WriteEntry], upsert: bool
    ) -> None:
        """Merge a call's writes into the task's stored row (the row existed already)."""
        stmts = self._stmts
        try:
            async with self._acursor(tx=True) as cur:
                for _attempt in range(_MERGE_ATTEMPTS):
                    await cur.execute(stmts.writes_for_update, params, prepare=self.prepare)
                    row = await cur.fetchone()
                    if row is None:  # deleted meanwhile: insert again
                        await cur.execute(stmts.put_writes, params, prepare=self.prepare)
                        sid, inserted = await cur.fetchone() or (None, False)
                        if inserted:
                            return
                        if sid is not None:
                            params = dict(params, sid=sid)
                        continue
                    stored, path = row
                    merged = _rows.merge_writes(stored, entries, upsert)
                    new_path = params["task_path"] if upsert else path
                    if merged != stored or new_path != path:
                        update = dict(params, data=merged, task_path=new_path)
                        await cur.execute(stmts.writes_update, update, prepare=self.prepare)
                    return
        except psycopg.OperationalError as exc:
            _explain(exc, self.statement_timeout)
            raise
        self._gave_up(params)

    async def adelete_thread(self, thread_id: str) -> None:
        """Delete every checkpoint, value and write of a thread, in all namespaces."""
        thread = _k(str(thread_id))
        stmts = self._stmts
        try:
            async with self._acursor(tx=True) as cur:
                # lock first: the deleting statement must see every committed checkpoint
                await cur.execute(stmts.lock_threads, {"locks": self._lock_keys([thread])})
                await cur.execute(stmts.delete_thread, {"thread_id": thread})
                sids = [r[0] for r in await cur.fetchall()]
                await cur.execute(stmts.delete_writes, {"sids": sids}, prepare=False)
        except psycopg.OperationalError as exc:
            _explain(exc, self.statement_timeout)
            raise

    async def _agc(self, cur: ACursor[Any], deleted: Sequence[tuple[bytes, int]]) -> None:
        """Delete the writes of the ``deleted`` checkpoints (``(thread, sid)`` rows) and
        the values no checkpoint of their threads refers to any more.

        The writes go in a later statement than their checkpoints, so it sees the writes
        of every ``put_writes`` the deletion waited for (see ``_sql.py``). The threads'
        locks are taken before the values are, so that statement sees every put that
        committed and no put can reuse a value while it runs.
        """
        if deleted:
            stmts = self._stmts
            sids = [sid for _thread, sid in deleted]
            await cur.execute(stmts.delete_writes, {"sids": sids}, prepare=False)
            threads = sorted({bytes(thread) for thread, _sid in deleted})
            await cur.execute(stmts.lock_threads, {"locks": self._lock_keys(threads)})
            await cur.execute(stmts.no_jit, prepare=False)  # this transaction only
            await cur.execute(stmts.gc_elements, {"threads": threads}, prepare=False)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints whose ``metadata["run_id"]`` is listed, with their writes."""
        wanted = sorted({str(r) for r in run_ids})
        if not wanted:
            return
        stmts = self._stmts
        async with self._acursor(tx=True) as cur:
            # the threads' locks before any row lock (as in prune): a put holds its
            # thread's lock and then locks its parent row, so the opposite order deadlocks
            await cur.execute(stmts.runs_threads, {"run_ids": wanted})
            threads = [bytes(r[0]) for r in await cur.fetchall()]
            if not threads:
                return
            await cur.execute(stmts.lock_threads, {"locks": self._lock_keys(threads)})
            await cur.execute(stmts.delete_for_runs, {"run_ids": wanted, "threads": threads})
            await self._agc(cur, await cur.fetchall())

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint, value and write of a thread under another thread id."""
        src, dst = str(source_thread_id), str(target_thread_id)
        if src == dst:
            return
        stmts = self._stmts
        params = {"src": _k(src), "dst": _k(dst)}
        try:
            async with self._acursor(tx=True) as cur:
                await cur.execute(stmts.lock_thread_shared, {"lock": self._lock_key(_k(dst))})
                await cur.execute(stmts.copy_thread, params, prepare=self.prepare)
                # a later statement: it sees the checkpoint rows just copied
                await cur.execute(stmts.copy_writes, params, prepare=self.prepare)
        except psycopg.OperationalError as exc:
            _explain(exc, self.statement_timeout)
            raise

    async def aprune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep: int = 1,
    ) -> None:
        """Shrink threads: keep the newest ``keep`` checkpoints per namespace, or delete.

        Args:
            thread_ids: threads to prune; others are untouched.
            strategy: ``"keep_latest"`` or ``"delete"``.
            keep: checkpoints kept per namespace by ``"keep_latest"``.
        """
        self._check_prune(strategy, keep)
        threads = sorted({str(t) for t in thread_ids})
        if not threads:
            return
        if strategy == "delete":
            for thread_id in threads:
                await self.adelete_thread(thread_id)
            return
        keys = [_k(t) for t in threads]
        async with self._acursor(tx=True) as cur:
            # lock first: the pruning statement must see every committed checkpoint
            await cur.execute(self._stmts.lock_threads, {"locks": self._lock_keys(keys)})
            await cur.execute(self._stmts.prune_keep, {"threads": keys, "keep": keep})
            await self._agc(cur, await cur.fetchall())
