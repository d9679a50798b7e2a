"""Every SQL statement of the SQLite store, and its migrations.

Schema (``lg_`` prefix, like the saver, so nothing collides with other tools' tables):

* ``lg_store_migrations(v)``: one row per applied migration (separate from the saver's
  ``lg_schema``, so a saver and a store can share one database file).
* ``lg_store(ns, key, value, created_at, updated_at, expires_at, ttl_minutes)``: one row
  per item. ``ns`` is the namespace labels joined by ``"."`` **with a trailing ``"."``**
  (``("a", "b")`` -> ``"a.b."``), so "namespace starts with prefix P" is the plain range
  ``ns >= 'P.' AND ns < 'P/'`` (``"/"`` is the character after ``"."``): it never matches
  part of a label, needs no LIKE/GLOB escaping and uses the primary-key index.
  ``value`` is JSON text; timestamps are UTC epoch seconds (REAL); ``expires_at`` is NULL
  for items without a TTL. A rowid table, so ``rowid`` order is insertion order.
* ``lg_store_vectors(ns, key, path, digest, embedding)``: one embedding per indexed field
  path of an item; ``embedding`` is a little-endian float32 array, ``digest`` a hash of
  the embedded text (unchanged texts are not embedded again on re-put).
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS lg_store_migrations ("
    "v INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)
CURRENT_VERSION = "SELECT coalesce(max(v), 0) FROM lg_store_migrations"
RECORD_MIGRATION = "INSERT INTO lg_store_migrations (v) VALUES (?)"

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: items
    (
        "CREATE TABLE lg_store (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
        "created_at REAL NOT NULL, updated_at REAL NOT NULL, expires_at REAL, "
        "ttl_minutes REAL, PRIMARY KEY (ns, key))",
        "CREATE INDEX lg_store_expires_at ON lg_store (expires_at) WHERE expires_at IS NOT NULL",
    ),
    # 2: vectors
    (
        "CREATE TABLE lg_store_vectors (ns TEXT NOT NULL, key TEXT NOT NULL, "
        "path TEXT NOT NULL, digest BLOB NOT NULL, embedding BLOB NOT NULL, "
        "PRIMARY KEY (ns, key, path)) WITHOUT ROWID",
    ),
]
"""Ordered migrations; migration ``n`` (1-based) is ``MIGRATIONS[n - 1]``. Append only."""

# "alive" = (expires_at IS NULL OR expires_at > ?now); a prefix scope = ns >= ? AND ns < ?
GET_ITEM = (
    "SELECT value, created_at, updated_at, ttl_minutes FROM lg_store WHERE ns = ? "
    "AND key = ? AND (expires_at IS NULL OR expires_at > ?)"
)
SEARCH_ALL = (
    "SELECT ns, key, value, created_at, updated_at, ttl_minutes FROM lg_store WHERE "
    "(expires_at IS NULL OR expires_at > ?) ORDER BY updated_at DESC, rowid DESC"
)
SEARCH_PREFIX = (
    "SELECT ns, key, value, created_at, updated_at, ttl_minutes FROM lg_store WHERE "
    "ns >= ? AND ns < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY "
    "updated_at DESC, rowid DESC"
)
LIST_ONE = (
    "SELECT ns, key, value, created_at, updated_at, ttl_minutes FROM lg_store WHERE "
    "ns = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY rowid"
)
NAMESPACES_ALL = "SELECT DISTINCT ns FROM lg_store WHERE (expires_at IS NULL OR expires_at > ?)"
NAMESPACES_PREFIX = (
    "SELECT DISTINCT ns FROM lg_store WHERE ns >= ? AND ns < ? AND (expires_at IS "
    "NULL OR expires_at > ?)"
)
# Ranking by vectors happens in two steps: rank item rowids (reading only vectors and the
# few columns the order needs), then fetch the ranked items in chunks (ITEMS_BY_ROWID) until
# the page is full, so a search does not read every value in scope. Named parameters:
# :now, and :lo/:hi for a namespace prefix scope.
# Exact path (no extension): every vector in scope; Python scores them.
VECTORS_ALL = (
    "SELECT s.rowid, s.updated_at, v.embedding FROM lg_store_vectors v JOIN lg_store s "
    "ON s.ns = v.ns AND s.key = v.key WHERE (s.expires_at IS NULL OR s.expires_at > :now)"
)
VECTORS_PREFIX = VECTORS_ALL + " AND v.ns >= :lo AND v.ns < :hi"

# sqlite-vec path: SQLite scores every vector (:q is the packed query, :qnorm its norm),
# keeps the best score per item and returns item rowids best first. The order (score, then
# newest updated_at, then newest rowid) is the same as the exact path's. A zero vector has
# no cosine distance (NULL), scored 0.0 as on the exact path.
# inner product = cos * |v| * |q|, with |v| = L2 distance from the zero vector.
VEC_SCORES = {
    "cosine": "1.0 - vec_distance_cosine(v.embedding, :q)",
    "l2": "-vec_distance_l2(v.embedding, :q)",
    "inner_product": (
        "(1.0 - vec_distance_cosine(v.embedding, :q)) * :qnorm * "
        "vec_distance_l2(v.embedding, zeroblob(length(v.embedding)))"
    ),
}
_VEC_HEAD = (
    "SELECT s.rowid, max(coalesce({score}, 0.0)) AS score FROM lg_store_vectors v "
    "JOIN lg_store s ON s.ns = v.ns AND s.key = v.key "
    "WHERE (s.expires_at IS NULL OR s.expires_at > :now)"
)
_VEC_TAIL = " GROUP BY s.rowid ORDER BY score DESC, s.updated_at DESC, s.rowid DESC"
VEC_RANKED: dict[tuple[str, bool], str] = {
    (name, scoped): _VEC_HEAD.format(score=expr)
    + (" AND v.ns >= :lo AND v.ns < :hi" if scoped else "")
    + _VEC_TAIL
    for name, expr in VEC_SCORES.items()
    for scoped in (False, True)
}
"""sqlite-vec ranking statement by ``(distance type, namespace prefix scoped)``."""
# Ranked items by rowid (a JSON array), any order: the caller restores the ranking.
ITEMS_BY_ROWID = (
    "SELECT rowid, ns, key, value, created_at, updated_at, ttl_minutes FROM lg_store "
    "WHERE rowid IN (SELECT value FROM json_each(?))"
)
# The first stored vector whose dimension differs from the query's (:qdims), for the error.
WRONG_DIMS = (
    "SELECT v.ns, v.key, v.path, length(v.embedding) / 4 FROM lg_store_vectors v "
    "WHERE length(v.embedding) != :qdims * 4 LIMIT 1"
)
UNINDEXED_ALL = (
    "SELECT ns, key, value, created_at, updated_at, ttl_minutes FROM lg_store WHERE "
    "(expires_at IS NULL OR expires_at > ?) AND NOT EXISTS (SELECT 1 FROM "
    "lg_store_vectors v WHERE v.ns = lg_store.ns AND v.key = lg_store.key) ORDER BY "
    "updated_at DESC, rowid DESC"
)
UNINDEXED_PREFIX = (
    "SELECT ns, key, value, created_at, updated_at, ttl_minutes FROM lg_store WHERE "
    "ns >= ? AND ns < ? AND (expires_at IS NULL OR expires_at > ?) AND NOT EXISTS "
    "(SELECT 1 FROM lg_store_vectors v WHERE v.ns = lg_store.ns AND v.key = "
    "lg_store.key) ORDER BY updated_at DESC, rowid DESC"
)

# ------------------------------------------------------------------------ writes
# renews only items that are still alive (an expired item is never resurrected)
REFRESH_TTL = (
    "UPDATE lg_store SET expires_at = ? + ttl_minutes * 60.0 "
    "WHERE ns = ? AND key = ? AND ttl_minutes IS NOT NULL AND expires_at > ?"
)
# An overwrite keeps created_at, unless the old row had already expired (then the put
# creates the item anew).
UPSERT_ITEM = (
    "INSERT INTO lg_store (ns, key, value, created_at, updated_at, expires_at, ttl_minutes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET "
    "value = excluded.value, updated_at = excluded.updated_at, "
    "expires_at = excluded.expires_at, ttl_minutes = excluded.ttl_minutes, "
    "created_at = CASE WHEN lg_store.expires_at IS NOT NULL "
    "AND lg_store.expires_at <= excluded.updated_at "
    "THEN excluded.created_at ELSE lg_store.created_at END"
)
DELETE_ITEM = "DELETE FROM lg_store WHERE ns = ? AND key = ?"
DELETE_ITEM_VECTORS = "DELETE FROM lg_store_vectors WHERE ns = ? AND key = ?"
ITEM_DIGESTS = "SELECT path, digest FROM lg_store_vectors WHERE ns = ? AND key = ?"
UPSERT_VECTOR = (
    "INSERT INTO lg_store_vectors (ns, key, path, digest, embedding) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (ns, key, path) DO UPDATE SET digest = excluded.digest, "
    "embedding = excluded.embedding"
)
DELETE_VECTOR = "DELETE FROM lg_store_vectors WHERE ns = ? AND key = ? AND path = ?"

# ------------------------------------------------------------------------ TTL sweep
SWEEP_VECTORS = (
    "DELETE FROM lg_store_vectors WHERE EXISTS (SELECT 1 FROM lg_store s "
    "WHERE s.ns = lg_store_vectors.ns AND s.key = lg_store_vectors.key "
    "AND s.expires_at IS NOT NULL AND s.expires_at <= ?)"
)
SWEEP_ITEMS = "DELETE FROM lg_store WHERE expires_at IS NOT NULL AND expires_at <= ?"
