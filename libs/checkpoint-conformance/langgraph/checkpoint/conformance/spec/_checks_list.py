"""Checks of ``list``: thread/namespace selection, metadata filters, ``before``/``limit``."""

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

LIST = Capability.LIST
PUT = Capability.PUT


async def _four(saver: Any) -> tuple[str, list[dict[str, Any]]]:
    """4 chained checkpoints: sources input/loop/input/loop, steps 0-3."""
    thread = str(uuid.uuid4())
    md = [generate_metadata(source=s, step=i) for i, s in enumerate(("input", "loop") * 2)]
    stored = await put_test_checkpoints(saver, 4, thread_id=thread, metadata=md)
    return thread, stored


def _cid(config: dict[str, Any]) -> str:
    cid: str = config["configurable"]["checkpoint_id"]
    return cid


def _thread_config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


@check(LIST, PUT)
async def test_list_all(saver: Any) -> None:
    thread, _ = await _four(saver)
    assert len(await collect(saver.alist(_thread_config(thread)))) == 4


@check(LIST, PUT)
async def test_list_by_thread(saver: Any) -> None:
    thread, _ = await _four(saver)
    assert await collect(saver.alist(_thread_config(str(uuid.uuid4())))) == []
    assert len(await collect(saver.alist(_thread_config(thread)))) == 4


@check(LIST, PUT)
async def test_list_by_namespace(saver: Any) -> None:
    thread = str(uuid.uuid4())
    root = await put_test_checkpoint(saver, generate_config(thread))
    child = await put_test_checkpoint(saver, generate_config(thread, checkpoint_ns="child:1"))
    got_root = await collect(saver.alist(generate_config(thread)))
    got_child = await collect(saver.alist(generate_config(thread, checkpoint_ns="child:1")))
    assert ids_of(got_root) == [_cid(root)], ids_of(got_root)
    assert ids_of(got_child) == [_cid(child)], ids_of(got_child)


@check(LIST, PUT)
async def test_list_ordering(saver: Any) -> None:
    thread, stored = await _four(saver)
    got = ids_of(await collect(saver.alist(_thread_config(thread))))
    assert got == [_cid(c) for c in reversed(stored)], "list must return newest first"


@check(LIST, PUT)
async def test_list_metadata_filter_single_key(saver: Any) -> None:
    thread, stored = await _four(saver)
    got = await collect(saver.alist(_thread_config(thread), filter={"source": "input"}))
    assert sorted(ids_of(got)) == sorted([_cid(stored[0]), _cid(stored[2])]), ids_of(got)


@check(LIST, PUT)
async def test_list_metadata_filter_step(saver: Any) -> None:
    thread, _ = await _four(saver)
    got = await collect(saver.alist(_thread_config(thread), filter={"step": 1}))
    assert len(got) == 1 and got[0].metadata["step"] == 1, [t.metadata for t in got]


@check(LIST, PUT)
async def test_list_metadata_filter_multiple_keys(saver: Any) -> None:
    thread = str(uuid.uuid4())
    configs = []
    for source, step in (("input", 1), ("input", 2), ("loop", 2)):
        configs.append(
            await put_test_checkpoint(
                saver, generate_config(thread), metadata=generate_metadata(source, step)
            )
        )
    got = await collect(saver.alist(_thread_config(thread), filter={"source": "input", "step": 2}))
    assert ids_of(got) == [_cid(configs[1])], [t.metadata for t in got]


@check(LIST, PUT)
async def test_list_metadata_filter_no_match(saver: Any) -> None:
    thread, _ = await _four(saver)
    got = await collect(
        saver.alist(_thread_config(thread), filter={"source": "update", "step": 99})
    )
    assert got == []


@check(LIST, PUT)
async def test_list_metadata_custom_keys(saver: Any) -> None:
    thread = str(uuid.uuid4())
    await put_test_checkpoint(
        saver, generate_config(thread), metadata=generate_metadata(score=42, run_id="r-42")
    )
    await put_test_checkpoint(
        saver, generate_config(thread), metadata=generate_metadata(score=7, run_id="r-7")
    )
    got = await collect(saver.alist(_thread_config(thread), filter={"score": 42}))
    assert len(got) == 1, [t.metadata for t in got]
    assert got[0].metadata["run_id"] == "r-42"


@check(LIST, PUT)
async def test_list_before(saver: Any) -> None:
    thread, stored = await _four(saver)
    got = await collect(saver.alist(_thread_config(thread), before=stored[2]))
    assert ids_of(got) == [_cid(stored[1]), _cid(stored[0])], ids_of(got)


@check(LIST, PUT)
async def test_list_limit(saver: Any) -> None:
    thread, _ = await _four(saver)
    assert len(await collect(saver.alist(_thread_config(thread), limit=1))) == 1
    assert len(await collect(saver.alist(_thread_config(thread), limit=2))) == 2


@check(LIST, PUT)
async def test_list_limit_plus_before(saver: Any) -> None:
    thread, stored = await _four(saver)
    got = await collect(saver.alist(_thread_config(thread), before=stored[3], limit=1))
    assert ids_of(got) == [_cid(stored[2])], ids_of(got)


@check(LIST, PUT)
async def test_list_combined_thread_and_filter(saver: Any) -> None:
    thread, stored = await _four(saver)
    got = await collect(saver.alist(_thread_config(thread), filter={"source": "loop"}))
    assert ids_of(got) == [_cid(stored[3]), _cid(stored[1])], ids_of(got)


@check(LIST, PUT)
async def test_list_empty_result(saver: Any) -> None:
    await _four(saver)
    got = await collect(saver.alist(_thread_config(str(uuid.uuid4())), filter={"source": "input"}))
    assert got == []


@check(LIST, PUT, Capability.PUT_WRITES)
async def test_list_includes_pending_writes(saver: Any) -> None:
    stored = await put_test_checkpoint(saver, generate_config())
    await saver.aput_writes(stored, [("ch", "val")], "task-1")
    got = await collect(saver.alist(_thread_config(stored["configurable"]["thread_id"])))
    assert len(got) == 1
    assert [(c, v) for _, c, v in got[0].pending_writes or []] == [("ch", "val")]


@check(LIST, PUT)
async def test_list_multiple_namespaces(saver: Any) -> None:
    thread = str(uuid.uuid4())
    for ns in ("", "child:1", "child:2"):
        await put_test_checkpoint(saver, generate_config(thread, checkpoint_ns=ns))
    got = await collect(saver.alist(generate_config(thread, checkpoint_ns="")))
    assert len(got) == 1, ids_of(got)
    everything = await collect(saver.alist(_thread_config(thread)))
    assert len(everything) == 3, "without checkpoint_ns, list covers all namespaces"
