"""Channel values for reads: blob and element lookups, list memos, decoded templates.

A list channel is stored as element hashes (see :mod:`langgraph.checkpoint.base._codec`).
Per ``(thread, ns, channel)`` the newest list seen is memoized as its joined element
bytes, so an older checkpoint (a prefix) or a newer one (an extension) is served without
looking elements up again. When the elements are dicts of immutable scalars and flat
containers of them, the memo list is also decoded once into templates, and a read
returns copies of them: fresh, independent objects equal to a decode, much cheaper.
Within one ``list()`` page the elements of such a list are decoded (or copied) once and
shared by the page's checkpoints; each checkpoint still gets its own list object, and
nothing is ever shared with another call or with the caches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langgraph.checkpoint.base import CheckpointTuple
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._core import (
    PLAN_CACHE,
    CacheMiss,
    Conn,
    EngineCore,
    config_of,
)

__all__ = ["ValueCache", "task_ordered"]

_IMMUTABLE = frozenset((str, int, float, bool, bytes, type(None)))
_Memo = tuple[bytes, bytes, list[int]]
_META_TEMPLATE_MAX = 2048
"""Longer metadata texts are parsed at every read, never kept as templates."""


def _copy_plan(values: Any, count: int, offset: int = 0) -> list[tuple[int, Any]] | None:
    """How to copy a decoded list cheaply, or None when it is not cheaply copyable.

    Copyable: a list of ``count`` dicts whose values are immutable scalars or flat dicts
    / lists of immutable scalars (message dicts with a ``meta`` dict, say). Returns the
    ``(index + offset, key)`` of every nested container (in index order); a fresh copy is
    then ``dict.copy`` of each element plus ``.copy()`` of those containers.
    """
    if type(values) is not list or len(values) != count:
        return None
    imm = _IMMUTABLE
    nested: list[tuple[int, Any]] = []
    for i, d in enumerate(values, offset):
        if type(d) is not dict:
            return None
        for k, v in d.items():
            t = type(v)
            if t in imm:
                continue
            if t is dict:
                inner: Iterable[Any] = v.values()
            elif t is list:
                inner = v
            else:
                return None
            for x in inner:
                if type(x) not in imm:
                    return None
            nested.append((i, k))
    return nested


def _fresh(vals: list[dict[Any, Any]], nested: list[tuple[int, Any]], n: int) -> list[Any]:
    """Independent copies of the first ``n`` templates (see :func:`_copy_plan`)."""
    out = list(map(dict.copy, vals[:n] if n < len(vals) else vals))
    for i, k in nested:
        if i >= n:
            break
        d = out[i]
        d[k] = d[k].copy()
    return out


def task_ordered(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """Write rows (``task`` key first) as read with ``ORDER BY task, idx``, in the order of
    their task ids' strings, then idx.

    SQLite sorts every text key before every blob key, so the SQL order differs from the
    ids' order only when a checkpoint has both kinds (UUID task ids are stored as 16-byte
    blobs, others as text); those rows are sorted again here (stably: idx order stays).
    """
    if len({type(r[0]) for r in rows}) < 2:
        return rows
    return sorted(rows, key=lambda r: codec.id_from_key(r[0]))


class ValueCache(EngineCore):
    """Resolution of the values a checkpoint body refers to, and checkpoint building."""

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

    def _prefetch(self, conn: Conn, entries: Iterable[tuple[int, str, codec.BodyPlan]]) -> None:
        """Fetch (and cache) the blobs and list elements that ``entries`` (the rows of one
        ``list()`` page) need and the caches lack, with one statement per bucket of keys
        and (thread, ns), instead of one lookup per checkpoint."""
        blobs: dict[tuple[int, str], dict[tuple[str, Any], None]] = {}
        hashes: dict[int, dict[bytes, None]] = {}
        bcache, ecache, lists = self._blobs, self._elements, self._lists
        for tid, ns, plan in entries:
            for ch, vk in plan.blob_keys:
                if (tid, ns, ch, vk) not in bcache:
                    blobs.setdefault((tid, ns), {})[(ch, vk)] = None
            for ch, raw in plan.lists:
                memo = lists.get((tid, ns, ch))
                if memo is not None and memo[0].startswith(raw):
                    continue
                wanted = hashes.setdefault(tid, {})
                for h in codec.split_hashes(raw):
                    if (tid, h) not in ecache:
                        wanted[h] = None
        top = q.ELEMENT_BUCKETS[-1]
        for (tid, ns), wanted_keys in blobs.items():
            keys = list(wanted_keys)
            for start in range(0, len(keys), top):
                chunk = keys[start : start + top]
                size = next(b for b in q.ELEMENT_BUCKETS if b >= len(chunk))
                chunk += [chunk[-1]] * (size - len(chunk))
                params = [x for key in chunk for x in key]
                for ch, vk, data in conn.execute(q.GET_BLOBS[size], (*params, tid, ns)):
                    self._cache(bcache, (tid, ns, ch, vk), data)
        for tid, wanted_hashes in hashes.items():
            if wanted_hashes:
                for h, data in self._fetch_elements(conn, tid, list(wanted_hashes)):
                    self._cache(ecache, (tid, h), data)

    def _resolve(
        self,
        conn: Conn | None,
        tid: int,
        ns: str,
        plan: codec.BodyPlan,
        decoded: dict[str, list[Any]] | None = None,
        page: dict[Any, tuple[bytes, list[Any]]] | None = None,
    ) -> tuple[dict[Any, bytes], dict[bytes, bytes], dict[bytes, bytes]]:
        """Blob bytes, element bytes and ready list values a parsed body needs.

        With ``conn=None`` only the caches are used (:class:`CacheMiss` otherwise).
        With ``decoded``, lists served from decoded templates (see :meth:`_copies`) are
        put there by channel (already decoded, fresh objects) instead of in ``ready``.
        With ``page`` (one ``list()`` page; implies ``decoded``), the elements of a list
        are decoded once per page and shared by the page's checkpoints (each still gets
        its own list object), see :meth:`_page_list`.
        """
        blobs: dict[Any, bytes] = {}
        bcache = self._blobs
        for key in plan.blob_keys:
            full = (tid, ns, key[0], key[1])
            data = bcache.get(full)
            if data is None:
                if conn is None:
                    raise CacheMiss
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
            if memo is not None and not memo[0].startswith(raw):
                memo = (
                    self._extend_memo(conn, tid, memo_key, memo, raw)
                    if raw.startswith(memo[0])
                    else None
                )
            if memo is None:
                hashes = codec.split_hashes(raw)
                found = self._elements_for(conn, tid, hashes)
                joined = codec.join_plain([found[h] for h in hashes])
                if joined is None:
                    elements.update(found)
                    continue
                memo = self._remember_list(memo_key, raw, joined[0], joined[1])
            n = len(raw) // codec.HASH_SIZE
            if page is not None and decoded is not None:
                decoded[ch] = self._page_list(page, memo_key, memo, raw, n)
                continue
            mraw, payload, ends = memo
            if decoded is not None:
                copies = self._copies(memo_key, mraw, payload, ends, n)
                if copies is not None:
                    decoded[ch] = copies
                    continue
            part = payload if n == len(ends) else payload[: ends[n - 1]] if n else b""
            ready[raw] = codec.msgpack_list(n, part)
        return blobs, elements, ready

    def _extend_memo(
        self,
        conn: Conn | None,
        tid: int,
        key: Any,
        memo: _Memo,
        raw: bytes,
    ) -> _Memo | None:
        """The memo list ``memo`` extended to ``raw`` (which starts with it), or None
        when the new elements are not plain msgpack values."""
        mraw, payload, ends = memo
        suffix = codec.split_hashes(raw[len(mraw) :])
        found = self._elements_for(conn, tid, suffix)
        joined = codec.join_plain([found[h] for h in suffix])
        if joined is None:
            return None
        base = ends[-1] if ends else 0
        self._extend_templates(key, mraw, raw, len(suffix), joined[0])
        return self._remember_list(
            key, raw, payload + joined[0], ends + [base + e for e in joined[1]]
        )

    def _page_list(
        self,
        page: dict[Any, tuple[bytes, list[Any]]],
        key: Any,
        memo: _Memo,
        raw: bytes,
        n: int,
    ) -> list[Any]:
        """A new list holding the first ``n`` elements of the memo list, decoded (or
        copied from templates) once per page and shared by the page's checkpoints."""
        got = page.get(key)
        if got is None or not got[0].startswith(raw):
            mraw, payload, ends = memo
            vals = self._copies(key, mraw, payload, ends, n)
            if vals is None:
                part = payload if n == len(ends) else payload[: ends[n - 1]] if n else b""
                vals = self.serde.loads_typed(("msgpack", codec.msgpack_list(n, part)))
            page[key] = got = (raw, vals)
        vals = got[1]
        return vals[:n] if n < len(vals) else list(vals)

    def _copies(
        self, key: Any, mraw: bytes, payload: bytes, ends: list[int], n: int
    ) -> list[Any] | None:
        """Fresh copies of the first ``n`` elements of the memo list ``mraw``, or None.

        The memo list is decoded once into templates; when its elements are dicts of
        immutable scalars and flat containers of them (the common message-dict case,
        see :func:`_copy_plan`) copying the templates gives independent values equal to
        what decoding would produce, at a fraction of the cost. Other lists (deeper
        nesting, custom objects) are never shared and take the decoding path.
        """
        found = self._templates.get(key)
        if found is None or found[0] != mraw:
            whole = self.serde.loads_typed(("msgpack", codec.msgpack_list(len(ends), payload)))
            nested = _copy_plan(whole, len(ends))
            self._cached += 3 * len(payload)
            if self._cached > self.cache_bytes:
                self.clear_caches()
            found = (mraw, whole, nested) if nested is not None else (mraw, None, None)
            self._templates[key] = found
        vals, nested = found[1], found[2]
        if vals is None or nested is None:
            return None
        return _fresh(vals, nested, n)

    def _extend_templates(
        self, key: Any, mraw: bytes, raw: bytes, count: int, payload: bytes
    ) -> None:
        """Carry the decoded templates of ``mraw`` over to its extension ``raw``."""
        found = self._templates.get(key)
        if found is None or found[0] != mraw or found[1] is None or found[2] is None:
            return
        more = self.serde.loads_typed(("msgpack", codec.msgpack_list(count, payload)))
        nested = _copy_plan(more, count, len(found[1]))
        if nested is not None:
            self._cached += 3 * len(payload)
            self._templates[key] = (raw, found[1] + more, found[2] + nested)
        else:
            self._templates[key] = (raw, None, None)

    def _remember_list(self, key: Any, raw: bytes, payload: bytes, ends: list[int]) -> _Memo:
        self._cached += len(payload) + len(raw)
        if self._cached > self.cache_bytes:
            self.clear_caches()
        memo = self._lists[key] = (raw, payload, ends)
        return memo

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
                raise CacheMiss
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
            plan, cid, blobs, elements, loads, ready, task_ordered(writes), self._id, decoded
        )
        parent = row[2]
        return CheckpointTuple(
            config_of(thread_id, ns, cid),
            checkpoint,  # type: ignore[arg-type]
            (metadata if metadata is not None else self._metadata(row[4])),  # type: ignore[arg-type]
            (
                config_of(thread_id, ns, ids.get(parent) or self._id_text(parent))
                if parent is not None
                else None
            ),
            pending,
        )

    def _metadata(self, text: str | bytes | None) -> dict[str, Any]:
        """``codec.loads_metadata(text)``: a fresh dict, copied from a template parsed
        once when the metadata is small and holds only scalars and flat containers."""
        got = self._metas.get(text) if text is not None else None
        if got is None:
            meta = codec.loads_metadata(text)
            if text is None or len(text) > _META_TEMPLATE_MAX:
                return meta
            nested = _copy_plan([meta], 1)
            if len(self._metas) >= PLAN_CACHE:
                self._metas.clear()
            if nested is None:  # too deep to copy: parsed at every read
                self._metas[text] = ({}, None)
                return meta
            self._metas[text] = (meta, [k for _, k in nested])
            fresh: dict[str, Any] = _fresh([meta], nested, 1)[0]
            return fresh
        template, keys = got
        if keys is None:
            return codec.loads_metadata(text)
        out = template.copy()
        for k in keys:
            out[k] = out[k].copy()
        return out

    def _plan(self, body: bytes) -> codec.BodyPlan:
        plan = self._plans.get(body)
        if plan is None:
            plan = codec.plan_body(body)
            if len(self._plans) >= PLAN_CACHE:
                self._plans.clear()
            self._plans[body] = plan
        return plan

    def _id(self, key: bytes | str) -> str:
        """A task id from its stored key (``codec.id_key``)."""
        tasks = self._task_ids
        text = tasks.get(key)
        if text is None:
            if len(tasks) >= PLAN_CACHE:
                tasks.clear()
            text = tasks[key] = codec.id_from_key(key)
        return text

    def _id_text(self, key: bytes) -> str:
        """A checkpoint id from its stored key (``codec.ordered_id_key``)."""
        ids = self._ids
        if len(ids) >= PLAN_CACHE:
            ids.clear()
        text = ids[key] = codec.ordered_id_from_key(key)
        return text
