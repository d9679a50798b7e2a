"""Every SQL statement of the Postgres store, and its migrations.

Identifiers go through :mod:`psycopg.sql`; user data only ever travels as bound
parameters. Statements are rendered once per store (:class:`Statements`).

Schema (our own design; ``lg_`` prefix like the saver's tables):

* ``lg_store_migrations(track, v)``: applied migrations, separate from the saver's
  ``lg_migrations``. Track ``store`` holds the item table; track ``vectors`` the
  embedding table, applied only by stores configured with an ``index``.
* ``lg_store(ns, key, value, created_at, updated_at, expires_at, ttl_minutes)``: one row
  per item. ``ns`` is the namespace labels joined by ``"."`` **with a trailing ``"."``**
  (``("a", "b")`` -> ``"a.b."``) in the ``"C"`` collation, so "namespace starts with P"
  is the range ``ns >= 'P.' AND ns < 'P/'`` on the primary key (no LIKE escaping, never a
  partial label). ``value`` is ``jsonb`` with a GIN ``jsonb_path_ops`` index for filters.
* ``lg_store_vectors(ns, key, path, digest, embedding)``: one embedding per indexed path
  of an item (cascade-deleted with it). ``embedding`` is a pgvector ``vector(dims)`` (or
  ``halfvec``) with an HNSW/IVFFlat index when the ``vector`` extension can be enabled,
  else ``real[]`` scored exactly in Python. ``digest`` hashes the embedded text so an
  unchanged text is not embedded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

__all__ = [
    "ADVISORY_LOCK_KEY",
    "STORE_MIGRATIONS",
    "Query",
    "Statements",
    "Where",
    "ann_index_sql",
    "list_one",
    "namespaces",
    "ranked_pgvector",
    "search_items",
    "upsert_vectors",
    "vector_migrations",
    "vectors_in_scope",
]

Query = sql.SQL | sql.Composed

ADVISORY_LOCK_KEY = 0x6C67_7374_6F72  # "lgstor": serializes store migrations

STORE_MIGRATIONS: list[str] = [
    # 1: items
    """
    CREATE TABLE {store} (
        ns text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        expires_at timestamptz,
        ttl_minutes double precision,
        PRIMARY KEY (ns, key)
    )
    """,
    # 2: filters (containment) and the TTL sweep
    "CREATE INDEX {store_value_idx} ON {store} USING gin (value jsonb_path_ops)",
    "CREATE INDEX {store_expires_idx} ON {store} (expires_at) WHERE expires_at IS NOT NULL",
]
"""Track ``store``: migration ``n`` (1-based) is ``STORE_MIGRATIONS[n - 1]``. Append only."""

_OPCLASS = {"cosine": "cosine", "l2": "l2", "inner_product": "ip"}


def vector_migrations(
    names: dict[str, sql.Composable],
    column_type: sql.Composable,
    ann_index: sql.Composable | None,
) -> list[sql.Composable | None]:
    """Track ``vectors``: the embedding table, then its ANN index (``None``: nothing to do)."""
    table = sql.SQL(
        "CREATE TABLE {vectors} ("
        'ns text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, '
        'path text COLLATE "C" NOT NULL, digest bytea NOT NULL, embedding {ctype} NOT NULL, '
        "PRIMARY KEY (ns, key, path), FOREIGN KEY (ns, key) REFERENCES {store} (ns, key) "
        "ON DELETE CASCADE)"
    ).format(vectors=names["vectors"], store=names["store"], ctype=column_type)
    return [table, ann_index]


def ann_index_sql(
    names: dict[str, sql.Composable],
    ext_schema: str,
    vector_type: str,
    kind: str,
    distance: str,
    params: dict[str, int],
) -> sql.Composable | None:
    """``CREATE INDEX`` of the ANN index, or ``None`` for ``kind="flat"``."""
    if kind == "flat":
        return None
    opclass = sql.SQL("{}.{}").format(
        sql.Identifier(ext_schema), sql.Identifier(f"{vector_type}_{_OPCLASS[distance]}_ops")
    )
    with_: sql.Composable = sql.SQL("")
    if params:
        with_ = sql.SQL(" WITH ({})").format(
            sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(k), sql.Literal(v))
                for k, v in sorted(params.items())
            )
        )
    return sql.SQL("CREATE INDEX {idx} ON {vectors} USING {kind} (embedding {ops}){with_}").format(
        idx=names["vectors_ann_idx"],
        vectors=names["vectors"],
        kind=sql.SQL(kind),
        ops=opclass,
        with_=with_,
    )


@dataclass(frozen=True)
class Statements:
    """Statements rendered for one schema."""

    schema: str | None
    store: sql.Composable
    vectors: sql.Composable
    names: dict[str, sql.Composable]
    lock: Query
    create_schema: Query | None
    create_migrations: Query
    read_version: Query
    record_version: Query
    inspect_vectors: Query
    vector_available: Query
    vector_installed: Query
    create_extension: Query
    # items
    get_items: Query
    get_one: Query
    refresh: Query
    upsert: Query
    upsert_one: Query
    delete: Query
    sweep: Query
    # vectors
    digests: Query
    delete_vector_paths: Query
    delete_item_vectors: Query

    @classmethod
    def render(cls, schema: str | None) -> Statements:
        """Render every statement for ``schema`` (``None``: the connection's schema)."""

        def ident(name: str) -> sql.Composable:
            if schema is None:
                return sql.Identifier(name)
            return sql.Identifier(schema, name)

        names: dict[str, sql.Composable] = {
            "store": ident("lg_store"),
            "vectors": ident("lg_store_vectors"),
            "migrations": ident("lg_store_migrations"),
            "store_value_idx": sql.Identifier("lg_store_value_idx"),
            "store_expires_idx": sql.Identifier("lg_store_expires_idx"),
            "vectors_ann_idx": sql.Identifier("lg_store_vectors_ann_idx"),
        }

        def q(text: str) -> sql.Composed:
            return sql.SQL(text).format(**names)

        return cls(
            schema=schema,
            store=names["store"],
            vectors=names["vectors"],
            names=names,
            lock=sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(ADVISORY_LOCK_KEY)),
            create_schema=None
            if schema is None
            else sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)),
            create_migrations=q(
                "CREATE TABLE IF NOT EXISTS {migrations} (track text NOT NULL, "
                "v integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (track, v))"
            ),
            read_version=q("SELECT coalesce(max(v), 0) FROM {migrations} WHERE track = %s"),
            record_version=q("INSERT INTO {migrations} (track, v) VALUES (%s, %s)"),
            inspect_vectors=sql.SQL(
                "SELECT t.typname, tn.nspname, a.atttypmod FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace cn ON cn.oid = c.relnamespace "
                "JOIN pg_type t ON t.oid = a.atttypid "
                "JOIN pg_namespace tn ON tn.oid = t.typnamespace "
                "WHERE c.relname = 'lg_store_vectors' AND a.attname = 'embedding' "
                "AND cn.nspname = coalesce(%s::text, current_schema())"
            ),
            vector_available=sql.SQL(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
            ),
            vector_installed=sql.SQL(
                "SELECT n.nspname FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'"
            ),
            create_extension=sql.SQL("CREATE EXTENSION IF NOT EXISTS vector"),
            get_items=q(
                "SELECT r.i, s.value::text, s.created_at, s.updated_at, s.ttl_minutes, s.expires_at "
                "FROM unnest(%(ns)s::text[], %(keys)s::text[]) WITH ORDINALITY AS r(ns, key, i) "
                "JOIN {store} s ON s.ns = r.ns AND s.key = r.key"
            ),
            get_one=q(
                "SELECT 1, s.value::text, s.created_at, s.updated_at, s.ttl_minutes, s.expires_at "
                "FROM {store} s WHERE s.ns = %(ns1)s AND s.key = %(key1)s"
            ),
            # renews only items that are still alive (an expired item is never resurrected)
            refresh=q(
                "UPDATE {store} s SET expires_at = %(now)s + s.ttl_minutes * interval '1 minute' "
                "FROM (SELECT * FROM unnest(%(ns)s::text[], %(keys)s::text[]) AS u(ns, key) "
                "ORDER BY 1, 2) AS r WHERE s.ns = r.ns AND s.key = r.key "
                "AND s.ttl_minutes IS NOT NULL AND s.expires_at > %(now)s"
            ),
            # an overwrite keeps created_at unless the old row had expired (created anew)
            upsert=q(
                "INSERT INTO {store} AS s "
                "(ns, key, value, created_at, updated_at, expires_at, ttl_minutes) "
                "SELECT r.ns, r.key, r.value::jsonb, %(now)s, %(now)s, "
                "%(now)s + r.ttl::float8 * interval '1 minute', r.ttl::float8 "
                "FROM unnest(%(ns)s::text[], %(keys)s::text[], %(values)s::text[], "
                "%(ttls)s::text[]) AS r(ns, key, value, ttl) ORDER BY r.ns, r.key "
                "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at, expires_at = excluded.expires_at, "
                "ttl_minutes = excluded.ttl_minutes, created_at = CASE WHEN "
                "s.expires_at IS NOT NULL AND s.expires_at <= excluded.updated_at "
                "THEN excluded.created_at ELSE s.created_at END"
            ),
            upsert_one=q(
                "INSERT INTO {store} AS s "
                "(ns, key, value, created_at, updated_at, expires_at, ttl_minutes) "
                "VALUES (%(ns1)s, %(key1)s, %(value1)s::jsonb, %(now)s, %(now)s, "
                "%(now)s + %(ttl1)s::float8 * interval '1 minute', %(ttl1)s::float8) "
                "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at, expires_at = excluded.expires_at, "
                "ttl_minutes = excluded.ttl_minutes, created_at = CASE WHEN "
                "s.expires_at IS NOT NULL AND s.expires_at <= excluded.updated_at "
                "THEN excluded.created_at ELSE s.created_at END"
            ),
            delete=q(
                "DELETE FROM {store} s USING (SELECT * FROM unnest(%(ns)s::text[], "
                "%(keys)s::text[]) AS u(ns, key) ORDER BY 1, 2) AS r "
                "WHERE s.ns = r.ns AND s.key = r.key"
            ),
            # several sweepers (processes) never wait on each other: each takes a bounded
            # batch of expired rows that nobody else holds
            sweep=q(
                "DELETE FROM {store} s USING (SELECT ns, key FROM {store} "
                "WHERE expires_at IS NOT NULL AND expires_at <= %(now)s "
                "ORDER BY expires_at LIMIT %(batch)s FOR UPDATE SKIP LOCKED) AS d "
                "WHERE s.ns = d.ns AND s.key = d.key AND s.expires_at <= %(now)s RETURNING s.key"
            ),
            digests=q(
                "SELECT v.ns, v.key, v.path, v.digest FROM {vectors} v "
                "JOIN unnest(%(ns)s::text[], %(keys)s::text[]) AS r(ns, key) "
                "ON v.ns = r.ns AND v.key = r.key"
            ),
            delete_vector_paths=q(
                "DELETE FROM {vectors} v USING unnest(%(ns)s::text[], %(keys)s::text[], "
                "%(paths)s::text[]) AS r(ns, key, path) "
                "WHERE v.ns = r.ns AND v.key = r.key AND v.path = r.path"
            ),
            delete_item_vectors=q(
                "DELETE FROM {vectors} v USING unnest(%(ns)s::text[], %(keys)s::text[]) "
                "AS r(ns, key) WHERE v.ns = r.ns AND v.key = r.key"
            ),
        )


# ---------------------------------------------------------------------------- builders
# Dynamic reads take positional parameters (the filter planner's conditions are
# positional); each builder returns the statement and its parameters.

_COLS = sql.SQL("s.ns, s.key, s.value::text, s.created_at, s.updated_at, s.ttl_minutes")


@dataclass
class Where:
    """Conditions on the items (alias ``s``) shared by the read builders."""

    scope: tuple[str, str] | None
    now: Any
    filters: list[sql.Composable]
    filter_params: list[Any]

    def render(self, column: str = "s.ns") -> tuple[sql.Composable, list[Any]]:
        parts: list[sql.Composable] = [sql.SQL("true")]
        params: list[Any] = []
        if self.scope is not None:
            parts.append(sql.SQL("{col} >= %s AND {col} < %s").format(col=sql.SQL(column)))
            params.extend(self.scope)
        if self.now is not None:
            parts.append(sql.SQL("(s.expires_at IS NULL OR s.expires_at > %s)"))
            params.append(self.now)
        parts.extend(self.filters)
        params.extend(self.filter_params)
        return sql.SQL(" AND ").join(parts), params


def _page(limit: int | None, offset: int) -> tuple[sql.Composable, list[Any]]:
    if limit is None:
        return sql.SQL(""), []
    return sql.SQL(" LIMIT %s OFFSET %s"), [limit, offset]


_ORDER = sql.SQL(" ORDER BY s.updated_at DESC, s.ns, s.key")


def search_items(
    st: Statements, where: Where, limit: int | None, offset: int, unindexed: bool = False
) -> tuple[Query, list[Any]]:
    """Items in scope matching the conditions, newest update first."""
    cond, params = where.render()
    extra: sql.Composable = sql.SQL("")
    if unindexed:
        extra = sql.SQL(
            " AND NOT EXISTS (SELECT 1 FROM {} v WHERE v.ns = s.ns AND v.key = s.key)"
        ).format(st.vectors)
    page, page_params = _page(limit, offset)
    query = sql.SQL("SELECT {} FROM {} s WHERE {}{}{}{}").format(
        _COLS, st.store, cond, extra, _ORDER, page
    )
    return query, params + page_params


def list_one(
    st: Statements, ns: str, now: Any, limit: int | None, offset: int
) -> tuple[Query, list[Any]]:
    """Items of exactly one namespace in creation order."""
    cond, params = Where(None, now, [], []).render()
    page, page_params = _page(limit, offset)
    if limit is None and offset:
        page, page_params = sql.SQL(" OFFSET %s"), [offset]
    query = sql.SQL(
        "SELECT {} FROM {} s WHERE s.ns = %s AND {} ORDER BY s.created_at, s.key{}"
    ).format(_COLS, st.store, cond, page)
    return query, [ns, *params, *page_params]


def namespaces(st: Statements, scope: tuple[str, str] | None, now: Any) -> tuple[Query, list[Any]]:
    """Distinct stored namespaces in scope."""
    cond, params = Where(scope, now, [], []).render()
    return sql.SQL("SELECT DISTINCT s.ns FROM {} s WHERE {}").format(st.store, cond), params


_DIST_OP = {"cosine": "<=>", "l2": "<->", "inner_product": "<#>"}


def ranked_pgvector(
    st: Statements,
    ext_schema: str,
    vector_type: str,
    distance: str,
    query_vector: str,
    where: Where,
    limit: int | None,
) -> tuple[Query, list[Any]]:
    """Items with vectors in scope, best (smallest distance) first; last column = distance.

    An item's distance is the minimum over its vectors (max-pooled score). A NaN cosine
    distance (zero vector) counts as 1, i.e. similarity 0.
    """
    op = sql.SQL("OPERATOR({}.{})").format(sql.Identifier(ext_schema), sql.SQL(_DIST_OP[distance]))
    qtype = sql.SQL("{}.{}").format(sql.Identifier(ext_schema), sql.Identifier(vector_type))
    dist: sql.Composable = sql.SQL("(v.embedding {} %s::text::{})").format(op, qtype)
    if distance == "cosine":
        dist = sql.SQL("coalesce(nullif({}, 'NaN'::float8), 1.0)").format(dist)
    cond, params = where.render()
    page, page_params = _page(limit, 0)
    # LATERAL: one primary-key range lookup of the vectors per candidate item, so the
    # cost stays linear in the matching items whatever the planner estimates
    query = sql.SQL(
        "SELECT {cols}, d.dist FROM {store} s CROSS JOIN LATERAL (SELECT min({dist}) AS dist "
        "FROM {vectors} v WHERE v.ns = s.ns AND v.key = s.key) AS d "
        "WHERE {cond} AND d.dist IS NOT NULL "
        "ORDER BY d.dist, s.updated_at DESC, s.ns, s.key{page}"
    ).format(
        cols=_COLS,
        dist=dist,
        vectors=st.vectors,
        store=st.store,
        cond=cond,
        page=page,
    )
    return query, [query_vector, *params, *page_params]


def vectors_in_scope(st: Statements, where: Where) -> tuple[Query, list[Any]]:
    """Every vector of the items in scope with the item's columns (scored in Python)."""
    cond, params = where.render()
    query = sql.SQL(
        "SELECT {}, v.embedding FROM {} v JOIN {} s ON s.ns = v.ns AND s.key = v.key WHERE {}"
    ).format(_COLS, st.vectors, st.store, cond)
    return query, params


def upsert_vectors(st: Statements, cast: sql.Composable) -> Query:
    """Insert or replace embeddings given as text literals cast to the column type."""
    return sql.SQL(
        "INSERT INTO {} (ns, key, path, digest, embedding) "
        "SELECT r.ns, r.key, r.path, r.digest, r.e::{} FROM unnest(%(ns)s::text[], "
        "%(keys)s::text[], %(paths)s::text[], %(digests)s::bytea[], %(embs)s::text[]) "
        "AS r(ns, key, path, digest, e) ORDER BY 1, 2, 3 "
        "ON CONFLICT (ns, key, path) DO UPDATE SET digest = excluded.digest, "
        "embedding = excluded.embedding"
    ).format(st.vectors, cast)


def ann_candidates(
    st: Statements,
    ext_schema: str,
    vector_type: str,
    distance: str,
    query_vector: str,
    scope: tuple[str, str] | None,
    pool: int,
) -> tuple[Query, list[Any]]:
    """The ``pool`` vectors nearest to the query: ``ORDER BY distance LIMIT``, so an
    HNSW index answers it. Columns: ns, key, distance (NaN cosine counts as 1)."""
    op = sql.SQL("OPERATOR({}.{})").format(sql.Identifier(ext_schema), sql.SQL(_DIST_OP[distance]))
    qtype = sql.SQL("{}.{}").format(sql.Identifier(ext_schema), sql.Identifier(vector_type))
    qv = sql.SQL("%s::text::{}").format(qtype)
    dist: sql.Composable = sql.SQL("(v.embedding {} {})").format(op, qv)
    if distance == "cosine":
        dist = sql.SQL("coalesce(nullif({}, 'NaN'::float8), 1.0)").format(dist)
    cond: sql.Composable = sql.SQL("")
    scope_params: list[Any] = []
    if scope is not None:
        cond = sql.SQL(" WHERE v.ns >= %s AND v.ns < %s")
        scope_params = list(scope)
    query = sql.SQL(
        "SELECT v.ns, v.key, {dist} FROM {vectors} v{cond} ORDER BY v.embedding {op} {qv} LIMIT %s"
    ).format(dist=dist, vectors=st.vectors, cond=cond, op=op, qv=qv)
    return query, [query_vector, *scope_params, query_vector, pool]


SET_EF_SEARCH = sql.SQL("SELECT set_config('hnsw.ef_search', %s, true)")


def items_by_keys(
    st: Statements, where: Where, ns: list[str], keys: list[str]
) -> tuple[Query, list[Any]]:
    """The listed items that satisfy the conditions (any order)."""
    cond, params = where.render()
    query = sql.SQL(
        "SELECT {} FROM unnest(%s::text[], %s::text[]) AS r(ns, key) "
        "JOIN {} s ON s.ns = r.ns AND s.key = r.key WHERE {}"
    ).format(_COLS, st.store, cond)
    return query, [ns, keys, *params]
