"""The saver's storage operations over one ``sqlite3.Connection``.

Every public method of :class:`Engine` is one complete unit of work (one transaction)
taking the raw ``sqlite3.Connection`` as first argument. The sync saver calls them
directly under its lock; the async saver runs them on aiosqlite's worker thread (one
hop per saver call). Encoding rules live in :mod:`langgraph.checkpoint.base._codec`.

Caches (bounded by ``cache_bytes``): thread name -> id (thread rows are never deleted),
element bytes by hash and blob bytes by key (both immutable once written), the row id of
recently written checkpoints, the newest list seen per channel (joined element bytes)
and, when its elements are dicts of immutable scalars, those elements decoded once as
templates: a read returns ``dict.copy()`` of them (fresh, independent objects equal to a
decode). Every delete bumps ``lg_state.generation`` in its transaction; a connection
that sees a new generation drops its caches. Pure functions of immutable bytes (decoded
body plans, id texts) are cached by count, never invalidated.

Reads: ``get_tuple`` first tries one autocommit statement (checkpoint row, generation
and writes: its own consistent snapshot) resolved from the caches alone; on any cache
miss it redoes the read inside a ``BEGIN`` snapshot with lookups. ``list`` pages take
two statements (rows, then all their writes; value lookups only on cache misses)
inside one read transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    PendingWrite,
    RunnableConfig,
    get_checkpoint_id,
    get_checkpoint_metadata,
    require_checkpoint_id,
    require_checkpoint_ns,
    require_thread_id,
)
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import InvalidConfigError, StorageError
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._policy import (
    DEFAULT_BUSY_TIMEOUT,
    apply_policy,
    begin_read,
    begin_write,
    commit,
    rollback,
)

__all__ = ["Engine", "PRUNE_STRATEGIES"]

T = TypeVar("T")
Conn = sqlite3.Connection
PRUNE_STRATEGIES = ("keep_latest", "delete")
_ListCursor = tuple[Any, int]
_PLAN_CACHE = 4096


_IMMUTABLE = frozenset((str, int, float, bool, bytes, type(None)))


def _flat_dicts(values: Any, count: int) -> bool:
    """True when ``values`` is a list of ``count`` dicts holding only immutable scalars."""
    if type(values) is not list or len(values) != count:
        return False
    imm = _IMMUTABLE
    for d in values:
        if type(d) is not dict:
            return False
        for v in d.values():
            if type(v) not in imm:
                return False
    return True


class _CacheMiss(Exception):
    """Raised by cache-only resolution when a value is not cached."""


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


class Engine:
    """Storage operations shared by ``SqliteSaver`` and ``AsyncSqliteSaver``.

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
        self._templates: dict[tuple[int, str, str], tuple[bytes, list[Any] | None]] = {}
        self._cached = 0
        # pure functions of immutable bytes (never invalidated, only bounded)
        self._plans: dict[bytes, codec.BodyPlan] = {}
        self._ids: dict[bytes | str, str] = {}

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
            self._generation, self.hash_key = conn.execute(q.GET_STATE).fetchone()
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

    # ------------------------------------------------------------------ put

    def put(
        self,
        conn: Conn,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint (one transaction)."""
        thread_id = require_thread_id(config, "put")
        ns = require_checkpoint_ns(config, "put")
        cid = checkpoint.get("id") if isinstance(checkpoint, Mapping) else None
        if not cid or not isinstance(cid, str):
            raise InvalidConfigError(
                f"put: checkpoint for thread {thread_id!r}, namespace {ns!r} has no string 'id'"
            )
        if not self.is_setup:
            self.setup(conn)
        enc = codec.encode_checkpoint(
            checkpoint,
            new_versions,
            self.serde.dumps_typed,
            hash_dumps=self._hash_dumps,
            hash_key=self.hash_key,
        )
        meta = codec.dumps_metadata(get_checkpoint_metadata(config, metadata))
        parent = config["configurable"].get("checkpoint_id")
        cid_key = codec.id_key(cid)
        parent_key = codec.id_key(str(parent)) if parent else None
        fresh: list[tuple[dict[Any, bytes], Any, bytes]] = []

        def work() -> int:
            tid = self._thread_for_write(conn, thread_id)
            if enc.elements:
                self._store_elements(conn, tid, enc.elements, fresh)
            if enc.blobs:
                conn.executemany(
                    q.INSERT_BLOB, [(tid, ns, ch, vk, data) for ch, vk, data in enc.blobs]
                )
                fresh.extend((self._blobs, (tid, ns, ch, vk), data) for ch, vk, data in enc.blobs)
            for ch, vk, value in enc.maybe_blobs:
                key = (tid, ns, ch, vk)
                if key in self._blobs or conn.execute(q.HAS_BLOB, key).fetchone():
                    continue
                data = codec.encode_value(value, self.serde.dumps_typed)
                conn.execute(q.INSERT_BLOB, (*key, data))
                fresh.append((self._blobs, key, data))
            rowid: int = conn.execute(
                q.UPSERT_CHECKPOINT, (tid, ns, cid_key, parent_key, enc.body, meta)
            ).fetchone()[0]
            self._rowids[(tid, ns, cid_key)] = rowid
            return tid

        try:
            self._write(conn, "put", work)
        except BaseException:
            self._rowids.clear()
            raise
        for store, key, data in fresh:
            self._cache(store, key, data)
        return _config(thread_id, ns, cid)

    def _store_elements(
        self,
        conn: Conn,
        tid: int,
        refs: Sequence[codec.ElementRef],
        fresh: list[tuple[dict[Any, bytes], Any, bytes]],
    ) -> None:
        cache = self._elements
        missing: dict[bytes, codec.ElementRef] = {}
        for ref in refs:
            if (tid, ref.hash) not in cache and ref.hash not in missing:
                missing[ref.hash] = ref
        if not missing:
            return
        lazy = [r for r in missing.values() if r.data is None]
        if lazy:
            for h, data in self._fetch_elements(conn, tid, [r.hash for r in lazy]):
                missing.pop(h, None)
                fresh.append((cache, (tid, h), data))
            for ref in missing.values():
                ref.data = codec.encode_value(ref.value, self.serde.dumps_typed)
        rows = [(tid, h, r.data) for h, r in missing.items()]
        conn.executemany(q.INSERT_ELEMENT, rows)
        fresh.extend((cache, (tid, h), r.data) for h, r in missing.items() if r.data)

    # ------------------------------------------------------------------ put_writes

    def put_writes(
        self,
        conn: Conn,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's writes against a checkpoint (one transaction)."""
        thread_id = require_thread_id(config, "put_writes")
        cid = require_checkpoint_id(config, "put_writes")
        ns = config["configurable"].get("checkpoint_ns", "") or ""
        rows, upsert = codec.encode_writes(
            writes, task_id, task_path, self.serde.dumps_typed, WRITES_IDX_MAP
        )
        if not rows:
            return
        cid_key = codec.id_key(cid)

        def work() -> None:
            tid = self._thread_for_write(conn, thread_id)
            rowid = self._rowids.get((tid, ns, cid_key))
            if rowid is None:
                found = conn.execute(q.GET_ROWID, (tid, ns, cid_key)).fetchone()
                if found is None:
                    found = conn.execute(q.ADD_PLACEHOLDER, (tid, ns, cid_key)).fetchone()
                rowid = found[0]
            conn.executemany(
                q.REPLACE_WRITE if upsert else q.INSERT_WRITE,
                [(rowid, r[0], r[1], r[2], "", r[4]) for r in rows],
            )

        self._write(conn, "put_writes", work)

    # ------------------------------------------------------------------ reading

    def _fetch_elements(
        self, conn: Conn, tid: int, hashes: Sequence[bytes]
    ) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        if len(hashes) > 4 * q.ELEMENT_BUCKETS[-1]:
            wanted = set(hashes)
            rows = conn.execute(q.GET_THREAD_ELEMENTS, (tid,)).fetchall()
            return [(h, v) for h, v in rows if h in wanted]
        top = q.ELEMENT_BUCKETS[-1]
        for start in range(0, len(hashes), top):
            chunk = list(hashes[start : start + top])
            size = next(b for b in q.ELEMENT_BUCKETS if b >= len(chunk))
            chunk += [chunk[-1]] * (size - len(chunk))
            out.extend(conn.execute(q.GET_ELEMENTS[size], (tid, *chunk)).fetchall())
        return out

    def _resolve(
        self,
        conn: Conn | None,
        tid: int,
        ns: str,
        plan: codec.BodyPlan,
        decoded: dict[str, list[Any]] | None = None,
    ) -> tuple[dict[Any, bytes], dict[bytes, bytes], dict[bytes, bytes]]:
        """Blob bytes, element bytes and ready list values a parsed body needs.

        With ``conn=None`` only the caches are used (:class:`_CacheMiss` otherwise).
        With ``decoded``, lists served from decoded templates (see :meth:`_copies`) are
        put there by channel (already decoded, fresh objects) instead of in ``ready``.
        """
        blobs: dict[Any, bytes] = {}
        bcache = self._blobs
        for key in plan.blob_keys:
            full = (tid, ns, key[0], key[1])
            data = bcache.get(full)
            if data is None:
                if conn is None:
                    raise _CacheMiss
                row = conn.execute(q.GET_BLOB, full).fetchone()
                if row is None:
                    continue
                data = row[0]
                self._cache(bcache, full, data)
            blobs[key] = data
        elements: dict[bytes, bytes] = {}
        ready: dict[bytes, bytes] = {}
        for ch, raw in plan.lists:
            memo_key = (tid, ns, ch)
            memo = self._lists.get(memo_key)
            if memo is not None:
                mraw, payload, ends = memo
                if mraw.startswith(raw):
                    n = len(raw) // codec.HASH_SIZE
                    if decoded is not None:
                        copies = self._copies(memo_key, mraw, payload, ends, n)
                        if copies is not None:
                            decoded[ch] = copies
                            continue
                    part = payload if n == len(ends) else payload[: ends[n - 1]] if n else b""
                    ready[raw] = codec.msgpack_list(n, part)
                    continue
                if raw.startswith(mraw):
                    suffix = codec.split_hashes(raw[len(mraw) :])
                    found = self._elements_for(conn, tid, suffix)
                    joined = codec.join_plain([found[h] for h in suffix])
                    if joined is not None:
                        base = ends[-1] if ends else 0
                        self._extend_templates(memo_key, mraw, raw, len(suffix), joined[0])
                        payload += joined[0]
                        ends = ends + [base + e for e in joined[1]]
                        self._remember_list(memo_key, raw, payload, ends)
                        if decoded is not None:
                            copies = self._copies(memo_key, raw, payload, ends, len(ends))
                            if copies is not None:
                                decoded[ch] = copies
                                continue
                        ready[raw] = codec.msgpack_list(len(ends), payload)
                        continue
            hashes = codec.split_hashes(raw)
            found = self._elements_for(conn, tid, hashes)
            elements.update(found)
            joined = codec.join_plain([found[h] for h in hashes])
            if joined is not None:
                self._remember_list(memo_key, raw, joined[0], joined[1])
                ready[raw] = codec.msgpack_list(len(hashes), joined[0])
        return blobs, elements, ready

    def _copies(
        self, key: Any, mraw: bytes, payload: bytes, ends: list[int], n: int
    ) -> list[Any] | None:
        """Fresh copies of the first ``n`` elements of the memo list ``mraw``, or None.

        The memo list is decoded once into templates; when every element is a dict of
        immutable scalars (the common message-dict case) a shallow ``dict.copy`` of each
        template is an independent value equal to what decoding would produce, at a
        fraction of the cost. Other lists (nested or custom objects) are never shared
        and take the decoding path.
        """
        found = self._templates.get(key)
        if found is None or found[0] != mraw:
            whole = self.serde.loads_typed(("msgpack", codec.msgpack_list(len(ends), payload)))
            vals = whole if _flat_dicts(whole, len(ends)) else None
            self._cached += 3 * len(payload)
            if self._cached > self.cache_bytes:
                self.clear_caches()
            self._templates[key] = found = (mraw, vals)
        vals = found[1]
        if vals is None:
            return None
        return list(map(dict.copy, vals[:n] if n < len(vals) else vals))

    def _extend_templates(
        self, key: Any, mraw: bytes, raw: bytes, count: int, payload: bytes
    ) -> None:
        """Carry the decoded templates of ``mraw`` over to its extension ``raw``."""
        found = self._templates.get(key)
        if found is None or found[0] != mraw or found[1] is None:
            return
        more = self.serde.loads_typed(("msgpack", codec.msgpack_list(count, payload)))
        if _flat_dicts(more, count):
            self._cached += 3 * len(payload)
            self._templates[key] = (raw, found[1] + more)
        else:
            self._templates[key] = (raw, None)

    def _remember_list(self, key: Any, raw: bytes, payload: bytes, ends: list[int]) -> None:
        self._cached += len(payload) + len(raw)
        if self._cached > self.cache_bytes:
            self.clear_caches()
        self._lists[key] = (raw, payload, ends)

    def _elements_for(
        self, conn: Conn | None, tid: int, hashes: Sequence[bytes]
    ) -> dict[bytes, bytes]:
        """Element bytes by hash (cache first); a missing element is simply absent."""
        out: dict[bytes, bytes] = {}
        ecache = self._elements
        missing: list[bytes] = []
        for h in hashes:
            data = ecache.get((tid, h))
            if data is None:
                missing.append(h)
            else:
                out[h] = data
        if missing:
            if conn is None:
                raise _CacheMiss
            for h, data in self._fetch_elements(conn, tid, list(dict.fromkeys(missing))):
                out[h] = data
                self._cache(ecache, (tid, h), data)
        if len(out) < len(set(hashes)):
            raise sqlite3.DatabaseError(
                f"thread #{tid}: a checkpoint refers to list elements that are missing"
            )
        return out

    def _build(
        self,
        thread_id: str,
        ns: str,
        row: Sequence[Any],
        plan: codec.BodyPlan,
        blobs: Mapping[Any, bytes],
        elements: Mapping[bytes, bytes],
        ready: Mapping[bytes, bytes],
        writes: Sequence[Sequence[Any]],
        metadata: dict[str, Any] | None = None,
        *,
        decoded: Mapping[str, list[Any]] | None = None,
    ) -> CheckpointTuple:
        loads = self.serde.loads_typed
        ids = self._ids
        cid = ids.get(row[1])
        if cid is None:
            cid = self._id_text(row[1])
        checkpoint, pending = codec.build_checkpoint(
            plan, cid, blobs, elements, loads, ready, writes, self._id, decoded
        )
        parent = row[2]
        return CheckpointTuple(
            _config(thread_id, ns, cid),
            checkpoint,  # type: ignore[arg-type]
            (metadata if metadata is not None else codec.loads_metadata(row[4])),  # type: ignore[arg-type]
            (
                _config(thread_id, ns, ids.get(parent) or self._id_text(parent))
                if parent is not None
                else None
            ),
            pending,
        )

    def _plan(self, body: bytes) -> codec.BodyPlan:
        plan = self._plans.get(body)
        if plan is None:
            plan = codec.plan_body(body)
            if len(self._plans) >= _PLAN_CACHE:
                self._plans.clear()
            self._plans[body] = plan
        return plan

    def _id(self, key: bytes | str) -> str:
        text = self._ids.get(key)
        return text if text is not None else self._id_text(key)

    def _id_text(self, key: bytes | str) -> str:
        ids = self._ids
        if len(ids) >= _PLAN_CACHE:
            ids.clear()
        text = ids[key] = codec.id_from_key(key)
        return text

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
                except _CacheMiss:
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
                row = conn.execute(q.GET_BY_ID, (tid, ns, codec.id_key(cid))).fetchone()
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
        resolving values from the caches only; :class:`_CacheMiss` when one is absent."""
        if cid:
            rows = conn.execute(q.GET_BY_ID_FULL, (tid, ns, codec.id_key(cid))).fetchall()
        else:
            rows = conn.execute(q.GET_LATEST_FULL, (tid, ns)).fetchall()
        if not rows:
            return None
        row = rows[0]
        if row[5] != self._generation:
            self.clear_caches()
            self._generation = row[5]
            raise _CacheMiss
        plan = self._plan(row[3])
        decoded: dict[str, list[Any]] = {}
        blobs, elements, ready = self._resolve(None, tid, ns, plan, decoded)
        return self._build(
            thread_id, ns, row, plan, blobs, elements, ready, rows[1:], decoded=decoded
        )

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
                params.append(codec.id_key(plan.checkpoint_id))
            if plan.before_id is not None:
                sql += q.LIST_BEFORE
                params.append(codec.id_key(plan.before_id))
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
                meta = codec.loads_metadata(row[7])
                if plan.residual is None or plan.residual(meta):
                    kept.append((row, meta))
            if not kept:
                return [], cursor
            writes: dict[int, list[Sequence[Any]]] = {}
            ids = json.dumps([row[0] for row, _ in kept])
            for w in conn.execute(q.GET_WRITES_MANY, (ids,)):
                writes.setdefault(w[0], []).append(w[1:])
            out = []
            for row, meta in kept:
                bplan = self._plan(row[6])
                decoded: dict[str, list[Any]] = {}
                blobs, elements, ready = self._resolve(conn, row[1], row[3], bplan, decoded)
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
                row = conn.execute(q.GET_BY_ID, (tid, ns, codec.id_key(cid))).fetchone()
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
                for w in conn.execute(q.GET_WRITES, (row[0],)):
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
                        codec.id_from_key(row[1]), parsed, blobs, elements, loads, ready
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

    # ------------------------------------------------------------------ maintenance

    def delete_thread(self, conn: Conn, thread_id: str) -> None:
        """Delete every checkpoint, write and value of a thread."""
        name = str(thread_id)

        def work() -> None:
            tid = self._thread_for_read(conn, name)
            if tid is None:
                return
            self._delete_thread_rows(conn, tid)
            self._bumped(conn)

        self._write(conn, "delete_thread", work)

    @staticmethod
    def _delete_thread_rows(conn: Conn, tid: int) -> None:
        conn.execute(q.DELETE_THREAD_WRITES, (tid,))
        conn.execute(q.DELETE_THREAD_CHECKPOINTS, (tid,))
        conn.execute(q.DELETE_THREAD_BLOBS, (tid,))
        conn.execute(q.DELETE_THREAD_ELEMENTS, (tid,))

    def _collect_garbage(self, conn: Conn, tids: Iterable[int]) -> None:
        for tid in set(tids):
            keys: set[tuple[str, str, Any]] = set()
            hashes: set[bytes] = set()
            for ns, body in conn.execute(q.THREAD_BODIES, (tid,)).fetchall():
                blob_keys, elems = codec.body_refs(codec.parse_body(body))
                keys.update((ns, ch, vk) for ch, vk in blob_keys)
                hashes.update(elems)
            doomed = [
                (tid, *k)
                for k in conn.execute(q.THREAD_BLOB_KEYS, (tid,)).fetchall()
                if tuple(k) not in keys
            ]
            conn.executemany(q.DELETE_BLOB, doomed)
            gone = [
                (tid, h)
                for (h,) in conn.execute(q.THREAD_ELEMENT_HASHES, (tid,)).fetchall()
                if h not in hashes
            ]
            conn.executemany(q.DELETE_ELEMENT, gone)

    def _drop_checkpoints(self, conn: Conn, rowids: Sequence[int]) -> None:
        conn.executemany(q.DELETE_CHECKPOINT_WRITES, [(r,) for r in rowids])
        conn.executemany(q.DELETE_CHECKPOINT, [(r,) for r in rowids])

    def delete_for_runs(self, conn: Conn, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints whose ``metadata.run_id`` is listed, with their writes."""
        wanted = json.dumps(sorted({str(r) for r in run_ids}))
        if wanted == "[]":
            return

        def work() -> None:
            found = conn.execute(q.FIND_RUNS, (wanted,)).fetchall()
            if not found:
                return
            self._drop_checkpoints(conn, [r[0] for r in found])
            self._collect_garbage(conn, [r[1] for r in found])
            self._bumped(conn)

        self._write(conn, "delete_for_runs", work)

    def copy_thread(self, conn: Conn, source: str, target: str) -> None:
        """Copy every checkpoint, write and value of ``source`` to ``target``."""
        src_name, dst_name = str(source), str(target)
        if src_name == dst_name:
            return

        def work() -> None:
            src = self._thread_for_read(conn, src_name)
            if src is None:
                return
            dst = self._thread_for_write(conn, dst_name)
            conn.execute(q.COPY_ELEMENTS, (dst, src))
            conn.execute(q.COPY_BLOBS, (dst, src))
            conn.execute(q.COPY_CHECKPOINTS, (dst, src))
            conn.execute(q.COPY_WRITES, (dst, src))
            self._rowids.clear()

        self._write(conn, "copy_thread", work)

    def prune(
        self, conn: Conn, thread_ids: Sequence[str], strategy: str = "keep_latest", keep: int = 1
    ) -> None:
        """Keep the newest ``keep`` checkpoints per namespace, or delete the threads."""
        if strategy not in PRUNE_STRATEGIES:
            raise ValueError(
                f"unknown prune strategy {strategy!r}; use one of {', '.join(PRUNE_STRATEGIES)}"
            )
        if keep < 1:
            raise ValueError(f"prune keep must be >= 1, got {keep}")
        names = list(dict.fromkeys(str(t) for t in thread_ids))
        if not names:
            return

        def work() -> None:
            touched = []
            for name in names:
                tid = self._thread_for_read(conn, name)
                if tid is None:
                    continue
                touched.append(tid)
                if strategy == "delete":
                    self._delete_thread_rows(conn, tid)
                    continue
                for (ns,) in conn.execute(q.THREAD_NAMESPACES, (tid,)).fetchall():
                    doomed = conn.execute(q.PRUNE_DOOMED, (tid, ns, tid, ns, keep)).fetchall()
                    self._drop_checkpoints(conn, [r[0] for r in doomed])
                self._collect_garbage(conn, [tid])
            if touched:
                self._bumped(conn)

        self._write(conn, "prune", work)


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


def migrate(conn: Conn) -> None:
    """Apply pending migrations, each in its own ``BEGIN IMMEDIATE`` transaction."""
    target = len(q.MIGRATIONS)
    if conn.execute(q.HAS_SCHEMA_TABLE).fetchone():
        current = conn.execute(q.SCHEMA_VERSION).fetchone()[0]
        if current == target:
            return
        if current > target:
            raise sqlite3.DatabaseError(
                f"database schema version {current} is newer than this library ({target})"
            )
    while True:
        begin_write(conn)
        try:
            conn.execute(q.CREATE_SCHEMA_TABLE)
            current = conn.execute(q.SCHEMA_VERSION).fetchone()[0]
            if current >= target:
                commit(conn)
                return
            for statement in q.MIGRATIONS[current]:
                conn.execute(statement)
            conn.execute(q.RECORD_MIGRATION, (current + 1,))
            commit(conn)
        except BaseException:
            rollback(conn)
            raise
