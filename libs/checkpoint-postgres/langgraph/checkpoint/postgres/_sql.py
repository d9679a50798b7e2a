"""Every SQL statement of the Postgres saver, and its migrations.

Identifiers (schema, tables) go through :mod:`psycopg.sql`; user data only ever travels as
bound parameters. Statements are rendered once per saver (:class:`Statements`), so a
saver method only picks a statement and binds its parameters.

Schema (our own design; see the package README):

* ``lg_checkpoints``: one row per checkpoint. ``body`` is the shared codec's encoding of the
  checkpoint (small scalar values inline, serialized with the saver's serializer);
  ``brefs`` repeats the references the body makes to channel values stored in
  ``lg_elements`` (their 16-byte keys, ``_rows.blob_key``; never values) and
  ``chunks``/``hashes`` hold the element hashes of its lists (only there: the body keeps their counts, see ``_rows.strip_lists``; older bodies kept both):
  ``chunks`` the keys of the complete content-defined chunks of the concatenated hashes,
  each stored once in ``lg_elements`` (``_rows.chunk_hashes``), ``hashes`` the hashes
  after the last chunk. So one statement can join everything a read needs; ``metadata``
  is JSONB with a GIN index for filters.
* ``lg_elements``: once per (thread, hash): elements of content-addressed lists, chunks of
  their hashes, and channel values (one per namespace, channel and version, written once,
  under ``_rows.blob_key``).
* ``lg_writes``: pending writes, one row per (checkpoint, task) holding all the task's
  writes (``data``, framed by ``_rows.pack_writes``), keyed by the checkpoint row's
  ``sid`` (an identity column: 8 bytes instead of thread, namespace and id, and the
  index only grows at its right end); task ids stored by ``_rows.task_key`` (16 bytes
  for a UUID). ``put_writes`` inserts the row if absent; a later call for the same task
  merges into it (``_rows.merge_writes``) under a row lock. Writes for a checkpoint not
  stored (yet) hang off a placeholder checkpoint row (empty ``body``) that reads skip
  and a later ``put`` of that checkpoint fills in.
* ``lg_migrations``: applied migration versions.

Array parameters use binary placeholders (``%(name)b``): psycopg's text format escapes every
array element with a regular expression, which cost more than the rest of a ``put``.

Thread ids, namespaces, task ids and channel names are stored as UTF-8 ``bytea`` (they may contain NUL, which
``text`` refuses). Checkpoint ids (``checkpoint_id``, ``parent_id``) are ``bytea`` too, in
the order-preserving form of ``_rows.id_key``: a canonical UUID takes 17 bytes (a tag and
its 16 bytes) instead of 37 as text, and any other id keeps its UTF-8 after a prefix that
puts it among the UUIDs where its text belongs. Byte order (how Postgres compares
``bytea``) equals the code point order that Python uses to compare ids, so ``ORDER BY
checkpoint_id`` and ``checkpoint_id < before`` compare ids exactly as strings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field

from psycopg import sql

__all__ = ["MIGRATIONS", "Query", "Statements"]

Query = bytes | sql.SQL | sql.Composed
"""A statement psycopg can execute. The hot statements are rendered to bytes once (psycopg
would otherwise render a composed statement again at every execution)."""

ADVISORY_LOCK_KEY = 0x6C67_636B_7074  # "lgckpt": serializes migrations across processes

# Elements not sent again: ``put`` omits the list elements its parent checkpoint holds at the
# same leading positions, and the chunks made of them. The chunks are deterministic, so
# the parent's references start with the complete chunks of those positions
# (``p_chunks``) followed by the rest of them (``p_rest``), at the start of the parent's
# next chunk or of its tail. The statement checks that the parent row exists with those
# references and locks it (FOR KEY SHARE): a locking read sees the latest
# committed state, so a parent removed after the statement's snapshot is noticed, and the
# parent (hence its elements, which garbage collection keeps while it is referenced) cannot
# go away before the new checkpoint commits. If the check fails nothing is stored and the
# saver puts again with every element.

# Writes and deletions: ``put_writes`` reads its checkpoint's ``sid`` with a locking read
# (FOR KEY SHARE), so a deletion of that checkpoint either waits for it to commit or has
# committed already (then the read finds no row and a placeholder is inserted). Deleting
# statements remove checkpoint rows first and their writes (by ``sid``) in a later
# statement of the same transaction, whose snapshot includes the writes of every
# ``put_writes`` that held such a lock: no writes row outlives its checkpoint row.

# Thread locks (transaction-level advisory locks keyed by a hash of schema + thread id, see
# ``BasePostgresSaver._lock_key``): ``put`` and ``copy_thread`` hold the thread's lock in
# shared mode while they insert-if-absent the values a new checkpoint refers to; garbage
# collection (``prune``, ``delete_for_runs``) and ``delete_thread`` take it exclusively
# *before* the statement that decides what is unreferenced, so that statement's snapshot
# sees every committed checkpoint and no put can reuse a value it is about to delete.

# Migrations: an append-only list; position = version. Each is applied in one transaction
# together with its version row, under an advisory lock; a tuple is several statements run
# in that one transaction. Table names are formatted as identifiers.
MIGRATIONS: list[str | tuple[str, ...]] = [
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
    # v7: global listing (list(None)) in id order (dropped by v10)
    """
    CREATE INDEX {checkpoints_id_idx} ON {checkpoints} (checkpoint_id)
    """,
    # v8: task ids of pending writes stored compactly (``_rows.task_key``): a canonical
    # UUID as its 16 bytes, a 16-byte other id followed by 0xFF (never in UTF-8)
    r"""
    WITH short AS (
        UPDATE {writes} SET task_id = task_id || '\xff'::bytea WHERE length(task_id) = 16
    )
    UPDATE {writes} SET task_id = decode(replace(encode(task_id, 'escape'), '-', ''), 'hex')
    WHERE length(task_id) = 36 AND encode(task_id, 'escape')
        ~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$'
    """,
    # v9: one pending-writes row per (checkpoint, task) instead of per write: the per-row
    # and per-index-entry overhead and the repeated keys were most of a write's bytes
    (
        """
        CREATE TABLE {writes_v9} (
            thread_id bytea NOT NULL,
            checkpoint_ns bytea NOT NULL,
            checkpoint_id text COLLATE "C" NOT NULL,
            task_id bytea NOT NULL,
            task_path text NOT NULL,
            data bytea NOT NULL,
            CONSTRAINT lg_writes_v9_pkey
                PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id)
        )
        """,
        """
        INSERT INTO {writes_v9} (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path,
            data)
        SELECT thread_id, checkpoint_ns, checkpoint_id, task_id,
            (array_agg(task_path ORDER BY idx))[1],
            string_agg(int4send(idx) || int4send(length(channel)) || int4send(length(value))
                || channel || value, ''::bytea ORDER BY idx)
        FROM {writes}
        GROUP BY thread_id, checkpoint_ns, checkpoint_id, task_id
        """,
        "DROP TABLE {writes}",
        "ALTER TABLE {writes_v9} RENAME TO {writes_name}",
        "ALTER TABLE {writes} RENAME CONSTRAINT lg_writes_v9_pkey TO lg_writes_pkey",
    ),
    # v10: no index on checkpoint_id alone. It served only list(None) (which now sorts),
    # cost ~70 bytes per checkpoint, and the planner sometimes preferred it to the primary
    # key for "latest of a thread", scanning the newest checkpoints of every thread
    "DROP INDEX IF EXISTS {checkpoints_id_idx_q}",
    # v11: checkpoint ids as order-preserving bytea (``_rows.id_key``): 17 bytes for a
    # UUID instead of 37. The temporary function is ``_rows.id_key`` on the UTF-8 bytes of
    # an id (the canonical pattern is ASCII and a non-ASCII character's first byte is above
    # every ASCII byte, so comparing bytes at the first misfit equals comparing characters)
    (
        r"""
        CREATE FUNCTION {id_key_fn}(s text) RETURNS bytea
        LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
        DECLARE
            b bytea := convert_to(s, 'UTF8');
            n integer := length(b);
            top bytea := convert_to('ffffffff-ffff-ffff-ffff-ffffffffffff', 'UTF8');
            k integer := 0;
            j integer;
            c integer;
            fl bytea;
        BEGIN
            IF s ~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$' THEN
                RETURN '\x01'::bytea || decode(replace(s, '-', ''), 'hex');  -- canonical
            END IF;
            IF b < convert_to('00000000-0000-0000-0000-000000000000', 'UTF8') THEN
                RETURN '\x00'::bytea || b;
            END IF;
            -- k: length of the longest prefix fitting the canonical pattern
            WHILE k < 36 AND k < n LOOP
                c := get_byte(b, k);
                IF k IN (8, 13, 18, 23) THEN
                    EXIT WHEN c <> 45;
                ELSE
                    EXIT WHEN NOT (c BETWEEN 48 AND 57 OR c BETWEEN 97 AND 102);
                END IF;
                k := k + 1;
            END LOOP;
            IF k = 36 THEN
                fl := substr(b, 1, 36);  -- a UUID followed by more
            ELSIF k < n THEN
                c := get_byte(b, k);
                IF k IN (8, 13, 18, 23) THEN
                    IF c > 45 THEN
                        fl := substr(b, 1, k) || substr(top, k + 1);
                    END IF;
                ELSIF c > 102 THEN
                    fl := substr(b, 1, k) || substr(top, k + 1);
                ELSIF c > 57 AND c < 97 THEN
                    fl := substr(b, 1, k) || '\x39'::bytea || substr(top, k + 2);
                END IF;
            END IF;
            IF fl IS NULL THEN
                -- below every completion of the prefix: decrement its last non-zero digit
                j := k - 1;
                WHILE j IN (8, 13, 18, 23) OR get_byte(b, j) = 48 LOOP
                    j := j - 1;
                END LOOP;
                c := get_byte(b, j);
                c := CASE WHEN c = 97 THEN 57 ELSE c - 1 END;
                fl := substr(b, 1, j) || set_byte('\x00'::bytea, 0, c) || substr(top, j + 2);
            END IF;
            RETURN '\x01'::bytea || decode(replace(encode(fl, 'escape'), '-', ''), 'hex') || b;
        END
        $fn$
        """,
        """
        ALTER TABLE {checkpoints}
            ALTER COLUMN checkpoint_id TYPE bytea USING {id_key_fn}(checkpoint_id),
            ALTER COLUMN parent_id TYPE bytea USING {id_key_fn}(parent_id)
        """,
        """
        ALTER TABLE {writes}
            ALTER COLUMN checkpoint_id TYPE bytea USING {id_key_fn}(checkpoint_id)
        """,
        "DROP FUNCTION {id_key_fn}(text)",
    ),
    # v12: list references in content-defined chunks (``_rows.chunk_hashes``): ``chunks``
    # holds the keys of the complete chunks (stored in ``lg_elements``), ``hashes`` the
    # rest. Rows written before keep every hash in ``hashes`` (no chunks), which reads
    # the same; the default costs no rewrite
    "ALTER TABLE {checkpoints} ADD COLUMN chunks bytea NOT NULL DEFAULT ''::bytea",
    # v13: channel values in ``lg_elements`` under a 16-byte key of (namespace, channel,
    # version) (``_rows.blob_key``, computed the same way here), referred to by ``brefs``
    # (the keys, in the order of the body's references) instead of two arrays of channels
    # and versions; ``lg_blobs`` goes away
    (
        "ALTER TABLE {checkpoints} ADD COLUMN brefs bytea NOT NULL DEFAULT ''::bytea",
        """
        UPDATE {checkpoints} c SET brefs = (
            SELECT string_agg(substr(sha256('lg-blob'::bytea
                || int4send(length(c.checkpoint_ns)) || c.checkpoint_ns
                || int4send(length(r.ch)) || r.ch || r.ve), 1, 16), ''::bytea ORDER BY r.o)
            FROM unnest(c.blob_channels, c.blob_versions) WITH ORDINALITY AS r(ch, ve, o))
        WHERE cardinality(c.blob_channels) > 0
        """,
        """
        INSERT INTO {elements} (thread_id, hash, value)
        SELECT thread_id, substr(sha256('lg-blob'::bytea
                || int4send(length(checkpoint_ns)) || checkpoint_ns
                || int4send(length(channel)) || channel || version), 1, 16), value
        FROM {blobs}
        ON CONFLICT DO NOTHING
        """,
        "ALTER TABLE {checkpoints} DROP COLUMN blob_channels, DROP COLUMN blob_versions",
        "DROP TABLE {blobs}",
    ),
    # v14: pending writes keyed by their checkpoint row's ``sid`` (8 bytes, increasing, so
    # the index grows at its right end and its pages stay full) instead of the 4-column
    # key. Writes whose checkpoint is not stored (yet) get a placeholder checkpoint row
    # (empty ``body``), which reads skip
    (
        "ALTER TABLE {checkpoints} ADD COLUMN sid bigint GENERATED ALWAYS AS IDENTITY",
        """
        INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, body, brefs,
            hashes, metadata, chunks)
        SELECT DISTINCT w.thread_id, w.checkpoint_ns, w.checkpoint_id, ''::bytea, ''::bytea,
            ''::bytea, '{{}}'::jsonb, ''::bytea
        FROM {writes} w
        WHERE NOT EXISTS (
            SELECT 1 FROM {checkpoints} c WHERE c.thread_id = w.thread_id
              AND c.checkpoint_ns = w.checkpoint_ns AND c.checkpoint_id = w.checkpoint_id)
        """,
        """
        CREATE TABLE {writes_v14} (
            sid bigint NOT NULL,
            task_id bytea NOT NULL,
            task_path text NOT NULL,
            data bytea NOT NULL,
            CONSTRAINT lg_writes_v14_pkey PRIMARY KEY (sid, task_id)
        )
        """,
        """
        INSERT INTO {writes_v14} (sid, task_id, task_path, data)
        SELECT c.sid, w.task_id, w.task_path, w.data
        FROM {writes} w JOIN {checkpoints} c ON c.thread_id = w.thread_id
            AND c.checkpoint_ns = w.checkpoint_ns AND c.checkpoint_id = w.checkpoint_id
        ORDER BY c.sid, w.task_id
        """,
        "DROP TABLE {writes}",
        "ALTER TABLE {writes_v14} RENAME TO {writes_name}",
        "ALTER TABLE {writes} RENAME CONSTRAINT lg_writes_v14_pkey TO lg_writes_pkey",
    ),
]

# Every read (get_tuple, a page of list) returns one row per checkpoint:
#   thread_id, checkpoint_ns, checkpoint_id, parent_id, body, metadata (text),
#   hashes: every element hash of the lists (chunks expanded, then the tail; NULL when
#          a chunk is missing). Chunks the client holds are not looked up: when the
#          row's chunk keys start ``%(known_chunks)b`` (the keys of the chunks of
#          ``%(known)b``; ``%(known_ends)b`` holds where each ends in ``%(known)b``, in
#          bytes, as big-endian int4), their hashes are
#          the matching prefix of ``%(known)b``,
#   blobs: values of the blobs the checkpoint refers to, in reference order (NULL: absent),
#   elems: list elements, one per hash position; NULL as a whole when ``hashes`` is a
#          prefix of ``%(known)b`` (the client holds them), NULL at a position whose hash
#          equals the same position of ``%(known)b``, or whose element is missing,
#   w_task, w_data: task ids and ``data`` of the pending-writes rows (NULL when none).
# Positions ({brefs_at}, {hashes_at}, {chunks_at}): the planner estimates a
# ``generate_series`` with a computed bound at 1,000 rows. That is harmless for one row
# (get_tuple: about 25,000 cost units) but put a 64-row list page at about 500,000, above
# ``jit_above_cost``, and each of the first five executions of a prepared statement on a
# connection (custom plans) was then JIT-compiled for 350-500 ms. A list page takes them
# from ``unnest(ARRAY(SELECT generate_series(...)))``, estimated at 10 elements, which
# costs a one-row read about 7 us more, so get_tuple keeps the plain series.
_ROW_POSITIONS = "generate_series(0, length({}) / 16 - 1)"
_PAGE_POSITIONS = "unnest(ARRAY(SELECT generate_series(0, length({}) / 16 - 1)))"


def _positions(template: str) -> dict[str, sql.Composable]:
    """The position placeholders of ``_READ``, filled from ``template``."""
    columns = {"brefs_at": "c.brefs", "hashes_at": "h.hashes", "chunks_at": "c.chunks"}
    return {key: sql.SQL(template.format(column)) for key, column in columns.items()}


_READ = """
SELECT c.thread_id, c.checkpoint_ns, c.checkpoint_id, c.parent_id, c.body, h.hashes,
    c.metadata::text,
    ARRAY(
        SELECT (SELECT b.value FROM {elements} b
                WHERE b.thread_id = c.thread_id AND b.hash = substr(c.brefs, 16 * i + 1, 16))
        FROM {brefs_at} AS i
        ORDER BY i
    ) AS blobs,
    CASE WHEN substr(%(known)b::bytea, 1, length(h.hashes)) = h.hashes THEN NULL ELSE ARRAY(
        SELECT CASE
            WHEN substr(h.hashes, 16 * i + 1, 16) = substr(%(known)b::bytea, 16 * i + 1, 16)
            THEN NULL
            ELSE (SELECT e.value FROM {elements} e
                  WHERE e.thread_id = c.thread_id AND e.hash = substr(h.hashes, 16 * i + 1, 16))
            END
        FROM {hashes_at} AS i
        ORDER BY i
    ) END AS elems,
    w.w_task, w.w_data
FROM ({page}) c
CROSS JOIN LATERAL (
    SELECT CASE WHEN c.chunks = ''::bytea THEN c.hashes
    WHEN substr(%(known_chunks)b::bytea, 1, length(c.chunks)) = c.chunks
    THEN substr(%(known)b::bytea, 1, ('x' || encode(substr(%(known_ends)b::bytea,
        length(c.chunks) / 4 - 3, 4), 'hex'))::bit(32)::int4)
        || c.hashes
    ELSE (
        SELECT CASE WHEN count(k.value) = count(*)
            THEN string_agg(k.value, ''::bytea ORDER BY i) END
        FROM {chunks_at} AS i
        LEFT JOIN LATERAL (
            SELECT e.value FROM {elements} e
            WHERE e.thread_id = c.thread_id AND e.hash = substr(c.chunks, 16 * i + 1, 16)
            LIMIT 1
        ) k ON true
    ) || c.hashes END AS hashes
    OFFSET 0  -- computed once per row, not copied into each use
) h
LEFT JOIN LATERAL (
    SELECT array_agg(x.task_id) AS w_task, array_agg(x.data) AS w_data
    FROM {writes} x
    WHERE x.sid = c.sid
) w ON true
"""
_READ_ORDER = "\nORDER BY c.checkpoint_id DESC, c.thread_id DESC, c.checkpoint_ns DESC"
"""How a page of ``list`` is ordered (a single-row read needs no sort)."""

_PAGE_COLUMNS = (
    "thread_id, checkpoint_ns, checkpoint_id, parent_id, body, brefs, hashes, metadata, chunks, sid"
)


# Routines: without server-side prepared statements (``prepare=False``, PgBouncer in
# transaction mode) every statement is parsed, analyzed and planned again on each call,
# which for the reads and writes below costs more than running them. ``setup()`` also
# stores each of them as a PL/pgSQL function, whose plan the server caches per connection;
# an unprepared saver calls the function instead. A function's name ends with a hash of its
# definition, so a release whose statement differs creates a new function and processes
# of the previous release keep theirs.
_PARAM = re.compile(rb"%\((\w+)\)([sb])")
_PARAM_TYPES = {
    "thread_id": "bytea",
    "ns": "bytea",
    "checkpoint_id": "bytea",
    "parent_id": "bytea",
    "known": "bytea",
    "known_chunks": "bytea",
    "known_ends": "bytea",
    "lock": "int8",
    "p_chunks": "bytea",
    "p_rest": "bytea",
    "body": "bytea",
    "brefs": "bytea",
    "hashes": "bytea",
    "metadata": "text",
    "chunks": "bytea",
    "e_hash": "bytea[]",
    "e_value": "bytea[]",
    "task_id": "bytea",
    "task_path": "text",
    "data": "bytea",
}
_READ_RESULT = (
    "TABLE (r_thread_id bytea, r_checkpoint_ns bytea, r_checkpoint_id bytea,"
    " r_parent_id bytea, r_body bytea, r_hashes bytea, r_metadata text, r_blobs bytea[],"
    " r_elems bytea[], r_w_task bytea[], r_w_data bytea[])"
)


@dataclass(frozen=True)
class Routine:
    """A statement stored as a function: how to create it and how to call it."""

    name: str
    create: bytes
    call: bytes

    @classmethod
    def of(
        cls, schema: str | None, kind: str, statement: bytes, result: str, volatility: str
    ) -> Routine:
        names: list[str] = []
        formats: dict[str, bytes] = {}
        for m in _PARAM.finditer(statement):
            name = m.group(1).decode()
            if name not in formats:
                names.append(name)
                formats[name] = m.group(2)
        body = _PARAM.sub(lambda m: b"p_" + m.group(1), statement)
        args = ", ".join(f"p_{n} {_PARAM_TYPES[n]}" for n in names)
        tail = (
            (
                f"({args}) RETURNS {result} LANGUAGE plpgsql {volatility} AS $lg$\n"
                "BEGIN\nRETURN QUERY "
            ).encode()
            + body
            + b";\nEND\n$lg$"
        )
        digest = hashlib.blake2b(tail, digest_size=5).hexdigest()
        name = f"lg_{kind}_{digest}"
        ident = sql.Identifier(schema, name) if schema else sql.Identifier(name)
        qualified = ident.as_bytes(None)
        call = (
            b"SELECT * FROM "
            + qualified
            + b"("
            + b", ".join(
                b"%(" + n.encode() + b")" + formats[n] + b"::" + _PARAM_TYPES[n].encode()
                for n in names
            )
            + b")"
        )
        return cls(name, b"CREATE OR REPLACE FUNCTION " + qualified + tail, call)


@dataclass(frozen=True)
class Statements:
    """The saver's statements, rendered for one schema (None: the search_path)."""

    schema: str | None
    create_schema: Query | None
    create_migrations: Query
    lock: Query
    read_version: Query
    record_version: Query
    migrations: list[list[Query]]
    get_latest: Query
    get_by_id: Query
    put: Query
    put_writes: Query
    writes_for_update: Query
    writes_update: Query
    delete_thread: Query
    delete_writes: Query
    runs_threads: Query
    delete_for_runs: Query
    copy_thread: Query
    copy_writes: Query
    prune_keep: Query
    gc_elements: Query
    no_jit: Query
    lock_threads: Query
    lock_thread_shared: Query
    set_timeout: Query
    tables: dict[str, sql.Identifier]
    routines: list[Routine] = field(default_factory=list)
    calls: dict[bytes, bytes] = field(default_factory=dict)
    """Statement -> the call of its routine (see ``Routine``)."""
    routines_exist: Query = b"SELECT true"

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
            checkpoints_id_idx_q=ident("lg_checkpoints_id_idx"),
            writes_v9=ident("lg_writes_v9"),
            writes_v14=ident("lg_writes_v14"),
            writes_name=sql.Identifier("lg_writes"),
            id_key_fn=ident("lg_id_key_migration"),
            cols=sql.SQL(_PAGE_COLUMNS),
        )

        def q(*parts: str) -> sql.Composed:
            return sql.Composed([sql.SQL(p).format(**fmt) for p in parts])

        page = (
            "SELECT {cols} FROM {checkpoints}"
            " WHERE thread_id = %(thread_id)s AND checkpoint_ns = %(ns)s AND body <> ''::bytea"
        )

        def read(page_sql: str) -> bytes:  # one row at most: no ORDER BY
            return (
                sql.SQL(_READ)
                .format(page=q(page_sql), **_positions(_ROW_POSITIONS), **names)
                .as_bytes(None)
            )

        writes_key = " WHERE sid = %(sid)s AND task_id = %(task_id)s"
        upsert_checkpoint = """
            ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET
                parent_id = EXCLUDED.parent_id, body = EXCLUDED.body, brefs = EXCLUDED.brefs,
                hashes = EXCLUDED.hashes, metadata = EXCLUDED.metadata,
                chunks = EXCLUDED.chunks
            WHERE EXCLUDED.body <> ''::bytea
            RETURNING 1
        """
        stmts = cls(
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
            migrations=[
                [q(m)] if isinstance(m, str) else [q(part) for part in m] for m in MIGRATIONS
            ],
            get_latest=read(page + " ORDER BY checkpoint_id DESC LIMIT 1"),
            get_by_id=read(page + " AND checkpoint_id = %(checkpoint_id)s"),
            put=q(
                """
                WITH lk AS (SELECT pg_advisory_xact_lock_shared(%(lock)s::int8)),
                p AS (
                    SELECT 1 FROM {checkpoints} c, lk
                    WHERE c.thread_id = %(thread_id)s AND c.checkpoint_ns = %(ns)s
                      AND c.checkpoint_id = %(parent_id)s::bytea
                      AND substr(c.chunks, 1, length(%(p_chunks)s::bytea)) = %(p_chunks)s::bytea
                      AND (length(%(p_rest)s::bytea) = 0 OR substr(
                        CASE WHEN length(c.chunks) > length(%(p_chunks)s::bytea)
                        THEN (SELECT e.value FROM {elements} e
                              WHERE e.thread_id = c.thread_id
                                AND e.hash = substr(c.chunks, length(%(p_chunks)s::bytea) + 1, 16))
                        ELSE c.hashes END, 1, length(%(p_rest)s::bytea)) = %(p_rest)s::bytea)
                    FOR KEY SHARE OF c
                ), e AS (
                    INSERT INTO {elements} (thread_id, hash, value)
                    SELECT %(thread_id)s, x.hash, x.value
                    FROM unnest(%(e_hash)b::bytea[], %(e_value)b::bytea[]) AS x(hash, value)
                    WHERE EXISTS (SELECT 1 FROM lk)
                    ON CONFLICT DO NOTHING
                )
                INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_id,
                    body, brefs, hashes, metadata, chunks)
                SELECT %(thread_id)s, %(ns)s, %(checkpoint_id)s, %(parent_id)s, %(body)s,
                    %(brefs)s, %(hashes)s, %(metadata)s::jsonb, %(chunks)s
                FROM lk  -- the thread's lock before any row lock (an upsert locks its row)
                WHERE length(%(p_chunks)s::bytea) + length(%(p_rest)s::bytea) = 0
                    OR EXISTS (SELECT 1 FROM p)
                """,
                upsert_checkpoint,
            ).as_bytes(None),
            put_writes=q(
                """
                WITH c AS (
                    SELECT c.sid FROM {checkpoints} c
                    WHERE c.thread_id = %(thread_id)s AND c.checkpoint_ns = %(ns)s
                      AND c.checkpoint_id = %(checkpoint_id)s
                    FOR KEY SHARE OF c
                ), n AS (
                    INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, body,
                        brefs, hashes, metadata, chunks)
                    SELECT %(thread_id)s, %(ns)s, %(checkpoint_id)s, ''::bytea, ''::bytea,
                        ''::bytea, '{{}}'::jsonb, ''::bytea
                    WHERE NOT EXISTS (SELECT 1 FROM c)
                    ON CONFLICT DO NOTHING
                    RETURNING sid
                ), s AS (
                    SELECT sid FROM c UNION ALL SELECT sid FROM n
                ), w AS (
                    INSERT INTO {writes} (sid, task_id, task_path, data)
                    SELECT s.sid, %(task_id)s, %(task_path)s, %(data)s FROM s
                    ON CONFLICT DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT sid FROM s LIMIT 1), EXISTS (SELECT 1 FROM w)
                """
            ).as_bytes(None),
            writes_for_update=q(
                "SELECT data, task_path FROM {writes}", writes_key, " FOR UPDATE"
            ).as_bytes(None),
            writes_update=q(
                "UPDATE {writes} SET data = %(data)s, task_path = %(task_path)s", writes_key
            ).as_bytes(None),
            delete_thread=q(
                """
                WITH c AS (DELETE FROM {elements} WHERE thread_id = %(thread_id)s)
                DELETE FROM {checkpoints} WHERE thread_id = %(thread_id)s RETURNING sid
                """
            ),
            delete_writes=q("DELETE FROM {writes} WHERE sid = ANY(%(sids)b::int8[])"),
            runs_threads=q(
                """
                SELECT DISTINCT thread_id FROM {checkpoints}
                WHERE metadata ? 'run_id' AND (metadata ->> 'run_id') = ANY(%(run_ids)b)
                """
            ),
            delete_for_runs=q(
                """
                DELETE FROM {checkpoints}
                WHERE metadata ? 'run_id' AND (metadata ->> 'run_id') = ANY(%(run_ids)b)
                  AND thread_id = ANY(%(threads)b)
                RETURNING thread_id, sid
                """
            ),
            copy_thread=q(
                """
                WITH a AS (
                    INSERT INTO {elements} (thread_id, hash, value)
                    SELECT %(dst)s, hash, value FROM {elements} WHERE thread_id = %(src)s
                    ON CONFLICT DO NOTHING
                )
                INSERT INTO {checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_id,
                    body, brefs, hashes, metadata, chunks)
                SELECT %(dst)s, checkpoint_ns, checkpoint_id, parent_id, body, brefs, hashes,
                    metadata, chunks
                FROM {checkpoints} WHERE thread_id = %(src)s
                """,
                upsert_checkpoint,
            ),
            copy_writes=q(
                """
                INSERT INTO {writes} (sid, task_id, task_path, data)
                SELECT d.sid, x.task_id, x.task_path, x.data
                FROM {checkpoints} s
                JOIN {writes} x ON x.sid = s.sid
                JOIN {checkpoints} d ON d.thread_id = %(dst)s
                    AND d.checkpoint_ns = s.checkpoint_ns AND d.checkpoint_id = s.checkpoint_id
                WHERE s.thread_id = %(src)s
                ON CONFLICT (sid, task_id)
                DO UPDATE SET data = EXCLUDED.data, task_path = EXCLUDED.task_path
                """
            ),
            prune_keep=q(
                """
                WITH ranked AS (
                    SELECT thread_id, checkpoint_ns, checkpoint_id,
                        row_number() OVER (PARTITION BY thread_id, checkpoint_ns
                                           ORDER BY checkpoint_id DESC) AS rn
                    FROM {checkpoints} WHERE thread_id = ANY(%(threads)b) AND body <> ''::bytea
                ), kept AS (
                    SELECT DISTINCT ON (thread_id, checkpoint_ns) thread_id, checkpoint_ns,
                        checkpoint_id AS oldest
                    FROM ranked WHERE rn <= %(keep)s
                    ORDER BY thread_id, checkpoint_ns, rn DESC
                ), doomed AS (
                    SELECT thread_id, checkpoint_ns, checkpoint_id
                    FROM ranked WHERE rn > %(keep)s
                    UNION ALL  -- placeholders (writes only) older than every kept checkpoint
                    SELECT p.thread_id, p.checkpoint_ns, p.checkpoint_id
                    FROM {checkpoints} p JOIN kept k ON k.thread_id = p.thread_id
                        AND k.checkpoint_ns = p.checkpoint_ns AND p.checkpoint_id < k.oldest
                    WHERE p.thread_id = ANY(%(threads)b) AND p.body = ''::bytea
                )
                DELETE FROM {checkpoints} c USING doomed d
                WHERE c.thread_id = d.thread_id AND c.checkpoint_ns = d.checkpoint_ns
                  AND c.checkpoint_id = d.checkpoint_id
                RETURNING c.thread_id, c.sid
                """
            ),
            # gc_elements expands every reference of the threads' checkpoints, an estimate
            # of 1,000 rows each: the server would JIT-compile it (a 1,000-checkpoint
            # thread: 360-700 ms with JIT, 70 ms without), hence no_jit in its transaction
            gc_elements=q(
                """
                WITH refs AS MATERIALIZED (
                    SELECT DISTINCT c.thread_id, substr(r.b, 16 * i + 1, 16) AS hash,
                        16 * i >= length(r.b) - length(c.chunks) AS chunk
                    FROM {checkpoints} c
                    CROSS JOIN LATERAL (SELECT c.hashes || c.brefs || c.chunks AS b) r
                    CROSS JOIN LATERAL generate_series(0, length(r.b) / 16 - 1) AS i
                    WHERE c.thread_id = ANY(%(threads)b)
                ), live AS MATERIALIZED (
                    SELECT thread_id, hash FROM refs
                    UNION
                    SELECT k.thread_id, substr(k.value, 16 * i + 1, 16)
                    FROM refs
                    JOIN {elements} k ON k.thread_id = refs.thread_id AND k.hash = refs.hash
                    CROSS JOIN LATERAL generate_series(0, length(k.value) / 16 - 1) AS i
                    WHERE refs.chunk
                )
                DELETE FROM {elements} e WHERE e.thread_id = ANY(%(threads)b)
                  AND NOT EXISTS (
                    SELECT 1 FROM live l WHERE l.thread_id = e.thread_id AND l.hash = e.hash)
                """
            ),
            no_jit=sql.SQL("SELECT set_config('jit', 'off', true)"),
            lock_threads=sql.SQL(
                "SELECT pg_advisory_xact_lock(k) FROM unnest(%(locks)b::int8[]) AS k"
            ),
            lock_thread_shared=sql.SQL("SELECT pg_advisory_xact_lock_shared(%(lock)s::int8)"),
            set_timeout=sql.SQL("SELECT set_config('statement_timeout', %s, true)"),
            tables=names,
        )
        kinds = {
            "get_latest": (stmts.get_latest, _READ_RESULT, "STABLE"),
            "get_by_id": (stmts.get_by_id, _READ_RESULT, "STABLE"),
            "put": (stmts.put, "SETOF integer", "VOLATILE"),
            "put_writes": (
                stmts.put_writes,
                "TABLE (r_sid bigint, r_inserted boolean)",
                "VOLATILE",
            ),
        }
        routines: list[Routine] = []
        calls: dict[bytes, bytes] = {}
        for kind, (statement, result, volatility) in kinds.items():
            assert isinstance(statement, bytes)
            routine = Routine.of(schema, kind, statement, result, volatility)
            routines.append(routine)
            calls[statement] = routine.call
        exist = sql.SQL("SELECT {}").format(
            sql.SQL(" AND ").join(
                sql.SQL("to_regproc({}) IS NOT NULL").format(
                    sql.Literal(
                        (
                            sql.Identifier(schema, r.name) if schema else sql.Identifier(r.name)
                        ).as_string(None)
                    )
                )
                for r in routines
            )
        )
        return dataclasses.replace(
            stmts,
            routines=routines,
            calls=calls,
            routines_exist=exist,
        )

    def list_page(self, conditions: list[sql.Composable]) -> bytes:
        """A page of ``list``: ``conditions`` ANDed, newest first, ``%(page_size)s`` rows."""
        where = sql.SQL(" AND ").join([*conditions, sql.SQL("body <> ''::bytea")])
        page = sql.SQL(
            "SELECT {cols} FROM {checkpoints} WHERE {where}"
            " ORDER BY checkpoint_id DESC, thread_id DESC, checkpoint_ns DESC"
            " LIMIT %(page_size)s"
        ).format(cols=sql.SQL(_PAGE_COLUMNS), checkpoints=self.tables["checkpoints"], where=where)
        return (
            sql.SQL(_READ + _READ_ORDER)
            .format(page=page, **_positions(_PAGE_POSITIONS), **self.tables)
            .as_bytes(None)
        )
