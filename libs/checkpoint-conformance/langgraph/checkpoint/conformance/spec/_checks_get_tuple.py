"""Checks of ``get_tuple``: lookup by id, latest, shape of the returned tuple."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.conformance._registry import check
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
    put_test_checkpoint,
    put_test_checkpoints,
)

GET = Capability.GET_TUPLE
PUT = Capability.PUT


@check(GET)
async def test_get_tuple_nonexistent_returns_none(saver: Any) -> None:
    assert await saver.aget_tuple(generate_config()) is None


@check(GET, PUT)
async def test_get_tuple_latest_when_no_checkpoint_id(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 3, thread_id=thread)
    tup = await saver.aget_tuple(generate_config(thread))
    assert tup is not None
    assert tup.checkpoint["id"] == stored[-1]["configurable"]["checkpoint_id"]
    assert tup.metadata["step"] == 2


@check(GET, PUT)
async def test_get_tuple_specific_checkpoint_id(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 3, thread_id=thread)
    old = stored[0]["configurable"]["checkpoint_id"]
    tup = await saver.aget_tuple(generate_config(thread, checkpoint_id=old))
    assert tup is not None and tup.checkpoint["id"] == old
    assert tup.checkpoint["channel_values"] == {"step": 0}


@check(GET, PUT)
async def test_get_tuple_config_structure(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoint(saver, generate_config(thread))
    tup = await saver.aget_tuple(generate_config(thread))
    assert tup is not None
    conf = tup.config["configurable"]
    assert conf["thread_id"] == thread
    assert conf.get("checkpoint_ns", "") == ""
    assert conf["checkpoint_id"] == stored["configurable"]["checkpoint_id"]


@check(GET, PUT)
async def test_get_tuple_checkpoint_fields(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config(), channel_values={"k": "v"})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    cp = tup.checkpoint
    assert cp["id"] == stored["configurable"]["checkpoint_id"]
    assert cp["v"] == 1
    assert isinstance(cp["ts"], str) and cp["ts"], cp.get("ts")
    assert cp["channel_values"] == {"k": "v"}
    assert "k" in cp["channel_versions"]
    assert isinstance(cp["versions_seen"], dict)


@check(GET, PUT)
async def test_get_tuple_metadata(saver: Any) -> None:
    stored = await put_test_checkpoint(
        saver, generate_config(), metadata=generate_metadata(source="input", step=-1)
    )
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.metadata["source"] == "input" and tup.metadata["step"] == -1, tup.metadata


@check(GET, PUT)
async def test_get_tuple_parent_config(saver: Any) -> None:
    stored = await put_test_checkpoints(saver, 2)
    first = await saver.aget_tuple(stored[0])
    second = await saver.aget_tuple(stored[1])
    assert first is not None and first.parent_config is None, first and first.parent_config
    assert second is not None and second.parent_config is not None
    assert (
        second.parent_config["configurable"]["checkpoint_id"]
        == stored[0]["configurable"]["checkpoint_id"]
    )


@check(GET, PUT, Capability.PUT_WRITES)
async def test_get_tuple_pending_writes(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    await saver.aput_writes(stored, [("ch", {"v": 1})], "task-1")
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.pending_writes == [("task-1", "ch", {"v": 1})], tup.pending_writes


@check(GET, PUT)
async def test_get_tuple_respects_namespace(saver: Any) -> None:
    thread = str(uuid.uuid4())
    root = await put_test_checkpoint(saver, generate_config(thread), channel_values={"w": "root"})
    child = await put_test_checkpoint(
        saver, generate_config(thread, checkpoint_ns="child:1"), channel_values={"w": "child"}
    )
    t_root = await saver.aget_tuple(generate_config(thread))
    t_child = await saver.aget_tuple(generate_config(thread, checkpoint_ns="child:1"))
    assert t_root is not None and t_child is not None
    assert t_root.checkpoint["id"] == root["configurable"]["checkpoint_id"]
    assert t_root.checkpoint["channel_values"] == {"w": "root"}
    assert t_child.checkpoint["id"] == child["configurable"]["checkpoint_id"]
    assert t_child.checkpoint["channel_values"] == {"w": "child"}
    assert t_child.config["configurable"]["checkpoint_ns"] == "child:1"


@check(GET, PUT)
async def test_get_tuple_nonexistent_checkpoint_id(saver: Any) -> None:
    thread = str(uuid.uuid4())
    await put_test_checkpoint(saver, generate_config(thread))
    unknown = str(uuid6(clock_seq=-1))
    assert await saver.aget_tuple(generate_config(thread, checkpoint_id=unknown)) is None


@check(GET, PUT, spec=False)
async def test_get_tuple_latest_is_greatest_id(saver: Any) -> None:
    """Latest = greatest id, even when the newest id was put first."""
    thread = str(uuid.uuid4())
    ids = [str(uuid6(clock_seq=i)) for i in range(3)]
    for cid in (ids[2], ids[0], ids[1]):
        cp = generate_checkpoint(checkpoint_id=cid)
        await saver.aput(generate_config(thread), cp, generate_metadata(), {})
    tup = await saver.aget_tuple(generate_config(thread))
    assert tup is not None and tup.checkpoint["id"] == ids[2], tup and tup.checkpoint["id"]


@check(GET, PUT, spec=False)
async def test_get_tuple_latest_per_thread(saver: Any) -> None:
    """Latest is chosen within the requested thread, never from a newer thread."""
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    stored_a = await put_test_checkpoint(saver, generate_config(a), channel_values={"o": "a"})
    await put_test_checkpoint(saver, generate_config(b), channel_values={"o": "b"})
    tup = await saver.aget_tuple(generate_config(a))
    assert tup is not None and tup.checkpoint["id"] == stored_a["configurable"]["checkpoint_id"]
    assert tup.config["configurable"]["thread_id"] == a
    assert tup.checkpoint["channel_values"] == {"o": "a"}
