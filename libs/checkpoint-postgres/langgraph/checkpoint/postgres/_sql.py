"""Every SQL statement of the Postgres saver, and its migrations.

Identifiers (schema, tables) go through :mod:`psycopg.sql`; user data only ever travels as
bound parameters. Statements are rendered once per saver (:class:`Statements`), so a
saver method only picks a statement and binds its parameters.

Schema (our own design; see the package README):

* ``lg_checkpoints``: one row per checkpoint. ``checkpoint`` holds the serialized skeleton
  (the checkpoint without ``channel_values`` and ``channel_versions``); ``versions`` holds
  ``channel_versions`` as JSONB (ids and versions, never values), so reads join the values
  in SQL; ``metadata`` is JSONB with a GIN index for filters.
* ``lg_values``: one row per (thread, namespace, channel, version), written once. A list
  value is stored as the concatenated 16-byte hashes of its elements (type ``$list``).
* ``lg_elements``: serialized list elements, once per (thread, hash).
* ``lg_writes``: pending writes, one row per (checkpoint, task, idx).
* ``lg_migrations``: applied migration versions.

Text keys use the "C" collation: byte order equals the code point order that Python uses
to compare checkpoint ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

__all__ = ["MIGRATIONS", "Statements", "LIST_TYPE", "EMPTY_TYPE"]

LIST_TYPE = "$list"
"""Type tag of a value row that stores a list as element hashes."""

EMPTY_TYPE = "empty"
"""Type tag of a value row that records "channel now empty"."""

ADVISORY_LOCK_KEY = 0x6C67_636B_7074  # "lgckpt": serializes migrations across processes

# Migrations: an append-only list; position = version. Each is applied in one transaction
# together with its version row, under an advisory lock. ``{s}`` stands for the schema
# prefix; table names are formatted as identifiers.
MIGRATIONS: list[str] = [
    # v0: the version table is created by setup() itself (it must exist to read the version)
    "SELECT 1",
    # v1: checkpoints
    """
    CREATE TABLE {checkpoints} (
        thread_id text COLLATE "C" NOT NULL,
        checkpoint_ns text COLLATE "C" NOT NULL,
        checkpoint_id text COLLATE "C" NOT NULL,
        parent_id text COLLATE "C",
        body bytea NOT NULL,
        blob_channels text[] NOT NULL,
        blob_versions bytea[] NOT NULL,
        hashes bytea NOT NULL,
        metadata jsonb NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
    )
    """,
    # v2: channel values, once per (thread, ns, channel, version)
    """
    CREATE TABLE {blobs} (
        thread_id text COLLATE "C" NOT NULL,
        checkpoint_ns text COLLATE "C" NOT NULL,
        channel text COLLATE "C" NOT NULL,
        version bytea NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
    )
    """,
    # v3: content-addressed list elements, once per (thread, hash)
    """
    CREATE TABLE {elements} (
        thread_id text COLLATE "C" NOT NULL,
        hash bytea NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (thread_id, hash)
    )
    """,
    # v4: pending writes
    """
    CREATE TABLE {writes} (
        thread_id text COLLATE "C" NOT NULL,
        checkpoint_ns text COLLATE "C" NOT NULL,
        checkpoint_id text COLLATE "C" NOT NULL,
        task_id text COLLATE "C" NOT NULL,
        idx integer NOT NULL,
        channel text NOT NULL,
        task_path text NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
    )
    """,
    # v5: metadata filters (containment) and delete_for_runs
    """
    CREATE INDEX {checkpoints_metadata_idx} ON {checkpoints}
        USING gin (metadata jsonb_path_ops)
    """,
    """
    CREATE INDEX {checkpoints_run_idx} ON {checkpoints} ((metadata ->> 'run_id'))
        WHERE metadata ? 'run_id'
    """,
    # v7: global listing (list(None)) in id order
    """
    CREATE INDEX {checkpoints_id_idx} ON {checkpoints} (checkpoint_id)
    """,
]

# Output columns of every read (one row per checkpoint, value, element or write):
# kind, thread_id, checkpoint_ns, k1, k2, type, data, meta, versions, idx
#   kind 0 checkpoint: k1 = checkpoint_id, k2 = parent_id, data = skeleton, meta, versions
#   kind 1 value:      k1 = channel, k2 = version, type, data
#   kind 2 element:    data = blob, type, hash in k1 (hex)
#   kind 3 write:      k1 = checkpoint_id, k2 = task_id, type, data, idx, channel in meta
_READ_TAIL = """
, vals AS (
    SELECT DISTINCT v.thread_id, v.checkpoint_ns, v.channel, v.version, v.type, v.blob
    FROM page c
    CROSS JOIN LATERAL jsonb_each_text(c.versions) AS cv(channel, version)
    JOIN {values} v ON v.thread_id = c.thread_id AND v.checkpoint_ns = c.checkpoint_ns
        AND v.channel = cv.channel AND v.version = cv.version
    WHERE v.type <> 'empty'
)
SELECT 0::int2 AS kind, c.thread_id, c.checkpoint_ns, c.checkpoint_id AS k1,
    c.parent_id AS k2, c.type, c.checkpoint AS data, c.metadata AS meta, c.versions,
    NULL::int4 AS idx
FROM page c
UNION ALL
SELECT 1::int2, v.thread_id, v.checkpoint_ns, v.channel, v.version, v.type, v.blob,
    NULL, NULL, NULL
FROM vals v
UNION ALL
SELECT 2::int2, e.thread_id, NULL, NULL, NULL, e.type, e.blob, NULL, NULL, NULL
FROM (
    SELECT DISTINCT v.thread_id, substr(v.blob, 16 * i + 1, 16) AS hash
    FROM vals v CROSS JOIN LATERAL generate_series(0, length(v.blob) / 16 - 1) AS i
    WHERE v.type = '$list'
) h
JOIN {elements} e ON e.thread_id = h.thread_id AND e.hash = h.hash
UNION ALL
SELECT 3::int2, w.thread_id, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.type, w.blob,
    to_jsonb(w.channel), NULL, w.idx
FROM page c
JOIN {writes} w ON w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns
    AND w.checkpoint_id = c.checkpoint_id
"""

_PAGE_COLUMNS = (
    "thread_id, checkpoint_ns, checkpoint_id, parent_id, versions, type, checkpoint, metadata"
)


@dataclass(frozen=True)
class Statements:
    """The saver's statements, rendered for one schema (None: the search_path)."""

    schema: str | None
    migrations_table: sql.Composable
    create_schema: sql.Composable | None
    create_migrations: sql.Composable
    lock: sql.Composable
    read_version: sql.Composable
    record_version: sql.Composable
    migrations: list[sql.Composable]
    get_latest: sql.Composable
    get_by_id: sql.Composable
    put: sql.Composable
    put_values: sql.Composable
    put_writes_ignore: sql.Composable
    put_writes_upsert: sql.Composable
    delete_thread: sql.Composable
    delete_for_runs: sql.Composable
    copy_thread: sql.Composable
    prune_keep: sql.Composable
    gc_values: sql.Composable
    gc_elements: sql.Composable
    set_timeout: sql.Composable
    tables: dict[str, sql.Identifier]

    @classmethod
    def build(cls, schema: str | None) -> Statements:
        """Render every statement for ``schema``."""

        def ident(name: str) -> sql.Identifier:
            return sql.Identifier(schema, name) if schema else sql.Identifier(name)

        names = {
            "checkpoints": ident("lg_checkpoints"),
            "values": ident("lg_values"),
            "elements": ident("lg_elements"),
            "writes": ident("lg_writes"),
            "migrations": ident("lg_migrations"),
        }
        fmt = dict(
            names,
            checkpoints_metadata_idx=sql.Identifier("lg_checkpoints_metadata_idx"),
            checkpoints_run_idx=sql.Identifier("lg_checkpoints_run_idx"),
            checkpoints_id_idx=sql.Identifier("lg_checkpoints_id_idx"),
        )

        def q(text: str) -> sql.Composed:
            return sql.SQL(text).format(**fmt)  # type: ignore[arg-type]

        page_latest = (
            "WITH page AS (SELECT " + _PAGE_COLUMNS + " FROM {checkpoints}"
            " WHERE thread_id = %(thread_id)s AND checkpoint_ns = %(ns)s"
            " ORDER BY checkpoint_id DESC LIMIT 1)"
        )
        page_by_id = (
            "WITH page AS (SELECT " + _PAGE_COLUMNS + " FROM {checkpoints}"
            " WHERE thread_id = %(thread_id)s AND checkpoint_ns = %(ns)s"
            " AND checkpoint_id = %(checkpoint_id)s)"
        )
        put_values_cte = """
            e AS (
                INSERT INTO {elements} (thread_id, hash, type, blob)
                SELECT %(thread_id)s, x.hash, x.type, x.blob
                FROM unnest(%(e_hash)s::bytea[], %(e_type)s::text[], %(e_blob)s::bytea[])
                    AS x(hash, type, blob)
                ON CONFLICT DO NOTHING
            ),
            v AS (
                INSERT INTO {values} (thread_id, checkpoint_ns, channel, version, type, blob)
                SELECT %(thread_id)s, %(ns)s, x.channel, x.version, x.type, x.blob
                FROM unnest(%(v_channel)s::text[], %(v_version)s::text[], %(v_type)s::text[],
                    %(v_blob)s::bytea[]) AS x(channel, version, type, blob)
                ON CONFLICT DO NOTHING
            )
        """
        writes_insert = """
            INSERT INTO {writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx,
                channel, type, blob, task_path)
            SELECT %(thread_id)s, %(ns)s, %(checkpoint_id)s, %(task_id)s, x.idx, x.channel,
                x.type, x.blob, %(task_path)s
            FROM unnest(%(idx)s::int4[], %(channel)s::text[], %(type)s::text[],
                %(blob)s::bytea[]) AS x(idx, channel, type, blob)
        """
        return cls(
            schema=schema,
            migrations_table=names["migrations"],
            create_schema=(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                if schema
                else None
            ),
            create_migrations=q(
                "CREATE TABLE IF NOT EXISTS {migrations} ("
                " v integer PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            ),
            lock=sql.SQL("SELECT pg_advisory_xact_lock({})").format(
                sql.Literal(ADVISORY_LOCK_KEY)
            ),
            read_version=q("SELECT coalesce(max(v), -1) FROM {migrations}"),
            record_version=q("INSERT INTO {migrations} (v) VALUES (%s)"),
            migrations=[q(m) for m in MIGRATIONS],
            get_latest=q(page_latest + _READ_TAIL),
            get_by_id=q(page_by_id + _READ_TAIL),
            put=q(
                "WITH "
                + put_values_cte
                + """
                INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_id,
                    versions, type, checkpoint, metadata)
                VALUES (%(thread_id)s, %(ns)s, %(checkpoint_id)s, %(parent_id)s,
                    %(versions)s, %(type)s, %(checkpoint)s, %(metadata)s)
                ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
                    parent_id = EXCLUDED.parent_id, versions = EXCLUDED.versions,
                    type = EXCLUDED.type, checkpoint = EXCLUDED.checkpoint,
                    metadata = EXCLUDED.metadata
                """
            ),
            put_values=q(
                "WITH " + put_values_cte + " SELECT 1"
            ),
            put_writes_ignore=q(writes_insert + " ON CONFLICT DO NOTHING"),
            put_writes_upsert=q(
                writes_insert
                + """ ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
                DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type,
                    blob = EXCLUDED.blob, task_path = EXCLUDED.task_path"""
            ),
            delete_thread=q(
                """
                WITH a AS (DELETE FROM {writes} WHERE thread_id = %(thread_id)s),
                b AS (DELETE FROM {values} WHERE thread_id = %(thread_id)s),
                c AS (DELETE FROM {elements} WHERE thread_id = %(thread_id)s)
                DELETE FROM {checkpoints} WHERE thread_id = %(thread_id)s
                """
            ),
            delete_for_runs=q(
                """
                WITH d AS (
                    DELETE FROM {checkpoints}
                    WHERE metadata ? 'run_id' AND (metadata ->> 'run_id') = ANY(%(run_ids)s)
                    RETURNING thread_id, checkpoint_ns, checkpoint_id
                ), w AS (
                    DELETE FROM {writes} w USING d
                    WHERE w.thread_id = d.thread_id AND w.checkpoint_ns = d.checkpoint_ns
                      AND w.checkpoint_id = d.checkpoint_id
                )
                SELECT DISTINCT thread_id FROM d
                """
            ),
            copy_thread=q(
                """
                WITH a AS (
                    INSERT INTO {elements} (thread_id, hash, type, blob)
                    SELECT %(dst)s, hash, type, blob FROM {elements} WHERE thread_id = %(src)s
                    ON CONFLICT DO NOTHING),
                b AS (
                    INSERT INTO {values} (thread_id, checkpoint_ns, channel, version, type, blob)
                    SELECT %(dst)s, checkpoint_ns, channel, version, type, blob
                    FROM {values} WHERE thread_id = %(src)s
                    ON CONFLICT DO NOTHING),
                w AS (
                    INSERT INTO {writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx,
                        channel, type, blob, task_path)
                    SELECT %(dst)s, checkpoint_ns, checkpoint_id, task_id, idx, channel, type,
                        blob, task_path
                    FROM {writes} WHERE thread_id = %(src)s
                    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
                    DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type,
                        blob = EXCLUDED.blob, task_path = EXCLUDED.task_path)
                INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_id,
                    versions, type, checkpoint, metadata)
                SELECT %(dst)s, checkpoint_ns, checkpoint_id, parent_id, versions, type,
                    checkpoint, metadata
                FROM {checkpoints} WHERE thread_id = %(src)s
                ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
                    parent_id = EXCLUDED.parent_id, versions = EXCLUDED.versions,
                    type = EXCLUDED.type, checkpoint = EXCLUDED.checkpoint,
                    metadata = EXCLUDED.metadata
                """
            ),
            prune_keep=q(
                """
                WITH ranked AS (
                    SELECT thread_id, checkpoint_ns, checkpoint_id,
                        row_number() OVER (PARTITION BY thread_id, checkpoint_ns
                                           ORDER BY checkpoint_id DESC) AS rn
                    FROM {checkpoints} WHERE thread_id = ANY(%(threads)s)
                ), d AS (
                    DELETE FROM {checkpoints} c USING ranked r
                    WHERE r.rn > %(keep)s AND c.thread_id = r.thread_id
                      AND c.checkpoint_ns = r.checkpoint_ns AND c.checkpoint_id = r.checkpoint_id
                    RETURNING c.thread_id, c.checkpoint_ns, c.checkpoint_id
                ), w AS (
                    DELETE FROM {writes} w USING d
                    WHERE w.thread_id = d.thread_id AND w.checkpoint_ns = d.checkpoint_ns
                      AND w.checkpoint_id = d.checkpoint_id
                )
                SELECT DISTINCT thread_id FROM d
                """
            ),
            gc_values=q(
                """
                DELETE FROM {values} v WHERE v.thread_id = ANY(%(threads)s)
                  AND NOT EXISTS (
                    SELECT 1 FROM {checkpoints} c
                    WHERE c.thread_id = v.thread_id AND c.checkpoint_ns = v.checkpoint_ns
                      AND c.versions ->> v.channel = v.version)
                """
            ),
            gc_elements=q(
                """
                DELETE FROM {elements} e WHERE e.thread_id = ANY(%(threads)s)
                  AND NOT EXISTS (
                    SELECT 1 FROM {values} v
                    WHERE v.thread_id = e.thread_id AND v.type = '$list'
                      AND position(e.hash IN v.blob) > 0)
                """
            ),
            set_timeout=sql.SQL("SELECT set_config('statement_timeout', %s, true)"),
            tables=names,
        )

    def list_page(
        self, conditions: list[sql.Composable], *, with_limit: bool
    ) -> sql.Composed:
        """A page of :meth:`list`: ``conditions`` ANDed, newest first, keyset-paged."""
        where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
        head = sql.SQL(
            "WITH page AS (SELECT " + _PAGE_COLUMNS + " FROM {checkpoints} WHERE {where}"
            " ORDER BY checkpoint_id DESC, thread_id DESC, checkpoint_ns DESC"
            + (" LIMIT %(page_size)s" if with_limit else "")
            + ")"
        ).format(checkpoints=self.tables["checkpoints"], where=where)
        tail = sql.SQL(_READ_TAIL).format(**self.tables)
        return sql.Composed([head, tail])
