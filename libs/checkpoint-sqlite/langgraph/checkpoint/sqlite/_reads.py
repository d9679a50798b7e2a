"""Read operations: ``get_tuple``, ``list`` pages and the delta-channel history.

``get_tuple`` first tries one autocommit statement (checkpoint row, generation, data
version and writes: its own consistent snapshot) resolved from the caches alone; on any
cache miss it redoes the read inside a ``BEGIN`` snapshot with lookups. The rows of the
last read of each checkpoint are reused while ``PRAGMA data_version`` and the
connection's change count show that nothing was committed since. ``list`` pages take two
statements (rows, then all their writes; value lookups only on cache misses) inside one
read transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from langgraph.checkpoint.base import (
    CheckpointTuple,
    DeltaChannelHistory,
    PendingWrite,
    RunnableConfig,
    get_checkpoint_id,
    require_thread_id,
)
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._core import PLAN_CACHE, CacheMiss, Conn
from langgraph.checkpoint.sqlite._values import ValueCache, task_ordered

__all__ = ["ListPages", "Reads"]

_ListCursor = tuple[Any, int]
_Page = tuple[list[CheckpointTuple], "_ListCursor | None"]


class ListPages:
    """The paging of one ``list()`` call, without I/O (the savers do the fetching).

    Until ``done``, fetch ``Reads.list_page(conn, *pages.request())`` and yield the items
    :meth:`take` returns: the page cut to the remaining ``limit``.
    """

    def __init__(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None,  # noqa: A002 - public API name
        before: RunnableConfig | None,
        limit: int | None,
    ) -> None:
        self.plan = codec.plan_list(config, filter=filter, before=before, limit=limit)
        self.limit = limit
        self.produced = 0
        self.after: _ListCursor | None = None
        self.done = limit is not None and limit <= 0

    def request(self) -> tuple[codec.ListPlan, _ListCursor | None, int]:
        """The arguments of :meth:`Reads.list_page` after ``conn``, for the next page."""
        return self.plan, self.after, codec.page_size(self.plan, self.produced)

    def take(self, page: _Page) -> list[CheckpointTuple]:
        """The items of a fetched page to yield; notes where the next page starts."""
        items, self.after = page
        if self.limit is not None:
            items = items[: self.limit - self.produced]
        self.produced += len(items)
        self.done = self.after is None or (self.limit is not None and self.produced >= self.limit)
        return items


class Reads(ValueCache):
    """``get_tuple`` / ``list`` / ``get_delta_channel_history`` (read transactions)."""

    def get_tuple(self, conn: Conn, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint of ``config`` (latest of the namespace without an id)."""
        thread_id = require_thread_id(config, "get_tuple")
        ns = config["configurable"].get("checkpoint_ns", "") or ""
        cid = get_checkpoint_id(config)
        if self.is_setup and not conn.in_transaction:
            tid = self._threads.get(thread_id)
            if tid is not None:
                try:
                    return self._get_tuple_fast(conn, thread_id, tid, ns, cid)
                except CacheMiss:
                    pass
                except sqlite3.ProgrammingError:
                    raise
                except sqlite3.DatabaseError as exc:
                    raise self._error("get_tuple", exc) from exc

        def work() -> CheckpointTuple | None:
            tid = self._thread_for_read(conn, thread_id)
            if tid is None:
                return None
            if cid:
                row = conn.execute(q.GET_BY_ID, (tid, ns, codec.ordered_id_key(cid))).fetchone()
            else:
                row = conn.execute(q.GET_LATEST, (tid, ns)).fetchone()
            if row is None:
                return None
            if row[5] != self._generation:
                self.clear_caches()
                self._generation = row[5]
            writes = conn.execute(q.GET_WRITES, (row[0],)).fetchall()
            plan = self._plan(row[3])
            decoded: dict[str, list[Any]] = {}
            blobs, elements, ready = self._resolve(conn, tid, ns, plan, decoded)
            return self._build(
                thread_id, ns, row, plan, blobs, elements, ready, writes, decoded=decoded
            )

        return self._read(conn, "get_tuple", work)

    def _get_tuple_fast(
        self, conn: Conn, thread_id: str, tid: int, ns: str, cid: str | None
    ) -> CheckpointTuple | None:
        """``get_tuple`` as one autocommit statement (its own consistent snapshot),
        resolving values from the caches only; :class:`CacheMiss` when one is absent.

        The rows of the last read of each ``(thread, ns, id)`` are kept with the data
        version they were read at and this connection's change count: while neither
        moved (nothing was committed by anyone since), ``PRAGMA data_version`` alone
        proves the rows are current and the read statement is skipped.
        """
        key = (tid, ns, cid)
        changes = conn.total_changes
        hit = self._results.get(key)
        if (
            hit is not None
            and hit[1] == changes
            and conn.execute(q.DATA_VERSION).fetchone()[0] == hit[0]
        ):
            rows = hit[2]
        else:
            if cid:
                rows = conn.execute(
                    q.GET_BY_ID_FULL, (tid, ns, codec.ordered_id_key(cid))
                ).fetchall()
            else:
                rows = conn.execute(q.GET_LATEST_FULL, (tid, ns)).fetchall()
            if not rows:
                return None
            if rows[0][5] != self._generation:
                self.clear_caches()
                self._generation = rows[0][5]
                raise CacheMiss
            self._remember_rows(key, rows[0][6], changes, rows)
        row = rows[0]
        plan = self._plan(row[3])
        decoded: dict[str, list[Any]] = {}
        blobs, elements, ready = self._resolve(None, tid, ns, plan, decoded)
        return self._build(
            thread_id, ns, row, plan, blobs, elements, ready, rows[1:], decoded=decoded
        )

    def _remember_rows(self, key: Any, version: int, changes: int, rows: list[Any]) -> None:
        results = self._results
        if len(results) >= PLAN_CACHE:
            results.clear()
        size = 256 + len(rows[0][3]) + sum(len(r[2]) + 64 for r in rows[1:])
        self._cached += size
        if self._cached > self.cache_bytes:
            self.clear_caches()
            self._cached = size
        results[key] = (version, changes, rows)

    def list_page(
        self, conn: Conn, plan: codec.ListPlan, after: _ListCursor | None, size: int
    ) -> tuple[list[CheckpointTuple], _ListCursor | None]:
        """One page of ``list()``; returns the items and the cursor of the next page."""

        def work() -> tuple[list[CheckpointTuple], _ListCursor | None]:
            sql = q.LIST_HEAD
            params: list[Any] = []
            if plan.thread_id is not None:
                tid = self._thread_for_read(conn, plan.thread_id)
                if tid is None:
                    return [], None
                sql += q.LIST_THREAD
                params.append(tid)
            if plan.checkpoint_ns is not None:
                sql += q.LIST_NS
                params.append(plan.checkpoint_ns)
            if plan.checkpoint_id is not None:
                sql += q.LIST_CID
                params.append(codec.ordered_id_key(plan.checkpoint_id))
            if plan.before_id is not None:
                sql += q.LIST_BEFORE
                params.append(codec.ordered_id_key(plan.before_id))
            if after is not None:
                sql += q.LIST_AFTER
                params.extend(after)
            for cond in plan.conditions:
                sql += _condition_sql(cond, params)
            sql += q.LIST_TAIL
            params.append(size)
            rows = conn.execute(sql, params).fetchall()
            if not rows:
                return [], None
            if rows[0][8] != self._generation:
                self.clear_caches()
                self._generation = rows[0][8]
            cursor = (rows[-1][4], rows[-1][0]) if len(rows) >= size else None
            kept: list[tuple[Sequence[Any], dict[str, Any]]] = []
            for row in rows:
                meta = self._metadata(row[7])
                if plan.residual is None or plan.residual(meta):
                    kept.append((row, meta))
            if not kept:
                return [], cursor
            writes: dict[int, list[Sequence[Any]]] = {}
            ids = json.dumps([row[0] for row, _ in kept])
            for w in conn.execute(q.GET_WRITES_MANY, (ids,)):
                writes.setdefault(w[0], []).append(w[1:])
            plans = [self._plan(row[6]) for row, _ in kept]
            self._prefetch(
                conn, [(row[1], row[3], p) for (row, _), p in zip(kept, plans, strict=True)]
            )
            out = []
            page: dict[Any, tuple[bytes, list[Any]]] = {}
            for (row, meta), bplan in zip(kept, plans, strict=True):
                decoded: dict[str, list[Any]] = {}
                blobs, elements, ready = self._resolve(conn, row[1], row[3], bplan, decoded, page)
                out.append(
                    self._build(
                        row[2],
                        row[3],
                        (row[0], row[4], row[5], row[6], row[7]),
                        bplan,
                        blobs,
                        elements,
                        ready,
                        writes.get(row[0], ()),
                        meta,
                        decoded=decoded,
                    )
                )
            return out, cursor

        return self._read(conn, "list", work)

    def get_delta_channel_history(
        self, conn: Conn, config: RunnableConfig, channels: Sequence[str]
    ) -> dict[str, DeltaChannelHistory]:
        """Writes of ``channels`` along the ancestry of a checkpoint, with seeds."""
        history: dict[str, DeltaChannelHistory] = {ch: {"writes": []} for ch in channels}
        if not channels:
            return {}
        thread_id = require_thread_id(config, "get_delta_channel_history")
        ns = config["configurable"].get("checkpoint_ns", "") or ""
        cid = get_checkpoint_id(config)

        def work() -> dict[str, DeltaChannelHistory]:
            tid = self._thread_for_read(conn, thread_id)
            if tid is None:
                return history
            self._check_generation(conn)
            if cid:
                row = conn.execute(q.GET_BY_ID, (tid, ns, codec.ordered_id_key(cid))).fetchone()
            else:
                row = conn.execute(q.GET_LATEST, (tid, ns)).fetchone()
            if row is None:
                return history
            chunks: dict[str, list[list[PendingWrite]]] = {ch: [] for ch in channels}
            open_channels = set(channels)
            parent = row[2]
            loads = self.serde.loads_typed
            while parent is not None and open_channels:
                row = conn.execute(q.GET_PARENT_ROW, (tid, ns, parent)).fetchone()
                if row is None or row[3] is None:
                    break
                by_channel: dict[str, list[PendingWrite]] = {}
                for w in task_ordered(conn.execute(q.GET_WRITES, (row[0],)).fetchall()):
                    if w[1] in open_channels:
                        by_channel.setdefault(w[1], []).append(
                            codec.decode_write(w[0], w[1], w[2], loads)
                        )
                for ch, ws in by_channel.items():
                    chunks[ch].append(ws)
                parsed = codec.parse_body(row[3])
                stored = codec.body_channels(parsed) & open_channels
                if stored:
                    blobs, elements, ready = self._resolve(conn, tid, ns, self._plan(row[3]))
                    values = codec.decode_checkpoint(
                        codec.ordered_id_from_key(row[1]), parsed, blobs, elements, loads, ready
                    )["channel_values"]
                    for ch in stored:
                        if ch in values:
                            history[ch]["seed"] = values[ch]
                            open_channels.discard(ch)
                parent = row[2]
            for ch, parts in chunks.items():
                history[ch]["writes"] = [w for part in reversed(parts) for w in part]
            return history

        return self._read(conn, "get_delta_channel_history", work)


def _condition_sql(cond: codec.FilterCondition, params: list[Any]) -> str:
    path = f'$."{cond.key}"'
    op, kind, value = cond.op, cond.kind, cond.value
    if kind == "null":
        params.append(path)
        return q.COND_NULL if op == "$eq" else q.COND_NOT_NULL
    if kind == "bool":
        params.append(path)
        if value:
            return q.COND_TRUE if op == "$eq" else q.COND_NOT_TRUE
        return q.COND_FALSE if op == "$eq" else q.COND_NOT_FALSE
    params.extend((path, path, value))
    return (q.COND_NUM if kind == "number" else q.COND_STR)[op]
