"""Every SQL statement of the SQLite saver, and its migrations.

Schema (all tables prefixed ``lg_`` so they never collide with another tool's tables):

* ``lg_schema(version)``: one row per applied migration.
* ``lg_state``: one row: ``generation`` (bumped by every delete, so other connections
  drop their caches) and ``hash_key`` (random per database; keys element hashes).
* ``lg_threads(id, name)``: thread_id text -> small integer. Rows are never deleted, so
  an id never changes meaning.
* ``lg_checkpoints(id, thread, ns, cid, parent, body, metadata)``: one row per
  checkpoint; ``cid``/``parent`` are ``codec.ordered_id_key`` blobs (byte order = the
  ids' string order; 17 bytes for a UUID); ``body`` is the
  codec's body (NULL marks a placeholder holding writes put before their checkpoint);
  ``metadata`` is JSON text.
* ``lg_blobs(thread, ns, channel, version, value)``: one value per channel version,
  inserted if absent, never rewritten.
* ``lg_elements(thread, hash, value)``: list elements, content-addressed, once per thread.
* ``lg_writes(ckpt, task, idx, channel, task_path, value)``: pending writes, keyed by
  the checkpoint's integer id.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

CREATE_SCHEMA_TABLE = (
    "CREATE TABLE IF NOT EXISTS lg_schema ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)
SCHEMA_VERSION = "SELECT coalesce(max(version), 0) FROM lg_schema"
RECORD_MIGRATION = "INSERT INTO lg_schema (version) VALUES (?)"
HAS_SCHEMA_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lg_schema'"

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: initial schema
    (
        "CREATE TABLE lg_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "generation INTEGER NOT NULL, hash_key BLOB NOT NULL)",
        "INSERT INTO lg_state (id, generation, hash_key) VALUES (1, 0, randomblob(16))",
        "CREATE TABLE lg_threads (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
        "CREATE TABLE lg_checkpoints (id INTEGER PRIMARY KEY, thread INTEGER NOT NULL, "
        "ns TEXT NOT NULL, cid BLOB NOT NULL, parent BLOB, body BLOB, metadata TEXT, "
        "UNIQUE (thread, ns, cid))",
        "CREATE TABLE lg_blobs (thread INTEGER NOT NULL, ns TEXT NOT NULL, "
        "channel TEXT NOT NULL, version BLOB NOT NULL, value BLOB NOT NULL, "
        "PRIMARY KEY (thread, ns, channel, version)) WITHOUT ROWID",
        "CREATE TABLE lg_elements (thread INTEGER NOT NULL, hash BLOB NOT NULL, "
        "value BLOB NOT NULL, PRIMARY KEY (thread, hash)) WITHOUT ROWID",
        "CREATE TABLE lg_writes (ckpt INTEGER NOT NULL, task BLOB NOT NULL, "
        "idx INTEGER NOT NULL, channel TEXT NOT NULL, task_path TEXT NOT NULL, "
        "value BLOB NOT NULL, PRIMARY KEY (ckpt, task, idx)) WITHOUT ROWID",
    ),
    # 2: index metadata.run_id (delete_for_runs, filters on run_id)
    (
        "CREATE INDEX IF NOT EXISTS lg_checkpoints_run_id "
        "ON lg_checkpoints (json_extract(metadata, '$.run_id'))",
    ),
    # 3: checkpoint ids as order-preserving blobs (``codec.ordered_id_key``). Version 2
    # kept a UUID as 16 bytes and any other id as text, and SQLite orders every text
    # value before every blob, so a thread mixing the two kinds listed out of string order
    ("UPDATE lg_checkpoints SET cid = lg_checkpoint_key(cid), parent = lg_checkpoint_key(parent)",),
]
"""Ordered migrations; migration ``n`` (1-based) is ``MIGRATIONS[n - 1]``. Append only."""

# ------------------------------------------------------------------------ state / threads
GET_STATE = "SELECT generation, hash_key FROM lg_state WHERE id = 1"
GET_GENERATION = "SELECT generation FROM lg_state WHERE id = 1"
DATA_VERSION = "PRAGMA data_version"
BUMP_GENERATION = "UPDATE lg_state SET generation = generation + 1 WHERE id = 1"
GET_THREAD = "SELECT id FROM lg_threads WHERE name = ?"
ADD_THREAD = "INSERT OR IGNORE INTO lg_threads (name) VALUES (?)"
GET_THREAD_NAME = "SELECT name FROM lg_threads WHERE id = ?"

# ------------------------------------------------------------------------ writing
UPSERT_CHECKPOINT = (
    "INSERT INTO lg_checkpoints (thread, ns, cid, parent, body, metadata) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (thread, ns, cid) DO UPDATE SET "
    "parent = excluded.parent, body = excluded.body, metadata = excluded.metadata "
    "RETURNING id"
)
ADD_PLACEHOLDER = (
    "INSERT INTO lg_checkpoints (thread, ns, cid) VALUES (?, ?, ?) "
    "ON CONFLICT (thread, ns, cid) DO UPDATE SET ns = excluded.ns RETURNING id"
)
INSERT_BLOB = (
    "INSERT OR IGNORE INTO lg_blobs (thread, ns, channel, version, value) VALUES (?, ?, ?, ?, ?)"
)
INSERT_ELEMENT = "INSERT OR IGNORE INTO lg_elements (thread, hash, value) VALUES (?, ?, ?)"
INSERT_WRITE = (
    "INSERT OR IGNORE INTO lg_writes (ckpt, task, idx, channel, task_path, value) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
REPLACE_WRITE = (
    "INSERT OR REPLACE INTO lg_writes (ckpt, task, idx, channel, task_path, value) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)

# ------------------------------------------------------------------------ reading
_ROW = "SELECT id, cid, parent, body, metadata FROM lg_checkpoints "
_ROW_GEN = (
    "SELECT id, cid, parent, body, metadata, "
    "(SELECT generation FROM lg_state WHERE id = 1) FROM lg_checkpoints "
)
GET_LATEST = _ROW_GEN + (
    "WHERE thread = ? AND ns = ? AND body IS NOT NULL ORDER BY cid DESC LIMIT 1"
)
GET_BY_ID = _ROW_GEN + "WHERE thread = ? AND ns = ? AND cid = ? AND body IS NOT NULL"
_LATEST = (
    "SELECT id, cid, parent, body, metadata FROM lg_checkpoints "
    "WHERE thread = ?1 AND ns = ?2 AND body IS NOT NULL ORDER BY cid DESC LIMIT 1"
)
_BY_ID = (
    "SELECT id, cid, parent, body, metadata FROM lg_checkpoints "
    "WHERE thread = ?1 AND ns = ?2 AND cid = ?3 AND body IS NOT NULL"
)


def _with_writes(row: str) -> str:
    # first row: the checkpoint, the generation and the data version; then its writes as
    # (task, channel, value, NULL...) in primary-key order (task, idx)
    return (
        "SELECT id, cid, parent, body, metadata, "  # noqa: S608 - constant fragments only
        "(SELECT generation FROM lg_state WHERE id = 1), "
        "(SELECT data_version FROM pragma_data_version) FROM (" + row + ") UNION ALL "
        "SELECT * FROM (SELECT task, channel, value, NULL, NULL, NULL, NULL FROM lg_writes "
        "WHERE ckpt = (SELECT id FROM (" + row + ")) ORDER BY task, idx)"
    )


GET_LATEST_FULL = _with_writes(_LATEST)
"""The latest checkpoint row followed by its writes: a single statement, so a
consistent snapshot without ``BEGIN``. The data version (``PRAGMA data_version``) read
in the same snapshot lets the saver reuse the rows while nothing changed."""
GET_BY_ID_FULL = _with_writes(_BY_ID)
GET_ROWID = "SELECT id FROM lg_checkpoints WHERE thread = ? AND ns = ? AND cid = ?"
GET_WRITES = "SELECT task, channel, value FROM lg_writes WHERE ckpt = ? ORDER BY task, idx"
GET_WRITES_MANY = (
    "SELECT ckpt, task, channel, value FROM lg_writes "
    "WHERE ckpt IN (SELECT value FROM json_each(?)) ORDER BY ckpt, task, idx"
)
GET_BLOB = "SELECT value FROM lg_blobs WHERE thread = ? AND ns = ? AND channel = ? AND version = ?"
HAS_BLOB = "SELECT 1 FROM lg_blobs WHERE thread = ? AND ns = ? AND channel = ? AND version = ?"
ELEMENT_BUCKETS = (1, 4, 16, 64, 256)
"""Statement sizes for element lookups (the hash list is padded to one of these, so
only a handful of distinct statements reach SQLite's statement cache)."""
# only "?" placeholders are joined in: no value ever reaches the SQL text
GET_ELEMENTS = {
    n: "SELECT hash, value FROM lg_elements WHERE thread = ? AND hash IN ("  # noqa: S608
    + ", ".join("?" * n)
    + ")"
    for n in ELEMENT_BUCKETS
}
GET_THREAD_ELEMENTS = "SELECT hash, value FROM lg_elements WHERE thread = ?"
GET_BLOBS = {
    n: "SELECT b.channel, b.version, b.value FROM (VALUES "  # noqa: S608
    + ", ".join(["(?, ?)"] * n)
    + ") AS k CROSS JOIN lg_blobs b ON b.thread = ? AND b.ns = ? "
    "AND b.channel = k.column1 AND b.version = k.column2"
    for n in ELEMENT_BUCKETS
}
"""Blobs of one (thread, ns) by (channel, version) keys, padded to a bucket size like
``GET_ELEMENTS``; one primary-key search per key (keys first, then thread and ns)."""

# list(): a SELECT assembled from these fixed fragments (values are always bound)
# The page's ids are chosen (filtered, sorted, limited) in a subquery that sorts only
# (cid, id) keys; the outer query then reads just those rows with their bodies.
LIST_HEAD = (
    "SELECT c.id, c.thread, t.name, c.ns, c.cid, c.parent, c.body, c.metadata, "
    "(SELECT generation FROM lg_state WHERE id = 1) "
    "FROM lg_checkpoints c JOIN lg_threads t ON t.id = c.thread WHERE c.id IN ("
    "SELECT c.id FROM lg_checkpoints c WHERE c.body IS NOT NULL"
)
LIST_THREAD = " AND c.thread = ?"
LIST_NS = " AND c.ns = ?"
LIST_CID = " AND c.cid = ?"
LIST_BEFORE = " AND c.cid < ?"
LIST_AFTER = " AND (c.cid, c.id) < (?, ?)"
LIST_TAIL = " ORDER BY c.cid DESC, c.id DESC LIMIT ?) ORDER BY c.cid DESC, c.id DESC"
# metadata conditions; each takes (path, [path,] value) parameters, see _filters_sql()
COND_NULL = " AND json_type(c.metadata, ?) IS 'null'"
COND_NOT_NULL = " AND json_type(c.metadata, ?) IS NOT 'null'"
COND_TRUE = " AND json_type(c.metadata, ?) IS 'true'"
COND_NOT_TRUE = " AND json_type(c.metadata, ?) IS NOT 'true'"
COND_FALSE = " AND json_type(c.metadata, ?) IS 'false'"
COND_NOT_FALSE = " AND json_type(c.metadata, ?) IS NOT 'false'"
_NUM = "json_type(c.metadata, ?) IN ('integer', 'real') AND json_extract(c.metadata, ?)"
_TXT = "json_type(c.metadata, ?) = 'text' AND json_extract(c.metadata, ?)"
COND_NUM = {
    "$eq": " AND coalesce(" + _NUM + " = ?, 0)",
    "$ne": " AND NOT coalesce(" + _NUM + " = ?, 0)",
    "$gt": " AND coalesce(" + _NUM + " > ?, 0)",
    "$gte": " AND coalesce(" + _NUM + " >= ?, 0)",
    "$lt": " AND coalesce(" + _NUM + " < ?, 0)",
    "$lte": " AND coalesce(" + _NUM + " <= ?, 0)",
}
COND_STR = {
    "$eq": " AND coalesce(" + _TXT + " = ?, 0)",
    "$ne": " AND NOT coalesce(" + _TXT + " = ?, 0)",
    "$gt": " AND coalesce(" + _TXT + " > ?, 0)",
    "$gte": " AND coalesce(" + _TXT + " >= ?, 0)",
    "$lt": " AND coalesce(" + _TXT + " < ?, 0)",
    "$lte": " AND coalesce(" + _TXT + " <= ?, 0)",
}
COND_RUN_ID_TEXT = " AND json_extract(c.metadata, '$.run_id') = ?"
"""Equality on run_id written with the indexed expression (migration 2)."""

# ------------------------------------------------------------------------ history
GET_PARENT_ROW = _ROW + "WHERE thread = ? AND ns = ? AND cid = ?"

# ------------------------------------------------------------------------ maintenance
DELETE_THREAD_WRITES = (
    "DELETE FROM lg_writes WHERE ckpt IN (SELECT id FROM lg_checkpoints WHERE thread = ?)"
)
DELETE_THREAD_CHECKPOINTS = "DELETE FROM lg_checkpoints WHERE thread = ?"
DELETE_THREAD_BLOBS = "DELETE FROM lg_blobs WHERE thread = ?"
DELETE_THREAD_ELEMENTS = "DELETE FROM lg_elements WHERE thread = ?"
FIND_RUNS = (
    "SELECT id, thread FROM lg_checkpoints "
    "WHERE json_extract(metadata, '$.run_id') IN (SELECT value FROM json_each(?))"
)
DELETE_CHECKPOINT = "DELETE FROM lg_checkpoints WHERE id = ?"
DELETE_CHECKPOINT_WRITES = "DELETE FROM lg_writes WHERE ckpt = ?"
THREAD_NAMESPACES = "SELECT DISTINCT ns FROM lg_checkpoints WHERE thread = ?"
PRUNE_DOOMED = (
    "SELECT id FROM lg_checkpoints WHERE thread = ? AND ns = ? AND id NOT IN ("
    "SELECT id FROM lg_checkpoints WHERE thread = ? AND ns = ? AND body IS NOT NULL "
    "ORDER BY cid DESC LIMIT ?)"
)
THREAD_BODIES = "SELECT ns, body FROM lg_checkpoints WHERE thread = ? AND body IS NOT NULL"
THREAD_BLOB_KEYS = "SELECT ns, channel, version FROM lg_blobs WHERE thread = ?"
THREAD_ELEMENT_HASHES = "SELECT hash FROM lg_elements WHERE thread = ?"
DELETE_BLOB = "DELETE FROM lg_blobs WHERE thread = ? AND ns = ? AND channel = ? AND version = ?"
DELETE_ELEMENT = "DELETE FROM lg_elements WHERE thread = ? AND hash = ?"
COPY_CHECKPOINTS = (
    "INSERT INTO lg_checkpoints (thread, ns, cid, parent, body, metadata) "
    "SELECT ?, ns, cid, parent, body, metadata FROM lg_checkpoints WHERE thread = ? "
    "ON CONFLICT (thread, ns, cid) DO UPDATE SET parent = excluded.parent, "
    "body = excluded.body, metadata = excluded.metadata"
)
COPY_WRITES = (
    "INSERT OR REPLACE INTO lg_writes (ckpt, task, idx, channel, task_path, value) "
    "SELECT d.id, w.task, w.idx, w.channel, w.task_path, w.value FROM lg_writes w "
    "JOIN lg_checkpoints s ON s.id = w.ckpt "
    "JOIN lg_checkpoints d ON d.thread = ? AND d.ns = s.ns AND d.cid = s.cid "
    "WHERE s.thread = ?"
)
COPY_BLOBS = (
    "INSERT OR IGNORE INTO lg_blobs (thread, ns, channel, version, value) "
    "SELECT ?, ns, channel, version, value FROM lg_blobs WHERE thread = ?"
)
COPY_ELEMENTS = (
    "INSERT OR IGNORE INTO lg_elements (thread, hash, value) "
    "SELECT ?, hash, value FROM lg_elements WHERE thread = ?"
)
