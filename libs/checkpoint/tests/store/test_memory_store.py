from __future__ import annotations

import asyncio
import hashlib
import math
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from langgraph.store.base import (
    NOT_PROVIDED,
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    MatchCondition,
    PutOp,
    SearchItem,
    SearchOp,
)
from langgraph.store.memory import InMemoryStore


class FakeEmbedder:
    """Deterministic: hashes character trigrams into ``dims`` buckets. Counts calls."""

    def __init__(self, dims: int = 64) -> None:
        self.dims = dims
        self.calls: list[list[str]] = []

    def vector(self, text: str) -> list[float]:
        v = [0.0] * self.dims
        padded = f"  {text.lower()}  "
        for i in range(len(padded) - 2):
            h = hashlib.md5(padded[i : i + 3].encode()).digest()
            v[int.from_bytes(h[:4], "little") % self.dims] += 1.0
        return v

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [self.vector(t) for t in texts]

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


def cosine(a: list[float], b: list[float]) -> float:
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return sum(x * y for x, y in zip(a, b, strict=False)) / (na * nb) if na and nb else 0.0


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_put_get_delete_roundtrip() -> None:
    store = InMemoryStore()
    store.put(("user-123", "facts"), "location", {"city": "San Francisco"})
    item = store.get(("user-123", "facts"), "location")
    assert isinstance(item, Item)
    assert item.value == {"city": "San Francisco"}
    assert item.namespace == ("user-123", "facts") and item.key == "location"
    d = item.dict()
    assert d["namespace"] == ["user-123", "facts"] and isinstance(d["created_at"], str)
    results = store.search(("user-123", "facts"), filter={"city": "San Francisco"})
    assert [r.key for r in results] == ["location"] and results[0].score is None
    store.delete(("user-123", "facts"), "location")
    assert store.get(("user-123", "facts"), "location") is None


def test_seed_usage_shapes() -> None:
    store: BaseStore = InMemoryStore()
    namespace = ("u1", "memories")
    store.put(namespace, "mem-1", {"content": "User likes Python"})
    assert store.get(namespace, "mem-1") is not None
    assert [r.key for r in store.search(namespace, query="Python")] == ["mem-1"]
    assert [i.key for i in store.list(namespace)] == ["mem-1"]
    prefs = store.get(("u1", "prefs"), "settings") or {}
    assert prefs == {}
    store.delete(namespace, "mem-1")
    assert store.list(namespace) == []


def test_overwrite_preserves_created_at(clock: Clock) -> None:
    store = InMemoryStore()
    store._now = clock
    store.put(("a",), "k", {"v": 1})
    first = store.get(("a",), "k")
    clock.advance(1)
    store.put(("a",), "k", {"v": 2})
    second = store.get(("a",), "k")
    assert first is not None and second is not None
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert second.value == {"v": 2}


def test_value_is_copied() -> None:
    store = InMemoryStore()
    value = {"a": 1}
    store.put(("a",), "k", value)
    value["a"] = 2
    item = store.get(("a",), "k")
    assert item is not None and item.value == {"a": 1}


@pytest.mark.parametrize(
    ("ns", "fragment"),
    [
        ((), "empty"),
        (("a", ""), "empty"),
        (("a.b",), "'a.b'"),
        (("ok", "x.y"), "'x.y'"),
        (("langgraph", "x"), "reserved"),
        (("a", 1), "1"),
    ],
)
async def test_invalid_namespaces(ns: Any, fragment: str) -> None:
    store = InMemoryStore()
    with pytest.raises(InvalidNamespaceError, match=fragment):
        store.put(ns, "k", {"v": 1})
    with pytest.raises(InvalidNamespaceError):
        await store.aput(ns, "k", {"v": 1})
    assert store.list_namespaces() == []


def test_langgraph_allowed_below_root() -> None:
    store = InMemoryStore()
    store.put(("x", "langgraph"), "k", {})
    assert store.get(("x", "langgraph"), "k") is not None


def test_prefix_isolation() -> None:
    store = InMemoryStore()
    store.put(("a",), "1", {"v": 1})
    store.put(("ab",), "2", {"v": 2})
    store.put(("a", "b"), "3", {"v": 3})
    store.put(("b", "a"), "4", {"v": 4})
    assert [i.key for i in store.search(("a",))] == ["1", "3"]
    assert [i.key for i in store.search(("ab",))] == ["2"]
    assert [i.key for i in store.search(("a", "b"))] == ["3"]
    assert [i.key for i in store.search(())] == ["1", "2", "3", "4"]
    assert store.search(("c",)) == []
    assert [i.key for i in store.list(("a",))] == ["1"]
    assert store.get(("a",), "2") is None


def test_search_limit_offset_and_insertion_order() -> None:
    store = InMemoryStore()
    for i in range(25):
        store.put(("ns",), f"k{i:02d}", {"i": i, "even": i % 2 == 0})
    page = store.search(("ns",), limit=5, offset=10)
    assert [p.key for p in page] == [f"k{i:02d}" for i in range(10, 15)]
    evens = store.search(("ns",), filter={"even": True}, limit=3, offset=2)
    assert [p.value["i"] for p in evens] == [4, 6, 8]
    assert store.search(("ns",), limit=0) == []
    assert [i.key for i in store.list(("ns",), limit=2, offset=3)] == ["k03", "k04"]
    assert len(store.list(("ns",))) == 25


def _ns_store() -> InMemoryStore:
    store = InMemoryStore()
    for ns in [
        ("a", "b", "c"),
        ("a", "b", "d"),
        ("a", "e"),
        ("x", "b", "c"),
        ("x",),
        ("ab", "c"),
    ]:
        store.put(ns, "k", {"v": 1})
    return store


def test_list_namespaces_all_sorted() -> None:
    store = _ns_store()
    assert store.list_namespaces() == sorted(
        [("a", "b", "c"), ("a", "b", "d"), ("a", "e"), ("x", "b", "c"), ("x",), ("ab", "c")]
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"prefix": ("a",)}, [("a", "b", "c"), ("a", "b", "d"), ("a", "e")]),
        ({"prefix": ("a", "b")}, [("a", "b", "c"), ("a", "b", "d")]),
        ({"prefix": ("*", "b")}, [("a", "b", "c"), ("a", "b", "d"), ("x", "b", "c")]),
        ({"suffix": ("c",)}, [("a", "b", "c"), ("ab", "c"), ("x", "b", "c")]),
        ({"suffix": ("b", "*")}, [("a", "b", "c"), ("a", "b", "d"), ("x", "b", "c")]),
        ({"prefix": ("a",), "suffix": ("d",)}, [("a", "b", "d")]),
        ({"prefix": ("a",), "max_depth": 2}, [("a", "b"), ("a", "e")]),
        ({"max_depth": 1}, [("a",), ("ab",), ("x",)]),
        ({"limit": 2}, [("a", "b", "c"), ("a", "b", "d")]),
        ({"limit": 2, "offset": 4}, [("x",), ("x", "b", "c")]),
        ({"prefix": ("zzz",)}, []),
    ],
)
def test_list_namespaces_conditions(
    kwargs: dict[str, Any], expected: list[tuple[str, ...]]
) -> None:
    assert _ns_store().list_namespaces(**kwargs) == expected


def test_get_materialises_namespace_quirk() -> None:
    store = InMemoryStore()
    assert store.get(("ghost",), "k") is None
    assert store.list_namespaces() == [("ghost",)]
    store.put(("a",), "k", {})
    store.delete(("a",), "k")
    assert ("a",) in store.list_namespaces()


def test_batch_reads_do_not_see_same_batch_puts() -> None:
    store = InMemoryStore()
    store.put(("a",), "old", {"v": 0})
    results = store.batch(
        [
            PutOp(("a",), "new", {"v": 1}),
            GetOp(("a",), "new"),
            SearchOp(("a",)),
            ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("b",)),)),
            PutOp(("b",), "x", {"v": 2}),
            PutOp(("a",), "old", None),
            GetOp(("a",), "old"),
        ]
    )
    assert results[0] is None and results[1] is None
    assert [i.key for i in results[2]] == ["old"]  # type: ignore[union-attr]
    assert results[3] == []
    assert results[4] is None and results[5] is None
    assert isinstance(results[6], Item)
    assert store.get(("a",), "new") is not None
    assert store.get(("a",), "old") is None
    assert store.list_namespaces(prefix=("b",)) == [("b",)]


def test_batch_last_put_wins() -> None:
    store = InMemoryStore()
    store.batch([PutOp(("a",), "k", {"v": 1}), PutOp(("a",), "k", {"v": 2})])
    item = store.get(("a",), "k")
    assert item is not None and item.value == {"v": 2}


def test_unknown_op_type() -> None:
    with pytest.raises(ValueError, match="Unknown"):
        InMemoryStore().batch([object()])  # type: ignore[list-item]


async def test_async_api() -> None:
    store = InMemoryStore()
    await store.aput(("a",), "k", {"v": 1})
    item = await store.aget(("a",), "k")
    assert item is not None and item.value == {"v": 1}
    assert [i.key for i in await store.asearch(("a",), filter={"v": 1})] == ["k"]
    assert await store.alist_namespaces() == [("a",)]
    assert [i.key for i in await store.alist(("a",))] == ["k"]
    await store.adelete(("a",), "k")
    assert await store.aget(("a",), "k") is None


# -- TTL ----------------------------------------------------------------------------------


def _ttl_store(clock: Clock, **cfg: Any) -> InMemoryStore:
    store = InMemoryStore(ttl=cfg or None)
    store._now = clock
    return store


def test_ttl_expiry_hides_everywhere_before_sweep(clock: Clock) -> None:
    store = _ttl_store(clock)
    assert store.supports_ttl
    store.put(("t",), "short", {"v": 1}, ttl=1)
    store.put(("t",), "forever", {"v": 2})
    store.put(("only-expiring",), "k", {"v": 3}, ttl=1)
    clock.advance(0.5)
    assert store.get(("t",), "short", refresh_ttl=False) is not None
    clock.advance(0.6)
    assert store.get(("t",), "short") is None
    assert [i.key for i in store.search(("t",))] == ["forever"]
    assert [i.key for i in store.list(("t",))] == ["forever"]
    assert store.list_namespaces() == [("t",)]
    assert store.sweep_ttl() == 2
    assert store.sweep_ttl() == 0
    assert store.list_namespaces() == [("t",)]
    assert ("t",) in store._data and ("only-expiring",) not in store._data


def test_ttl_refresh_on_read(clock: Clock) -> None:
    store = _ttl_store(clock)
    store.put(("t",), "k", {"v": 1}, ttl=1)
    for _ in range(5):
        clock.advance(0.8)
        assert store.get(("t",), "k") is not None  # refreshed every time
    clock.advance(0.8)
    assert store.search(("t",)) != []  # search refreshes too
    clock.advance(0.8)
    assert store.get(("t",), "k", refresh_ttl=False) is not None
    clock.advance(0.3)
    assert store.get(("t",), "k") is None


def test_ttl_refresh_disabled_by_config(clock: Clock) -> None:
    store = _ttl_store(clock, refresh_on_read=False)
    store.put(("t",), "k", {"v": 1}, ttl=1)
    clock.advance(0.8)
    assert store.get(("t",), "k") is not None
    clock.advance(0.3)
    assert store.get(("t",), "k") is None


def test_default_ttl_and_explicit_none(clock: Clock) -> None:
    store = _ttl_store(clock, default_ttl=2)
    store.put(("t",), "default", {})
    store.put(("t",), "never", {}, ttl=None)
    clock.advance(3)
    assert store.get(("t",), "default") is None
    assert store.get(("t",), "never") is not None


def test_put_without_ttl_clears_previous_ttl(clock: Clock) -> None:
    store = _ttl_store(clock)
    store.put(("t",), "k", {"v": 1}, ttl=1)
    store.put(("t",), "k", {"v": 2})
    clock.advance(10)
    assert store.get(("t",), "k") is not None


def test_put_over_expired_item_resets_created_at(clock: Clock) -> None:
    store = _ttl_store(clock)
    store.put(("t",), "k", {"v": 1}, ttl=1)
    clock.advance(2)
    store.put(("t",), "k", {"v": 2})
    item = store.get(("t",), "k")
    assert item is not None and item.created_at == clock.now


async def test_ttl_sweeper_task(clock: Clock) -> None:
    store = _ttl_store(clock)
    store.put(("t",), "k", {"v": 1}, ttl=1)
    clock.advance(2)
    task = await store.start_ttl_sweeper(sweep_interval_minutes=0.0001)
    assert await store.start_ttl_sweeper() is task
    for _ in range(200):
        if not store._expiry:
            break
        await asyncio.sleep(0.005)
    assert store._data == {}
    assert await store.stop_ttl_sweeper(timeout=1)
    assert task.done()
    assert await store.stop_ttl_sweeper()


def test_base_store_without_ttl_rejects_ttl() -> None:
    class NoTTL(InMemoryStore):
        supports_ttl = False

    with pytest.raises(NotImplementedError):
        NoTTL().put(("a",), "k", {}, ttl=5)
    NoTTL().put(("a",), "k", {}, ttl=None)
    assert not NOT_PROVIDED and repr(NOT_PROVIDED) == "NOT_GIVEN"


# -- semantic search ----------------------------------------------------------------------

DOCS = {
    "pizza": "I love pizza with extra cheese",
    "sushi": "Sushi and sashimi are my favourite",
    "hiking": "Weekend hiking in the mountains",
    "python": "Writing python code all day",
}


def _semantic_store(embedder: FakeEmbedder, **kw: Any) -> InMemoryStore:
    store = InMemoryStore(
        index={"dims": embedder.dims, "embed": embedder, "fields": ["text"], **kw}
    )
    for k, text in DOCS.items():
        store.put(("docs", "u1"), k, {"text": text, "kind": "note"})
    return store


def test_semantic_ranking_matches_cosine(embedder: FakeEmbedder) -> None:
    store = _semantic_store(embedder)
    query = "pizza cheese"
    results = store.search(("docs",), query=query, limit=4)
    q = embedder.vector(query)
    expected = sorted(DOCS, key=lambda k: -cosine(q, embedder.vector(DOCS[k])))
    assert [r.key for r in results] == expected
    assert results[0].key == "pizza"
    for r in results:
        assert isinstance(r, SearchItem)
        assert r.score == pytest.approx(cosine(q, embedder.vector(DOCS[r.key])))
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert [r.key for r in store.search(("docs",), query=query, limit=2, offset=1)] == expected[1:3]


def test_semantic_search_respects_filter_and_prefix(embedder: FakeEmbedder) -> None:
    store = _semantic_store(embedder)
    store.put(("docs", "u2"), "pizza2", {"text": "pizza cheese pizza", "kind": "other"})
    store.put(("docsx",), "pizza3", {"text": "pizza cheese", "kind": "note"})
    res = store.search(("docs",), query="pizza cheese", filter={"kind": "note"}, limit=10)
    assert "pizza2" not in [r.key for r in res] and res[0].key == "pizza"
    assert all(r.namespace[0] == "docs" for r in res)
    res = store.search(("docs", "u2"), query="pizza", limit=10)
    assert [r.key for r in res] == ["pizza2"]


def test_items_without_vectors_fill_with_none(embedder: FakeEmbedder) -> None:
    store = _semantic_store(embedder)
    store.put(("docs", "u1"), "noidx", {"text": "pizza"}, index=False)
    store.put(("docs", "u1"), "nofield", {"other": "x"})
    res = store.search(("docs",), query="pizza", limit=10)
    assert [r.key for r in res][-2:] == ["noidx", "nofield"]
    assert [r.score for r in res][-2:] == [None, None]
    assert all(r.score is not None for r in res[:-2])
    assert len(store.search(("docs",), query="pizza", limit=4)) == 4


def test_max_pooling_over_multiple_fields(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["a", "b"]})
    store.put(("n",), "x", {"a": "completely unrelated", "b": "pizza cheese"})
    store.put(("n",), "y", {"a": "pizza", "b": "zzz"})
    q = embedder.vector("pizza cheese")
    res = store.search(("n",), query="pizza cheese")
    assert res[0].key == "x"
    assert res[0].score == pytest.approx(cosine(q, embedder.vector("pizza cheese")))
    assert len(res) == 2
    assert set(store._vectors[("n",)]["x"]) == {"a", "b"}


def test_array_paths_and_put_index_override(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder})
    store.put(("n",), "arr", {"items": [{"t": "one"}, {"t": "two"}]}, index=["items[*].t"])
    assert set(store._vectors[("n",)]["arr"]) == {"items[*].t.0", "items[*].t.1"}
    store.put(("n",), "whole", {"t": "doc"})
    assert set(store._vectors[("n",)]["whole"]) == {"$"}
    assert embedder.texts[-1] == '{"t": "doc"}'


def test_reembeds_only_changed_fields(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["a", "b"]})
    store.put(("n",), "k", {"a": "alpha", "b": "beta"})
    assert len(embedder.calls) == 1 and sorted(embedder.calls[0]) == ["alpha", "beta"]
    store.put(("n",), "k", {"a": "alpha", "b": "beta", "other": 1})
    assert len(embedder.calls) == 1  # nothing indexed changed: no call at all
    store.put(("n",), "k", {"a": "alpha", "b": "gamma"})
    assert embedder.calls[1] == ["gamma"]
    res = store.search(("n",), query="gamma")
    assert res[0].score == pytest.approx(1.0)
    # the same text under a different key is embedded (no vector there yet)
    store.put(("n",), "k2", {"a": "alpha"})
    assert embedder.calls[-1] == ["alpha"]


def test_one_embed_call_per_batch(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["t"]})
    store.batch([PutOp(("n",), str(i), {"t": f"text {i}"}) for i in range(20)])
    assert len(embedder.calls) == 1 and len(embedder.calls[0]) == 20
    store.batch([PutOp(("n",), "dup1", {"t": "same"}), PutOp(("n",), "dup2", {"t": "same"})])
    assert embedder.calls[-1] == ["same"]  # identical texts embedded once


def test_embed_count_mismatch_raises() -> None:
    store = InMemoryStore(index={"dims": 2, "embed": lambda texts: [[1.0, 0.0]]})
    with pytest.raises(ValueError, match="vectors"):
        store.batch([PutOp(("n",), "a", {"t": "x"}), PutOp(("n",), "b", {"t": "y"})])


def test_zero_vector_scores_zero() -> None:
    store = InMemoryStore(index={"dims": 2, "embed": lambda texts: [[0.0, 0.0] for _ in texts]})
    store.put(("n",), "a", {"t": "x"})
    assert store.search(("n",), query="q")[0].score == 0.0


def test_delete_removes_vectors(embedder: FakeEmbedder) -> None:
    store = _semantic_store(embedder)
    store.delete(("docs", "u1"), "pizza")
    assert "pizza" not in store._vectors[("docs", "u1")]
    assert "pizza" not in [r.key for r in store.search(("docs",), query="pizza", limit=10)]


def test_query_ignored_without_index() -> None:
    store = InMemoryStore()
    store.put(("a",), "k", {"t": "x"})
    assert [r.score for r in store.search(("a",), query="x")] == [None]


async def test_async_embedder_semantic_search(embedder: FakeEmbedder) -> None:
    async def aembed(texts: Any) -> list[list[float]]:
        return embedder(texts)

    store = InMemoryStore(index={"dims": embedder.dims, "embed": aembed, "fields": ["text"]})
    for k, text in DOCS.items():
        await store.aput(("d",), k, {"text": text})
    res = await store.asearch(("d",), query="sushi sashimi")
    assert res[0].key == "sushi"
    with pytest.raises(ValueError, match="async"):
        store.put(("d",), "x", {"text": "new"})


def test_langchain_embeddings_object() -> None:
    lc = pytest.importorskip("langchain_core.embeddings")
    emb = lc.DeterministicFakeEmbedding(size=8)
    store = InMemoryStore(index={"dims": 8, "embed": emb})
    store.put(("a",), "k", {"t": "hello"})
    assert store.search(("a",), query="hello")[0].key == "k"


def test_ttl_hides_vector_hits(embedder: FakeEmbedder, clock: Clock) -> None:
    store = _semantic_store(embedder)
    store._now = clock
    store.put(("docs", "u1"), "pizza-ttl", {"text": DOCS["pizza"]}, ttl=1)
    clock.advance(2)
    keys = [r.key for r in store.search(("docs",), query="pizza", limit=10)]
    assert "pizza-ttl" not in keys and "pizza" in keys


# -- concurrency --------------------------------------------------------------------------


def test_many_threads_and_tasks(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["t"]})
    errors: list[BaseException] = []
    n_threads, per = 8, 60

    def worker(w: int) -> None:
        try:
            for i in range(per):
                ns = ("w", str(w % 3))
                store.put(ns, f"{w}-{i}", {"t": f"worker {w} item {i}", "i": i})
                assert store.get(ns, f"{w}-{i}") is not None
                store.search(("w",), query="item", filter={"i": {"$gte": 0}}, limit=5)
                store.list_namespaces(prefix=("w",))
                if i % 5 == 0:
                    store.delete(ns, f"{w}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    async def task(t: int) -> None:
        for i in range(per):
            await store.aput(("a", str(t)), str(i), {"t": f"task {t} {i}", "i": i})
            assert await store.aget(("a", str(t)), str(i)) is not None
            await store.asearch(("a",), filter={"i": {"$lt": 1000}}, limit=3)

    async def tasks() -> None:
        await asyncio.gather(*(task(t) for t in range(8)))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(n_threads)]
    for th in threads:
        th.start()
    asyncio.run(tasks())
    for th in threads:
        th.join()
    assert not errors
    total = sum(len(v) for v in store._data.values())
    assert total == n_threads * per - n_threads * (per // 5) + 8 * per
    # vector index consistent with data
    for ns, items in store._data.items():
        for key in items:
            assert key in store._vectors[ns]
        assert set(store._vectors.get(ns, {})) == set(items)


def test_pure_python_vectors_match_numpy(embedder: FakeEmbedder) -> None:
    fast = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["t"]})
    slow = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["t"]})
    slow._np = None
    for i in range(30):
        for s in (fast, slow):
            s.put(
                ("p", str(i % 3)), str(i), {"t": f"entry {i} about {'cats' if i % 2 else 'dogs'}"}
            )
    slow.delete(("p", "0"), "3")
    fast.delete(("p", "0"), "3")
    a = fast.search(("p",), query="dogs entry", limit=7, offset=2)
    b = slow.search(("p",), query="dogs entry", limit=7, offset=2)
    assert [r.key for r in a] == [r.key for r in b]
    assert [r.score for r in a] == pytest.approx([r.score for r in b])


def test_selective_filter_reaches_beyond_top_rows(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["t"]})
    store.batch([PutOp(("n",), str(i), {"t": f"text {i}", "i": i}) for i in range(500)])
    res = store.search(("n",), query="text 1", filter={"i": {"$gte": 495}}, limit=10)
    assert sorted(int(r.key) for r in res) == [495, 496, 497, 498, 499]
    scores = [r.score for r in res]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


def test_reput_drops_stale_vectors(embedder: FakeEmbedder) -> None:
    store = InMemoryStore(index={"dims": embedder.dims, "embed": embedder, "fields": ["a", "b"]})
    store.put(("n",), "x", {"a": "pizza cheese", "b": "pasta"})
    store.put(("n",), "y", {"a": "zzz unrelated"})
    assert store.search(("n",), query="pizza cheese")[0].key == "x"
    # "a" disappears from x: its old text must no longer match.
    store.put(("n",), "x", {"b": "pasta"})
    assert set(store._vectors[("n",)]["x"]) == {"b"}
    # index=False removes every vector of the item.
    store.put(("n",), "x", {"a": "pizza cheese"}, index=False)
    assert "x" not in store._vectors[("n",)]
    res = store.search(("n",), query="pizza cheese")
    assert [r.key for r in res] == ["y", "x"]
    assert res[1].score is None
