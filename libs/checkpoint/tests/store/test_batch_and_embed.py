from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from langgraph.store.base import (
    Embeddings,
    GetOp,
    Item,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    ensure_embeddings,
    get_text_at_path,
    tokenize_path,
)
from langgraph.store.base.batch import AsyncBatchedBaseStore
from langgraph.store.base.embed import EmbeddingsLambda
from langgraph.store.memory import InMemoryStore


class CountingStore(AsyncBatchedBaseStore):
    def __init__(self) -> None:
        super().__init__()
        self.inner = InMemoryStore()
        self.calls: list[list[Op]] = []
        self.fail = False

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        self.calls.append(ops)
        if self.fail:
            raise RuntimeError("boom")
        return await self.inner.abatch(ops)


async def test_coalesces_concurrent_calls() -> None:
    store = CountingStore()
    await asyncio.gather(*(store.aput(("a",), str(i), {"i": i}) for i in range(10)))
    assert len(store.calls) == 1 and len(store.calls[0]) == 10
    store.calls.clear()
    got = await asyncio.gather(
        *(store.aget(("a",), str(i % 3)) for i in range(9)),
        store.asearch(("a",), filter={"i": 1}),
        store.asearch(("a",), filter={"i": 1}),
        store.alist_namespaces(),
    )
    assert len(store.calls) == 1
    assert len(store.calls[0]) == 3 + 1 + 1  # deduplicated
    items = got[:9]
    assert all(isinstance(i, Item) for i in items)
    assert [i.key for i in items] == [str(i % 3) for i in range(9)]  # type: ignore[union-attr]
    assert got[11] == [("a",)]


async def test_puts_to_same_key_collapse_to_last_at_first_position() -> None:
    store = CountingStore()
    await asyncio.gather(
        store.aput(("a",), "k", {"v": 1}),
        store.aget(("a",), "other"),
        store.aput(("a",), "k", {"v": 2}),
    )
    ops = store.calls[0]
    assert len(ops) == 2 and isinstance(ops[0], PutOp) and ops[0].value == {"v": 2}
    item = await store.aget(("a",), "k")
    assert item is not None and item.value == {"v": 2}


async def test_single_op_batches_and_errors_propagate() -> None:
    store = CountingStore()
    await store.aput(("a",), "k", {"v": 1})
    assert len(store.calls) == 1
    store.fail = True
    results = await asyncio.gather(
        store.aget(("a",), "k"), store.aget(("a",), "j"), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    store.fail = False
    assert await store.aget(("a",), "k") is not None


async def test_sync_methods_refuse_on_loop_thread() -> None:
    store = CountingStore()
    with pytest.raises(asyncio.InvalidStateError, match="aget"):
        store.get(("a",), "k")
    with pytest.raises(asyncio.InvalidStateError, match="batch"):
        store.batch([GetOp(("a",), "k")])
    with pytest.raises(asyncio.InvalidStateError):
        store.put(("a",), "k", {})


async def test_sync_methods_work_from_other_thread() -> None:
    store = CountingStore()
    out: dict[str, Any] = {}

    def worker() -> None:
        store.put(("a",), "k", {"v": 1})
        out["get"] = store.get(("a",), "k")
        out["search"] = store.search(("a",))
        out["ns"] = store.list_namespaces()
        out["batch"] = store.batch([SearchOp(("a",))])
        store.delete(("a",), "k")
        out["after"] = store.get(("a",), "k")

    await asyncio.to_thread(worker)
    assert out["get"].value == {"v": 1}
    assert [i.key for i in out["search"]] == ["k"]
    assert out["ns"] == [("a",)]
    assert out["after"] is None


async def test_invalid_namespace_rejected_before_queue() -> None:
    store = CountingStore()
    with pytest.raises(ValueError, match="reserved"):
        await store.aput(("langgraph",), "k", {})
    assert store.calls == []


async def test_store_is_collectable_and_task_stops() -> None:
    store = CountingStore()
    await store.aput(("a",), "k", {})
    task = store._task
    assert task is not None
    del store
    gc.collect()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert task.done()


def test_must_be_created_in_loop() -> None:
    with pytest.raises(RuntimeError):
        CountingStore()


# -- embeddings helpers -------------------------------------------------------------------


def test_tokenize_path() -> None:
    assert tokenize_path("a.b[*].c") == ["a", "b", "[*]", "c"]
    assert tokenize_path("authors[0].name") == ["authors", "[0]", "name"]
    assert tokenize_path("a.{b,c.d}") == ["a", "{b,c.d}"]
    assert tokenize_path("m[0][1]") == ["m", "[0]", "[1]"]
    assert tokenize_path("") == []


DOC = {
    "title": "T",
    "n": 3,
    "flag": True,
    "none": None,
    "authors": [{"name": "Ann", "x": 1}, {"name": "Bob"}],
    "meta": {"a": "A", "b": {"c": "C"}},
    "uni": "héllo",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("title", ["T"]),
        ("n", ["3"]),
        ("flag", ["True"]),
        ("none", []),
        ("missing", []),
        ("authors[0].name", ["Ann"]),
        ("authors[-1].name", ["Bob"]),
        ("authors[5].name", []),
        ("authors[*].name", ["Ann", "Bob"]),
        ("meta.*", ["A", '{"c": "C"}']),
        ("meta.{a,b.c}", ["A", "C"]),
        ("meta.b", ['{"c": "C"}']),
        ("uni", ["héllo"]),
    ],
)
def test_get_text_at_path(path: str, expected: list[str]) -> None:
    assert get_text_at_path(DOC, path) == expected


def test_get_text_whole_document() -> None:
    (text,) = get_text_at_path({"b": 1, "a": "é"}, "$")
    assert text == '{"a": "é", "b": 1}'
    assert get_text_at_path({"b": 1}, "") == ['{"b": 1}']


def test_ensure_embeddings_variants() -> None:
    with pytest.raises(ValueError, match="None"):
        ensure_embeddings(None)
    lam = ensure_embeddings(lambda texts: [[1.0] for _ in texts])
    assert isinstance(lam, EmbeddingsLambda) and lam.embed_query("x") == [1.0]

    class Duck:
        def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
            return [[2.0] for _ in texts]

        def embed_query(self, text: str) -> list[float]:
            return [3.0]

    duck = Duck()
    assert isinstance(duck, Embeddings)
    wrapped = ensure_embeddings(duck)
    assert wrapped.embed_query("q") == [3.0]
    assert asyncio.run(wrapped.aembed_query("q")) == [3.0]
    with pytest.raises(ValueError):
        ensure_embeddings(42)


def test_provider_string_without_langchain() -> None:
    try:
        import langchain  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="langchain"):
            ensure_embeddings("openai:text-embedding-3-small")
    else:  # pragma: no cover
        pytest.skip("langchain installed")


async def test_async_lambda() -> None:
    async def f(texts: Sequence[str]) -> list[list[float]]:
        return [[float(len(t))] for t in texts]

    lam = EmbeddingsLambda(f)
    assert await lam.aembed_query("abc") == [3.0]
    with pytest.raises(ValueError, match="async"):
        lam.embed_documents(["x"])
    sync = EmbeddingsLambda(lambda texts: [[1.0] for _ in texts])
    assert await sync.aembed_documents(["a", "b"]) == [[1.0], [1.0]]


def test_search_item_and_item_api() -> None:
    a = Item(
        value={"v": 1},
        key="k",
        namespace=["a"],
        created_at="2024-01-01T00:00:00+00:00",
        updated_at="2024-01-01T00:00:00+00:00",
    )  # type: ignore[arg-type]
    assert a.namespace == ("a",) and a.created_at.year == 2024
    b = Item(
        value={"v": 1}, key="k", namespace=("a",), created_at=a.created_at, updated_at=a.updated_at
    )
    assert a == b and hash(a) == hash(b) and a != "x"
    s = SearchItem(("a",), "k", {"v": 1}, a.created_at, a.updated_at, score=0.5)
    assert s.dict()["score"] == 0.5 and "score=0.5" in repr(s)
    assert threading.current_thread() is threading.main_thread()
