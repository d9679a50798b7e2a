"""InMemorySaver's put / put_writes fast paths keep every guarantee of the slow ones."""

from __future__ import annotations

from typing import Any

import pytest

from langgraph.checkpoint.base import Checkpoint, empty_checkpoint
from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.errors import InvalidConfigError, SerializationError
from langgraph.checkpoint.memory import InMemorySaver


class Opaque:
    pass


def cfg(thread: Any, ns: Any = "", checkpoint_id: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"thread_id": thread, "checkpoint_ns": ns}
    if checkpoint_id:
        c["checkpoint_id"] = checkpoint_id
    return {"configurable": c}


def make_cp(values: dict[str, Any], cid: str | None = None) -> Checkpoint:
    cp = empty_checkpoint()
    cp["id"] = cid or str(uuid6(clock_seq=0))
    cp["channel_values"] = dict(values)
    cp["channel_versions"] = dict.fromkeys(values, 1)
    return cp


def test_put_error_names_the_channel_and_stores_nothing() -> None:
    saver = InMemorySaver()
    cp = make_cp({"ok": 1, "bad": {"deep": [Opaque()]}})
    with pytest.raises(SerializationError, match="channel 'bad'") as info:
        saver.put(cfg("t1"), cp, {}, {"ok": 1, "bad": 1})
    assert "thread 't1'" in str(info.value) and cp["id"] in str(info.value)
    assert info.value.path == "deep[0]"
    assert not saver.blobs and saver.get_tuple(cfg("t1")) is None


def test_put_error_names_metadata_and_checkpoint_fields() -> None:
    saver = InMemorySaver()
    with pytest.raises(SerializationError, match="metadata"):
        saver.put(cfg("t"), make_cp({"a": 1}), {"x": Opaque()}, {"a": 1})  # type: ignore[typeddict-unknown-key]
    cp = make_cp({"a": 1})
    cp["extra"] = Opaque()  # type: ignore[typeddict-unknown-key]
    with pytest.raises(SerializationError, match="checkpoint fields"):
        saver.put(cfg("t"), cp, {}, {"a": 1})
    assert not saver.blobs and not saver.storage.get("t")


def test_put_writes_error_names_the_write_and_stores_nothing() -> None:
    saver = InMemorySaver()
    with pytest.raises(
        SerializationError,
        match=r"write 1 to channel 'b'.*task 'task-9'|task 'task-9'.*write 1 to channel 'b'",
    ):
        saver.put_writes(cfg("t", "", "c1"), [("a", 1), ("b", Opaque())], "task-9")
    assert not any(saver.writes.values())


def test_non_string_thread_id_is_converted_on_both_paths() -> None:
    saver = InMemorySaver()
    saved = saver.put(cfg(42), make_cp({"a": 1}), {}, {"a": 1})
    assert saved["configurable"]["thread_id"] == "42"
    saver.put_writes(
        {
            "configurable": {
                "thread_id": 42,
                "checkpoint_id": saved["configurable"]["checkpoint_id"],
            }
        },
        [("a", 2)],
        "task",
    )
    loaded = saver.get_tuple(cfg("42"))
    assert loaded is not None and loaded.pending_writes == [("task", "a", 2)]
    with pytest.raises(InvalidConfigError, match="checkpoint_ns"):
        saver.put(cfg("t", 5), make_cp({}), {}, {})
    with pytest.raises(InvalidConfigError, match="'id'"):
        saver.put(cfg("t"), {**make_cp({}), "id": ""}, {}, {})
    with pytest.raises(InvalidConfigError, match="thread_id"):
        saver.put_writes({"configurable": {"thread_id": "", "checkpoint_id": "c"}}, [], "task")


def test_out_of_order_and_repeated_ids_keep_order_and_latest() -> None:
    saver = InMemorySaver()
    ids = [str(uuid6(clock_seq=i)) for i in range(4)]
    for cid in (ids[2], ids[0], ids[3], ids[1], ids[3]):  # out of order, one repeated
        saver.put(cfg("t"), make_cp({"v": cid}, cid), {}, {"v": 1})
    assert [t.checkpoint["id"] for t in saver.list(cfg("t"))] == ids[::-1]
    latest = saver.get_tuple(cfg("t"))
    assert latest is not None and latest.checkpoint["id"] == ids[3]


def test_metadata_is_merged_and_nul_stripped() -> None:
    saver = InMemorySaver()
    config = cfg("t")
    config["configurable"]["user"] = "ada\x00"
    config["configurable"]["__secret"] = "x"
    config["metadata"] = {"run_id": "r1", "nested": {"no": "copy"}}
    metadata: Any = {"source": "loop\x00", "step": 0, "writes": {"n": "a\x00b"}}
    saver.put(config, make_cp({"a": 1}), metadata, {"a": 1})
    loaded = saver.get_tuple(cfg("t"))
    assert loaded is not None
    assert loaded.metadata == {
        "source": "loop",
        "step": 0,
        "writes": {"n": "a\x00b"},  # only top-level strings are cleaned
        "run_id": "r1",
        "user": "ada",
    }
    assert metadata["source"] == "loop\x00"  # the caller's dict is not changed


def test_special_writes_replace_and_others_are_kept_across_tasks() -> None:
    saver = InMemorySaver()
    saved = saver.put(cfg("t"), make_cp({"a": 1}), {}, {"a": 1})
    saver.put_writes(saved, [("a", 1), ("__error__", "e1")], "t1")
    saver.put_writes(saved, [("a", 9), ("b", 2), ("__error__", "e2")], "t1")  # overlap
    saver.put_writes(saved, [("a", 3)], "t2")
    loaded = saver.get_tuple(saved)
    assert loaded is not None
    assert sorted(loaded.pending_writes or []) == sorted(
        [("t1", "a", 1), ("t1", "__error__", "e2"), ("t1", "b", 2), ("t2", "a", 3)]
    )


def test_mutating_scalars_and_lists_after_put_changes_nothing() -> None:
    saver = InMemorySaver()
    history = ["x"]
    cp = make_cp({"h": history, "s": "running", "n": 7})
    saved = saver.put(cfg("t"), cp, {}, {"h": 1, "s": 1, "n": 1})
    writes = [("h", history)]
    saver.put_writes(saved, writes, "task")
    history.append("y")
    cp["channel_values"]["s"] = "changed"
    loaded = saver.get_tuple(saved)
    assert loaded is not None
    assert loaded.checkpoint["channel_values"] == {"h": ["x"], "s": "running", "n": 7}
    assert loaded.pending_writes == [("task", "h", ["x"])]


class Text(str):
    pass


class Row(dict):  # type: ignore[type-arg]
    pass


SAMPLES: dict[str, Any] = {
    "list": [1, "a", {"b": [None, 2.5]}],
    "dict": {"k": "v", "n": {"deep": [1, 2]}},
    "short": "running",
    "long": "x" * 500,
    "int": 7,
    "big": 2**70,
    "none": None,
    "float": 0.25,
    "bool": True,
    "tuple": (1, 2),
    "bytes": b"\x00raw",
    "bytearray": bytearray(b"ba"),
    "text": Text("sub"),
    "row": Row(a=1),
    "nested_tuple": [("a", 1)],
}


def test_stored_encodings_match_dumps_typed() -> None:
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    saver = InMemorySaver(serde=JsonPlusSerializer(allowed_msgpack_modules=[Text, Row]))
    serde = saver.serde
    cp = make_cp(SAMPLES)
    metadata: Any = {"source": "loop", "step": 0, "parents": {}, "extra": (1,)}
    saved = saver.put(cfg("t"), cp, metadata, dict.fromkeys(SAMPLES, 1))
    for channel, value in SAMPLES.items():
        assert saver.blobs[("t", "", channel, 1)] == serde.dumps_typed(value), channel
    typed_cp, typed_md, parent = saver.storage["t"][""][cp["id"]]
    skeleton = {k: v for k, v in cp.items() if k != "channel_values"}
    assert typed_cp == serde.dumps_typed(skeleton)
    assert typed_md == serde.dumps_typed(metadata) and parent is None
    saver.put_writes(saved, list(SAMPLES.items()), "task")
    stored = saver.writes[("t", "", cp["id"])]
    for i, (channel, value) in enumerate(SAMPLES.items()):
        assert stored[("task", i)] == ("task", channel, serde.dumps_typed(value), "")
    loaded = saver.get_tuple(saved)
    assert loaded is not None
    assert loaded.checkpoint["channel_values"] == {**SAMPLES, "bytearray": bytearray(b"ba")}


def test_pickle_fallback_serializer_still_pickles() -> None:
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    saver = InMemorySaver(serde=JsonPlusSerializer(pickle_fallback=True))
    value = [Opaque()]
    saved = saver.put(cfg("t"), make_cp({"a": value, "b": {"o": Opaque()}}), {}, {"a": 1, "b": 1})
    saver.put_writes(saved, [("a", value)], "task")
    assert saver.blobs[("t", "", "a", 1)][0] == "pickle"
    assert saver.blobs[("t", "", "b", 1)][0] == "pickle"
    loaded = saver.get_tuple(saved)
    assert loaded is not None and type(loaded.checkpoint["channel_values"]["a"][0]) is Opaque
    assert loaded.pending_writes is not None and type(loaded.pending_writes[0][2][0]) is Opaque


def test_serializer_subclass_dumps_typed_is_honoured() -> None:
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    seen: list[Any] = []

    class Spy(JsonPlusSerializer):
        def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
            seen.append(obj)
            return super().dumps_typed(obj)

    saver = InMemorySaver(serde=Spy())
    saved = saver.put(cfg("t"), make_cp({"a": [1]}), {}, {"a": 1})
    saver.put_writes(saved, [("a", [2])], "task")
    assert [1] in seen and [2] in seen and {} in seen  # values, writes and metadata


def test_metadata_merge_rules_on_put() -> None:
    saver = InMemorySaver()
    saved = saver.put(cfg("t"), make_cp({"a": 1}), {"source": "a\x00b", "step": 0}, {"a": 1})  # type: ignore[typeddict-item]
    loaded = saver.get_tuple(saved)
    assert loaded is not None and loaded.metadata == {"source": "ab", "step": 0}
    config = cfg("t", "", saved["configurable"]["checkpoint_id"])
    config["configurable"]["user"] = "ada"
    saved = saver.put(config, make_cp({"a": 2}), {"step": 1}, {"a": 2})  # type: ignore[typeddict-item]
    loaded = saver.get_tuple(saved)
    assert loaded is not None and loaded.metadata == {"step": 1, "user": "ada"}
    config = cfg("t")
    config["metadata"] = {"run_id": "r"}
    saved = saver.put(config, make_cp({"a": 3}), {"step": 2}, {"a": 3})  # type: ignore[typeddict-item]
    loaded = saver.get_tuple(saved)
    assert loaded is not None and loaded.metadata == {"step": 2, "run_id": "r"}


@pytest.mark.parametrize("drop", ["delete_thread", "prune", "delete_for_runs"])
def test_unchanged_value_is_stored_again_after_its_blob_was_dropped(drop: str) -> None:
    saver = InMemorySaver()
    first = make_cp({"a": "kept", "b": 1}, str(uuid6(clock_seq=0)))
    saver.put(cfg("t"), first, {"run_id": "r1"}, {"a": 1, "b": 1})  # type: ignore[typeddict-unknown-key]
    second = make_cp({"a": "kept", "b": 2}, str(uuid6(clock_seq=1)))
    second["channel_versions"]["b"] = 2
    if drop == "delete_thread":
        saver.delete_thread("t")
    elif drop == "delete_for_runs":
        saver.delete_for_runs(["r1"])
    else:
        third = make_cp({"b": 3}, str(uuid6(clock_seq=2)))
        third["channel_versions"] = {"b": 3}
        saver.put(cfg("t"), third, {}, {"b": 3})
        saver.prune(["t"])  # keeps the third, whose versions do not reference a=1
    assert ("t", "", "a", 1) not in saver.blobs
    # "a" keeps version 1 and is not in new_versions: its value must be stored again.
    saver.put(cfg("t"), second, {}, {"b": 2})
    loaded = saver.get_tuple(cfg("t", "", second["id"]))
    assert loaded is not None and loaded.checkpoint["channel_values"] == {"a": "kept", "b": 2}


def test_unchanged_values_with_other_versions_are_checked() -> None:
    saver = InMemorySaver()
    first = make_cp({"a": "one"}, str(uuid6(clock_seq=0)))
    saver.put(cfg("t"), first, {}, {"a": 1})
    # A fork whose "a" has a version this namespace never stored, left out of new_versions.
    fork = make_cp({"a": "fork"}, str(uuid6(clock_seq=1)))
    fork["channel_versions"] = {"a": 7}
    saver.put(cfg("t"), fork, {}, {})
    loaded = saver.get_tuple(cfg("t", "", fork["id"]))
    assert loaded is not None and loaded.checkpoint["channel_values"] == {"a": "fork"}
    assert saver.blobs[("t", "", "a", 1)] == saver.serde.dumps_typed("one")


def test_dumps_typed_patched_on_the_instance_is_used() -> None:
    saver = InMemorySaver()
    serde = saver.serde = type(saver.serde)()  # not the shared default instance
    seen: list[Any] = []
    original = serde.dumps_typed

    def spy(obj: Any) -> tuple[str, bytes]:
        seen.append(obj)
        return original(obj)

    serde.dumps_typed = spy  # type: ignore[method-assign]
    saved = saver.put(cfg("t"), make_cp({"a": [1]}), {}, {"a": 1})
    saver.put_writes(saved, [("a", [2])], "task")
    assert [1] in seen and [2] in seen
