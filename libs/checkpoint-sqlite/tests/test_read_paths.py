"""The fast read paths: one-statement get_tuple, decoded-list templates, body plans."""

from __future__ import annotations

import sqlite3
from typing import Any

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

CFG = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}


def _ckpt(i: int, values: dict[str, Any]) -> dict[str, Any]:
    versions = {ch: f"{i + 1:032}.{0.5:016}" for ch in values}
    return {
        "v": 4,
        "id": f"1f0e1f53-6a1b-6c7e-8001-{i:012x}",
        "ts": "2026-11-21T06:51:13.124825+00:00",
        "channel_values": values,
        "channel_versions": versions,
        "versions_seen": {"node": dict(versions)},
        "updated_channels": list(values),
    }


def _msgs(n: int, nested: bool = False) -> list[Any]:
    if nested:
        return [{"id": f"m{i}", "extra": {"k": [i]}} for i in range(n)]
    return [{"id": f"m{i}", "content": "x" * i, "n": i, "f": None} for i in range(n)]


def _put(saver: SqliteSaver, i: int, values: dict[str, Any], parent: str | None = None) -> Any:
    config: dict[str, Any] = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
    if parent:
        config["configurable"]["checkpoint_id"] = parent
    ckpt = _ckpt(i, values)
    return saver.put(config, ckpt, {"step": i}, ckpt["channel_versions"])  # type: ignore[arg-type]


def test_returned_lists_are_independent(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = None
        for i in range(1, 6):
            cfg = _put(
                saver, i, {"messages": _msgs(i + 2)}, cfg and cfg["configurable"]["checkpoint_id"]
            )
        first = saver.get_tuple(CFG)
        assert first is not None
        first.checkpoint["channel_values"]["messages"][0]["id"] = "mutated"
        first.checkpoint["channel_values"]["messages"].append("junk")
        first.checkpoint["channel_versions"]["messages"] = "junk"
        first.checkpoint["versions_seen"]["node"]["messages"] = "junk"
        for _ in range(3):
            again = saver.get_tuple(CFG)
            assert again is not None
            assert again.checkpoint["channel_values"]["messages"] == _msgs(7)
            assert again.checkpoint["channel_versions"]["messages"] == f"{6:032}.{0.5:016}"
            assert again.checkpoint["versions_seen"]["node"]["messages"] != "junk"
        items = list(saver.list(CFG))
        assert [len(t.checkpoint["channel_values"]["messages"]) for t in items] == [7, 6, 5, 4, 3]
        items[1].checkpoint["channel_values"]["messages"][0]["n"] = 99
        assert items[0].checkpoint["channel_values"]["messages"][0]["n"] == 0
        assert items[2].checkpoint["channel_values"]["messages"][0]["n"] == 0
        assert list(saver.list(CFG))[1].checkpoint["channel_values"]["messages"] == _msgs(6)


def test_nested_and_duplicate_lists(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        _put(saver, 1, {"a": _msgs(3, nested=True), "b": _msgs(3), "c": _msgs(3)})
        for _ in range(3):
            tup = saver.get_tuple(CFG)
            assert tup is not None
            values = tup.checkpoint["channel_values"]
            assert values == {"a": _msgs(3, nested=True), "b": _msgs(3), "c": _msgs(3)}
            assert values["b"] is not values["c"]
            assert values["b"][0] is not values["c"][0]
            values["a"][0]["extra"]["k"].append(1)
            values["b"][0]["id"] = "changed"
        tup = saver.get_tuple(CFG)
        assert tup is not None and tup.checkpoint["channel_values"]["b"] == _msgs(3)


def test_growing_list_and_cold_caches(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = None
        for i in range(1, 8):
            cfg = _put(
                saver, i, {"messages": _msgs(i + 1)}, cfg and cfg["configurable"]["checkpoint_id"]
            )
            tup = saver.get_tuple(CFG)
            assert tup is not None and tup.checkpoint["channel_values"]["messages"] == _msgs(i + 1)
        old = saver.get_tuple(
            {"configurable": {**CFG["configurable"], "checkpoint_id": _ckpt(3, {})["id"]}}
        )
        assert old is not None and old.checkpoint["channel_values"]["messages"] == _msgs(4)
        assert old.parent_config is not None
    with SqliteSaver.from_conn_string(db_path) as cold:
        tup = cold.get_tuple(CFG)
        assert tup is not None and tup.checkpoint["channel_values"]["messages"] == _msgs(8)
        assert [len(t.checkpoint["channel_values"]["messages"]) for t in cold.list(CFG)] == [
            8,
            7,
            6,
            5,
            4,
            3,
            2,
        ]


def test_get_tuple_is_one_statement_when_cached(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = _put(saver, 1, {"messages": _msgs(3), "n": 1})
        saver.put_writes(cfg, [("b", 2), ("a", [1])], "task-2")
        saver.put_writes(cfg, [("z", None)], "task-1")
        saver.get_tuple(CFG)
        statements: list[str] = []
        saver.conn.set_trace_callback(statements.append)
        tup = saver.get_tuple(CFG)
        saver.conn.set_trace_callback(None)
        assert len(statements) == 1, statements
        assert tup is not None
        assert tup.pending_writes == [
            ("task-1", "z", None),
            ("task-2", "b", 2),
            ("task-2", "a", [1]),
        ]


def test_other_connection_delete_is_seen(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as one:
        _put(one, 1, {"messages": _msgs(3)})
        assert one.get_tuple(CFG) is not None
        other = sqlite3.connect(db_path)
        with SqliteSaver(other) as two:
            two.delete_thread("t")
        other.close()
        assert one.get_tuple(CFG) is None


def test_build_checkpoint_matches_decode_checkpoint() -> None:
    serde = JsonPlusSerializer()
    values = {"messages": _msgs(4), "nested": _msgs(2, nested=True), "n": 3, "s": "x", "z": None}
    values["d"] = {"k": list(range(50))}
    ckpt = _ckpt(1, values)
    ckpt["extra_key"] = {"a": 1}
    enc = codec.encode_checkpoint(ckpt, ckpt["channel_versions"], serde.dumps_typed)
    blobs = {(ch, vk): data for ch, vk, data in enc.blobs}
    elements = {ref.hash: ref.data or b"" for ref in enc.elements}
    writes = [
        (codec.id_key("task"), "a", codec.encode_value(v, serde.dumps_typed))
        for v in (1, None, [1])
    ]
    expected = codec.decode_checkpoint(ckpt["id"], enc.body, blobs, elements, serde.loads_typed)
    plan = codec.plan_body(enc.body)
    for _ in range(2):  # the second build reuses the plan's decoded scalars
        got, pending = codec.build_checkpoint(
            plan, ckpt["id"], blobs, elements, serde.loads_typed, None, writes
        )
        assert got == expected
        assert pending == codec.decode_writes(writes, serde.loads_typed)
        got["channel_values"]["messages"].append(1)
        got["versions_seen"]["node"].clear()
