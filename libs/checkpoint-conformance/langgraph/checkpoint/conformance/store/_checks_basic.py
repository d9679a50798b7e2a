"""Store checks: items, namespaces, filters, paging, batches."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from langgraph.checkpoint.conformance.store._support import store_check
from langgraph.store.base import (
    GetOp,
    InvalidNamespaceError,
    ListNamespacesOp,
    PutOp,
    SearchOp,
)


def _root() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


async def _keys(store: Any, prefix: tuple[str, ...], **kwargs: Any) -> list[str]:
    return [i.key for i in await store.asearch(prefix, limit=kwargs.pop("limit", 100), **kwargs)]


@store_check()
async def test_store_put_get(store: Any) -> None:
    ns = (_root(), "docs")
    value = {"text": "héllo", "n": 1, "nested": {"l": [1, None, True]}}
    await store.aput(ns, "k1", value)
    item = await store.aget(ns, "k1")
    assert item is not None, "item not found after put"
    assert item.value == value and item.key == "k1" and tuple(item.namespace) == ns
    assert isinstance(item.created_at, datetime) and isinstance(item.updated_at, datetime)
    assert await store.aget(ns, "missing") is None
    assert await store.aget((_root(),), "k1") is None


@store_check()
async def test_store_overwrite(store: Any) -> None:
    ns = (_root(),)
    await store.aput(ns, "k", {"v": 1, "old": True})
    first = await store.aget(ns, "k")
    await store.aput(ns, "k", {"v": 2})
    second = await store.aget(ns, "k")
    assert first is not None and second is not None
    assert second.value == {"v": 2}, "a put replaces the whole value"
    assert second.updated_at >= first.updated_at
    assert [i.key for i in await store.asearch(ns)] == ["k"]


@store_check()
async def test_store_delete(store: Any) -> None:
    ns = (_root(),)
    await store.aput(ns, "k", {"v": 1})
    await store.aput(ns, "other", {"v": 2})
    await store.adelete(ns, "k")
    assert await store.aget(ns, "k") is None
    assert await store.aget(ns, "other") is not None
    await store.adelete(ns, "never-existed")
    assert await _keys(store, ns) == ["other"]


@store_check()
async def test_store_search_prefix_isolation(store: Any) -> None:
    root = _root()
    await store.aput((root, "a"), "1", {"x": 1})
    await store.aput((root, "a", "deep"), "2", {"x": 2})
    await store.aput((root, "ab"), "3", {"x": 3})
    await store.aput((root + "x", "a"), "4", {"x": 4})
    assert sorted(await _keys(store, (root, "a"))) == ["1", "2"], "('a',) must not match ('ab',)"
    assert sorted(await _keys(store, (root,))) == ["1", "2", "3"]
    assert await _keys(store, (root, "a", "deep")) == ["2"]
    found = await store.asearch((root, "ab"))
    assert [tuple(i.namespace) for i in found] == [(root, "ab")]


@store_check()
async def test_store_search_filter_equality(store: Any) -> None:
    ns = (_root(),)
    await store.aput(ns, "a", {"kind": "fruit", "n": 1, "ok": True, "meta": {"c": "red", "s": 1}})
    await store.aput(ns, "b", {"kind": "fruit", "n": 2, "ok": False, "meta": {"c": "red", "s": 2}})
    await store.aput(ns, "c", {"kind": "veg", "n": 1, "ok": True, "meta": {"c": "green"}})
    assert sorted(await _keys(store, ns, filter={"kind": "fruit"})) == ["a", "b"]
    assert sorted(await _keys(store, ns, filter={"n": 1})) == ["a", "c"]
    assert sorted(await _keys(store, ns, filter={"ok": True})) == ["a", "c"]
    assert await _keys(store, ns, filter={"kind": "fruit", "n": 2}) == ["b"]
    assert sorted(await _keys(store, ns, filter={"meta": {"c": "red"}})) == ["a", "b"]
    assert await _keys(store, ns, filter={"kind": "nothing"}) == []


@store_check()
async def test_store_search_filter_operators(store: Any) -> None:
    ns = (_root(),)
    for key, n in (("n9", 9), ("n10", 10), ("n100", 100), ("n2_5", 2.5)):
        await store.aput(ns, key, {"n": n, "tag": key})

    async def keys(cond: dict[str, Any]) -> list[str]:
        return sorted(await _keys(store, ns, filter={"n": cond}))

    assert await keys({"$gt": 9}) == ["n10", "n100"], "10 > 9 numerically"
    assert await keys({"$gte": 10}) == ["n10", "n100"]
    assert await keys({"$lt": 10}) == ["n2_5", "n9"]
    assert await keys({"$lte": 9}) == ["n2_5", "n9"]
    assert await keys({"$eq": 100}) == ["n100"]
    assert await keys({"$ne": 100}) == ["n10", "n2_5", "n9"]
    assert await keys({"$gt": 2, "$lt": 10}) == ["n2_5", "n9"]
    assert sorted(await _keys(store, ns, filter={"tag": {"$ne": "n9"}})) == [
        "n10",
        "n100",
        "n2_5",
    ]


@store_check()
async def test_store_search_unknown_operator(store: Any) -> None:
    ns = (_root(),)
    await store.aput(ns, "k", {"n": 1})
    try:
        await store.asearch(ns, filter={"n": {"$regex": "1"}})
    except ValueError as exc:
        assert "$regex" in str(exc), str(exc)
        return
    raise AssertionError("an unknown filter operator must raise ValueError")


@store_check()
async def test_store_search_limit_offset(store: Any) -> None:
    ns = (_root(),)
    for i in range(7):
        await store.aput(ns, f"k{i}", {"i": i})
    assert len(await store.asearch(ns, limit=3)) == 3
    pages: list[str] = []
    for offset in range(0, 9, 3):
        pages += [i.key for i in await store.asearch(ns, limit=3, offset=offset)]
    assert sorted(pages) == [f"k{i}" for i in range(7)], f"pages overlap or miss items: {pages}"
    assert await store.asearch(ns, offset=7) == []


@store_check()
async def test_store_list_namespaces(store: Any) -> None:
    root = _root()
    spaces = [(root, "a", "x"), (root, "a", "y"), (root, "b", "x"), (root, "b", "z", "deep")]
    for ns in spaces:
        await store.aput(ns, "k", {"v": 1})
    got = await store.alist_namespaces(prefix=(root,))
    assert [tuple(n) for n in got] == sorted(spaces), got
    got = await store.alist_namespaces(prefix=(root, "a"))
    assert [tuple(n) for n in got] == [(root, "a", "x"), (root, "a", "y")]
    got = await store.alist_namespaces(prefix=(root,), suffix=("x",))
    assert [tuple(n) for n in got] == [(root, "a", "x"), (root, "b", "x")]
    got = await store.alist_namespaces(prefix=(root, "*", "x"))
    assert [tuple(n) for n in got] == [(root, "a", "x"), (root, "b", "x")], "'*' matches one label"
    got = await store.alist_namespaces(prefix=(root,), max_depth=2)
    assert [tuple(n) for n in got] == [(root, "a"), (root, "b")]
    got = await store.alist_namespaces(prefix=(root,), limit=2, offset=1)
    assert [tuple(n) for n in got] == sorted(spaces)[1:3]
    assert await store.alist_namespaces(prefix=(root + "-none",)) == []


@store_check()
async def test_store_namespace_validation(store: Any) -> None:
    root = _root()
    for bad in ((), (root, ""), (root, "a.b"), ("langgraph", root)):
        try:
            await store.aput(bad, "k", {"v": 1})
        except InvalidNamespaceError:
            pass
        else:
            raise AssertionError(f"namespace {bad!r} must raise InvalidNamespaceError")
    assert await store.alist_namespaces(prefix=(root,)) == []
    assert await store.alist_namespaces(prefix=("langgraph", root)) == []


@store_check()
async def test_store_batch_mixed(store: Any) -> None:
    ns = (_root(), "b")
    await store.aput(ns, "existing", {"v": 0})
    results = await store.abatch(
        [
            PutOp(ns, "new", {"v": 1}),
            GetOp(ns, "existing"),
            SearchOp(ns, filter={"v": 0}),
            ListNamespacesOp(match_conditions=None, limit=1000),
            PutOp(ns, "existing", None),
            GetOp(ns, "missing"),
        ]
    )
    assert len(results) == 6, results
    assert results[0] is None and results[4] is None
    assert results[1] is not None and results[1].value == {"v": 0}
    assert [i.key for i in results[2]] == ["existing"]
    assert isinstance(results[3], list)
    assert results[5] is None
    assert await store.aget(ns, "existing") is None, "batched delete not applied"
    new = await store.aget(ns, "new")
    assert new is not None and new.value == {"v": 1}


@store_check()
async def test_store_list_items_of_namespace(store: Any) -> None:
    if not callable(getattr(store, "alist", None)):
        import pytest

        pytest.skip("store has no list(namespace)")
    root = _root()
    await store.aput((root, "n"), "a", {"v": 1})
    await store.aput((root, "n"), "b", {"v": 2})
    await store.aput((root, "n", "child"), "c", {"v": 3})
    items = await store.alist((root, "n"))
    assert sorted(i.key for i in items) == ["a", "b"], "list() covers exactly one namespace"
    assert len(await store.alist((root, "n"), limit=1)) == 1
