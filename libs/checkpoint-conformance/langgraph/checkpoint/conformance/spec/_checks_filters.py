"""``list`` filters beyond equality, cross-thread listing and ordering guarantees."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check, collect, ids_of
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_config,
    generate_metadata,
    put_test_checkpoint,
    put_test_checkpoints,
)

PUT, LIST = Capability.PUT, Capability.LIST


def _tc(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


async def _seed(saver: Any) -> tuple[str, dict[str, str]]:
    """One thread with checkpoints named by their metadata, id by name."""
    thread = str(uuid.uuid4())
    rows: dict[str, dict[str, Any]] = {
        "int1": {"val": 1, "num": 10, "nested": {"a": 1, "b": "x"}},
        "true": {"val": True, "num": 9.5, "nested": {"a": 2, "b": "x"}},
        "float": {"val": 1.5, "num": -3, "nested": {"a": 1, "b": "y", "c": [1, 2]}},
        "none": {"val": None, "num": 100, "nested": {}},
        "str": {"val": "1", "num": 2},
    }
    ids = {}
    config = generate_config(thread)
    for step, (name, extra) in enumerate(rows.items()):
        config = await put_test_checkpoint(
            saver,
            config,
            metadata=generate_metadata(step=step, name=name, **extra),
            version=step + 1,
        )
        ids[name] = config["configurable"]["checkpoint_id"]
    return thread, ids


async def _names(saver: Any, thread: str, flt: dict[str, Any]) -> set[str]:
    got = await collect(saver.alist(_tc(thread), filter=flt))
    return {str(dict(t.metadata)["name"]) for t in got}


@check(LIST, PUT, spec=False)
async def test_list_filter_non_string_values(saver: Any) -> None:
    thread, _ = await _seed(saver)
    assert await _names(saver, thread, {"val": 1}) == {"int1"}, "1 must not match True or '1'"
    assert await _names(saver, thread, {"val": True}) == {"true"}, "True must not match 1"
    assert await _names(saver, thread, {"val": 1.5}) == {"float"}
    assert await _names(saver, thread, {"val": None}) == {"none"}
    assert await _names(saver, thread, {"val": "1"}) == {"str"}, "'1' must not match 1"


@check(LIST, PUT, spec=False)
async def test_list_filter_nested_partial(saver: Any) -> None:
    thread, _ = await _seed(saver)
    assert await _names(saver, thread, {"nested": {"a": 1}}) == {"int1", "float"}
    assert await _names(saver, thread, {"nested": {"a": 1, "b": "y"}}) == {"float"}
    assert await _names(saver, thread, {"nested": {"c": [1, 2]}}) == {"float"}
    assert await _names(saver, thread, {"nested": {"a": 3}}) == set()


@check(LIST, PUT, spec=False)
async def test_list_filter_dotted_key(saver: Any) -> None:
    thread, _ = await _seed(saver)
    assert await _names(saver, thread, {"nested.a": 1}) == {"int1", "float"}
    assert await _names(saver, thread, {"nested.b": "x"}) == {"int1", "true"}
    assert await _names(saver, thread, {"nested.missing": 1}) == set()


@check(LIST, PUT, spec=False)
async def test_list_filter_operators(saver: Any) -> None:
    thread, _ = await _seed(saver)
    # num: int1=10, true=9.5, float=-3, none=100, str=2
    assert await _names(saver, thread, {"num": {"$gt": 9.5}}) == {"int1", "none"}
    assert await _names(saver, thread, {"num": {"$gte": 9.5}}) == {"int1", "true", "none"}
    assert await _names(saver, thread, {"num": {"$lt": 2}}) == {"float"}
    assert await _names(saver, thread, {"num": {"$lte": 2}}) == {"float", "str"}
    assert await _names(saver, thread, {"num": {"$gt": 2, "$lt": 100}}) == {"int1", "true"}
    assert await _names(saver, thread, {"num": {"$eq": 10}}) == {"int1"}
    assert await _names(saver, thread, {"num": {"$ne": 10}}) == {"true", "float", "none", "str"}
    assert await _names(saver, thread, {"num": {"$gt": 9}, "nested.b": "x"}) == {"int1", "true"}


@check(LIST, PUT, spec=False)
async def test_list_filter_numbers_compared_numerically(saver: Any) -> None:
    thread = str(uuid.uuid4())
    for i, n in enumerate((9, 10, 100)):
        await put_test_checkpoint(
            saver, generate_config(thread), metadata=generate_metadata(step=i, n=n, name=str(n))
        )
    assert await _names(saver, thread, {"n": {"$gt": 9}}) == {"10", "100"}
    assert await _names(saver, thread, {"n": {"$lt": 10}}) == {"9"}


@check(LIST, PUT, spec=False)
async def test_list_none_across_threads(saver: Any) -> None:
    marker = str(uuid.uuid4())
    expected = set()
    for _ in range(3):
        thread = str(uuid.uuid4())
        stored = await put_test_checkpoints(
            saver,
            2,
            thread_id=thread,
            metadata=[generate_metadata(step=i, marker=marker) for i in range(2)],
        )
        expected |= {c["configurable"]["checkpoint_id"] for c in stored}
    got = await collect(saver.alist(None, filter={"marker": marker}))
    assert set(ids_of(got)) == expected and len(got) == len(expected), ids_of(got)
    threads = {t.config["configurable"]["thread_id"] for t in got}
    assert len(threads) == 3
    limited = await collect(saver.alist(None, filter={"marker": marker}, limit=4))
    assert len(limited) == 4


@check(LIST, PUT, spec=False)
async def test_list_ordering_and_paging(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 12, thread_id=thread)
    await put_test_checkpoints(saver, 3, thread_id=thread, checkpoint_ns="child:1")
    want = [c["configurable"]["checkpoint_id"] for c in reversed(stored)]
    got = ids_of(await collect(saver.alist(generate_config(thread))))
    assert got == want, "ids must be strictly descending within a namespace"
    everything = await collect(saver.alist(_tc(thread)))
    root_only = [t for t in everything if t.config["configurable"].get("checkpoint_ns", "") == ""]
    assert ids_of(root_only) == want, "per-namespace order must hold when listing all namespaces"
    pages: list[str] = []
    before = None
    while True:
        page = ids_of(await collect(saver.alist(generate_config(thread), before=before, limit=5)))
        pages.extend(page)
        if len(page) < 5:
            break
        before = generate_config(thread, checkpoint_id=page[-1])
    assert pages == want, "paging with before+limit must reproduce the full list"


@check(LIST, PUT, spec=False)
async def test_list_by_checkpoint_id(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 3, thread_id=thread)
    target = stored[1]["configurable"]["checkpoint_id"]
    got = await collect(saver.alist(generate_config(thread, checkpoint_id=target)))
    assert ids_of(got) == [target], ids_of(got)
