"""Store checks: TTL, semantic search and a differential run against ``InMemoryStore``."""

from __future__ import annotations

import random
import uuid
from typing import Any

from langgraph.checkpoint.conformance.store._support import Clock, store_check, unwrap_store
from langgraph.store.base import Op, PutOp, SearchOp
from langgraph.store.memory import InMemoryStore

TTL_SECONDS = 0.5
TTL_MINUTES = TTL_SECONDS / 60


def _root() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


async def _sweep(store: Any) -> None:
    inner = unwrap_store(store)
    if callable(getattr(inner, "sweep_ttl", None)) or callable(getattr(inner, "asweep_ttl", None)):
        await store.asweep_ttl()


@store_check("ttl_store")
async def test_store_ttl_expiry(ttl_store: Any) -> None:
    store, clock = ttl_store, Clock(ttl_store)
    try:
        ns = (_root(),)
        await store.aput(ns, "short", {"v": 1}, ttl=TTL_MINUTES)
        await store.aput(ns, "forever", {"v": 2}, ttl=None)
        assert await store.aget(ns, "short") is not None
        await clock.advance(TTL_SECONDS * 1.6)
        await _sweep(store)
        assert await store.aget(ns, "short", refresh_ttl=False) is None, "expired item returned"
        assert [i.key for i in await store.asearch(ns)] == ["forever"]
        assert await store.aget(ns, "forever") is not None
    finally:
        clock.restore()


@store_check("ttl_store")
async def test_store_ttl_refresh_on_read(ttl_store: Any) -> None:
    store, clock = ttl_store, Clock(ttl_store)
    try:
        ns = (_root(),)
        await store.aput(ns, "read", {"v": 1}, ttl=TTL_MINUTES)
        await store.aput(ns, "unread", {"v": 2}, ttl=TTL_MINUTES)
        await store.aput(ns, "peeked", {"v": 3}, ttl=TTL_MINUTES)
        await clock.advance(TTL_SECONDS * 0.6)
        assert await store.aget(ns, "read", refresh_ttl=True) is not None
        assert await store.aget(ns, "peeked", refresh_ttl=False) is not None
        await clock.advance(TTL_SECONDS * 0.6)
        await _sweep(store)
        assert await store.aget(ns, "read", refresh_ttl=False) is not None, "refresh lost"
        assert await store.aget(ns, "unread", refresh_ttl=False) is None
        assert await store.aget(ns, "peeked", refresh_ttl=False) is None, (
            "refresh_ttl=False must not extend the ttl"
        )
    finally:
        clock.restore()


@store_check("ttl_store")
async def test_store_sweep_ttl(ttl_store: Any) -> None:
    inner = unwrap_store(ttl_store)
    if not callable(getattr(inner, "sweep_ttl", None)):
        import pytest

        pytest.skip("store has no sweep_ttl()")
    store, clock = ttl_store, Clock(ttl_store)
    try:
        ns = (_root(), "sweep")
        for i in range(3):
            await store.aput(ns, f"k{i}", {"v": i}, ttl=TTL_MINUTES)
        await clock.advance(TTL_SECONDS * 1.6)
        removed = await store.asweep_ttl()
        assert removed is None or removed >= 3, removed
        assert await store.asearch(ns) == []
        assert await store.alist_namespaces(prefix=(ns[0],)) == [], "namespace left behind"
    finally:
        clock.restore()


@store_check("indexed_store")
async def test_store_semantic_ranking(indexed_store: Any) -> None:
    store, ns = indexed_store, (_root(), "docs")
    await store.aput(ns, "mixed", {"text": "apple banana"})
    await store.aput(ns, "apple", {"text": "apple apple"})
    await store.aput(ns, "other", {"text": "ocean mountain"})
    results = await store.asearch(ns, query="apple", limit=3)
    keys = [r.key for r in results]
    assert keys[:2] == ["apple", "mixed"], (
        f"ranking {keys} with scores {[r.score for r in results]}"
    )
    scores = [r.score for r in results[:2]]
    assert all(isinstance(s, float) for s in scores), scores
    assert scores[0] >= scores[1], scores
    top = await store.asearch(ns, query="ocean", limit=1)
    assert [r.key for r in top] == ["other"]


@store_check("indexed_store")
async def test_store_semantic_with_filter_and_namespace(indexed_store: Any) -> None:
    store, root = indexed_store, _root()
    await store.aput((root, "a"), "x", {"text": "cat", "lang": "en"})
    await store.aput((root, "a"), "y", {"text": "cat cat", "lang": "fr"})
    await store.aput((root, "b"), "z", {"text": "cat cat cat", "lang": "en"})
    got = await store.asearch((root, "a"), query="cat", filter={"lang": "en"})
    assert [r.key for r in got] == ["x"], [r.key for r in got]
    got = await store.asearch((root,), query="cat", limit=2)
    assert len(got) == 2 and all(r.score is not None for r in got)


@store_check("indexed_store")
async def test_store_semantic_index_false(indexed_store: Any) -> None:
    store, ns = indexed_store, (_root(),)
    await store.aput(ns, "indexed", {"text": "python python"})
    await store.aput(ns, "plain", {"text": "python"}, index=False)
    got = await store.asearch(ns, query="python", limit=5)
    assert got and got[0].key == "indexed", [(r.key, r.score) for r in got]
    for r in got:
        if r.key == "plain":
            assert r.score is None, "an item put with index=False has no vector"
    item = await store.aget(ns, "plain")
    assert item is not None and item.value == {"text": "python"}


def _norm(items: Any) -> list[tuple[tuple[str, ...], str, Any]]:
    return sorted(((tuple(i.namespace), i.key, i.value) for i in items), key=repr)


@store_check()
async def test_store_reference_random_scenario(store: Any) -> None:
    rng = random.Random(7)
    reference = InMemoryStore()
    root = _root()
    spaces = [(root,), (root, "a"), (root, "a", "b"), (root, "c")]
    for _ in range(60):
        ns, key = rng.choice(spaces), f"k{rng.randint(0, 6)}"
        roll = rng.random()
        if roll < 0.65:
            value = {
                "n": rng.randint(0, 12),
                "s": rng.choice("xyz"),
                "d": {"f": rng.random() < 0.5},
            }
            await store.aput(ns, key, value)
            await reference.aput(ns, key, value)
        elif roll < 0.8:
            await store.adelete(ns, key)
            await reference.adelete(ns, key)
        else:
            a, b = await store.aget(ns, key), await reference.aget(ns, key)
            assert (a and (a.key, a.value)) == (b and (b.key, b.value)), (ns, key, a, b)
    filters: list[dict[str, Any] | None] = [
        None,
        {"s": "x"},
        {"n": {"$gt": 9}},
        {"n": {"$gte": 3, "$lt": 8}},
        {"d": {"f": True}},
        {"s": {"$ne": "y"}, "n": {"$lte": 10}},
    ]
    for prefix in [(root,), (root, "a"), (root, "c")]:
        for flt in filters:
            got = await store.asearch(prefix, filter=flt, limit=1000)
            want = await reference.asearch(prefix, filter=flt, limit=1000)
            assert _norm(got) == _norm(want), f"search({prefix}, filter={flt}) differs"
    got_ns = await store.alist_namespaces(prefix=(root,))
    want_ns = await reference.alist_namespaces(prefix=(root,))
    got_set, want_set = {tuple(n) for n in got_ns}, {tuple(n) for n in want_ns}
    live = {tuple(i.namespace) for i in await reference.asearch((root,), limit=1000)}
    assert live <= got_set <= set(spaces), f"list_namespaces {got_set} vs live {live}"
    assert live <= want_set
    batch: list[Op] = [
        SearchOp((root,), filter={"s": "z"}, limit=1000),
        PutOp((root,), "kb", {"n": 1}),
    ]
    got_b, want_b = await store.abatch(batch), await reference.abatch(batch)
    assert _norm(got_b[0]) == _norm(want_b[0]) and got_b[1] is None and want_b[1] is None
