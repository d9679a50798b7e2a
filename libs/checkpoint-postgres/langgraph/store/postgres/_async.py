"""The Postgres store core, written async: the single source of both stores' I/O.

``tools/gen_pgstore.py`` generates ``_sync.py`` from this module; edit this file, then run
the generator. Pure logic lives in ``_core.py``, SQL in ``_sql.py``.

A batch runs in one transaction: every read first (so reads never see the batch's own
puts), then one TTL refresh for what the reads returned, then the puts. Embedding calls
happen outside any transaction: query texts are embedded before the transaction opens,
and when puts need texts embedded the transaction is rolled back, the texts embedded,
and the batch run again.
"""

from __future__ import annotations

import builtins
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    Result,
    SearchOp,
    TTLConfig,
)
from langgraph.store.base._support import (
    aembed_queries,
    aembed_rounds,
    load_numpy,
    namespaces_page,
    utcnow,
    vector_scores,
)
from langgraph.store.postgres import _sql as q
from langgraph.store.postgres._acompat import (
    AConnection,
    ACursor,
    ALock,
    APipeline,
    APool,
    acontextmanager,
)
from langgraph.store.postgres._core import (
    IndexSetup,
    PlannedFilter,
    encode_ns,
    index_setup,
    to_item,
    vector_literal,
)
from langgraph.store.postgres._plan import (
    BatchPlan,
    Hit,
    PutPlan,
    VecMode,
    namespace_scope,
    plan_batch,
    plan_put_vectors,
    rows_to_hits,
    where_for,
)

__all__ = ["_AsyncStoreCore"]

# Reads built per call (search, ranking, listing) run unprepared: a generic plan cannot
# see the namespace range or the filter values and can be orders of magnitude slower.

_List = builtins.list
_NS = tuple[str, ...]
SWEEP_BATCH = 1000
"""Expired items deleted per transaction by a sweep."""

# HNSW / IVFFlat indexes accept at most this many dimensions per vector type
_ANN_MAX_DIMS = {"vector": 2000, "halfvec": 4000}
# searches needing more candidates than this rank exactly (hnsw.ef_search caps at 1000)
_ANN_MAX_POOL = 1000
logger = logging.getLogger("langgraph.store.postgres")


class _AsyncStoreCore(BaseStore):
    """I/O of the store (see :class:`~langgraph.store.postgres.aio.AsyncPostgresStore`)."""

    supports_ttl = True
    conn: AConnection[Any] | None
    pool: APool[Any] | None

    def _init_core(
        self,
        conn: AConnection[Any] | APool[Any] | None,
        *,
        pipe: APipeline | None,
        deserializer: Callable[[bytes], dict[str, Any]] | None,
        index: Any,
        ttl: TTLConfig | None,
        schema: str | None,
    ) -> None:
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
        self._index: IndexSetup | None = index_setup(index)
        self.index_config: dict[str, Any] | None = (
            None if self._index is None else self._index.config
        )
        self.embeddings: Any = None if self._index is None else self._index.embeddings
        self.ttl_config = ttl
        self._stmts = q.Statements.render(schema)
        self._deserializer = deserializer
        self._load: Callable[[str], dict[str, Any]] = (
            json.loads if deserializer is None else (lambda t: deserializer(t.encode()))
        )
        self._now: Callable[[], datetime] = utcnow
        self._vec: VecMode | None = None
        self._conninfo: str | None = None
        self._want_pipeline = False
        self._owns_conn = False
        self._pool_open = self.pool is not None
        self._pipe_cm: Any = None

    @property
    def _omit_expired(self) -> bool:
        return bool(self.ttl_config and self.ttl_config.get("omit_expired"))

    # ------------------------------------------------------------------ connections

    def _own(self, conn_string: str, pipeline: bool, pool_config: Any) -> None:
        """Make this store own its connection (``from_conn_string``); opened on first use."""
        self._owns_conn = True
        if pool_config is not None:
            pc = dict(pool_config)
            kwargs = {"autocommit": True, **(pc.pop("kwargs", None) or {})}
            self.pool = APool(
                conn_string,
                min_size=pc.pop("min_size", 1),
                max_size=pc.pop("max_size", None),
                kwargs=kwargs,
                open=False,
                **pc,
            )
            self._pool_open = False
        else:
            self._conninfo = conn_string
            self._want_pipeline = pipeline

    async def _aopen(self) -> AConnection[Any]:
        """The single connection, connecting if this store owns it; call under the lock."""
        if self.conn is None or self.conn.closed:
            if self._conninfo is None:
                raise psycopg.InterfaceError("the store's connection is closed")
            self.conn = await AConnection.connect(self._conninfo, autocommit=True)
            if self._want_pipeline:
                self._pipe_cm = self.conn.pipeline()
                self.pipe = await self._pipe_cm.__aenter__()
        return self.conn

    @acontextmanager
    async def _aconnection(self) -> AsyncIterator[AConnection[Any]]:
        """A connection for one unit of work (from the pool, or the locked connection)."""
        if self.pool is not None:
            if not self._pool_open:
                async with self.lock:
                    if not self._pool_open:
                        await self.pool.open()
                        self._pool_open = True
            async with self.pool.connection() as conn:
                yield conn
        else:
            async with self.lock:
                conn = await self._aopen()
                yield conn
                if self.pipe is not None:
                    await self.pipe.sync()

    async def __aenter__(self) -> Any:
        if self.pool is not None:
            if not self._pool_open:
                await self.pool.open()
                self._pool_open = True
        else:
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
        """Close the connection or pool if this store opened it (``from_conn_string``)."""
        if not self._owns_conn:
            return
        if self.pool is not None:
            if self._pool_open:
                self._pool_open = False
                await self.pool.close()
            return
        async with self.lock:
            if self._pipe_cm is not None:
                cm, self._pipe_cm, self.pipe = self._pipe_cm, None, None
                try:
                    await cm.__aexit__(None, None, None)
                except psycopg.Error:
                    pass
            conn, self.conn = self.conn, None
            if conn is not None:
                await conn.close()

    # ------------------------------------------------------------------ setup

    @staticmethod
    async def _astep(
        conn: AConnection[Any], stmt: Any, params: Any = None, rows: bool = False
    ) -> _List[tuple[Any, ...]]:
        """Run one statement on its own cursor (results never mix, even in a pipeline)."""
        async with conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(stmt, params, prepare=False)
            return await cur.fetchall() if rows else []

    async def _amigrate(
        self, conn: AConnection[Any], track: str, migrations: _List[sql.Composable | None]
    ) -> None:
        st, step = self._stmts, self._astep
        async with conn.transaction():
            await step(conn, st.lock, rows=True)
            if st.create_schema is not None:
                await step(conn, st.create_schema)
            await step(conn, st.create_migrations)
            current = int((await step(conn, st.read_version, (track,), rows=True))[0][0])
        if current < len(migrations):
            logger.info(
                "setup: %s migrations of schema %s at version %d, migrating to %d",
                track,
                st.schema or "(search_path)",
                current,
                len(migrations),
            )
        for number in range(current + 1, len(migrations) + 1):
            started = time.monotonic()
            async with conn.transaction():
                await step(conn, st.lock, rows=True)
                done = int((await step(conn, st.read_version, (track,), rows=True))[0][0])
                if done >= number:
                    continue  # another process applied it meanwhile
                migration = migrations[number - 1]
                if migration is not None:
                    await step(conn, migration)
                await step(conn, st.record_version, (track, number))
            logger.info(
                "setup: applied %s migration %d of %d in %.2fs",
                track,
                number,
                len(migrations),
                time.monotonic() - started,
            )

    async def _avector_migrations(self, conn: AConnection[Any]) -> _List[sql.Composable | None]:
        """Enable pgvector if possible (under the lock) and return the vector track."""
        index = self._index
        assert index is not None
        st, step = self._stmts, self._astep
        async with conn.transaction():
            await step(conn, st.lock, rows=True)
            found = await step(conn, st.vector_installed, rows=True)
            if not found and (await step(conn, st.vector_available, rows=True))[0][0]:
                try:
                    async with conn.transaction():
                        await step(conn, st.create_extension)
                except psycopg.Error as exc:
                    logger.warning("cannot enable pgvector (%s); scoring in Python", exc)
                found = await step(conn, st.vector_installed, rows=True)
        ext = str(found[0][0]) if found else None
        if ext is None:
            return q.vector_migrations(st.names, sql.SQL("real[]"), None)
        vtype = index.ann.vector_type
        column = sql.SQL("{}.{}({})").format(
            sql.Identifier(ext), sql.Identifier(vtype), sql.Literal(index.dims)
        )
        ann = None
        if index.dims <= _ANN_MAX_DIMS[vtype]:
            ann = q.ann_index_sql(
                st.names, ext, vtype, index.ann.kind, index.distance, index.ann.params
            )
        else:
            logger.warning("%d dimensions is too many for a %s ANN index", index.dims, vtype)
        return q.vector_migrations(st.names, column, ann)

    async def asetup(self) -> None:
        """Create or upgrade the tables (idempotent; safe from many processes at once).

        Every migration runs in its own transaction together with its version row, under
        a transaction-level advisory lock. With an ``index`` config the ``vector``
        extension is enabled when the server has it and the role may create it;
        otherwise embeddings are stored as ``real[]`` and scored exactly in Python.
        """
        st = self._stmts
        async with self._aconnection() as conn:
            store: _List[sql.Composable | None] = [
                sql.SQL(m).format(**st.names) for m in q.STORE_MIGRATIONS
            ]
            await self._amigrate(conn, "store", store)
            if self._index is not None:
                await self._amigrate(conn, "vectors", await self._avector_migrations(conn))
        self._vec = None

    async def _ainspect(self, cur: ACursor[Any]) -> VecMode:
        if self._vec is not None:
            return self._vec
        index = self._index
        assert index is not None
        await cur.execute(self._stmts.inspect_vectors, (self._stmts.schema,))
        row = await cur.fetchone()
        if row is None:
            raise RuntimeError(
                "The store's vector table is missing; call setup() on a store configured "
                "with this index before using it"
            )
        typname, nspname, typmod = row
        if typname in ("vector", "halfvec"):
            if typmod is not None and typmod > 0 and typmod != index.dims:
                raise ValueError(
                    f"index dims is {index.dims} but the store's vector table holds "
                    f"{typmod}-dimensional vectors"
                )
            mode = VecMode(True, str(nspname), str(typname))
        else:
            mode = VecMode(False)
        self._vec = mode
        return mode

    # ------------------------------------------------------------------ batches

    async def abatch(self, ops: Iterable[Op]) -> _List[Result]:
        """Execute operations in one transaction; reads see the state before the puts."""
        plan = plan_batch(_List(ops), self._index)
        qvecs: dict[str, _List[float]] = {}
        if plan.queries:
            qvecs = await aembed_queries(self.embeddings, plan.queries)
        return await aembed_rounds(lambda vecs: self._aexecute(plan, qvecs, vecs), self.embeddings)

    async def _aexecute(
        self, plan: BatchPlan, qvecs: dict[str, _List[float]], vecs: dict[str, _List[float]]
    ) -> _List[Result]:
        attempts = 2 if self.pool is not None else 1
        for attempt in range(attempts):
            try:
                async with self._aconnection() as conn:
                    async with conn.cursor(row_factory=tuple_row, binary=True) as cur:
                        if not plan.atomic and conn.autocommit:
                            # one statement (or reads only): no BEGIN/COMMIT round trips
                            return await self._arun(cur, plan, qvecs, vecs)
                        async with conn.transaction():
                            return await self._arun(cur, plan, qvecs, vecs)
            except psycopg.errors.UndefinedTable as exc:
                raise RuntimeError(
                    f"The store's tables are missing ({exc.diag.message_primary}); "
                    "call setup() once before using the store"
                ) from exc
            except psycopg.OperationalError:
                if attempt + 1 >= attempts:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _arun(
        self,
        cur: ACursor[Any],
        plan: BatchPlan,
        qvecs: dict[str, _List[float]],
        vecs: dict[str, _List[float]],
    ) -> _List[Result]:
        now = self._now()
        ops = plan.ops
        mode: VecMode | None = None
        if self._index is not None and (plan.embed_puts or qvecs):
            mode = await self._ainspect(cur)
        if plan.embed_puts and not vecs:
            # first round: find the texts to embed before doing any work (later rounds
            # have them; the plan made after the upsert is the one that counts)
            assert mode is not None
            await self._aplan_vectors(cur, plan.puts, vecs, mode)
        results: _List[Result] = [None] * len(ops)
        refresh: dict[tuple[str, str], None] = {}
        gets = [i for i, op in enumerate(ops) if isinstance(op, GetOp)]
        if gets:
            await self._aget(cur, [(i, ops[i]) for i in gets], now, results, refresh)  # type: ignore[misc]
        for i, op in enumerate(ops):
            if isinstance(op, SearchOp):
                found = await self._asearch(cur, op, plan.filters[i], now, qvecs, mode)
                results[i] = [item for item, _ in found]
                if op.refresh_ttl:
                    refresh.update(dict.fromkeys(k for _, k in found if k is not None))
            elif isinstance(op, ListNamespacesOp):
                results[i] = await self._alist_namespaces(cur, op, now)
        if refresh:
            ns_list, key_list = zip(*refresh, strict=True)
            await cur.execute(
                self._stmts.refresh, {"ns": _List(ns_list), "keys": _List(key_list), "now": now}
            )
        if plan.puts:
            await self._aput(cur, plan.puts, now, mode, vecs)
        return results

    async def _aget(
        self,
        cur: ACursor[Any],
        gets: _List[tuple[int, GetOp]],
        now: datetime,
        results: _List[Result],
        refresh: dict[tuple[str, str], None],
    ) -> None:
        wanted: _List[tuple[int, GetOp, str]] = []
        for i, op in gets:
            text = encode_ns(op.namespace)
            if text is not None and "\x00" not in op.key:
                wanted.append((i, op, text))
        if not wanted:
            return
        if len(wanted) == 1:
            await cur.execute(self._stmts.get_one, {"ns1": wanted[0][2], "key1": wanted[0][1].key})
        else:
            await cur.execute(
                self._stmts.get_items,
                {"ns": [w[2] for w in wanted], "keys": [w[1].key for w in wanted]},
            )
        omit = self._omit_expired
        for row in await cur.fetchall():
            i, op, text = wanted[int(row[0]) - 1]
            expires = row[5]
            if expires is not None and omit and expires <= now:
                continue
            results[i] = Item(
                value=self._load(row[1]),
                key=op.key,
                namespace=tuple(op.namespace),
                created_at=row[2],
                updated_at=row[3],
            )
            if op.refresh_ttl and row[4] is not None:
                refresh[(text, op.key)] = None

    async def _asearch(
        self,
        cur: ACursor[Any],
        op: SearchOp,
        pf: PlannedFilter,
        now: datetime,
        qvecs: dict[str, _List[float]],
        mode: VecMode | None,
    ) -> _List[Hit]:
        limit, offset = max(op.limit, 0), max(op.offset, 0)
        where = where_for(tuple(op.namespace_prefix), now if self._omit_expired else None, pf)
        out: _List[Hit] = []
        if where is None or not limit:
            return out
        st = self._stmts
        index = self._index
        if op.query and index is not None and mode is not None and op.query in qvecs:
            qvec = qvecs[op.query]
            lit = vector_literal(qvec, index.dims, mode.pgvector, f"search query {op.query!r}")
            ann = None
            pool = (offset + limit) * index.vectors_per_item * 2 + 1
            if mode.pgvector and index.ann.kind == "hnsw" and pool <= _ANN_MAX_POOL:
                ann = await self._aann(cur, pf, where, lit, mode, pool, offset, limit)
            if ann is not None:
                out.extend(ann)
            elif mode.pgvector:
                stmt, params = q.ranked_pgvector(
                    st,
                    mode.ext_schema,
                    mode.vector_type,
                    index.distance,
                    lit,
                    where,
                    offset + limit if pf.exact else None,
                )
                await cur.execute(stmt, params, prepare=False)
                rows = await cur.fetchall()
                cosine = index.distance == "cosine"
                rows_to_hits(
                    self._load,
                    rows,
                    pf,
                    offset,
                    limit,
                    lambda r: 1.0 - float(r[6]) if cosine else -float(r[6]),
                    out,
                )
            else:
                stmt, params = q.vectors_in_scope(st, where)
                await cur.execute(stmt, params, prepare=False)
                rows = await cur.fetchall()
                sims = vector_scores(qvec, [r[6] for r in rows], index.distance, load_numpy())
                best: dict[tuple[str, str], tuple[Any, float]] = {}
                for row, sim in zip(rows, sims, strict=True):
                    k = (row[0], row[1])
                    prev = best.get(k)
                    if prev is None or sim > prev[1]:
                        best[k] = (row, sim)
                ranked = sorted(
                    best.values(),
                    key=lambda rs: (-rs[1], -rs[0][4].timestamp(), rs[0][0], rs[0][1]),
                )
                rows_to_hits(
                    self._load,
                    [(*r[:6], s) for r, s in ranked],
                    pf,
                    offset,
                    limit,
                    lambda r: r[6],
                    out,
                )
            if len(out) < limit:
                # items without vectors fill the page with score=None (as InMemoryStore)
                stmt, params = q.search_items(
                    st, where, limit - len(out) if pf.exact else None, 0, unindexed=True
                )
                await cur.execute(stmt, params, prepare=False)
                fill: _List[Hit] = []
                rows_to_hits(
                    self._load, await cur.fetchall(), pf, 0, limit - len(out), lambda r: None, fill
                )
                out.extend(fill)
            return out
        if pf.exact:
            stmt, params = q.search_items(st, where, limit, offset)
            await cur.execute(stmt, params, prepare=False)
            rows_to_hits(self._load, await cur.fetchall(), pf, 0, limit, lambda r: None, out)
        else:
            stmt, params = q.search_items(st, where, None, 0)
            await cur.execute(stmt, params, prepare=False)
            rows_to_hits(self._load, await cur.fetchall(), pf, offset, limit, lambda r: None, out)
        return out

    async def _aann(
        self,
        cur: ACursor[Any],
        pf: PlannedFilter,
        where: q.Where,
        lit: str,
        mode: VecMode,
        pool: int,
        offset: int,
        limit: int,
    ) -> _List[Hit] | None:
        """Search through the HNSW index: the ``pool`` nearest vectors, then their items.

        Returns:
            The page, or ``None`` when the candidates cannot fill it (few items, or
            filters and the namespace scope removed too many): the caller then ranks
            exactly.
        """
        index = self._index
        assert index is not None
        await cur.execute(q.SET_EF_SEARCH, (str(max(pool, 40)),))
        await cur.fetchall()
        stmt, params = q.ann_candidates(
            self._stmts, mode.ext_schema, mode.vector_type, index.distance, lit, where.scope, pool
        )
        await cur.execute(stmt, params, prepare=False)
        rows = await cur.fetchall()
        best: dict[tuple[str, str], float] = {}
        for ns, key, dist in rows:
            if (ns, key) not in best:
                best[(ns, key)] = float(dist)
        if not best:
            return None
        stmt, params = q.items_by_keys(
            self._stmts, where, [k[0] for k in best], [k[1] for k in best]
        )
        await cur.execute(stmt, params, prepare=False)
        found = {(r[0], r[1]): r for r in await cur.fetchall()}
        ordered = [found[k] for k in best if k in found]
        # same order as the exact ranking: distance, then newest update, then ns, key
        ordered.sort(key=lambda r: (best[(r[0], r[1])], -r[4].timestamp(), r[0], r[1]))
        cosine = index.distance == "cosine"
        out: _List[Hit] = []
        rows_to_hits(
            self._load,
            ordered,
            pf,
            offset,
            limit,
            lambda r: 1.0 - best[(r[0], r[1])] if cosine else -best[(r[0], r[1])],
            out,
        )
        return out if len(out) >= limit else None

    async def _alist_namespaces(
        self, cur: ACursor[Any], op: ListNamespacesOp, now: datetime
    ) -> _List[_NS]:
        possible, scope = namespace_scope(op.match_conditions or ())
        if not possible:
            return []
        stmt, params = q.namespaces(self._stmts, scope, now if self._omit_expired else None)
        await cur.execute(stmt, params, prepare=False)
        return namespaces_page((text for (text,) in await cur.fetchall()), op)

    async def _aplan_vectors(
        self,
        cur: ACursor[Any],
        puts: _List[PutPlan],
        vecs: dict[str, _List[float]],
        mode: VecMode,
        locked: bool = False,
    ) -> None:
        """Read the stored digests of the puts' items and plan their vectors.

        Args:
            cur: The batch's cursor.
            puts: The batch's puts.
            vecs: Vectors embedded so far, by text.
            mode: The vector table's storage.
            locked: The items are locked (after their upsert): this plan is final
                (see :func:`~langgraph.store.postgres._plan.plan_put_vectors`).

        Raises:
            NeedTexts: Some texts have no vector yet (the caller rolls back and embeds).
        """
        index = self._index
        assert index is not None
        live = [p for p in puts if p.value is not None]
        await cur.execute(
            self._stmts.digests,
            {"ns": [p.text_ns for p in live], "keys": [p.key for p in live]},
        )
        existing: dict[tuple[str, str], dict[str, bytes]] = {}
        for ns, key, path, digest in await cur.fetchall():
            paths = existing.setdefault((ns, key), {})
            if path is not None:
                paths[path] = bytes(digest)
        plan_put_vectors(live, existing, vecs, index, mode.pgvector, locked)

    async def _aput(
        self,
        cur: ACursor[Any],
        puts: _List[PutPlan],
        now: datetime,
        mode: VecMode | None,
        vecs: dict[str, _List[float]],
    ) -> None:
        st = self._stmts
        deletes = [p for p in puts if p.value is None]
        if deletes:
            await cur.execute(
                st.delete, {"ns": [p.text_ns for p in deletes], "keys": [p.key for p in deletes]}
            )
        live = [p for p in puts if p.value is not None]
        if not live:
            return
        ttls = [None if p.op.ttl is None else float(p.op.ttl) for p in live]
        if len(live) == 1:
            one = live[0]
            await cur.execute(
                st.upsert_one,
                {
                    "ns1": one.text_ns,
                    "key1": one.key,
                    "value1": one.value,
                    "ttl1": ttls[0],
                    "now": now,
                },
            )
        else:
            await cur.execute(
                st.upsert,
                {
                    "ns": [p.text_ns for p in live],
                    "keys": [p.key for p in live],
                    "values": [p.value for p in live],
                    "ttls": [None if t is None else repr(t) for t in ttls],
                    "now": now,
                },
            )
        if mode is None:
            return
        # The upsert holds the items' row locks and waited for any concurrent writer of
        # them to commit; plan again on what is committed now (the first plan only told
        # which texts to embed before the transaction).
        await self._aplan_vectors(cur, live, vecs, mode, locked=True)
        drop_all = [p for p in live if p.drop_all]
        if drop_all:
            await cur.execute(
                st.delete_item_vectors,
                {"ns": [p.text_ns for p in drop_all], "keys": [p.key for p in drop_all]},
            )
        drops = [(p.text_ns, p.key, path) for p in live for path in p.drop]
        if drops:
            ns_l, key_l, path_l = zip(*drops, strict=True)
            await cur.execute(
                st.delete_vector_paths,
                {"ns": _List(ns_l), "keys": _List(key_l), "paths": _List(path_l)},
            )
        writes = [(p.text_ns, p.key, *w) for p in live for w in p.write]
        if writes:
            ns_w, key_w, path_w, dig_w, lit_w = zip(*writes, strict=True)
            cast: sql.Composable = sql.SQL("real[]")
            if mode.pgvector:
                cast = sql.SQL("{}.{}").format(
                    sql.Identifier(mode.ext_schema), sql.Identifier(mode.vector_type)
                )
            await cur.execute(
                q.upsert_vectors(st, cast),
                {
                    "ns": _List(ns_w),
                    "keys": _List(key_w),
                    "paths": _List(path_w),
                    "digests": _List(dig_w),
                    "embs": _List(lit_w),
                },
            )

    # ------------------------------------------------------------------ list / TTL

    async def alist(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Items of exactly one namespace (not sub-namespaces), oldest first.

        Args:
            namespace: The namespace.
            limit: Maximum number of items (``None`` = all).
            offset: Items to skip.
            refresh_ttl: Renew the TTL of the returned items (default per ``ttl`` config).
        """
        refresh = self._refresh(refresh_ttl)
        text = encode_ns(tuple(namespace))
        if text is None:
            return []
        now = self._now()
        stmt, params = q.list_one(
            self._stmts,
            text,
            now if self._omit_expired else None,
            None if limit is None else max(limit, 0),
            max(offset, 0),
        )
        async with self._aconnection() as conn:
            async with conn.cursor(row_factory=tuple_row, binary=True) as cur:
                async with conn.transaction():
                    await cur.execute(stmt, params, prepare=False)
                    rows = await cur.fetchall()
                    keys = [r[1] for r in rows if r[5] is not None]
                    if refresh and keys:
                        await cur.execute(
                            self._stmts.refresh,
                            {"ns": [text] * len(keys), "keys": keys, "now": now},
                        )
        return [to_item(r, self._load) for r in rows]

    async def asweep_ttl(self) -> int:
        """Delete expired items (and their vectors) now.

        Deletes in bounded batches, each its own transaction, skipping rows another
        sweeper (another process) holds, so several stores can sweep one table at once.

        Returns:
            The number of items this call removed.
        """
        total = 0
        while True:
            async with self._aconnection() as conn:
                async with conn.cursor(row_factory=tuple_row, binary=True) as cur:
                    async with conn.transaction():
                        await cur.execute(
                            self._stmts.sweep, {"now": self._now(), "batch": SWEEP_BATCH}
                        )
                        removed = len(await cur.fetchall())
            total += removed
            if removed < SWEEP_BATCH:
                return total
