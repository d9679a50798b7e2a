import asyncio
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from langgraph.checkpoint.base import Checkpoint, empty_checkpoint
from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.errors import InvalidConfigError
from langgraph.checkpoint.memory import InMemorySaver, MemorySaver, PersistentDict


def cfg(thread: str, ns: str = "", checkpoint_id: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"thread_id": thread, "checkpoint_ns": ns}
    if checkpoint_id:
        c["checkpoint_id"] = checkpoint_id
    return {"configurable": c}


def make_cp(values: dict[str, Any], versions: dict[str, Any] | None = None) -> Checkpoint:
    cp = empty_checkpoint()
    cp["id"] = str(uuid6(clock_seq=0))
    cp["v"] = 4
    cp["channel_values"] = dict(values)
    cp["channel_versions"] = versions if versions is not None else {k: 1 for k in values}
    return cp


def chain(saver: InMemorySaver, thread: str, n: int, ns: str = "", **meta: Any) -> list[str]:
    ids: list[str] = []
    parent: str | None = None
    for i in range(n):
        cp = make_cp({"step": i}, {"step": i + 1})
        returned = saver.put(
            cfg(thread, ns, parent), cp, {"source": "loop", "step": i, **meta}, {"step": i + 1}
        )
        parent = returned["configurable"]["checkpoint_id"]
        ids.append(parent)
    return ids


def test_memory_saver_alias() -> None:
    assert MemorySaver is InMemorySaver


def test_put_get_roundtrip_and_parent() -> None:
    saver = InMemorySaver()
    ids = chain(saver, "t1", 3)
    latest = saver.get_tuple(cfg("t1"))
    assert latest is not None
    assert latest.checkpoint["id"] == ids[-1]
    assert latest.checkpoint["channel_values"] == {"step": 2}
    assert latest.parent_config == cfg("t1", "", ids[1])
    assert latest.metadata == {"source": "loop", "step": 2}
    first = saver.get_tuple(cfg("t1", "", ids[0]))
    assert first is not None and first.parent_config is None
    assert saver.get_tuple(cfg("nope")) is None
    assert saver.get_tuple(cfg("t1", "", str(uuid6()))) is None


def test_stored_values_do_not_change_when_caller_mutates() -> None:
    saver = InMemorySaver()
    messages = [{"role": "user", "content": "hi"}]
    cp = make_cp({"messages": messages})
    saver.put(cfg("t"), cp, {"step": 0}, {"messages": 1})
    messages.append({"role": "ai", "content": "mutated"})
    cp["channel_versions"]["messages"] = 99
    loaded = saver.get_tuple(cfg("t"))
    assert loaded is not None
    assert loaded.checkpoint["channel_values"]["messages"] == [{"role": "user", "content": "hi"}]
    assert loaded.checkpoint["channel_versions"]["messages"] == 1


def test_refused_value_stores_nothing() -> None:
    saver = InMemorySaver()

    class Opaque:
        pass

    cp = make_cp({"ok": 1, "bad": Opaque()})
    with pytest.raises(TypeError):
        saver.put(cfg("t"), cp, {}, {"ok": 1, "bad": 1})
    assert saver.get_tuple(cfg("t")) is None
    assert not saver.blobs
    with pytest.raises(TypeError):
        saver.put_writes(cfg("t", "", "c1"), [("a", 1), ("b", Opaque())], "task")
    assert not any(saver.writes.values())


def test_values_without_new_versions_are_still_stored() -> None:
    saver = InMemorySaver()
    saver.put(cfg("t"), make_cp({"a": "x"}), {}, {})
    loaded = saver.get_tuple(cfg("t"))
    assert loaded is not None and loaded.checkpoint["channel_values"] == {"a": "x"}


def test_bad_config_errors_name_the_key() -> None:
    saver = InMemorySaver()
    with pytest.raises(InvalidConfigError, match="thread_id"):
        saver.put({"configurable": {"checkpoint_ns": ""}}, make_cp({}), {}, {})
    with pytest.raises(InvalidConfigError, match="checkpoint_ns"):
        saver.put({"configurable": {"thread_id": "t"}}, make_cp({}), {}, {})
    with pytest.raises(InvalidConfigError, match="checkpoint_id"):
        saver.put_writes(cfg("t"), [("a", 1)], "task")


def test_put_writes_rules() -> None:
    saver = InMemorySaver()
    [cid] = chain(saver, "t", 1)
    c = cfg("t", "", cid)
    saver.put_writes(c, [("a", 1), ("__error__", "e1")], "task1")
    saver.put_writes(c, [("a", 2), ("__error__", "e2")], "task1")
    saver.put_writes(c, [("b", 3)], "task2")
    loaded = saver.get_tuple(c)
    assert loaded is not None
    assert sorted(loaded.pending_writes or []) == sorted(
        [("task1", "a", 1), ("task1", "__error__", "e2"), ("task2", "b", 3)]
    )


def test_list_filters_before_limit_and_namespaces() -> None:
    saver = InMemorySaver()
    ids = chain(saver, "t", 5)
    child = chain(saver, "t", 2, ns="child:1")
    other = chain(saver, "u", 1, user="x")
    assert [t.checkpoint["id"] for t in saver.list(cfg("t"))] == ids[::-1]
    assert [t.checkpoint["id"] for t in saver.list({"configurable": {"thread_id": "t"}})] == (
        ids[::-1] + child[::-1]
    )
    assert [
        t.checkpoint["id"] for t in saver.list(cfg("t"), before=cfg("t", "", ids[3]), limit=2)
    ] == [
        ids[2],
        ids[1],
    ]
    assert [t.metadata["step"] for t in saver.list(cfg("t"), filter={"step": {"$gte": 3}})] == [
        4,
        3,
    ]
    assert [t.checkpoint["id"] for t in saver.list(None, filter={"user": "x"})] == other
    assert len(list(saver.list(None))) == 8
    assert list(saver.list(cfg("t"), limit=0)) == []
    assert [t.checkpoint["id"] for t in saver.list(cfg("t", "", ids[2]))] == [ids[2]]


def test_delete_copy_prune_and_runs() -> None:
    saver = InMemorySaver()
    a = chain(saver, "a", 4, run_id="r1")
    chain(saver, "a", 2, ns="child:1", run_id="r2")
    saver.put_writes(cfg("a", "", a[-1]), [("x", 1)], "task")

    saver.copy_thread("a", "b")
    assert [t.checkpoint["id"] for t in saver.list(cfg("b"))] == a[::-1]
    copied = saver.get_tuple(cfg("b"))
    assert copied is not None and copied.pending_writes == [("task", "x", 1)]

    saver.prune(["a"], keep=2)
    assert [t.checkpoint["id"] for t in saver.list(cfg("a"))] == a[:-3:-1]
    assert len(list(saver.list(cfg("a", "child:1")))) == 2
    saver.prune(["a"])
    assert len(list(saver.list({"configurable": {"thread_id": "a"}}))) == 2
    kept = saver.get_tuple(cfg("a"))
    assert kept is not None and kept.checkpoint["channel_values"] == {"step": 3}
    assert kept.pending_writes == [("task", "x", 1)]

    saver.delete_for_runs(["r2"])
    assert list(saver.list(cfg("b", "child:1"))) == []
    assert len(list(saver.list(cfg("b")))) == 4

    saver.prune(["b"], strategy="delete")
    assert list(saver.list({"configurable": {"thread_id": "b"}})) == []
    assert not [k for k in saver.blobs if k[0] == "b"]
    with pytest.raises(ValueError, match="unknown prune strategy"):
        saver.prune(["a"], strategy="nope")

    saver.delete_thread("a")
    assert saver.get_tuple(cfg("a")) is None
    assert not saver.blobs and not any(saver.writes)


def test_unchanged_channels_reuse_older_blobs() -> None:
    saver = InMemorySaver()
    cp1 = make_cp({"a": "v1", "b": "v2"}, {"a": 1, "b": 1})
    c1 = saver.put(cfg("t"), cp1, {}, {"a": 1, "b": 1})
    cp2 = make_cp({"a": "v1-new", "b": "v2"}, {"a": 2, "b": 1})
    saver.put(c1, cp2, {}, {"a": 2})
    latest = saver.get_tuple(cfg("t"))
    assert latest is not None and latest.checkpoint["channel_values"] == {"a": "v1-new", "b": "v2"}
    assert len(saver.blobs) == 3


def test_concurrent_threads_and_tasks() -> None:
    saver = InMemorySaver()

    def writer(name: str) -> None:
        chain(saver, name, 30)

    threads = [threading.Thread(target=writer, args=(f"os-{i}",)) for i in range(8)]
    for t in threads:
        t.start()

    async def task_writer(name: str) -> None:
        parent: str | None = None
        for i in range(30):
            cp = make_cp({"step": i}, {"step": i + 1})
            r = await saver.aput(cfg(name, "", parent), cp, {"step": i}, {"step": i + 1})
            parent = r["configurable"]["checkpoint_id"]
            await saver.aput_writes(r, [("w", i)], "task")
            await asyncio.sleep(0)

    async def run_tasks() -> None:
        await asyncio.gather(*(task_writer(f"task-{i}") for i in range(8)))

    asyncio.run(run_tasks())
    for t in threads:
        t.join()
    for i in range(8):
        assert len(list(saver.list(cfg(f"os-{i}")))) == 30
        hist = list(saver.list(cfg(f"task-{i}")))
        assert len(hist) == 30
        assert all(h.pending_writes == [("task", "w", h.metadata["step"])] for h in hist)


async def test_async_api_matches_sync() -> None:
    saver = InMemorySaver()
    ids = chain(saver, "t", 3)
    got = await saver.aget_tuple(cfg("t"))
    assert got == saver.get_tuple(cfg("t"))
    listed = [t async for t in saver.alist(cfg("t"), limit=2)]
    assert [t.checkpoint["id"] for t in listed] == ids[:0:-1]
    await saver.acopy_thread("t", "t2")
    await saver.aprune(["t2"])
    assert len([t async for t in saver.alist(cfg("t2"))]) == 1
    await saver.adelete_for_runs([])
    await saver.adelete_thread("t")
    assert await saver.aget_tuple(cfg("t")) is None


def test_delta_channel_history_walk() -> None:
    saver = InMemorySaver()
    parent: str | None = None
    configs = []
    for step in range(5):
        values = {"messages": [step]} if step == 0 else {}
        cp = make_cp(values, {"messages": 1} if step == 0 else {})
        r = saver.put(cfg("t", "", parent), cp, {"step": step}, dict(cp["channel_versions"]))
        if step:
            saver.put_writes(r, [("messages", step)], f"task-{step}")
        parent = r["configurable"]["checkpoint_id"]
        configs.append(r)
    history = saver.get_delta_channel_history(config=configs[-1], channels=["messages"])
    assert history["messages"]["writes"] == [
        ("task-1", "messages", 1),
        ("task-2", "messages", 2),
        ("task-3", "messages", 3),
    ]
    assert history["messages"]["seed"] == [0]


def test_persistent_dict_factory(tmp_path: Path) -> None:
    path = tmp_path / "store.pkl"
    pd = PersistentDict(filename=str(path))
    pd["a"] = 1
    pd.sync()
    loaded = PersistentDict(filename=str(path))
    loaded.load()
    assert dict(loaded) == {"a": 1}
    assert isinstance(loaded, defaultdict)
