"""In-memory store with filtering, semantic search and TTL.

Example:
    >>> from langgraph.store.memory import InMemoryStore
    >>> store = InMemoryStore()
    >>> store.put(("alice", "facts"), "city", {"city": "Paris"})
    >>> [i.key for i in store.search(("alice",), filter={"city": "Paris"})]
    ['city']

Differences from upstream LangGraph's ``InMemoryStore`` (all additive):

* ``supports_ttl = True``: ``InMemoryStore(ttl={"default_ttl": 5})``, ``put(..., ttl=...)``;
  expired items are never returned, :meth:`InMemoryStore.sweep_ttl` frees them and
  :meth:`InMemoryStore.start_ttl_sweeper` runs that periodically.
* ``list(namespace)`` returns the items of exactly one namespace.
* Overwriting a key keeps its ``created_at`` (upstream resets it); ``updated_at`` changes.
* Filters compare by type (see ``langgraph.store.base._filters``).
"""

from __future__ import annotations

import asyncio
import builtins
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

from langgraph.store.base import (
    NOT_PROVIDED,
    BaseStore,
    Embeddings,
    GetOp,
    IndexConfig,
    Item,
    ListNamespacesOp,
    NotProvided,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    _validate_namespace,
    ensure_embeddings,
    get_text_at_path,
    tokenize_path,
)
from langgraph.store.base._filters import compile_filter, namespace_matches
from langgraph.store.base._support import load_numpy, text_digest, utcnow
from langgraph.store.base._sweeper import TaskSweeper, sweep_interval_seconds
from langgraph.store.memory._index import (
    NamespaceVectors,
    normalise_query,
    ranked_rows,
)

__all__ = ["InMemoryStore"]

_List = builtins.list
_NS = tuple[str, ...]
# (namespace, key, path, text) for each text a batch of puts wants embedded
_Todo = tuple[_NS, str, str, str]


_new_item = object.__new__  # build Items without re-validating trusted fields


class InMemoryStore(BaseStore):
    """Thread-safe in-process store; data lives as long as the object.

    Args:
        index: Semantic-search config (``dims``, ``embed``, ``fields``). Without it,
            ``query`` is ignored and search only filters.
        ttl: TTL config (``default_ttl`` minutes, ``refresh_on_read``,
            ``sweep_interval_minutes``).

    Example:
        >>> def embed(texts):
        ...     return [[float(len(t)), 1.0] for t in texts]
        >>> store = InMemoryStore(index={"dims": 2, "embed": embed, "fields": ["text"]})
        >>> store.put(("docs",), "a", {"text": "hello"})
        >>> store.search(("docs",), query="hi")[0].key
        'a'
    """

    supports_ttl = True

    def __init__(self, *, index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> None:
        self._data: dict[_NS, dict[str, Item]] = {}
        self._vectors: dict[_NS, dict[str, dict[str, Any]]] = {}
        self._vindex: dict[_NS, NamespaceVectors] = {}
        self._by_prefix: dict[_NS, dict[_NS, None]] = {(): {}}
        self._expiry: dict[tuple[_NS, str], tuple[float, float]] = {}
        self._lock = threading.RLock()
        self._valid_ns: set[_NS] = set()
        self._now: Callable[[], datetime] = utcnow
        self._sweeper = TaskSweeper(self.asweep_ttl)
        self.ttl_config = ttl
        self.index_config: IndexConfig | None = None
        self.embeddings: Embeddings | None = None
        self._fields: _List[tuple[str, _List[str]]] = []
        self._np: Any = None
        if index is not None:
            self.index_config = index.copy()
            self.embeddings = ensure_embeddings(index.get("embed"))
            fields = index.get("fields") or ["$"]
            self._fields = [(f, [f] if f == "$" else tokenize_path(f)) for f in fields]
            self._np = load_numpy()

    # -- namespaces ---------------------------------------------------------------------

    def _ns_items(self, ns: _NS) -> dict[str, Item]:
        items = self._data.get(ns)
        if items is None:
            items = self._data[ns] = {}
            for i in range(len(ns) + 1):
                self._by_prefix.setdefault(ns[:i], {})[ns] = None
        return items

    def _drop_namespace(self, ns: _NS) -> None:
        del self._data[ns]
        self._vectors.pop(ns, None)
        self._vindex.pop(ns, None)
        for i in range(len(ns) + 1):
            group = self._by_prefix.get(ns[:i])
            if group is not None:
                group.pop(ns, None)
                if not group and i:
                    del self._by_prefix[ns[:i]]

    # -- TTL ----------------------------------------------------------------------------

    def _alive(self, ns: _NS, key: str, now_ts: float, refresh: bool) -> bool:
        exp = self._expiry.get((ns, key))
        if exp is None:
            return True
        minutes, deadline = exp
        if deadline <= now_ts:
            return False
        if refresh:
            self._expiry[(ns, key)] = (minutes, now_ts + minutes * 60.0)
        return True

    def sweep_ttl(self) -> int:
        """Delete expired items now.

        Returns:
            The number of items removed. Namespaces left empty by expiry are removed too.
        """
        with self._lock:
            if not self._expiry:
                return 0
            now_ts = self._now().timestamp()
            expired = [nk for nk, (_, dl) in self._expiry.items() if dl <= now_ts]
            touched: set[_NS] = set()
            for ns, key in expired:
                self._delete(ns, key)
                touched.add(ns)
            for ns in touched:
                if ns in self._data and not self._data[ns]:
                    self._drop_namespace(ns)
            return len(expired)

    async def asweep_ttl(self) -> int:
        """Async :meth:`sweep_ttl`."""
        return self.sweep_ttl()

    async def start_ttl_sweeper(
        self, sweep_interval_minutes: float | None = None
    ) -> asyncio.Task[None]:
        """Start a task named ``ttl_sweeper`` on the running loop that calls :meth:`sweep_ttl`.

        Args:
            sweep_interval_minutes: Period; default ``ttl_config["sweep_interval_minutes"]``
                or 5. The first sweep happens after one period.

        Returns:
            The task (the same one if a sweeper is already running).
        """
        return await self._sweeper.start(
            sweep_interval_seconds(self.ttl_config, sweep_interval_minutes)
        )

    async def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the background sweeper.

        Args:
            timeout: Seconds to wait for the task to finish (``None`` = until it has).

        Returns:
            ``True`` if no sweeper is left running.
        """
        return await self._sweeper.stop(timeout)

    # -- fast paths (no embedding involved) ----------------------------------------------

    def get(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """Fetch one item (see :meth:`BaseStore.get`)."""
        ns = namespace if namespace.__class__ is tuple else tuple(namespace)
        # Lock-free when no item has a TTL: a dict lookup is atomic, and writers replace
        # whole Item objects, so a reader sees the old or the new item, never a mix.
        items = self._data.get(ns)
        if items is None:
            with self._lock:  # upstream quirk kept: reading creates the (empty) namespace
                self._ns_items(ns)
            return None
        key = key if key.__class__ is str else str(key)
        item = items.get(key)
        if item is None or not self._expiry:
            return item
        with self._lock:
            now_ts = self._now().timestamp()
            return item if self._alive(ns, key, now_ts, self._refresh(refresh_ttl)) else None

    async def aget(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """Async :meth:`get`."""
        return self.get(namespace, key, refresh_ttl=refresh_ttl)

    def put(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        index: Literal[False] | _List[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """Store or replace an item (see :meth:`BaseStore.put`)."""
        if self.embeddings is not None or not self.supports_ttl:
            return super().put(namespace, key, value, index, ttl=ttl)
        ns = namespace if namespace.__class__ is tuple else tuple(namespace)
        if ns not in self._valid_ns:
            _validate_namespace(ns)
            self._valid_ns.add(ns)
        if ttl is NOT_PROVIDED:
            ttl = self.ttl_config.get("default_ttl") if self.ttl_config else None
        self._write(ns, key if key.__class__ is str else str(key), value, ttl)  # type: ignore[arg-type]
        return None

    async def aput(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        index: Literal[False] | _List[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """Async :meth:`put`."""
        if self.embeddings is not None:
            return await super().aput(namespace, key, value, index, ttl=ttl)
        self.put(namespace, key, value, index, ttl=ttl)
        return None

    def _write(self, ns: _NS, key: str, value: dict[str, Any], ttl: float | None) -> None:
        with self._lock:
            items = self._data.get(ns)
            if items is None:
                items = self._ns_items(ns)
            now = self._now()
            old = items.get(key)
            if old is not None and self._expiry:
                if not self._alive(ns, key, now.timestamp(), False):
                    old = None  # an expired item is gone: this put creates it anew
            item = _new_item(Item)
            item.value = dict(value)
            item.key = key
            item.namespace = ns
            item.created_at = now if old is None else old.created_at
            item.updated_at = now
            items[key] = item
            if ttl is not None:
                minutes = float(ttl)
                self._expiry[(ns, key)] = (minutes, now.timestamp() + minutes * 60.0)
            elif self._expiry:
                self._expiry.pop((ns, key), None)

    # -- batch --------------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> _List[Result]:
        """Execute operations; reads see the state before this batch's writes."""
        ops = ops if isinstance(ops, (list, tuple)) else _List(ops)
        if self.embeddings is None:
            with self._lock:
                return self._run(ops, {}, {})
        queries, todo = self._plan(ops)
        qvecs = {q: self.embeddings.embed_query(q) for q in queries}
        vecs = self._embed_docs_sync(todo)
        with self._lock:
            return self._run(ops, qvecs, vecs)

    async def abatch(self, ops: Iterable[Op]) -> _List[Result]:
        """Async :meth:`batch`; embeddings use the async methods of the embedder."""
        ops = ops if isinstance(ops, (list, tuple)) else _List(ops)
        if self.embeddings is None:
            with self._lock:
                return self._run(ops, {}, {})
        queries, todo = self._plan(ops)
        emb = self.embeddings
        qlist = _List(queries)
        qres = await asyncio.gather(*(emb.aembed_query(q) for q in qlist))
        qvecs = dict(zip(qlist, qres, strict=False))
        vecs: dict[str, _List[float]] = {}
        if todo:
            texts = _List(todo)
            vecs = _check_count(texts, await emb.aembed_documents(texts))
        with self._lock:
            return self._run(ops, qvecs, vecs)

    def _embed_docs_sync(self, todo: dict[str, None]) -> dict[str, _List[float]]:
        if not todo or self.embeddings is None:
            return {}
        texts = _List(todo)
        return _check_count(texts, self.embeddings.embed_documents(texts))

    def _plan(self, ops: Iterable[Op]) -> tuple[dict[str, None], dict[str, None]]:
        """Distinct query texts, and distinct document texts whose vectors are stale."""
        queries: dict[str, None] = {}
        todo: dict[str, None] = {}
        puts: dict[tuple[_NS, str], PutOp] = {}
        for op in ops:
            if isinstance(op, SearchOp):
                if op.query:
                    queries[op.query] = None
            elif isinstance(op, PutOp):
                puts[(op.namespace, op.key)] = op
        if puts:
            with self._lock:
                for ns, key, path, text in self._texts(puts.values()):
                    if not self._unchanged(ns, key, path, text):
                        todo[text] = None
        return queries, todo

    def _texts(self, puts: Iterable[PutOp]) -> Iterator[_Todo]:
        for op in puts:
            if op.value is None or op.index is False:
                continue
            if op.index is None:
                paths = self._fields
            else:
                paths = [(p, [p] if p == "$" else tokenize_path(p)) for p in op.index]
            for path, tokens in paths:
                texts = get_text_at_path(op.value, tokens)
                if len(texts) == 1:
                    yield op.namespace, op.key, path, texts[0]
                else:
                    for i, text in enumerate(texts):
                        yield op.namespace, op.key, f"{path}.{i}", text

    def _unchanged(self, ns: _NS, key: str, path: str, text: str) -> bool:
        nv = self._vindex.get(ns)
        return nv is not None and nv.digest(key, path) == text_digest(text)

    def _run(
        self,
        ops: _List[Op] | tuple[Op, ...],
        qvecs: dict[str, Any],
        vecs: dict[str, _List[float]],
    ) -> _List[Result]:
        results: _List[Result] = []
        puts: dict[tuple[_NS, str], PutOp] = {}
        now_ts = self._now().timestamp() if self._expiry else 0.0
        for op in ops:
            if isinstance(op, GetOp):
                results.append(self._get(op, now_ts))
            elif isinstance(op, PutOp):
                puts[(op.namespace, op.key)] = op
                results.append(None)
            elif isinstance(op, SearchOp):
                results.append(self._search(op, qvecs, now_ts))
            elif isinstance(op, ListNamespacesOp):
                results.append(self._list_namespaces(op, now_ts))
            else:
                raise ValueError(f"Unknown store operation type: {type(op).__name__}")
        if puts:
            self._apply_puts(puts, vecs)
        return results

    # -- reads --------------------------------------------------------------------------

    def _get(self, op: GetOp, now_ts: float) -> Item | None:
        item = self._ns_items(op.namespace).get(op.key)
        if item is None or not self._expiry:
            return item
        return item if self._alive(op.namespace, op.key, now_ts, op.refresh_ttl) else None

    def _namespaces_under(self, prefix: _NS) -> _List[_NS]:
        group = self._by_prefix.get(prefix)
        return _List(group) if group else []

    def _search(self, op: SearchOp, qvecs: dict[str, Any], now_ts: float) -> _List[SearchItem]:
        pred = compile_filter(op.filter)
        namespaces = self._namespaces_under(tuple(op.namespace_prefix))
        limit, offset = max(op.limit, 0), max(op.offset, 0)
        if op.query and self.embeddings is not None and op.query in qvecs:
            return self._semantic(op, namespaces, pred, qvecs[op.query], now_ts, limit, offset)
        out: _List[SearchItem] = []
        stop = offset + limit
        if not limit:
            return out
        seen = 0
        check_ttl = bool(self._expiry)
        for ns in namespaces:
            for key, item in self._data[ns].items():
                if pred is not None and not pred(item.value):
                    continue
                if check_ttl and not self._alive(ns, key, now_ts, False):
                    continue
                seen += 1
                if seen > offset:
                    out.append(_search_item(item, None))
                    if check_ttl and op.refresh_ttl:
                        self._alive(ns, key, now_ts, True)
                if seen >= stop:
                    return out
        return out

    def _semantic(
        self,
        op: SearchOp,
        namespaces: _List[_NS],
        pred: Callable[[Any], bool] | None,
        qvec: Any,
        now_ts: float,
        limit: int,
        offset: int,
    ) -> _List[SearchItem]:
        np = self._np
        q = normalise_query(qvec, np)
        parts = []
        for ns in namespaces:
            nv = self._vindex.get(ns)
            if nv is not None and nv.n:
                parts.append((nv, nv.scores(q)))
        ns_of = {id(nv): ns for ns in namespaces if (nv := self._vindex.get(ns)) is not None}
        check_ttl = bool(self._expiry)
        kept: _List[SearchItem] = []
        seen: set[tuple[_NS, str]] = set()
        rank = 0
        if limit:
            for nv, row, score in ranked_rows(parts, offset + limit, np):
                key = nv.row_key[row]
                ns = ns_of[id(nv)]
                if (ns, key) in seen:
                    continue
                seen.add((ns, key))
                item = self._data[ns].get(key)
                if item is None or (pred is not None and not pred(item.value)):
                    continue
                if check_ttl and not self._alive(ns, key, now_ts, op.refresh_ttl):
                    continue
                rank += 1
                if rank > offset:
                    kept.append(_search_item(item, score))
                    if len(kept) >= limit:
                        break
        if len(kept) < limit:
            # Items without vectors fill up the page with score=None (upstream behaviour).
            for ns in namespaces:
                nv = self._vindex.get(ns)
                for key, item in self._data[ns].items():
                    if nv is not None and nv.has_key(key):
                        continue
                    if pred is not None and not pred(item.value):
                        continue
                    if check_ttl and not self._alive(ns, key, now_ts, op.refresh_ttl):
                        continue
                    kept.append(_search_item(item, None))
                    if len(kept) >= limit:
                        return kept
        return kept

    def _list_namespaces(self, op: ListNamespacesOp, now_ts: float) -> _List[_NS]:
        conds = op.match_conditions or ()
        found: set[_NS] = set()
        check_ttl = bool(self._expiry)
        for ns, items in self._data.items():
            if not all(namespace_matches(ns, c.match_type, c.path) for c in conds):
                continue
            if check_ttl and items and not any(self._alive(ns, k, now_ts, False) for k in items):
                continue
            found.add(ns[: op.max_depth] if op.max_depth is not None else ns)
        ordered = sorted(found)
        return ordered[op.offset : op.offset + op.limit]

    def list(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Items of exactly one namespace, in insertion order (not sub-namespaces).

        Args:
            namespace: The namespace.
            limit: Maximum number of items (``None`` = all).
            offset: Items to skip.
            refresh_ttl: Renew the TTL of returned items.
        """
        refresh = self._refresh(refresh_ttl)
        ns = tuple(namespace)
        with self._lock:
            items = self._data.get(ns)
            if not items:
                return []
            if not self._expiry:
                values = _List(items.values())
                end = None if limit is None else offset + limit
                return values[offset:end]
            now_ts = self._now().timestamp()
            alive = [i for k, i in items.items() if self._alive(ns, k, now_ts, False)]
            end = None if limit is None else offset + limit
            page = alive[offset:end]
            if refresh:
                for item in page:
                    self._alive(ns, item.key, now_ts, True)
            return page

    async def alist(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Async :meth:`list`."""
        return self.list(namespace, limit=limit, offset=offset, refresh_ttl=refresh_ttl)

    # -- writes -------------------------------------------------------------------------

    def _delete(self, ns: _NS, key: str) -> None:
        items = self._data.get(ns)
        if items is not None:
            items.pop(key, None)
        self._expiry.pop((ns, key), None)
        vec = self._vectors.get(ns)
        if vec is not None and vec.pop(key, None) is not None:
            self._vindex[ns].remove_key(key)

    def _apply_puts(
        self, puts: dict[tuple[_NS, str], PutOp], vecs: dict[str, _List[float]]
    ) -> None:
        if self.embeddings is not None:
            self._store_vectors(puts, vecs)
        for (ns, key), op in puts.items():
            if op.value is None:
                self._delete(ns, key)
            else:
                self._write(ns, key, op.value, op.ttl)

    def _store_vectors(
        self, puts: dict[tuple[_NS, str], PutOp], vecs: dict[str, _List[float]]
    ) -> None:
        assert self.index_config is not None and self.embeddings is not None
        todo = _List(self._texts(puts.values()))
        # Texts planned as unchanged may have been changed by a concurrent writer since.
        need = {t: None for n, k, p, t in todo if t not in vecs and not self._unchanged(n, k, p, t)}
        if need:
            vecs = {**vecs, **self._embed_docs_sync(need)}
        dims = int(self.index_config.get("dims", 0) or 0)
        for ns, key, path, text in todo:
            vec = vecs.get(text)
            if vec is None:
                continue  # unchanged text: keep the stored vector
            nv = self._vindex.get(ns)
            if nv is None:
                nv = self._vindex[ns] = NamespaceVectors(dims or len(vec), self._np)
            nv.upsert(key, path, vec, text_digest(text))
            self._vectors.setdefault(ns, {}).setdefault(key, {})[path] = vec
        # A re-put replaces the item's vectors: paths it no longer produces (or all of
        # them, with index=False) are dropped, so search never matches stale text.
        produced: dict[tuple[_NS, str], set[str]] = {}
        for ns, key, path, _ in todo:
            produced.setdefault((ns, key), set()).add(path)
        for (ns, key), op in puts.items():
            if op.value is None:
                continue
            nv = self._vindex.get(ns)
            if nv is None or not nv.has_key(key):
                continue
            keep = produced.get((ns, key), set())
            stored = self._vectors.get(ns, {}).get(key, {})
            for path in nv.paths(key):
                if path not in keep:
                    nv.remove_path(key, path)
                    stored.pop(path, None)
            if not stored:
                self._vectors.get(ns, {}).pop(key, None)


def _check_count(texts: _List[str], vectors: Any) -> dict[str, _List[float]]:
    vectors = _List(vectors)
    if len(vectors) != len(texts):
        raise ValueError(
            f"Embedding function returned {len(vectors)} vectors for {len(texts)} texts"
        )
    return dict(zip(texts, vectors, strict=False))


def _search_item(item: Item, score: float | None) -> SearchItem:
    res = _new_item(SearchItem)
    res.value = item.value
    res.key = item.key
    res.namespace = item.namespace
    res.created_at = item.created_at
    res.updated_at = item.updated_at
    res.score = score
    return res
