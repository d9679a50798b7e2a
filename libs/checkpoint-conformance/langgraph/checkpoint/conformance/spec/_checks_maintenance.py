"""Checks of the optional maintenance methods: ``delete_for_runs``, ``copy_thread``, ``prune``."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import (
    CheckSkipped,
    accepts_keyword,
    check,
    collect,
    ids_of,
)
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_config,
    generate_metadata,
    put_test_checkpoint,
    put_test_checkpoints,
)

PUT, GET, LIST, PW = Capability.PUT, Capability.GET_TUPLE, Capability.LIST, Capability.PUT_WRITES
RUNS, COPY, PRUNE = Capability.DELETE_FOR_RUNS, Capability.COPY_THREAD, Capability.PRUNE


def _tc(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def _cid(config: dict[str, Any]) -> str:
    cid: str = config["configurable"]["checkpoint_id"]
    return cid


async def _ids(saver: Any, thread: str, ns: str | None = None) -> list[str]:
    config = _tc(thread) if ns is None else generate_config(thread, checkpoint_ns=ns)
    return ids_of(await collect(saver.alist(config)))


async def _run_chain(saver: Any, thread: str, runs: list[str], ns: str = "") -> list[Any]:
    config = generate_config(thread, checkpoint_ns=ns)
    stored = []
    for i, run in enumerate(runs):
        config = await put_test_checkpoint(
            saver,
            config,
            channel_values={"i": i},
            metadata=generate_metadata(step=i, run_id=run),
            version=i + 1,
        )
        stored.append(config)
    return stored


# ------------------------------------------------------------------------ delete_for_runs


@check(RUNS, PUT, LIST)
async def test_delete_for_runs_single(saver: Any) -> None:
    thread = str(uuid.uuid4())
    r1, r2 = f"run1-{thread}", f"run2-{thread}"
    stored = await _run_chain(saver, thread, [r1, r2])
    await saver.adelete_for_runs([r1])
    assert await _ids(saver, thread) == [_cid(stored[1])]


@check(RUNS, PUT, LIST)
async def test_delete_for_runs_multiple(saver: Any) -> None:
    thread = str(uuid.uuid4())
    runs = [f"run{i}-{thread}" for i in range(3)]
    stored = await _run_chain(saver, thread, runs)
    await saver.adelete_for_runs(runs[:2])
    assert await _ids(saver, thread) == [_cid(stored[2])]


@check(RUNS, PUT, LIST)
async def test_delete_for_runs_preserves_other_runs(saver: Any) -> None:
    t1, t2 = str(uuid.uuid4()), str(uuid.uuid4())
    await _run_chain(saver, t1, [f"doomed-{t1}"])
    kept = await _run_chain(saver, t2, [f"kept-{t2}"])
    await saver.adelete_for_runs([f"doomed-{t1}"])
    assert await _ids(saver, t1) == []
    assert await _ids(saver, t2) == [_cid(kept[0])]


@check(RUNS, PUT, GET, PW)
async def test_delete_for_runs_removes_writes(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await _run_chain(saver, thread, [f"run-{thread}"])
    await saver.aput_writes(stored[0], [("ch", "v")], "task-1")
    await saver.adelete_for_runs([f"run-{thread}"])
    assert await saver.aget_tuple(stored[0]) is None


@check(RUNS)
async def test_delete_for_runs_empty_list_noop(saver: Any) -> None:
    await saver.adelete_for_runs([])


@check(RUNS)
async def test_delete_for_runs_nonexistent_noop(saver: Any) -> None:
    await saver.adelete_for_runs([str(uuid.uuid4())])


@check(RUNS, PUT, LIST)
async def test_delete_for_runs_across_namespaces(saver: Any) -> None:
    thread = str(uuid.uuid4())
    run = f"run-{thread}"
    await _run_chain(saver, thread, [run], ns="")
    await _run_chain(saver, thread, [run], ns="child:1")
    await saver.adelete_for_runs([run])
    assert await _ids(saver, thread, "") == []
    assert await _ids(saver, thread, "child:1") == []


# ------------------------------------------------------------------------ copy_thread


@check(COPY, PUT, LIST)
async def test_copy_thread_basic(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoints(saver, 3, thread_id=src)
    await saver.acopy_thread(src, dst)
    assert len(await _ids(saver, dst)) == 3


@check(COPY, PUT, LIST)
async def test_copy_thread_all_checkpoints(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoints(saver, 4, thread_id=src)
    await saver.acopy_thread(src, dst)
    a = sorted(await collect(saver.alist(_tc(src))), key=lambda t: t.checkpoint["id"])
    b = sorted(await collect(saver.alist(_tc(dst))), key=lambda t: t.checkpoint["id"])
    assert len(a) == len(b), (len(a), len(b))
    for x, y in zip(a, b, strict=True):
        assert x.checkpoint["channel_values"] == y.checkpoint["channel_values"]


@check(COPY, PUT, LIST)
async def test_copy_thread_preserves_metadata(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    md = [generate_metadata(step=i, run_id=f"r{i}", custom={"k": i}) for i in range(3)]
    await put_test_checkpoints(saver, 3, thread_id=src, metadata=md)
    await saver.acopy_thread(src, dst)
    by_step = {t.metadata["step"]: t.metadata for t in await collect(saver.alist(_tc(dst)))}
    for original in md:
        copied = by_step.get(original["step"])
        assert copied is not None, f"step {original['step']} not copied"
        for key, value in original.items():
            assert copied.get(key) == value, f"metadata {key!r}: {copied.get(key)!r} != {value!r}"


@check(COPY, PUT, LIST)
async def test_copy_thread_preserves_namespaces(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoint(saver, generate_config(src))
    await put_test_checkpoint(saver, generate_config(src, checkpoint_ns="child:1"))
    await saver.acopy_thread(src, dst)
    assert len(await _ids(saver, dst, "")) == 1
    assert len(await _ids(saver, dst, "child:1")) == 1


@check(COPY, PUT, GET, PW)
async def test_copy_thread_preserves_writes(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 2, thread_id=src)
    await saver.aput_writes(stored[-1], [("ch", "val")], "task-1")
    await saver.acopy_thread(src, dst)
    tup = await saver.aget_tuple(generate_config(dst))
    assert tup is not None
    assert [(c, v) for _, c, v in tup.pending_writes or []] == [("ch", "val")]


@check(COPY, PUT, LIST)
async def test_copy_thread_preserves_ordering(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoints(saver, 4, thread_id=src)
    await saver.acopy_thread(src, dst)
    assert await _ids(saver, dst) == await _ids(saver, src), "copied ids must be unchanged"


@check(COPY, PUT, LIST)
async def test_copy_thread_source_unchanged(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoints(saver, 3, thread_id=src)
    before = await _ids(saver, src)
    await saver.acopy_thread(src, dst)
    assert await _ids(saver, src) == before


@check(COPY, LIST)
async def test_copy_thread_nonexistent_source(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        await saver.acopy_thread(src, dst)
    except Exception:  # noqa: S110 - raising is tolerated; the target must stay empty
        pass
    assert await _ids(saver, dst) == []


@check(COPY, PUT, GET, spec=False)
async def test_copy_thread_preserves_parents(saver: Any) -> None:
    src, dst = str(uuid.uuid4()), str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 3, thread_id=src)
    await saver.acopy_thread(src, dst)
    tup = await saver.aget_tuple(generate_config(dst, checkpoint_id=_cid(stored[2])))
    assert tup is not None and tup.parent_config is not None
    assert tup.parent_config["configurable"]["checkpoint_id"] == _cid(stored[1])
    assert tup.parent_config["configurable"]["thread_id"] == dst


# ------------------------------------------------------------------------ prune


@check(PRUNE, PUT, LIST)
async def test_prune_keep_latest_single_thread(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 4, thread_id=thread)
    await saver.aprune([thread], strategy="keep_latest")
    assert await _ids(saver, thread) == [_cid(stored[-1])]


@check(PRUNE, PUT, LIST)
async def test_prune_keep_latest_multiple_threads(saver: Any) -> None:
    threads = [str(uuid.uuid4()) for _ in range(2)]
    latest = {t: _cid((await put_test_checkpoints(saver, 3, thread_id=t))[-1]) for t in threads}
    await saver.aprune(threads, strategy="keep_latest")
    for t in threads:
        assert await _ids(saver, t) == [latest[t]]


@check(PRUNE, PUT, LIST)
async def test_prune_keep_latest_across_namespaces(saver: Any) -> None:
    thread = str(uuid.uuid4())
    root = await put_test_checkpoints(saver, 3, thread_id=thread)
    child = await put_test_checkpoints(saver, 3, thread_id=thread, checkpoint_ns="child:1")
    await saver.aprune([thread], strategy="keep_latest")
    assert await _ids(saver, thread, "") == [_cid(root[-1])]
    assert await _ids(saver, thread, "child:1") == [_cid(child[-1])]


@check(PRUNE, PUT, GET, PW)
async def test_prune_keep_latest_preserves_writes(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoints(saver, 3, thread_id=thread)
    await saver.aput_writes(stored[-1], [("ch", "val")], "task-1")
    await saver.aprune([thread], strategy="keep_latest")
    tup = await saver.aget_tuple(generate_config(thread))
    assert tup is not None and tup.checkpoint["id"] == _cid(stored[-1])
    assert [(c, v) for _, c, v in tup.pending_writes or []] == [("ch", "val")]
    assert tup.checkpoint["channel_values"] == {"step": 2}


@check(PRUNE, PUT, LIST)
async def test_prune_delete_all(saver: Any) -> None:
    thread = str(uuid.uuid4())
    await put_test_checkpoints(saver, 3, thread_id=thread)
    await put_test_checkpoints(saver, 2, thread_id=thread, checkpoint_ns="child:1")
    await saver.aprune([thread], strategy="delete")
    assert await _ids(saver, thread) == []


@check(PRUNE, PUT, LIST)
async def test_prune_preserves_other_threads(saver: Any) -> None:
    doomed, kept = str(uuid.uuid4()), str(uuid.uuid4())
    await put_test_checkpoints(saver, 3, thread_id=doomed)
    await put_test_checkpoints(saver, 3, thread_id=kept)
    before = await _ids(saver, kept)
    await saver.aprune([doomed], strategy="keep_latest")
    assert await _ids(saver, kept) == before


@check(PRUNE)
async def test_prune_empty_list_noop(saver: Any) -> None:
    await saver.aprune([], strategy="keep_latest")


@check(PRUNE)
async def test_prune_nonexistent_noop(saver: Any) -> None:
    await saver.aprune([str(uuid.uuid4())], strategy="keep_latest")


@check(PRUNE, PUT, LIST, GET, spec=False)
async def test_prune_keep_n(saver: Any) -> None:
    if not accepts_keyword(saver, "aprune", "keep"):
        raise CheckSkipped("prune() does not accept keep=")
    thread = str(uuid.uuid4())
    root = await put_test_checkpoints(saver, 5, thread_id=thread)
    child = await put_test_checkpoints(saver, 3, thread_id=thread, checkpoint_ns="child:1")
    await saver.aprune([thread], strategy="keep_latest", keep=2)
    assert await _ids(saver, thread, "") == [_cid(root[4]), _cid(root[3])]
    assert await _ids(saver, thread, "child:1") == [_cid(child[2]), _cid(child[1])]
    for cfg, step in ((root[3], 3), (root[4], 4)):
        tup = await saver.aget_tuple(cfg)
        assert tup is not None and tup.checkpoint["channel_values"] == {"step": step}
