"""Storage operations of the SQLite store: plain functions of a ``sqlite3``-style connection.

The sync store calls them under a lock; the async store ships each call to aiosqlite's
worker thread (see ``langgraph.checkpoint.sqlite._acompat``), so both stores share this
one implementation. Embedding happens outside: :meth:`StoreEngine.execute` rolls back and
raises :class:`~langgraph.store.base._support.NeedTexts` for the texts whose vectors it
lacks, and the caller embeds them and calls again
(:func:`~langgraph.store.base._support.embed_rounds`), so no embedding call ever runs
inside a database transaction.

Search by vector ranks item rowids first, then fetches the ranked items in chunks until
the page is full (filters run in Python on the fetched values). The ranking has two
interchangeable paths over the same tables, so one database file works with either:
sqlite-vec scores, groups and orders inside SQLite when the extension is loaded
(:meth:`StoreEngine.setup`); otherwise Python scores every vector in scope exactly
(:func:`~langgraph.store.sqlite._core.blob_scores`). Both rank the same items in the
same order (score, then newest ``updated_at``, then newest row) with scores equal to
float32 precision.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any

from langgraph.checkpoint.sqlite._policy import (
    apply_policy,
    begin_read,
    begin_write,
    commit,
    rollback,
)
from langgraph.store.base import (
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    _validate_namespace,
)
from langgraph.store.base._filters import compile_filter
from langgraph.store.base._support import (
    Distance,
    Fields,
    NeedTexts,
    decode_ns,
    encode_ns,
    load_numpy,
    namespace_lead,
    namespaces_page,
    prefix_scope,
    put_texts,
    text_digest,
    to_search_item,
)
from langgraph.store.sqlite import _sql as q
from langgraph.store.sqlite._conn import (
    SqliteConnection,
    as_sqlite3,
    load_sqlite_vec,
    sqlite_vec_problem,
)
from langgraph.store.sqlite._core import (
    blob_scores,
    dumps,
    pack_vector,
    rank_best,
    to_item,
)

__all__ = ["StoreEngine", "load_sqlite_vec"]

_NS = tuple[str, ...]
_Key = tuple[_NS, str]
# (path, digest, vector or None when the stored vector is kept)
_VecPlan = tuple[list[tuple[str, bytes, "list[float] | None"]], list[str], bool]
logger = logging.getLogger(__name__)

# The connection policy helpers of the saver, on any accepted connection.


def _apply_policy(conn: SqliteConnection) -> None:
    apply_policy(as_sqlite3(conn))


def _begin_write(conn: SqliteConnection) -> None:
    begin_write(as_sqlite3(conn))


def _begin_read(conn: SqliteConnection) -> None:
    begin_read(as_sqlite3(conn))


def _commit(conn: SqliteConnection) -> None:
    commit(as_sqlite3(conn))


def _rollback(conn: SqliteConnection) -> None:
    try:
        rollback(as_sqlite3(conn))
    except conn.Error:  # another driver's errors (pysqlite3): never mask the cause
        pass


class StoreEngine:
    """Schema setup, batches, listing and TTL sweeps on one connection.

    Args:
        fields: Tokenized index fields, or ``None`` for a store without semantic search.
        deserializer: Decodes stored JSON text into a value (default ``json.loads``).
        distance: How vectors are compared (the index config's ``distance_type``).
        sqlite_vec: ``None``: use sqlite-vec when the connection can load it, else score
            in Python; ``True``: require it (:meth:`setup` raises when it cannot be
            loaded); ``False``: always score in Python.
    """

    def __init__(
        self,
        *,
        fields: Fields | None,
        deserializer: Callable[[str], dict[str, Any]] | None = None,
        distance: Distance = "cosine",
        sqlite_vec: bool | None = None,
    ) -> None:
        self.fields = fields
        self.load: Callable[[str], dict[str, Any]] = deserializer or json.loads
        self.is_setup = False
        self.distance: Distance = distance
        self.want_vec = sqlite_vec
        self.use_vec = False
        self.np = load_numpy() if fields is not None else None

    # -- schema ---------------------------------------------------------------------------

    def setup(self, conn: SqliteConnection) -> None:
        """Apply the connection policy and pending migrations (idempotent).

        With an index config, also load sqlite-vec per ``sqlite_vec``.

        Raises:
            RuntimeError: ``sqlite_vec=True`` and sqlite-vec cannot be loaded (says why).
        """
        if self.is_setup:
            return
        _apply_policy(conn)
        number = 0
        while number < len(q.MIGRATIONS):
            # one transaction per migration, together with its version row; BEGIN
            # IMMEDIATE makes concurrent setups from other processes wait their turn
            _begin_write(conn)
            try:
                conn.execute(q.CREATE_MIGRATIONS_TABLE)
                number = int(conn.execute(q.CURRENT_VERSION).fetchone()[0]) + 1
                started = time.monotonic()
                applied = number <= len(q.MIGRATIONS)
                if applied:
                    for statement in q.MIGRATIONS[number - 1]:
                        conn.execute(statement)
                    conn.execute(q.RECORD_MIGRATION, (number,))
                _commit(conn)
            except BaseException:
                _rollback(conn)
                raise
            if applied:  # progress: a migration may rewrite a large table
                logger.info(
                    "setup: applied store migration %d of %d in %.2fs",
                    number,
                    len(q.MIGRATIONS),
                    time.monotonic() - started,
                )
        if self.fields is not None and self.want_vec is not False:
            problem = sqlite_vec_problem(conn)
            if problem is not None and self.want_vec:
                raise RuntimeError(f"sqlite_vec=True, but sqlite-vec cannot be used: {problem}")
            self.use_vec = problem is None
            logger.debug("vector search by %s", "sqlite-vec" if self.use_vec else "Python")
        self.is_setup = True

    # -- batch ----------------------------------------------------------------------------

    def execute(
        self,
        conn: SqliteConnection,
        ops: Sequence[Op],
        now: float,
        qvecs: dict[str, list[float]],
        vecs: dict[str, list[float]],
    ) -> list[Result]:
        """Run a batch in one transaction: all reads first, then the puts.

        Args:
            conn: The connection.
            ops: The operations.
            now: Current time (epoch seconds).
            qvecs: Query embeddings by query text.
            vecs: Document embeddings by text.

        Returns:
            The results in op order.

        Raises:
            NeedTexts: Texts need vectors first (nothing was changed).
            ValueError: Unknown op type or invalid filter.
            InvalidNamespaceError: A put to an invalid namespace.
        """
        self.setup(conn)
        puts: dict[_Key, PutOp] = {}
        for op in ops:
            if isinstance(op, PutOp):
                if op.value is not None:
                    _validate_namespace(op.namespace)
                puts[(tuple(op.namespace), op.key)] = op
            elif not isinstance(op, (GetOp, SearchOp, ListNamespacesOp)):
                raise ValueError(f"Unknown store operation type: {type(op).__name__}")
        # A read-only batch runs in a read snapshot; the TTL refresh of what it returned
        # (if any) is a separate short write, so plain reads never take the write lock.
        (_begin_write if puts else _begin_read)(conn)
        try:
            plans: dict[_Key, _VecPlan] = {}
            if puts and self.fields is not None:
                missing = self._plan_vectors(conn, puts, vecs, plans)
                if missing:
                    raise NeedTexts(missing)  # rolled back below
            results: list[Result] = []
            refresh: list[tuple[float, str, str, float]] = []
            for op in ops:
                if isinstance(op, GetOp):
                    results.append(self._get(conn, op, now, refresh))
                elif isinstance(op, SearchOp):
                    results.append(self._search(conn, op, now, qvecs, refresh))
                elif isinstance(op, ListNamespacesOp):
                    results.append(self._list_namespaces(conn, op, now))
                else:
                    results.append(None)
            if refresh and puts:
                conn.executemany(q.REFRESH_TTL, refresh)
            for (ns, key), op in puts.items():
                self._put(conn, ns, key, op, now, plans.get((ns, key)))
            _commit(conn)
            if refresh and not puts:
                _begin_write(conn)
                conn.executemany(q.REFRESH_TTL, refresh)
                _commit(conn)
        except BaseException:
            _rollback(conn)
            raise
        return results

    def _get(
        self, conn: SqliteConnection, op: GetOp, now: float, refresh: list[Any]
    ) -> Item | None:
        text = encode_ns(op.namespace)
        if text is None:
            return None
        row = conn.execute(q.GET_ITEM, (text, op.key, now)).fetchone()
        if row is None:
            return None
        if op.refresh_ttl and row[3] is not None:
            refresh.append((now, text, op.key, now))
        return to_item(tuple(op.namespace), op.key, row[0], row[1], row[2], self.load)

    def _search(
        self,
        conn: SqliteConnection,
        op: SearchOp,
        now: float,
        qvecs: dict[str, list[float]],
        refresh: list[Any],
    ) -> list[SearchItem]:
        pred = compile_filter(op.filter)
        limit, offset = max(op.limit, 0), max(op.offset, 0)
        possible, rng = prefix_scope(encode_ns(op.namespace_prefix))
        if not possible or not limit:
            return []
        out: list[SearchItem] = []
        rank = 0
        if op.query and self.fields is not None and op.query in qvecs:
            ranked = self._ranked(conn, qvecs[op.query], now, rng)
            try:
                size = offset + limit  # enough when no filter rejects anything
                while chunk := list(itertools.islice(ranked, size)):
                    ids = json.dumps([rowid for rowid, _ in chunk])
                    rows = {r[0]: r for r in conn.execute(q.ITEMS_BY_ROWID, (ids,))}
                    for rowid, score in chunk:
                        row = rows[rowid]  # same snapshot: present
                        item = to_item(decode_ns(row[1]), row[2], row[3], row[4], row[5], self.load)
                        if pred is not None and not pred(item.value):
                            continue
                        rank += 1
                        if rank > offset:
                            out.append(to_search_item(item, score))
                            if op.refresh_ttl and row[6] is not None:
                                refresh.append((now, row[1], row[2], now))
                            if len(out) >= limit:
                                return out
                    size = min(max(size, 32) * 2, 4096)
            finally:
                ranked.close()
            # items without vectors (index=False, no text at the fields) come last
            sql = q.UNINDEXED_ALL if rng is None else q.UNINDEXED_PREFIX
        else:
            sql = q.SEARCH_ALL if rng is None else q.SEARCH_PREFIX
        params: tuple[Any, ...] = (now,) if rng is None else (rng[0], rng[1], now)
        cur = conn.execute(sql, params)
        try:
            for row in cur:
                value = self.load(row[2])
                if pred is not None and not pred(value):
                    continue
                rank += 1
                if rank <= offset:
                    continue
                item = to_item(decode_ns(row[0]), row[1], row[2], row[3], row[4], self.load)
                out.append(to_search_item(item, None))
                if op.refresh_ttl and row[5] is not None:
                    refresh.append((now, row[0], row[1], now))
                if len(out) >= limit:
                    break
        finally:
            cur.close()
        return out

    def _ranked(
        self,
        conn: SqliteConnection,
        query: list[float],
        now: float,
        rng: tuple[str, str] | None,
    ) -> Generator[tuple[int, float], None, None]:
        """Rowids of the items with vectors in scope, with their scores, best first.

        An item's score is the best over its vectors; ties go to the newest
        ``updated_at``, then the newest row.

        Raises:
            ValueError: A vector in scope has another dimension than the query.
        """
        params: dict[str, Any] = {"now": now}
        if rng is not None:
            params["lo"], params["hi"] = rng
        if self.use_vec:
            params["q"] = pack_vector(query)
            params["qnorm"] = math.sqrt(sum(x * x for x in query))
            try:
                cur = conn.execute(q.VEC_RANKED[(self.distance, rng is not None)], params)
            except conn.Error as exc:
                if "dimension" in str(exc):
                    raise self._dims_error(conn, len(query)) from exc
                raise
            try:
                for rowid, score in cur:
                    yield rowid, float(score)
            finally:
                cur.close()
            return
        sql = q.VECTORS_ALL if rng is None else q.VECTORS_PREFIX
        rows = conn.execute(sql, params).fetchall()
        size = 4 * len(query)
        if any(len(r[2]) != size for r in rows):
            raise self._dims_error(conn, len(query))
        scores = blob_scores(query, [r[2] for r in rows], self.np, self.distance)
        rowids = [r[0] for r in rows]
        yield from rank_best(rowids, [r[1] for r in rows], scores, self.np)

    @staticmethod
    def _dims_error(conn: SqliteConnection, dims: int) -> ValueError:
        row = conn.execute(q.WRONG_DIMS, {"qdims": dims}).fetchone()
        found = (
            ""
            if row is None
            else (f" (namespace {decode_ns(row[0])!r}, key {row[1]!r}, path {row[2]!r}: {row[3]})")
        )
        return ValueError(
            f"The query embedding has {dims} dimensions but a stored vector has another"
            f"{found}; was the embedding model changed? Re-put the items to re-embed them."
        )

    def _list_namespaces(
        self, conn: SqliteConnection, op: ListNamespacesOp, now: float
    ) -> list[_NS]:
        possible, rng = prefix_scope(encode_ns(namespace_lead(op.match_conditions or ())))
        if not possible:
            return []
        if rng is None:
            cur = conn.execute(q.NAMESPACES_ALL, (now,))
        else:
            cur = conn.execute(q.NAMESPACES_PREFIX, (rng[0], rng[1], now))
        return namespaces_page((text for (text,) in cur), op)

    # -- writes ---------------------------------------------------------------------------

    def _plan_vectors(
        self,
        conn: SqliteConnection,
        puts: dict[_Key, PutOp],
        vecs: dict[str, list[float]],
        plans: dict[_Key, _VecPlan],
    ) -> list[str]:
        """Decide per put which vectors to write, keep and drop; return missing texts."""
        assert self.fields is not None
        missing: dict[str, None] = {}
        for (ns, key), op in puts.items():
            if op.value is None:
                continue
            if op.index is False:
                plans[(ns, key)] = ([], [], True)
                continue
            text_ns = encode_ns(ns)
            existing = dict(conn.execute(q.ITEM_DIGESTS, (text_ns, key)).fetchall())
            entries: list[tuple[str, bytes, list[float] | None]] = []
            produced: set[str] = set()
            for path, text in put_texts(op.value, op.index, self.fields):
                produced.add(path)
                digest = text_digest(text)
                if existing.get(path) == digest:
                    entries.append((path, digest, None))
                elif text in vecs:
                    entries.append((path, digest, vecs[text]))
                else:
                    missing[text] = None
            stale = [p for p in existing if p not in produced]
            plans[(ns, key)] = (entries, stale, False)
        return list(missing)

    def _put(
        self,
        conn: SqliteConnection,
        ns: _NS,
        key: str,
        op: PutOp,
        now: float,
        plan: _VecPlan | None,
    ) -> None:
        text = encode_ns(ns)
        if text is None:
            return  # a delete in a namespace that cannot exist
        if op.value is None:
            conn.execute(q.DELETE_ITEM, (text, key))
            conn.execute(q.DELETE_ITEM_VECTORS, (text, key))
            return
        ttl = None if op.ttl is None else float(op.ttl)
        expires = None if ttl is None else now + ttl * 60.0
        conn.execute(q.UPSERT_ITEM, (text, key, dumps(op.value), now, now, expires, ttl))
        if plan is None:
            return
        entries, stale, drop_all = plan
        if drop_all:
            conn.execute(q.DELETE_ITEM_VECTORS, (text, key))
            return
        for path, digest, vector in entries:
            if vector is not None:
                conn.execute(q.UPSERT_VECTOR, (text, key, path, digest, pack_vector(vector)))
        for path in stale:
            conn.execute(q.DELETE_VECTOR, (text, key, path))

    # -- list / TTL ---------------------------------------------------------------------

    def list_items(
        self,
        conn: SqliteConnection,
        namespace: Sequence[str],
        limit: int | None,
        offset: int,
        refresh: bool,
        now: float,
    ) -> list[Item]:
        """Items of exactly one namespace, in insertion order."""
        self.setup(conn)
        text = encode_ns(namespace)
        if text is None:
            return []
        (_begin_write if refresh else _begin_read)(conn)
        try:
            rows = conn.execute(q.LIST_ONE, (text, now)).fetchall()
            end = None if limit is None else offset + max(limit, 0)
            page = rows[max(offset, 0) : end]
            if refresh:
                todo = [(now, text, r[1], now) for r in page if r[5] is not None]
                if todo:
                    conn.executemany(q.REFRESH_TTL, todo)
            _commit(conn)
        except BaseException:
            _rollback(conn)
            raise
        ns = tuple(namespace)
        return [to_item(ns, r[1], r[2], r[3], r[4], self.load) for r in page]

    def sweep(self, conn: SqliteConnection, now: float) -> int:
        """Delete expired items (and their vectors); return how many items were removed."""
        self.setup(conn)
        _begin_write(conn)
        try:
            conn.execute(q.SWEEP_VECTORS, (now,))
            removed = conn.execute(q.SWEEP_ITEMS, (now,)).rowcount
            _commit(conn)
        except BaseException:
            _rollback(conn)
            raise
        return int(removed)
