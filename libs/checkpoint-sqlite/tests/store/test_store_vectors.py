"""Semantic search of the SQLite stores on both paths: exact (Python) and sqlite-vec.

The exact path runs on the standard library's ``sqlite3``; the sqlite-vec path on an
extension-capable driver (``pysqlite3``, see ``conftest.py``). Both share one schema, so
the parity test reads one database file through both and compares every result.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import math
import pathlib
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import aiosqlite
import pytest

from langgraph.checkpoint.conformance.store import fake_embed
from langgraph.store.base import IndexConfig, PutOp, SearchItem
from langgraph.store.base._support import Distance
from langgraph.store.sqlite import SqliteStore
from langgraph.store.sqlite._conn import load_sqlite_vec
from langgraph.store.sqlite.aio import AsyncSqliteStore

DISTANCES: list[Distance] = ["cosine", "l2", "inner_product"]
DIMS = 12


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


class CountingEmbedder:
    """Deterministic bag-of-letters embedder that records every text it embeds."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        self.seen.extend(texts)
        return [[float(t.count(c)) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


def hash_embed(texts: Sequence[str]) -> list[list[float]]:
    """Deterministic, not normalized vectors in [-1, 1]^DIMS; "zero" -> the zero vector."""
    out = []
    for text in texts:
        if text == "zero":
            out.append([0.0] * DIMS)
            continue
        digest = hashlib.blake2b(text.encode(), digest_size=DIMS).digest()
        out.append([(b - 128) / 128.0 for b in digest])
    return out


def scores_close(got: Sequence[float | None], want: Sequence[float | None]) -> bool:
    """Equal within 1e-6 (None only where None)."""
    if [g is None for g in got] != [w is None for w in want]:
        return False
    return all(g is None or w is None or abs(g - w) <= 1e-6 for g, w in zip(got, want, strict=True))


Mode = str  # "exact" (stdlib sqlite3, Python scoring) or "sqlite-vec"
MODES = ["exact", "sqlite-vec"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    return str(request.param)


@pytest.fixture
def open_store(
    mode: Mode, tmp_path: pathlib.Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., SqliteStore]]:
    """Open indexed stores on ``v.db`` in the given mode; closes them afterwards."""
    opened: list[SqliteStore] = []

    def make(embed: Any, *, fields: list[str] | None = None, **extra: Any) -> SqliteStore:
        index: IndexConfig = {"dims": DIMS, "embed": embed, "fields": fields or ["text"]}
        index.update(extra)  # type: ignore[typeddict-item]
        path = str(tmp_path / "v.db")
        if mode == "exact":
            store = SqliteStore.from_conn_string(path, index=index, sqlite_vec=False)
            assert type(store.conn) is sqlite3.Connection
        else:
            connect = request.getfixturevalue("ext_connect")
            store = SqliteStore(connect(path), index=index, sqlite_vec=True)
            store._owns_conn = True
        store.setup()
        assert store._engine.use_vec is (mode == "sqlite-vec")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


# -- one store, both paths ----------------------------------------------------------------


@pytest.mark.parametrize("use_numpy", [True, False], ids=["numpy", "pure-python"])
def test_semantic_search(
    open_store: Callable[..., SqliteStore], mode: Mode, use_numpy: bool
) -> None:
    s = open_store(CountingEmbedder())
    if not use_numpy:
        if mode == "sqlite-vec":
            return  # numpy plays no part in the sqlite-vec path
        s._engine.np = None
    s.put(("d",), "apple", {"text": "apple apple", "n": 1})
    s.put(("d",), "mixed", {"text": "apple zzz", "n": 2})
    s.put(("d",), "plain", {"text": "apple"}, index=False)
    s.put(("e",), "other", {"text": "xyz"})
    got = s.search(("d",), query="apple", limit=10)
    assert [i.key for i in got] == ["apple", "mixed", "plain"]
    assert got[0].score == pytest.approx(1.0, abs=1e-6)
    # apple = (a1 e1 l1 p2), |apple|^2 = 7; apple zzz adds z3: cos = 7 / sqrt(7 * 16)
    assert got[1].score == pytest.approx(math.sqrt(7) / 4, abs=1e-6)
    assert got[2].score is None
    assert [i.key for i in s.search((), query="apple", filter={"n": 2})] == ["mixed"]
    assert [i.key for i in s.search(("d",), query="apple", limit=1, offset=1)] == ["mixed"]
    assert [i.key for i in s.search(("d",), query="apple", limit=1, offset=2)] == ["plain"]
    assert s.search(("nothing",), query="apple") == []


def _count_vectors(s: SqliteStore) -> int:
    return int(s.conn.execute("SELECT count(*) FROM lg_store_vectors").fetchone()[0])


def test_reput_replaces_vectors_and_delete_removes_them(
    open_store: Callable[..., SqliteStore],
) -> None:
    embed = CountingEmbedder()
    s = open_store(embed)
    s.put(("d",), "k", {"text": "hello", "other": 1})
    assert embed.seen == ["hello"]
    s.put(("d",), "k", {"text": "hello", "other": 2})
    assert embed.seen == ["hello"], "unchanged text embedded again"
    assert s.search(("d",), query="hello")[0].score == pytest.approx(1.0, abs=1e-6)
    embed.seen.clear()  # the query was embedded too
    s.put(("d",), "k", {"text": "world"})
    assert embed.seen == ["world"]
    (hit,) = s.search(("d",), query="hello")
    # hello=(e1 h1 l2 o1), world=(d1 l1 o1 r1 w1): dot 3, norms sqrt(7), sqrt(5)
    assert hit.score == pytest.approx(3 / math.sqrt(35), abs=1e-6)
    s.put(("d",), "k", {"arr": ["a", "b"]}, index=["arr[*]"])
    paths = sorted(r[0] for r in s.conn.execute("SELECT path FROM lg_store_vectors"))
    assert paths == ["arr[*].0", "arr[*].1"]
    (hit,) = s.search(("d",), query="b")
    assert hit.score == pytest.approx(1.0, abs=1e-6)  # the best of the item's vectors
    s.put(("d",), "k", {"text": "again"}, index=False)
    assert _count_vectors(s) == 0
    assert [i.score for i in s.search(("d",), query="again")] == [None]
    s.put(("d",), "k", {"text": "again"})
    assert _count_vectors(s) == 1
    s.put(("d",), "k", {"text": "again"}, index=[])  # no paths: no vectors (as in memory)
    assert _count_vectors(s) == 0
    s.delete(("d",), "k")
    assert _count_vectors(s) == 0
    assert s.search(("d",), query="again") == []


def test_ttl_refresh_and_sweep_with_vectors(open_store: Callable[..., SqliteStore]) -> None:
    clock = FakeClock()
    s = open_store(CountingEmbedder())
    s._now = clock
    s.put(("d",), "k", {"text": "bye"}, ttl=1)
    s.put(("d",), "keep", {"text": "bye bye"})
    clock.advance(0.6)
    # equal scores (same direction): the newest first
    assert [i.key for i in s.search(("d",), query="bye", refresh_ttl=True)] == ["keep", "k"]
    clock.advance(0.6)  # alive thanks to the refresh
    assert [i.key for i in s.search(("d",), query="bye", refresh_ttl=False)] == ["keep", "k"]
    clock.advance(0.6)
    assert [i.key for i in s.search(("d",), query="bye")] == ["keep"]
    assert s.sweep_ttl() == 1
    assert _count_vectors(s) == 1


def test_dimension_mismatch_is_a_clear_error(open_store: Callable[..., SqliteStore]) -> None:
    s = open_store(CountingEmbedder())
    s.put(("d",), "k", {"text": "hello"})
    other = open_store(lambda texts: [[1.0, 0.0, 0.0] for _ in texts])
    with pytest.raises(ValueError, match=r"3 dimensions.*'k'.*'text': 26"):
        other.search(("d",), query="hello")
    assert other.search(("elsewhere",), query="hello") == []


@pytest.mark.parametrize("distance", DISTANCES)
def test_distance_types_score_like_their_definition(
    open_store: Callable[..., SqliteStore], distance: Distance
) -> None:
    s = open_store(hash_embed, distance_type=distance)
    texts = {"a": "alpha", "b": "beta", "z": "zero"}
    for key, text in texts.items():
        s.put(("d",), key, {"text": text})
    (q,) = hash_embed(["query"])
    want: dict[str, float] = {}
    for key, (v,) in ((k, hash_embed([t])) for k, t in texts.items()):
        dot = sum(a * b for a, b in zip(q, v, strict=True))
        norms = math.sqrt(sum(a * a for a in q)) * math.sqrt(sum(b * b for b in v))
        if distance == "cosine":
            want[key] = dot / norms if norms else 0.0
        elif distance == "l2":
            want[key] = -math.sqrt(sum((a - b) ** 2 for a, b in zip(q, v, strict=True)))
        else:
            want[key] = dot
    got = s.search(("d",), query="query")
    assert [i.key for i in got] == sorted(want, key=lambda k: -want[k])
    assert scores_close([i.score for i in got], [want[i.key] for i in got])


# -- the two paths agree ------------------------------------------------------------------


def _fill(store: SqliteStore, clock: FakeClock) -> None:
    docs: list[tuple[tuple[str, ...], str, dict[str, Any], Any]] = [
        (("docs",), "d1", {"text": "apples and pears", "n": 1, "color": "red"}, None),
        (("docs",), "d2", {"text": "ocean waves", "tags": ["blue", "apples"], "n": 5}, None),
        (("docs", "a"), "d3", {"text": "mountain air", "n": 3, "color": "red"}, None),
        (("docs", "a"), "twin1", {"text": "twin", "n": 4}, None),
        (("docs", "b"), "twin2", {"text": "twin", "n": 4}, None),
        (("docs", "b"), "zero", {"text": "zero", "n": 7, "color": "red"}, None),
        (("docs", "b"), "plain", {"text": "apples", "n": 2}, False),
        (("docs", "b"), "notext", {"n": 9, "color": "red"}, None),
        (("docsx",), "x1", {"text": "apples and pears", "n": 1}, None),
        (("other",), "o1", {"text": "python code", "tags": ["snake"], "n": 6}, None),
    ]
    for ns, key, value, index in docs:
        clock.advance(0.01)
        store.put(ns, key, value, index=index)
    # a bulk that spans several fetch chunks; some items share texts (exact ties)
    clock.advance(0.01)
    store.batch(
        [
            PutOp(("docs", "bulk"), f"b{i}", {"text": f"bulk {i % 150}", "n": i % 10})
            for i in range(240)
        ]
    )
    clock.advance(0.01)
    store.put(("docs", "a"), "gone", {"text": "apples"}, ttl=0.5)
    store.put(("docs",), "d1", {"text": "apples and pears", "n": 1, "color": "red"})  # re-put
    clock.advance(1)  # "gone" has expired (not swept)


@pytest.mark.parametrize("distance", DISTANCES)
def test_sqlite_vec_path_matches_exact_path(
    tmp_path: pathlib.Path, ext_connect: Callable[..., Any], distance: Distance
) -> None:
    path = str(tmp_path / "both.db")
    index: IndexConfig = {
        "dims": DIMS,
        "embed": hash_embed,
        "fields": ["text", "tags[*]"],
        "distance_type": distance,  # type: ignore[typeddict-unknown-key]
    }
    clock = FakeClock()
    vec = SqliteStore(ext_connect(path), index=index, sqlite_vec=True)
    exact = SqliteStore(sqlite3.connect(path), index=index)  # standard library driver
    try:
        for store in (vec, exact):
            store._now = clock
            store.setup()
        assert vec._engine.use_vec and not exact._engine.use_vec
        _fill(vec, clock)
        exact.put(("other",), "o2", {"text": "written by the other driver", "n": 8})
        prefixes: list[tuple[str, ...]] = [(), ("docs",), ("docs", "a"), ("docs", "b"), ("no",)]
        queries = ["apples", "twin", "zero", "bulk 7"]
        filters: list[dict[str, Any] | None] = [None, {"color": "red"}, {"n": {"$gt": 3}}]
        pages = [(10, 0), (3, 0), (3, 2), (2, 5), (100, 1), (50, 120), (500, 0)]
        compared = 0
        for prefix, query, filt, (limit, offset) in itertools.product(
            prefixes, queries, filters, pages
        ):
            kwargs: dict[str, Any] = {
                "query": query,
                "filter": filt,
                "limit": limit,
                "offset": offset,
                "refresh_ttl": False,
            }
            got: list[SearchItem] = vec.search(prefix, **kwargs)
            want: list[SearchItem] = exact.search(prefix, **kwargs)
            case = (prefix, query, filt, limit, offset)
            assert [(i.namespace, i.key) for i in got] == [(i.namespace, i.key) for i in want], (
                case,
                [(i.key, i.score) for i in got],
                [(i.key, i.score) for i in want],
            )
            assert [i.value for i in got] == [i.value for i in want], case
            assert scores_close([i.score for i in got], [i.score for i in want]), (
                case,
                [i.score for i in got],
                [i.score for i in want],
            )
            compared += len(got)
        assert compared > 5000
        # exact ties (the same text) are ordered newest first on both paths
        twins = [i.key for i in vec.search(("docs",), query="twin", limit=2)]
        assert twins == ["twin2", "twin1"]
        # the expired item is never returned
        assert all(i.key != "gone" for i in vec.search((), query="apples", limit=100))
    finally:
        vec.conn.close()
        exact.conn.close()


# -- choosing the path --------------------------------------------------------------------

INDEX: IndexConfig = {"dims": 16, "embed": fake_embed, "fields": ["text"]}


def test_sqlite_vec_loads_here(ext_connect: Callable[..., Any]) -> None:
    conn = ext_connect(":memory:")
    try:
        assert load_sqlite_vec(conn)
        assert conn.execute("SELECT vec_version()").fetchone()[0].startswith("v")
    finally:
        conn.close()


def test_from_conn_string_uses_stdlib_unless_asked(ext_connect: Callable[..., Any]) -> None:
    with SqliteStore.from_conn_string(":memory:", index=INDEX) as plain:
        plain.setup()
        assert type(plain.conn) is sqlite3.Connection
        assert plain._engine.use_vec is hasattr(sqlite3.Connection, "enable_load_extension")
    with SqliteStore.from_conn_string(":memory:", index=INDEX, sqlite_vec=True) as vec:
        vec.put(("a",), "k", {"text": "apple"})
        assert vec._engine.use_vec
        assert [i.score for i in vec.search(("a",), query="apple")] == [1.0]
    with SqliteStore.from_conn_string(":memory:", index=INDEX, sqlite_vec=False) as off:
        off.setup()
        assert type(off.conn) is sqlite3.Connection and not off._engine.use_vec


def test_extension_connection_auto_and_opt_out(ext_connect: Callable[..., Any]) -> None:
    conn = ext_connect(":memory:")
    try:
        auto = SqliteStore(conn, index=INDEX)
        auto.setup()
        assert auto._engine.use_vec
        off = SqliteStore(conn, index=INDEX, sqlite_vec=False)
        off.setup()
        assert not off._engine.use_vec
        auto.put(("a",), "k", {"text": "apple banana"})
        a, b = auto.search(("a",), query="apple"), off.search(("a",), query="apple")
        assert [i.key for i in a] == [i.key for i in b] == ["k"]
        assert scores_close([i.score for i in a], [i.score for i in b])
        # without an index config nothing is loaded
        bare = SqliteStore(conn, sqlite_vec=True)
        bare.setup()
        assert not bare._engine.use_vec
    finally:
        conn.close()


def test_required_sqlite_vec_says_why_it_is_missing(
    ext_connect: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        conn = sqlite3.connect(":memory:")
        try:
            store = SqliteStore(conn, index=INDEX, sqlite_vec=True)
            with pytest.raises(RuntimeError, match="enable_load_extension.*pysqlite3"):
                store.put(("a",), "k", {"text": "apple"})
            assert conn.execute("SELECT count(*) FROM lg_store").fetchone() == (0,)
        finally:
            conn.close()
    monkeypatch.setitem(sys.modules, "sqlite_vec", None)  # not installed
    conn = ext_connect(":memory:")
    try:
        with pytest.raises(RuntimeError, match="sqlite_vec module is not installed"):
            SqliteStore(conn, index=INDEX, sqlite_vec=True).setup()
        auto = SqliteStore(conn, index=INDEX)
        auto.setup()
        assert not auto._engine.use_vec  # falls back to the exact path
    finally:
        conn.close()


def test_unknown_distance_type() -> None:
    bad: Any = dict(INDEX, distance_type="manhattan")
    with pytest.raises(ValueError, match="distance_type 'manhattan'.*cosine, l2, inner_product"):
        SqliteStore(sqlite3.connect(":memory:"), index=bad)


async def test_async_store_on_an_extension_driver(
    tmp_path: pathlib.Path, ext_connect: Callable[..., Any]
) -> None:
    path = str(tmp_path / "a.db")
    async with AsyncSqliteStore.from_conn_string(path, index=INDEX) as plain:
        assert type(plain.conn._conn) is sqlite3.Connection
        await plain.aput(("a",), "k", {"text": "apple banana"})
        want = await plain.asearch(("a",), query="apple")
    async with AsyncSqliteStore.from_conn_string(path, index=INDEX, sqlite_vec=True) as vec:
        assert vec._engine.use_vec
        assert type(vec.conn._conn) is not sqlite3.Connection  # pysqlite3 here
        got = await vec.asearch(("a",), query="apple")
        assert [i.key for i in got] == [i.key for i in want] == ["k"]
        assert scores_close([i.score for i in got], [i.score for i in want])
        # the sync API from another thread, on the sqlite-vec path too
        hits = await asyncio.to_thread(vec.search, ("a",), query="banana")
        assert [i.key for i in hits] == ["k"]
    # a caller's own aiosqlite connection over the extension driver
    conn = aiosqlite.Connection(lambda: ext_connect(path), iter_chunk_size=64)
    try:
        store = AsyncSqliteStore(conn, index=INDEX, sqlite_vec=True)
        await store.aput(("a",), "k2", {"text": "apple"})
        assert store._engine.use_vec
        assert [i.key for i in await store.asearch(("a",), query="apple")] == ["k2", "k"]
        await store.adelete(("a",), "k2")
        assert [i.key for i in await store.asearch(("a",), query="apple")] == ["k"]
    finally:
        await conn.close()


def test_failed_extension_load_falls_back_or_raises(
    ext_connect: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite_vec

    monkeypatch.setattr(sqlite_vec, "loadable_path", lambda: "/nonexistent/vec0")
    conn = ext_connect(":memory:")
    try:
        with pytest.raises(RuntimeError, match="loading sqlite-vec failed: OperationalError"):
            SqliteStore(conn, index=INDEX, sqlite_vec=True).setup()
        auto = SqliteStore(conn, index=INDEX)
        auto.put(("a",), "k", {"text": "apple"})
        assert not auto._engine.use_vec
        assert [i.score for i in auto.search(("a",), query="apple")] == [pytest.approx(1.0)]
        with pytest.raises(conn.OperationalError):  # loading stays switched off
            conn.execute("SELECT load_extension('/nonexistent/x')")
    finally:
        conn.close()
