"""Checks of ``delete_thread``."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check, collect
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_config,
    put_test_checkpoint,
    put_test_checkpoints,
)

DEL = Capability.DELETE_THREAD
PUT = Capability.PUT
GET = Capability.GET_TUPLE
LIST = Capability.LIST


def _thread_config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


async def _gone(saver: Any, thread: str, *namespaces: str) -> None:
    for ns in namespaces or ("",):
        tup = await saver.aget_tuple(generate_config(thread, checkpoint_ns=ns))
        assert tup is None, f"namespace {ns!r} of deleted thread {thread!r} still loads"
    left = await collect(saver.alist(_thread_config(thread)))
    assert left == [], f"deleted thread {thread!r} still lists {len(left)} checkpoints"


@check(DEL, PUT, GET, LIST)
async def test_delete_thread_removes_checkpoints(saver: Any) -> None:
    thread = str(uuid.uuid4())
    await put_test_checkpoints(saver, 3, thread_id=thread)
    await saver.adelete_thread(thread)
    await _gone(saver, thread)


@check(DEL, PUT, GET, LIST, Capability.PUT_WRITES)
async def test_delete_thread_removes_writes(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoint(saver, generate_config(thread))
    await saver.aput_writes(stored, [("ch", "v")], "task-1")
    await saver.adelete_thread(thread)
    await _gone(saver, thread)
    assert await saver.aget_tuple(stored) is None


@check(DEL, PUT, GET, LIST)
async def test_delete_thread_removes_all_namespaces(saver: Any) -> None:
    thread = str(uuid.uuid4())
    await put_test_checkpoint(saver, generate_config(thread))
    await put_test_checkpoint(saver, generate_config(thread, checkpoint_ns="child:1"))
    await saver.adelete_thread(thread)
    await _gone(saver, thread, "", "child:1")


@check(DEL, PUT, GET, LIST)
async def test_delete_thread_preserves_other_threads(saver: Any) -> None:
    doomed, kept = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoint(saver, generate_config(doomed))
    stored = await put_test_checkpoint(saver, generate_config(kept), channel_values={"a": 1})
    await saver.adelete_thread(doomed)
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.checkpoint["channel_values"] == {"a": 1}


@check(DEL)
async def test_delete_thread_nonexistent_noop(saver: Any) -> None:
    await saver.adelete_thread(str(uuid.uuid4()))
