"""PostgresStore / AsyncPostgresStore beyond the conformance suite, on every server.

Covers: type-aware filters against InMemoryStore on random data, both vector paths
(pgvector on PG 18, exact Python scoring on PG 15) for every distance type, vector
replacement, embedding outside transactions, TTL (refresh, omit_expired, sweeper, two
sweepers at once), setup (idempotent, concurrent, versioned), errors and connection modes.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

from langgraph.checkpoint.conformance.store._support import FAKE_DIMS, fake_embed
from langgraph.checkpoint.errors import InvalidFilterError
from langgraph.store.base import GetOp, PutOp, SearchOp
from langgraph.store.memory import InMemoryStore
from langgraph.store.postgres import AsyncPostgresStore, PostgresStore
from langgraph.store.postgres._sql import ADVISORY_LOCK_KEY

Conn = psycopg.Connection[tuple[Any, ...]]


def index_config(fields: list[str] | None = None, **extra: Any) -> Any:
    """The conformance suite's deterministic fake embedder (``FAKE_DIMS`` dimensions)."""
    return {"dims": FAKE_DIMS, "embed": fake_embed, "fields": fields or ["text"], **extra}


def _keys(items: Sequence[Any]) -> list[str]:
    return sorted(i.key for i in items)


class FakeClock:
    def __init__(self, store: Any) -> None:
        self.now = datetime.now(timezone.utc)
        store._now = lambda: self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


# ---------------------------------------------------------------------------- filters


def _random_value(rng: random.Random) -> dict[str, Any]:
    value: dict[str, Any] = {}
    pool: list[Any] = [0, 1, 1.0, 2.5, 9, 10, 100, -3, True, False, None, "a", "b", "10", "9"]
    for field in ("n", "m", "s"):
        if rng.random() < 0.8:
            value[field] = rng.choice(pool)
    if rng.random() < 0.7:
        value["d"] = {"x": rng.choice(pool), "y": rng.choice([[1, 2], [2, 1], [1], "z"])}
    if rng.random() < 0.3:
        value["d.x"] = rng.choice(pool)
    if rng.random() < 0.5:
        value["l"] = rng.choice([[1, 2], [2, 1], [1, 2, 3], [], ["a"], {"k": 1}])
    return value


FILTERS: list[dict[str, Any]] = [
    {"n": 1},
    {"n": 1.0},
    {"n": True},
    {"n": None},
    {"n": "10"},
    {"n": {"$gt": 9}},
    {"n": {"$gte": 1, "$lt": 10}},
    {"n": {"$lte": 2.5}},
    {"n": {"$ne": 1}},
    {"n": {"$eq": 1}},
    {"n": {"$gt": "9"}},
    {"n": {"$lt": "b"}},
    {"s": {"$ne": "a"}},
    {"s": {"$eq": None}},
    {"m": {"$ne": None}},
    {"d": {"x": 1}},
    {"d": {"y": [1, 2]}},
    {"d": {"x": {"$gt": 0}}},
    {"d.x": 1},
    {"d.x": {"$gte": 9}},
    {"d.y": "z"},
    {"l": [1, 2]},
    {"l": []},
    {"l": {"k": 1}},
    {"l": {"$eq": [1, 2]}},
    {"l": {"$ne": [2, 1]}},
    {"n": 1, "s": "a"},
    {"n": {"$gt": 0}, "d": {"x": {"$lt": 10}}},
    {"missing": {"$ne": 3}},
    {"missing": 3},
]


def test_filters_match_in_memory(store: PostgresStore) -> None:
    rng = random.Random(11)
    reference = InMemoryStore()
    for i in range(150):
        ns = ("f", rng.choice(["a", "b"]))
        value = _random_value(rng)
        store.put(ns, f"k{i}", value)
        reference.put(ns, f"k{i}", value)
    for flt in FILTERS:
        for prefix in (("f",), ("f", "a")):
            got = store.search(prefix, filter=flt, limit=1000)
            want = reference.search(prefix, filter=flt, limit=1000)
            assert _keys(got) == _keys(want), f"filter {flt} under {prefix}"
            for item in got:
                assert item.value == reference.get(tuple(item.namespace), item.key).value  # type: ignore[union-attr]
        # paging walks the same set, whatever runs in SQL or in Python
        pages: list[str] = []
        for offset in range(0, 200, 7):
            pages += [i.key for i in store.search(("f",), filter=flt, limit=7, offset=offset)]
        want_all = _keys(reference.search(("f",), filter=flt, limit=1000))
        assert sorted(pages) == want_all, f"paging with filter {flt}"


def test_unknown_operator_names_it_before_any_query(store: PostgresStore) -> None:
    with pytest.raises(InvalidFilterError, match=r"\$regex.*'n'"):
        store.search(("x",), filter={"n": {"$regex": "a"}})
    with pytest.raises(InvalidFilterError, match=r"\$gt"):
        store.search(("x",), filter={"n": {"$gt": [1]}})


# ---------------------------------------------------------------------------- vectors


def _reference_scores(distance: str, query: str, texts: dict[str, str]) -> dict[str, float]:
    import numpy as np

    q = np.asarray(fake_embed([query])[0], dtype=np.float32).astype(np.float64)
    out = {}
    for key, text in texts.items():
        v = np.asarray(fake_embed([text])[0], dtype=np.float32).astype(np.float64)
        if distance == "l2":
            out[key] = -float(np.linalg.norm(v - q))
        elif distance == "inner_product":
            out[key] = float(v @ q)
        else:
            n = float(np.linalg.norm(v) * np.linalg.norm(q))
            out[key] = float(v @ q) / n if n else 0.0
    return out


def test_vector_path_matches_server(
    indexed: PostgresStore, conn: Conn, pg_has_vector: bool
) -> None:
    indexed.put(("v",), "a", {"text": "apple"})
    assert indexed._vec is not None
    assert indexed._vec.pgvector is pg_has_vector, "pgvector must be used exactly when available"
    row = conn.execute(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c "
        "ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'lg_store_vectors' AND a.attname = 'embedding' AND n.nspname = %s",
        (indexed._stmts.schema,),
    ).fetchone()
    assert row is not None
    if pg_has_vector:
        assert row[0] == f"vector({FAKE_DIMS})"
        idx = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s "
            "AND indexname = 'lg_store_vectors_ann_idx'",
            (indexed._stmts.schema,),
        ).fetchone()
        assert idx is not None and "hnsw" in idx[0] and "vector_cosine_ops" in idx[0]
    else:
        assert row[0] == "real[]"


@pytest.mark.parametrize("distance", ["cosine", "l2", "inner_product"])
def test_scores_per_distance(conn: Conn, pg_schema: str, distance: str) -> None:
    store = PostgresStore(conn, schema=pg_schema, index=index_config(distance_type=distance))
    store.setup()
    texts = {
        "a": "apple apple",
        "b": "apple banana",
        "c": "ocean",
        "d": "dog cat cat",
        "e": "",  # zero vector
    }
    for key, text in texts.items():
        store.put(("s",), key, {"text": text})
    got = store.search(("s",), query="apple cat", limit=10)
    want = _reference_scores(distance, "apple cat", texts)
    assert {i.key for i in got} == set(texts)
    for item in got:
        assert item.score is not None
        assert math.isclose(item.score, want[item.key], rel_tol=1e-5, abs_tol=1e-5), item.key
    scores = [i.score for i in got]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    top = store.search(("s",), query="apple cat", limit=2, offset=1)
    assert [i.key for i in top] == [i.key for i in got[1:3]]


def test_best_vector_per_item_and_filters(indexed: PostgresStore) -> None:
    store = PostgresStore(
        indexed.conn, schema=indexed._stmts.schema, index=index_config(["a", "b[*]"])
    )  # type: ignore[arg-type]
    store.setup()
    store.put(("m",), "one", {"a": "ocean", "b": ["dog", "apple"], "k": 1})
    store.put(("m",), "two", {"a": "apple banana", "b": [], "k": 2})
    store.put(("m",), "none", {"z": 1, "k": 1})
    got = store.search(("m",), query="apple", limit=5)
    assert [i.key for i in got][:2] == ["one", "two"], "max over an item's vectors"
    assert got[0].score == pytest.approx(1.0, abs=1e-6)
    assert [(i.key, i.score) for i in got][2] == ("none", None), "unindexed items fill the page"
    got = store.search(("m",), query="apple", filter={"k": 1}, limit=5)
    assert [i.key for i in got] == ["one", "none"]
    got = store.search(("m",), query="apple", filter={"b": {"$ne": []}}, limit=5)
    assert [i.key for i in got] == ["one", "none"]


def test_reput_replaces_vectors(indexed: PostgresStore, conn: Conn) -> None:
    calls: list[list[str]] = []

    def embed(texts: Sequence[str]) -> list[list[float]]:
        calls.append(list(texts))
        return fake_embed(texts)

    schema = indexed._stmts.schema
    store = PostgresStore(conn, schema=schema, index=index_config(["text", "tags[*]"], embed=embed))
    store.put(("r",), "k", {"text": "apple", "tags": ["dog", "cat"]})
    assert sorted(sum(calls, [])) == ["apple", "cat", "dog"]

    def paths() -> list[str]:
        rows = conn.execute(
            sql.SQL("SELECT path FROM {} WHERE key = 'k' ORDER BY path").format(
                sql.Identifier(schema or "", "lg_store_vectors")
            )
        ).fetchall()
        return [r[0] for r in rows]

    assert paths() == ["tags[*].0", "tags[*].1", "text"]
    calls.clear()
    store.put(("r",), "k", {"text": "apple", "tags": ["ocean"]})
    assert calls == [["ocean"]], "unchanged texts are not embedded again"
    assert paths() == ["tags[*]", "text"], "paths the re-put no longer produces are dropped"
    hit = store.search(("r",), query="dog", limit=1)[0]
    assert hit.score is not None and hit.score < 0.5, "stale vectors must not be found"
    store.put(("r",), "k", {"text": "apple"}, index=False)
    assert paths() == []
    assert store.search(("r",), query="apple", limit=1)[0].score is None
    store.put(("r",), "k", {"text": "apple"})
    store.delete(("r",), "k")
    assert paths() == [], "vectors go with their item"


def test_embedding_never_inside_a_transaction(pg_uri: str, pg_schema: str) -> None:
    with psycopg.connect(pg_uri) as conn:
        seen: list[TransactionStatus] = []

        def embed(texts: Sequence[str]) -> list[list[float]]:
            seen.append(conn.info.transaction_status)
            return fake_embed(texts)

        store = PostgresStore(conn, schema=pg_schema, index=index_config(embed=embed))
        store.setup()
        store.batch(
            [
                PutOp(("e",), "a", {"text": "apple"}),
                PutOp(("e",), "b", {"text": "banana"}),
                SearchOp(("e",), query="apple"),
            ]
        )
        store.search(("e",), query="banana")
        assert len(seen) >= 3
        assert set(seen) == {TransactionStatus.IDLE}, seen


def test_embedder_errors(conn: Conn, pg_schema: str) -> None:
    store = PostgresStore(
        conn, schema=pg_schema, index=index_config(embed=lambda t: [[1.0]] * len(t))
    )
    store.setup()
    with pytest.raises(ValueError, match=r"'k'.*\('e',\).*1 dimensions, expected 16"):
        store.put(("e",), "k", {"text": "apple"})
    assert store.get(("e",), "k") is None, "nothing stored half-way"
    short = PostgresStore(conn, schema=pg_schema, index=index_config(embed=lambda t: []))
    with pytest.raises(ValueError, match="returned 0 vectors for 1 texts"):
        short.put(("e",), "k", {"text": "apple"})


def test_dims_mismatch_is_reported(indexed: PostgresStore, conn: Conn, pg_has_vector: bool) -> None:
    other = PostgresStore(
        conn,
        schema=indexed._stmts.schema,
        index={"dims": 8, "embed": fake_embed, "fields": ["text"]},
    )
    with pytest.raises(ValueError, match="16|8"):
        other.put(("d",), "k", {"text": "apple"})


# ---------------------------------------------------------------------------- items


def test_created_at_kept_updated_at_moves(store: PostgresStore) -> None:
    clock = FakeClock(store)
    store.put(("c",), "k", {"v": 1})
    first = store.get(("c",), "k")
    clock.advance(1)
    store.put(("c",), "k", {"v": 2})
    second = store.get(("c",), "k")
    assert first is not None and second is not None
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert second.value == {"v": 2}
    assert [i.key for i in store.list(("c",))] == ["k"]


def test_values_round_trip(store: PostgresStore) -> None:
    value = {"s": "héllo ☃", "big": 2**62, "f": 0.1, "neg": -1e-300, "l": [1, [2, {}]], "e": ""}
    store.put(("rt",), "k", value)
    got = store.get(("rt",), "k")
    assert got is not None and got.value == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"x": float("nan")}, "not JSON-serializable"),
        ({"x": object()}, "not JSON-serializable"),
        ({"x": "a\x00b"}, "NUL"),
    ],
)
def test_bad_values_name_the_key(store: PostgresStore, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=rf"'bad'.*\('ns', 'x'\)|{message}") as err:
        store.put(("ns", "x"), "bad", value)
    assert "'bad'" in str(err.value) and "('ns', 'x')" in str(err.value)
    assert message in str(err.value)
    assert store.get(("ns", "x"), "bad") is None


def test_bad_batch_stores_nothing(store: PostgresStore) -> None:
    with pytest.raises(ValueError):
        store.batch([PutOp(("b",), "good", {"v": 1}), PutOp(("b",), "bad", {"v": math.inf})])
    assert store.get(("b",), "good") is None
    with pytest.raises(ValueError, match="Unknown store operation type"):
        store.batch([GetOp(("b",), "good"), "nonsense"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="NUL"):
        store.put(("b",), "k\x00", {"v": 1})
    assert store.get(("b",), "k\x00") is None


def test_default_connection_settings(conn: Conn, pg_uri: str, pg_schema: str) -> None:
    assert not conn.autocommit
    store = PostgresStore(conn, schema=pg_schema)
    store.setup()
    store.put(("d",), "k", {"v": 1})
    assert conn.info.transaction_status == TransactionStatus.IDLE, "no transaction left open"
    with psycopg.connect(pg_uri, autocommit=True) as other:
        reader = PostgresStore(other, schema=pg_schema)
        got = reader.get(("d",), "k")
        assert got is not None and got.value == {"v": 1}, "committed"


def test_pool_and_pipe_are_exclusive(pg_uri: str) -> None:
    with ConnectionPool(pg_uri, min_size=1, max_size=1, open=True) as pool:
        with psycopg.connect(pg_uri) as conn, conn.pipeline() as pipe:
            with pytest.raises(ValueError, match="pipe"):
                PostgresStore(pool, pipe=pipe)


def test_from_conn_string_without_with(pg_uri: str, pg_schema: str) -> None:
    store = PostgresStore.from_conn_string(pg_uri, schema=pg_schema, pool_config={"max_size": 2})
    try:
        store.setup()
        store.put(("p",), "k", {"v": 1})
        got = store.get(("p",), "k")
        assert got is not None and got.value == {"v": 1}
    finally:
        store.close()


def test_custom_deserializer_gets_bytes(conn: Conn, pg_schema: str) -> None:
    seen: list[Any] = []

    def load(raw: bytes) -> dict[str, Any]:
        seen.append(raw)
        import json

        return {"wrapped": json.loads(raw)}

    store = PostgresStore(conn, schema=pg_schema, deserializer=load)
    store.setup()
    store.put(("ds",), "k", {"v": 1})
    got = store.get(("ds",), "k")
    assert got is not None and got.value == {"wrapped": {"v": 1}}
    assert isinstance(seen[0], bytes)


def test_namespace_listing_sorts_like_in_memory(store: PostgresStore) -> None:
    reference = InMemoryStore()
    spaces = [("a", "-"), ("a",), ("a", "b", "c"), ("a!", "x"), ("a", "é"), ("b",)]
    for ns in spaces:
        store.put(ns, "k", {"v": 1})
        reference.put(ns, "k", {"v": 1})
    for kwargs in (
        {},
        {"prefix": ("a",)},
        {"suffix": ("x",)},
        {"prefix": ("*", "b")},
        {"max_depth": 1},
        {"limit": 2, "offset": 1},
    ):
        assert store.list_namespaces(**kwargs) == reference.list_namespaces(**kwargs), kwargs  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- TTL


def test_ttl_default_refresh_and_no_resurrection(conn: Conn, pg_schema: str) -> None:
    store = PostgresStore(conn, schema=pg_schema, ttl={"default_ttl": 10, "refresh_on_read": True})
    store.setup()
    clock = FakeClock(store)
    store.put(("t",), "default", {"v": 1})
    store.put(("t",), "forever", {"v": 1}, ttl=None)
    clock.advance(8)
    assert store.get(("t",), "default") is not None  # refreshed: expires at +18
    clock.advance(8)
    assert [i.key for i in store.search(("t",), refresh_ttl=False)] == ["default", "forever"]
    clock.advance(3)  # +19: expired, not swept; without omit_expired still visible
    assert store.get(("t",), "default") is not None
    assert store.sweep_ttl() == 1
    assert store.get(("t",), "default") is None
    assert store.get(("t",), "forever") is not None


def test_omit_expired(conn: Conn, pg_schema: str) -> None:
    store = PostgresStore(conn, schema=pg_schema, ttl={"omit_expired": True})
    store.setup()
    clock = FakeClock(store)
    store.put(("o", "x"), "k", {"v": 1}, ttl=1)
    store.put(("o",), "keep", {"v": 1})
    clock.advance(2)
    assert store.get(("o", "x"), "k") is None
    assert [i.key for i in store.search(("o",))] == ["keep"]
    assert store.list_namespaces(prefix=("o",)) == [("o",)]
    assert store.list(("o", "x")) == []
    # a read never brings an expired item back
    clock.advance(-2)
    assert store.get(("o", "x"), "k") is not None


def test_put_over_expired_item_creates_it_anew(conn: Conn, pg_schema: str) -> None:
    store = PostgresStore(conn, schema=pg_schema, ttl={"omit_expired": True})
    store.setup()
    clock = FakeClock(store)
    store.put(("n",), "k", {"v": 1}, ttl=1)
    first = store.get(("n",), "k")
    clock.advance(5)
    store.put(("n",), "k", {"v": 2})
    second = store.get(("n",), "k")
    assert first is not None and second is not None
    assert second.created_at > first.created_at


def test_two_sweepers_at_once(pg_uri: str, pg_schema: str) -> None:
    n = 2600  # several sweep batches
    with psycopg.connect(pg_uri) as c1, psycopg.connect(pg_uri) as c2:
        s1 = PostgresStore(c1, schema=pg_schema, ttl={"default_ttl": 1})
        s2 = PostgresStore(c2, schema=pg_schema, ttl={"default_ttl": 1})
        s1.setup()
        s2.setup()
        s1.batch([PutOp(("sw", str(i % 7)), f"k{i}", {"i": i}, ttl=1) for i in range(n)])
        s1.put(("sw",), "keep", {"v": 1}, ttl=None)
        later = datetime.now(timezone.utc) + timedelta(minutes=2)
        s1._now = s2._now = lambda: later
        counts: list[int] = []
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def sweep(store: PostgresStore) -> None:
            try:
                start.wait()
                counts.append(store.sweep_ttl())
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=sweep, args=(s,)) for s in (s1, s2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert sum(counts) == n, counts
        assert s1.list_namespaces(prefix=("sw",)) == [("sw",)]
        assert s2.sweep_ttl() == 0


def test_sweeper_thread_start_stop(conn: Conn, pg_schema: str) -> None:
    store = PostgresStore(conn, schema=pg_schema, ttl={"sweep_interval_minutes": 0.0005})
    store.setup()
    clock = FakeClock(store)
    store.put(("st",), "k", {"v": 1}, ttl=1)
    clock.advance(2)
    fut = store.start_ttl_sweeper()
    assert store.start_ttl_sweeper() is fut, "one sweeper per store"
    for _ in range(200):
        if store.get(("st",), "k", refresh_ttl=False) is None:
            break
        threading.Event().wait(0.05)
    assert store.get(("st",), "k", refresh_ttl=False) is None, "the sweeper removed the item"
    assert store.stop_ttl_sweeper(timeout=10)
    assert fut.done()
    plain = PostgresStore(conn, schema=pg_schema)
    assert plain.start_ttl_sweeper().done(), "nothing to sweep without a ttl config"


# ---------------------------------------------------------------------------- setup


def test_setup_is_idempotent_and_versioned(store: PostgresStore, conn: Conn) -> None:
    store.setup()
    store.setup()
    rows = conn.execute(
        sql.SQL("SELECT track, v FROM {} ORDER BY track, v").format(
            sql.Identifier(store._stmts.schema or "", "lg_store_migrations")
        )
    ).fetchall()
    conn.commit()
    assert rows == [("store", 1), ("store", 2), ("store", 3)]
    indexed = PostgresStore(conn, schema=store._stmts.schema, index=index_config())
    indexed.setup()
    indexed.setup()
    rows = conn.execute(
        sql.SQL("SELECT track, v FROM {} WHERE track = 'vectors' ORDER BY v").format(
            sql.Identifier(store._stmts.schema or "", "lg_store_migrations")
        )
    ).fetchall()
    conn.commit()
    assert rows == [("vectors", 1), ("vectors", 2)]


def test_setup_from_many_connections_at_once(pg_uri: str, pg_schema: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def run() -> None:
        try:
            with psycopg.connect(pg_uri) as conn:
                store = PostgresStore(conn, schema=pg_schema, index=index_config())
                start.wait()
                store.setup()
                store.put(("setup",), "k", {"text": "apple"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_lock_key_differs_from_the_savers() -> None:
    from langgraph.checkpoint.postgres._sql import ADVISORY_LOCK_KEY as SAVER_KEY

    assert ADVISORY_LOCK_KEY != SAVER_KEY


def test_missing_setup_is_a_clear_error(conn: Conn, pg_schema: str) -> None:
    store = PostgresStore(conn, schema=pg_schema, index=index_config())
    with pytest.raises(RuntimeError, match="call setup"):
        store.put(("m",), "k", {"text": "apple"})
    plain = PostgresStore(conn, schema=pg_schema)
    with pytest.raises(RuntimeError, match=r"lg_store.*call setup"):
        plain.get(("m",), "k")
    plain.setup()
    with pytest.raises(RuntimeError, match="vector table is missing; call setup"):
        store.put(("m",), "k", {"text": "apple"})
    store.setup()
    store.put(("m",), "k", {"text": "apple"})
    assert store.search(("m",), query="apple")[0].key == "k"


# ---------------------------------------------------------------------------- async


async def test_async_store_end_to_end(pg_uri: str, pg_schema: str) -> None:
    async with AsyncPostgresStore.from_conn_string(
        pg_uri, schema=pg_schema, index=index_config(), ttl={"default_ttl": 5}
    ) as store:
        await store.setup()
        await asyncio.gather(
            *(
                store.aput(("as",), f"k{i}", {"text": "apple" if i % 2 else "ocean", "i": i})
                for i in range(10)
            )
        )
        hits = await store.asearch(("as",), query="apple", filter={"i": {"$lt": 5}}, limit=3)
        assert [h.key for h in hits][:2] in (["k1", "k3"], ["k3", "k1"])
        assert await store.sweep_ttl() == 0
        assert len(await store.alist(("as",), limit=4)) == 4
        # the sync API works from another thread, refuses the loop's own
        got = await asyncio.to_thread(store.get, ("as",), "k1")
        assert got is not None and got.value["i"] == 1
        with pytest.raises(asyncio.InvalidStateError):
            store.get(("as",), "k1")
        task = await store.start_ttl_sweeper(sweep_interval_minutes=10)
        assert not task.done()
        assert await store.stop_ttl_sweeper(timeout=5)
        assert task.done()


def test_hnsw_index_serves_searches(
    pg_uri: str, pg_schema: str, pg_has_vector: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = ["apple", "banana", "cherry", "dog", "cat", "ocean", "mountain", "python", "x", "y"]
    rng = random.Random(5)
    texts = {f"k{i}": " ".join(rng.choice(words) for _ in range(3)) for i in range(150)}
    # seq scans off, so the planner takes the HNSW index whenever it can answer
    with psycopg.connect(pg_uri, autocommit=True, options="-c enable_seqscan=off") as conn:
        store = PostgresStore(conn, schema=pg_schema, index=index_config())
        store.setup()
        store.batch(
            [PutOp(("h", str(i % 3)), k, {"text": t}) for i, (k, t) in enumerate(texts.items())]
        )
        used: list[Any] = []
        real = store._ann

        ef_search: list[str] = []

        def spy(cur: Any, *args: Any, **kwargs: Any) -> Any:
            res = real(cur, *args, **kwargs)
            used.append(res)
            cur.execute("SHOW hnsw.ef_search")  # still inside the search's transaction
            ef_search.append(cur.fetchone()[0])
            return res

        monkeypatch.setattr(store, "_ann", spy)
        want = _reference_scores("cosine", "apple dog", texts)
        got = store.search(("h",), query="apple dog", limit=5)
        assert len(got) == 5
        for item in got:
            assert item.score == pytest.approx(want[item.key], abs=1e-5)
        best = sorted(want.values(), reverse=True)[:5]
        assert [i.score for i in got] == pytest.approx(best, abs=1e-5)
        assert store._vec is not None and store._vec.pgvector is pg_has_vector
        # 45 results need 91 candidates: more than hnsw.ef_search's default of 40
        many = store.search((), query="apple dog", limit=45)
        assert [i.score for i in many] == pytest.approx(
            sorted(want.values(), reverse=True)[:45], abs=1e-5
        )
        if pg_has_vector:
            assert len(used) == 2 and all(u is not None for u in used), "ANN answered both"
            assert ef_search == ["40", "91"], "ef_search covers the candidate pool"
            stmt = store._stmts
            from langgraph.store.postgres import _sql

            query, params = _sql.ann_candidates(
                stmt,
                store._vec.ext_schema,
                "vector",
                "cosine",
                "[" + ",".join(["0.25"] * 16) + "]",
                None,
                11,
            )
            plan = conn.execute(sql.SQL("EXPLAIN ") + query, params).fetchall()  # type: ignore[operator]
            conn.rollback()
            assert "lg_store_vectors_ann_idx" in "\n".join(r[0] for r in plan)
        else:
            assert used == [], "no ANN without pgvector"


def test_concurrent_puts_keep_items_and_vectors_consistent(pg_uri: str, pg_schema: str) -> None:
    words = ["apple", "banana", "cherry", "dog", "cat", "ocean"]
    errors: list[BaseException] = []
    with ConnectionPool(pg_uri, min_size=2, max_size=6, open=True) as pool:
        store = PostgresStore(pool, schema=pg_schema, index=index_config(["text", "tags[*]"]))
        store.setup()
        start = threading.Barrier(6)

        def writer(seed: int) -> None:
            rng = random.Random(seed)
            try:
                start.wait()
                for _ in range(25):
                    ops = [
                        PutOp(
                            ("c",),
                            f"k{rng.randrange(4)}",
                            {
                                "text": rng.choice(words),
                                "tags": rng.sample(words, rng.randrange(3)),
                            },
                        )
                        for _ in range(3)
                    ]
                    store.batch(ops)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        # every item's best score for its own text is a perfect match: its vectors
        # belong to its current value, never to a value another writer put
        for item in store.search(("c",), limit=10):
            hit = [
                h
                for h in store.search(("c",), query=item.value["text"], limit=10)
                if h.key == item.key
            ]
            assert hit and hit[0].score == pytest.approx(1.0, abs=1e-6), item
            with pool.connection() as conn:
                paths = conn.execute(
                    sql.SQL("SELECT path FROM {} WHERE key = %s ORDER BY path").format(
                        sql.Identifier(pg_schema, "lg_store_vectors")
                    ),
                    (item.key,),
                ).fetchall()
            tags = item.value["tags"]
            want = ["text"] + (
                ["tags[*]"] if len(tags) == 1 else [f"tags[*].{i}" for i in range(len(tags))]
            )
            assert sorted(p[0] for p in paths) == sorted(want), item


async def test_two_async_sweepers_at_once(pg_uri: str, pg_schema: str) -> None:
    from psycopg_pool import AsyncConnectionPool

    n = 1500
    async with AsyncConnectionPool(pg_uri, min_size=2, max_size=4, open=False) as pool:
        s1 = AsyncPostgresStore(pool, schema=pg_schema, ttl={"default_ttl": 1})
        s2 = AsyncPostgresStore(pool, schema=pg_schema, ttl={"default_ttl": 1})
        await asyncio.gather(s1.setup(), s2.setup())
        await s1.abatch([PutOp(("asw",), f"k{i}", {"i": i}, ttl=1) for i in range(n)])
        later = datetime.now(timezone.utc) + timedelta(minutes=2)
        s1._now = s2._now = lambda: later
        counts = await asyncio.gather(s1.asweep_ttl(), s2.asweep_ttl(), s1.sweep_ttl())
        assert sum(counts) == n, counts
        assert await s2.asearch(("asw",)) == []


def test_batch_validates_namespaces(store: PostgresStore) -> None:
    from langgraph.store.base import InvalidNamespaceError

    with pytest.raises(InvalidNamespaceError, match="reserved"):
        store.batch([PutOp(("ok",), "a", {"v": 1}), PutOp(("langgraph", "x"), "k", {"v": 1})])
    assert store.get(("ok",), "a") is None, "nothing of the batch was stored"
    store.batch([PutOp(("a.b",), "k", None)])  # deleting from an impossible namespace: no-op
    assert store.get(("a.b",), "k") is None
    assert store.search(("a.b",)) == [] and store.list_namespaces(prefix=("a.b",)) == []


@pytest.mark.parametrize(
    "ann",
    [
        {"kind": "hnsw", "vector_type": "halfvec", "m": 8, "ef_construction": 32},
        {"kind": "ivfflat", "nlist": 2},
        {"kind": "flat"},
    ],
)
def test_ann_index_configs(
    conn: Conn, pg_schema: str, pg_has_vector: bool, ann: dict[str, Any]
) -> None:
    store = PostgresStore(
        conn, schema=pg_schema, index=index_config(distance_type="l2", ann_index_config=ann)
    )
    store.setup()
    texts = {"a": "apple apple", "b": "apple banana", "c": "ocean"}
    for key, text in texts.items():
        store.put(("ann",), key, {"text": text})
    got = store.search(("ann",), query="apple", limit=3)
    want = _reference_scores("l2", "apple", texts)
    assert [i.key for i in got] == ["a", "b", "c"]
    for item in got:
        assert item.score == pytest.approx(want[item.key], abs=2e-3)  # halfvec: float16
    idx = conn.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = %s "
        "AND indexname = 'lg_store_vectors_ann_idx'",
        (pg_schema,),
    ).fetchone()
    conn.commit()
    if pg_has_vector and ann["kind"] != "flat":
        assert idx is not None and f"USING {ann['kind']}" in idx[0]
    else:
        assert idx is None


def test_setup_logs_its_progress(conn: Conn, pg_schema: str, caplog: Any) -> None:
    """Each applied migration is logged (track, version, duration); a second setup logs
    nothing."""
    import logging

    caplog.set_level(logging.INFO, logger="langgraph.store.postgres")

    def messages() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "langgraph.store.postgres" and r.levelno == logging.INFO
        ]

    store = PostgresStore(conn, schema=pg_schema, index=index_config())
    store.setup()
    got = messages()
    for track in ("store", "vectors"):
        head = [m for m in got if m.startswith(f"setup: {track} migrations of schema {pg_schema}")]
        assert len(head) == 1 and " at version 0, migrating to " in head[0]
        last = int(head[0].rsplit(" ", 1)[1])
        applied = [m for m in got if m.startswith(f"setup: applied {track} migration ")]
        assert [int(m.split()[4]) for m in applied] == list(range(1, last + 1))
        assert all(m.split()[6] == str(last) and m.endswith("s") for m in applied)
    caplog.clear()
    PostgresStore(conn, schema=pg_schema, index=index_config()).setup()
    assert messages() == []
