"""Checks of ``put_writes``: pending writes attached to a checkpoint."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import generate_config, put_test_checkpoint

PW = Capability.PUT_WRITES
PUT = Capability.PUT
GET = Capability.GET_TUPLE


def _task() -> str:
    return str(uuid.uuid4())


async def _writes(saver: Any, config: dict[str, Any]) -> list[tuple[str, str, Any]]:
    tup = await saver.aget_tuple(config)
    assert tup is not None, f"checkpoint {config!r} not found"
    return list(tup.pending_writes or [])


@check(PW, PUT, GET)
async def test_put_writes_basic(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = _task()
    await saver.aput_writes(stored, [("channel1", "value1")], task)
    writes = await _writes(saver, stored)
    assert writes.count((task, "channel1", "value1")) == 1, writes
    assert len(writes) == 1, writes


@check(PW, PUT, GET)
async def test_put_writes_multiple_writes_same_task(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = _task()
    sent = [("a", 1), ("b", "two"), ("c", [3])]
    await saver.aput_writes(stored, sent, task)
    writes = await _writes(saver, stored)
    assert len(writes) == 3, writes
    assert sorted((c, repr(v)) for _, c, v in writes) == sorted((c, repr(v)) for c, v in sent)
    assert all(t == task for t, _, _ in writes)


@check(PW, PUT, GET)
async def test_put_writes_multiple_tasks(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    t1, t2 = _task(), _task()
    await saver.aput_writes(stored, [("ch", "from1")], t1)
    await saver.aput_writes(stored, [("ch", "from2")], t2)
    writes = await _writes(saver, stored)
    assert sorted(writes) == sorted([(t1, "ch", "from1"), (t2, "ch", "from2")]), writes


@check(PW, PUT, GET)
async def test_put_writes_preserves_task_id(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = "task-" + _task()
    await saver.aput_writes(stored, [("ch", 1)], task)
    assert [w[0] for w in await _writes(saver, stored)] == [task]


@check(PW, PUT, GET)
async def test_put_writes_preserves_channel_and_value(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    value = {"nested": {"list": [1, 2, {"x": None}]}, "flag": True}
    await saver.aput_writes(stored, [("my_channel", value)], _task())
    writes = await _writes(saver, stored)
    assert [(c, v) for _, c, v in writes] == [("my_channel", value)], writes


@check(PW, PUT, GET)
async def test_put_writes_task_path(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    await saver.aput_writes(stored, [("ch", "v")], _task(), task_path="a:b:c")
    assert len(await _writes(saver, stored)) == 1


@check(PW, PUT, GET)
async def test_put_writes_idempotent(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = _task()
    await saver.aput_writes(stored, [("ch", "v")], task)
    await saver.aput_writes(stored, [("ch", "v")], task)
    writes = await _writes(saver, stored)
    assert writes == [(task, "ch", "v")], writes


@check(PW, PUT, GET)
async def test_put_writes_special_channels(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = _task()
    interrupt = {"value": "ask", "id": "i-1"}
    await saver.aput_writes(stored, [("__error__", "boom"), ("__interrupt__", interrupt)], task)
    writes = await _writes(saver, stored)
    assert writes.count((task, "__error__", "boom")) == 1, writes
    assert writes.count((task, "__interrupt__", interrupt)) == 1, writes
    assert len(writes) == 2, writes


@check(PW, PUT, GET)
async def test_put_writes_across_namespaces(saver: Any) -> None:
    thread = _task()
    root = await put_test_checkpoint(saver, generate_config(thread))
    child = await put_test_checkpoint(saver, generate_config(thread, checkpoint_ns="child:1"))
    await saver.aput_writes(root, [("ch", "root")], "t-root")
    await saver.aput_writes(child, [("ch", "child")], "t-child")
    assert await _writes(saver, root) == [("t-root", "ch", "root")]
    assert await _writes(saver, child) == [("t-child", "ch", "child")]


@check(PW, PUT, GET)
async def test_put_writes_cleared_on_next_checkpoint(saver: Any) -> None:
    first = await put_test_checkpoint(saver, generate_config())
    await saver.aput_writes(first, [("ch", "v")], _task())
    second = await put_test_checkpoint(saver, first, version=2)
    assert await _writes(saver, second) == []
    assert len(await _writes(saver, first)) == 1, "writes of the parent must stay attached"


# ----------------------------------------------------------------------- beyond the spec


@check(PW, PUT, GET, spec=False)
async def test_put_writes_special_channel_replaced(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = _task()
    await saver.aput_writes(stored, [("__error__", "first")], task)
    await saver.aput_writes(stored, [("__error__", "second")], task)
    writes = await _writes(saver, stored)
    assert writes == [(task, "__error__", "second")], writes


@check(PW, PUT, GET, spec=False)
async def test_put_writes_ordinary_first_value_wins(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    task = _task()
    await saver.aput_writes(stored, [("ch", "first")], task)
    await saver.aput_writes(stored, [("ch", "second")], task)
    writes = await _writes(saver, stored)
    assert len(writes) == 1, writes
