"""Concurrent writers: asyncio tasks (async mode) or OS threads (sync mode)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check, collect, concurrent_view, ids_of
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
    put_test_checkpoint,
)

PUT, GET, LIST, PW = Capability.PUT, Capability.GET_TUPLE, Capability.LIST, Capability.PUT_WRITES

WRITERS = 16
STEPS = 3


@check(PUT, GET, LIST, PW, spec=False)
async def test_concurrent_writers_distinct_threads(saver: Any) -> None:
    view = concurrent_view(saver)
    threads = [str(uuid.uuid4()) for _ in range(WRITERS)]

    async def writer(thread: str) -> None:
        config = generate_config(thread)
        for i in range(STEPS):
            config = await put_test_checkpoint(
                view,
                config,
                channel_values={"t": thread, "i": i},
                metadata=generate_metadata(step=i),
                version=i + 1,
            )
            await view.aput_writes(config, [("w", i)], f"task-{i}")

    await asyncio.gather(*(writer(t) for t in threads))
    for thread in threads:
        listed = await collect(saver.alist({"configurable": {"thread_id": thread}}))
        assert len(listed) == STEPS, f"thread {thread!r} has {len(listed)} checkpoints"
        latest = await saver.aget_tuple(generate_config(thread))
        assert latest is not None
        assert latest.checkpoint["channel_values"] == {"t": thread, "i": STEPS - 1}
        assert latest.pending_writes == [(f"task-{STEPS - 1}", "w", STEPS - 1)]
        assert latest.metadata["step"] == STEPS - 1


@check(PUT, GET, LIST, PW, spec=False)
async def test_concurrent_writers_same_thread_race(saver: Any) -> None:
    """Writers fork one parent at once while readers poll the latest checkpoint."""
    view = concurrent_view(saver)
    thread = str(uuid.uuid4())
    root = await put_test_checkpoint(saver, generate_config(thread), channel_values={"n": -1})
    children = [generate_checkpoint() for _ in range(WRITERS)]
    expected = {c["id"]: i for i, c in enumerate(children)}
    expected[root["configurable"]["checkpoint_id"]] = -1

    async def writer(i: int) -> Any:
        cp = children[i]
        cp["channel_values"] = {"n": i, "payload": "x" * (i * 100)}
        # distinct versions: a version names one value of a channel within a thread
        versions = {"n": i + 2, "payload": i + 2}
        cp["channel_versions"] = dict(versions)
        stored = await view.aput(root, cp, generate_metadata(step=1, writer=i), versions)
        await view.aput_writes(stored, [("w", i), ("w2", str(i))], f"task-{i}")
        return stored

    seen: list[Any] = []

    async def reader() -> None:
        for _ in range(WRITERS):
            tup = await view.aget_tuple(generate_config(thread))
            if tup is not None:
                seen.append(tup)

    results = await asyncio.gather(*(writer(i) for i in range(WRITERS)), reader(), reader())
    for tup in seen:
        n = expected.get(tup.checkpoint["id"])
        assert n is not None, f"read an unknown checkpoint {tup.checkpoint['id']!r}"
        assert tup.checkpoint["channel_values"].get("n") == n, (
            f"torn read: checkpoint {tup.checkpoint['id']} shows {tup.checkpoint['channel_values']}"
        )
    listed = await collect(saver.alist({"configurable": {"thread_id": thread}}))
    assert sorted(ids_of(listed)) == sorted(expected), "a committed checkpoint was lost"
    for i, stored in enumerate(results[:WRITERS]):
        tup = await saver.aget_tuple(stored)
        assert tup is not None, f"writer {i}'s checkpoint vanished"
        assert tup.checkpoint["channel_values"] == {"n": i, "payload": "x" * (i * 100)}
        assert tup.parent_config is not None
        assert (
            tup.parent_config["configurable"]["checkpoint_id"]
            == root["configurable"]["checkpoint_id"]
        )
        assert sorted(tup.pending_writes or []) == [
            (f"task-{i}", "w", i),
            (f"task-{i}", "w2", str(i)),
        ]
        assert tup.metadata["writer"] == i
    latest = await saver.aget_tuple(generate_config(thread))
    assert latest is not None and latest.checkpoint["id"] == max(expected)
    first = await saver.aget_tuple(root)
    assert first is not None and first.checkpoint["channel_values"] == {"n": -1}
