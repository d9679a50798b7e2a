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
        # one list() call: every checkpoint has its own list object (its elements may be
        # shared with the other checkpoints of the same call)
        items[1].checkpoint["channel_values"]["messages"].append("junk")
        items[1].checkpoint["channel_values"]["messages"][0]["n"] = 99
        assert len(items[0].checkpoint["channel_values"]["messages"]) == 7
        assert len(items[2].checkpoint["channel_values"]["messages"]) == 5
        # ... and nothing is shared with another call or with the saver's caches
        assert list(saver.list(CFG))[1].checkpoint["channel_values"]["messages"] == _msgs(6)
        again = saver.get_tuple(CFG)
        assert again is not None and again.checkpoint["channel_values"]["messages"] == _msgs(7)


def test_list_pages_of_nested_lists(db_path: str) -> None:
    # elements too deep to copy from templates are decoded once per page
    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = None
        for i in range(1, 6):
            values = {"a": _msgs(i + 1, nested=True), "b": _msgs(i + 1)}
            cfg = _put(saver, i, values, cfg and cfg["configurable"]["checkpoint_id"])
        for _ in range(2):
            items = list(saver.list(CFG))
            assert [t.checkpoint["channel_values"] for t in items] == [
                {"a": _msgs(n, nested=True), "b": _msgs(n)} for n in range(6, 1, -1)
            ]
            items[0].checkpoint["channel_values"]["a"][0]["extra"]["k"].append(7)
            items[0].checkpoint["channel_values"]["b"][0]["id"] = "changed"
        assert [len(t.checkpoint["channel_values"]["a"]) for t in saver.list(CFG, limit=2)] == [
            6,
            5,
        ]
        tup = saver.get_tuple(CFG)
        assert tup is not None
        assert tup.checkpoint["channel_values"] == {"a": _msgs(6, nested=True), "b": _msgs(6)}


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


def test_reused_rows_follow_every_change(db_path: str) -> None:
    # the rows of a repeated get_tuple are reused only while nothing changed
    with SqliteSaver.from_conn_string(db_path) as one:
        cfg = _put(one, 1, {"messages": _msgs(3)})
        by_id = {"configurable": {**CFG["configurable"], "checkpoint_id": _ckpt(1, {})["id"]}}
        for config in (CFG, by_id):
            tup = one.get_tuple(config)
            assert tup is not None and tup.pending_writes == []
        statements: list[str] = []
        one.conn.set_trace_callback(statements.append)
        assert one.get_tuple(CFG) is not None
        one.conn.set_trace_callback(None)
        assert statements == ["PRAGMA data_version"]
        # another connection's commit
        other = sqlite3.connect(db_path)
        with SqliteSaver(other) as two:
            two.put_writes(cfg, [("a", 1)], "task-1")
            for config in (CFG, by_id):
                tup = one.get_tuple(config)
                assert tup is not None and tup.pending_writes == [("task-1", "a", 1)]
            # a change made through this connection by someone else than the saver
            one.conn.execute("DELETE FROM lg_writes")
            one.conn.commit()
            for config in (CFG, by_id):
                tup = one.get_tuple(config)
                assert tup is not None and tup.pending_writes == []
            # a newer checkpoint written by the other saver
            two.put(
                cfg,
                _ckpt(2, {"messages": _msgs(4)}),  # type: ignore[arg-type]
                {"step": 2},
                {"messages": f"{3:032}.{0.5:016}"},
            )
            tup = one.get_tuple(CFG)
            assert tup is not None and tup.checkpoint["channel_values"]["messages"] == _msgs(4)
        other.close()


def test_cold_list_page_costs_a_fixed_number_of_statements(db_path: str) -> None:
    # every checkpoint has its own blob version and a longer list: a cold saver still
    # reads one page with a fixed number of statements, whatever the page size
    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = None
        for i in range(1, 41):
            values = {"doc": "x" * 200 + str(i), "messages": _msgs(i + 1)}
            cfg = _put(saver, i, values, cfg and cfg["configurable"]["checkpoint_id"])
            saver.put_writes(cfg, [("doc", i)], f"task-{i}")
    with SqliteSaver.from_conn_string(db_path) as cold:
        cold.setup()
        statements: list[str] = []
        cold.conn.set_trace_callback(statements.append)
        items = list(cold.list(CFG, limit=40))
        cold.conn.set_trace_callback(None)
        assert [t.checkpoint["channel_values"]["doc"] for t in items] == [
            "x" * 200 + str(i) for i in range(40, 0, -1)
        ]
        assert [len(t.checkpoint["channel_values"]["messages"]) for t in items] == list(
            range(41, 1, -1)
        )
        assert all(
            t.pending_writes == [(f"task-{n}", "doc", n)]
            for n, t in zip(range(40, 0, -1), items, strict=True)
        )
        selects = [s for s in statements if s.startswith("SELECT")]
        # thread id, page rows, page writes, page blobs, page elements
        assert len(selects) <= 5, selects


def test_returned_metadata_is_independent(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
        metas = ({"step": 1, "parents": {}, "tags": ["a"]}, {"deep": {"k": [1]}})
        for i, meta in enumerate(metas):
            ckpt = _ckpt(i, {"n": 1})
            saver.put(config, ckpt, meta, ckpt["channel_versions"])  # type: ignore[arg-type]
            for _ in range(3):
                tup = saver.get_tuple(CFG)
                assert tup is not None and tup.metadata == meta
                listed = next(iter(saver.list(CFG)))
                assert listed.metadata == meta and listed.metadata is not tup.metadata
                for got in (tup.metadata, listed.metadata):
                    for value in got.values():
                        if isinstance(value, dict):
                            value["x"] = 1
                        elif isinstance(value, list):
                            value.append(2)
                    got["step"] = 99  # type: ignore[typeddict-unknown-key]


def test_copied_messages_with_flat_containers_are_independent(db_path: str) -> None:
    # message dicts holding a flat dict and a flat list are copied from templates
    def msgs(n: int) -> list[dict[str, Any]]:
        return [{"id": f"m{i}", "meta": {"tokens": i}, "tags": ["a", i]} for i in range(n)]

    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = None
        for i in range(1, 4):
            cfg = _put(
                saver, i, {"messages": msgs(i + 1)}, cfg and cfg["configurable"]["checkpoint_id"]
            )
        for _ in range(3):
            tup = saver.get_tuple(CFG)
            assert tup is not None and tup.checkpoint["channel_values"]["messages"] == msgs(4)
            listed = [t.checkpoint["channel_values"]["messages"] for t in saver.list(CFG)]
            assert listed == [msgs(4), msgs(3), msgs(2)]
            for got in (tup.checkpoint["channel_values"]["messages"], listed[0]):
                got[0]["meta"]["tokens"] = 99
                got[0]["tags"].append("x")
                got[1]["id"] = "changed"
