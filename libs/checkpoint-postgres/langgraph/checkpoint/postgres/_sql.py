"""Every SQL statement of the Postgres saver, and its migrations.

Identifiers (schema, tables) go through :mod:`psycopg.sql`; user data only ever travels as
bound parameters. Statements are rendered once per saver (:class:`Statements`), so a
saver method only picks a statement and binds its parameters.

Schema (our own design; see the package README):

* ``lg_checkpoints``: one row per checkpoint. ``body`` is the shared codec's encoding of the
  checkpoint (small scalar values inline, serialized with the saver's serializer);
  ``blob_channels``/``blob_versions``/``hashes`` repeat the references the body makes to
  ``lg_blobs`` and ``lg_elements`` (keys and hashes, never values) so that one statement
  can join everything a read needs; ``metadata`` is JSONB with a GIN index for filters.
* ``lg_blobs``: one value per (thread, namespace, channel, version), written once.
* ``lg_elements``: elements of content-addressed lists, once per (thread, hash).
* ``lg_writes``: pending writes, one row per (checkpoint, task, idx).
* ``lg_migrations``: applied migration versions.

Thread ids, namespaces, task ids and channel names are stored as UTF-8 ``bytea`` (they may contain NUL, which
``text`` refuses); other text keys use the "C" collation. Both orders equal the code point
order that Python uses to compare ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

__all__ = ["MIGRATIONS", "Query", "Statements"]

Query = sql.SQL | sql.Composed
"""A statement psycopg can execute."""

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
        thread_id bytea NOT NULL,
        checkpoint_ns bytea NOT NULL,
        checkpoint_id text COLLATE "C" NOT NULL,
        parent_id text COLLATE "C",
        body bytea NOT NULL,
        blob_channels bytea[] NOT NULL,
        blob_versions bytea[] NOT NULL,
        hashes bytea NOT NULL,
        metadata jsonb NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
    )
    """,
    # v2: channel values, once per (thread, ns, channel, version)
    """
    CREATE TABLE {blobs} (
        thread_id bytea NOT NULL,
        checkpoint_ns bytea NOT NULL,
        channel bytea NOT NULL,
        version bytea NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
    )
    """,
    # v3: content-addressed list elements, once per (thread, hash)
    """
    CREATE TABLE {elements} (
        thread_id bytea NOT NULL,
        hash bytea NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (thread_id, hash)
    )
    """,
    # v4: pending writes
    """
    CREATE TABLE {writes} (
        thread_id bytea NOT NULL,
        checkpoint_ns bytea NOT NULL,
        checkpoint_id text COLLATE "C" NOT NULL,
        task_id bytea NOT NULL,
        idx integer NOT NULL,
        channel bytea NOT NULL,
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

# Output columns of every read (one row per checkpoint, blob, element or write):
# kind, thread_id, checkpoint_ns, k1, k2, kb, k3, data, meta, idx
#   kind 0 checkpoint: k1 = checkpoint_id, k2 = parent_id, data = body, meta = metadata
#   kind 1 blob:       kb = channel, k3 = version key, data = value
#   kind 2 element:    k3 = hash, data = value
#   kind 3 write:      k1 = checkpoint_id, kb = task_id, k3 = channel, data = value, idx
_READ_TAIL = """
, refs AS (
    SELECT DISTINCT c.thread_id, c.checkpoint_ns, r.channel, r.version
    FROM page c CROSS JOIN LATERAL unnest(c.blob_channels, c.blob_versions) AS r(channel, version)
), hs AS (
    SELECT DISTINCT c.thread_id, substr(c.hashes, 16 * i + 1, 16) AS hash
    FROM page c CROSS JOIN LATERAL generate_series(0, length(c.hashes) / 16 - 1) AS i
)
SELECT 0::int2 AS kind, c.thread_id, c.checkpoint_ns, c.checkpoint_id AS k1,
    c.parent_id AS k2, NULL::bytea AS kb, NULL::bytea AS k3, c.body AS data,
    c.metadata::text AS meta, NULL::int4 AS idx
FROM page c
UNION ALL
SELECT 1::int2, b.thread_id, b.checkpoint_ns, NULL, NULL, b.channel, b.version, b.value,
    NULL, NULL
FROM refs r JOIN {blobs} b ON b.thread_id = r.thread_id
    AND b.checkpoint_ns = r.checkpoint_ns AND b.channel = r.channel AND b.version = r.version
UNION ALL
SELECT 2::int2, e.thread_id, NULL, NULL, NULL, NULL, e.hash, e.value, NULL, NULL
FROM hs JOIN {elements} e ON e.thread_id = hs.thread_id AND e.hash = hs.hash
UNION ALL
SELECT 3::int2, w.thread_id, w.checkpoint_ns, w.checkpoint_id, NULL, w.task_id, w.channel,
    w.value, NULL, w.idx
FROM page c
JOIN {writes} w ON w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns
    AND w.checkpoint_id = c.checkpoint_id
"""

_PAGE_COLUMNS = (
    "thread_id, checkpoint_ns, checkpoint_id, parent_id, body, blob_channels, blob_versions,"
    " hashes, metadata"
)


@dataclass(frozen=True)
class Statements:
    """The saver's statements, rendered for one schema (None: the search_path)."""

    schema: str | None
    create_schema: Query | None
    create_migrations: Query
    lock: Query
    read_version: Query
    record_version: Query
    migrations: list[Query]
    get_latest: Query
    get_by_id: Query
    put: Query
    put_writes_ignore: Query
    put_writes_upsert: Query
    delete_thread: Query
    delete_for_runs: Query
    copy_thread: Query
    prune_keep: Query
    gc_blobs: Query
    gc_elements: Query
    set_timeout: Query
    tables: dict[str, sql.Identifier]

    @classmethod
    def build(cls, schema: str | None) -> Statements:
        """Render every statement for ``schema``."""

        def ident(name: str) -> sql.Identifier:
            return sql.Identifier(schema, name) if schema else sql.Identifier(name)

        names = {
            "checkpoints": ident("lg_checkpoints"),
            "blobs": ident("lg_blobs"),
            "elements": ident("lg_elements"),
            "writes": ident("lg_writes"),
            "migrations": ident("lg_migrations"),
        }
        fmt: dict[str, sql.Composable] = dict(
            names,
            checkpoints_metadata_idx=sql.Identifier("lg_checkpoints_metadata_idx"),
            checkpoints_run_idx=sql.Identifier("lg_checkpoints_run_idx"),
            checkpoints_id_idx=sql.Identifier("lg_checkpoints_id_idx"),
            cols=sql.SQL(_PAGE_COLUMNS),
        )

        def q(*parts: str) -> sql.Composed:
            return sql.Composed([sql.SQL(p).format(**fmt) for p in parts])

        page = (
            "WITH page AS (SELECT {cols} FROM {checkpoints}"
            " WHERE thread_id = %(thread_id)s AND checkpoint_ns = %(ns)s"
        )
        writes_insert = """
            INSERT INTO {writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx,
                channel, task_path, value)
            SELECT %(thread_id)s, %(ns)s, %(checkpoint_id)s, %(task_id)s, x.idx, x.channel,
                %(task_path)s, x.value
            FROM unnest(%(idx)s::int4[], %(channel)s::bytea[], %(value)s::bytea[])
                AS x(idx, channel, value)
        """
        upsert_checkpoint = """
            ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
                parent_id = EXCLUDED.parent_id, body = EXCLUDED.body,
                blob_channels = EXCLUDED.blob_channels, blob_versions = EXCLUDED.blob_versions,
                hashes = EXCLUDED.hashes, metadata = EXCLUDED.metadata
            RETURNING 1
        """
        return cls(
            schema=schema,
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
            lock=sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(ADVISORY_LOCK_KEY)),
            read_version=q("SELECT coalesce(max(v), -1) FROM {migrations}"),
            record_version=q("INSERT INTO {migrations} (v) VALUES (%s)"),
            migrations=[q(m) for m in MIGRATIONS],
            get_latest=q(page, " ORDER BY checkpoint_id DESC LIMIT 1)", _READ_TAIL),
            get_by_id=q(page, " AND checkpoint_id = %(checkpoint_id)s)", _READ_TAIL),
            put=q(
                """
                WITH e AS (
                    INSERT INTO {elements} (thread_id, hash, value)
                    SELECT %(thread_id)s, x.hash, x.value
                    FROM unnest(%(e_hash)s::bytea[], %(e_value)s::bytea[]) AS x(hash, value)
                    ON CONFLICT DO NOTHING
                ), b AS (
                    INSERT INTO {blobs} (thread_id, checkpoint_ns, channel, version, value)
                    SELECT %(thread_id)s, %(ns)s, x.channel, x.version, x.value
                    FROM unnest(%(b_channel)s::bytea[], %(b_version)s::bytea[],
                        %(b_value)s::bytea[]) AS x(channel, version, value)
                    ON CONFLICT DO NOTHING
                )
                INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_id,
                    body, blob_channels, blob_versions, hashes, metadata)
                VALUES (%(thread_id)s, %(ns)s, %(checkpoint_id)s, %(parent_id)s, %(body)s,
                    %(blob_channels)s::bytea[], %(blob_versions)s::bytea[], %(hashes)s,
                    %(metadata)s::jsonb)
                """,
                upsert_checkpoint,
            ),
            put_writes_ignore=q(writes_insert, " ON CONFLICT DO NOTHING RETURNING 1"),
            put_writes_upsert=q(
                writes_insert,
                """ ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
                DO UPDATE SET channel = EXCLUDED.channel, value = EXCLUDED.value,
                    task_path = EXCLUDED.task_path RETURNING 1""",
            ),
            delete_thread=q(
                """
                WITH a AS (DELETE FROM {writes} WHERE thread_id = %(thread_id)s),
                b AS (DELETE FROM {blobs} WHERE thread_id = %(thread_id)s),
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
                    INSERT INTO {elements} (thread_id, hash, value)
                    SELECT %(dst)s, hash, value FROM {elements} WHERE thread_id = %(src)s
                    ON CONFLICT DO NOTHING
                ), b AS (
                    INSERT INTO {blobs} (thread_id, checkpoint_ns, channel, version, value)
                    SELECT %(dst)s, checkpoint_ns, channel, version, value
                    FROM {blobs} WHERE thread_id = %(src)s
                    ON CONFLICT DO NOTHING
                ), w AS (
                    INSERT INTO {writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx,
                        channel, task_path, value)
                    SELECT %(dst)s, checkpoint_ns, checkpoint_id, task_id, idx, channel,
                        task_path, value
                    FROM {writes} WHERE thread_id = %(src)s
                    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
                    DO UPDATE SET channel = EXCLUDED.channel, value = EXCLUDED.value,
                        task_path = EXCLUDED.task_path
                )
                INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_id,
                    body, blob_channels, blob_versions, hashes, metadata)
                SELECT %(dst)s, checkpoint_ns, checkpoint_id, parent_id, body, blob_channels,
                    blob_versions, hashes, metadata
                FROM {checkpoints} WHERE thread_id = %(src)s
                """,
                upsert_checkpoint,
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
            gc_blobs=q(
                """
                DELETE FROM {blobs} b WHERE b.thread_id = ANY(%(threads)s)
                  AND NOT EXISTS (
                    SELECT 1 FROM {checkpoints} c
                    CROSS JOIN LATERAL unnest(c.blob_channels, c.blob_versions) AS r(ch, ve)
                    WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
                      AND r.ch = b.channel AND r.ve = b.version)
                """
            ),
            gc_elements=q(
                """
                DELETE FROM {elements} e WHERE e.thread_id = ANY(%(threads)s)
                  AND NOT EXISTS (
                    SELECT 1 FROM {checkpoints} c
                    WHERE c.thread_id = e.thread_id AND position(e.hash IN c.hashes) > 0)
                """
            ),
            set_timeout=sql.SQL("SELECT set_config('statement_timeout', %s, true)"),
            tables=names,
        )

    def list_page(self, conditions: list[sql.Composable]) -> sql.Composed:
        """A page of ``list``: ``conditions`` ANDed, newest first, ``%(page_size)s`` rows."""
        where = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("TRUE")
        head = sql.SQL(
            "WITH page AS (SELECT {cols} FROM {checkpoints} WHERE {where}"
            " ORDER BY checkpoint_id DESC, thread_id DESC, checkpoint_ns DESC"
            " LIMIT %(page_size)s)"
        ).format(cols=sql.SQL(_PAGE_COLUMNS), checkpoints=self.tables["checkpoints"], where=where)
        tail = sql.SQL(_READ_TAIL).format(**self.tables)
        return sql.Composed([head, tail])
