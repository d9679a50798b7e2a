"""Unit tests of the shared sans-I/O codec (no database)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from langgraph.checkpoint.base import WRITES_IDX_MAP, next_string_version
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.base._filters import metadata_matches
from langgraph.checkpoint.errors import (
    DeserializationError,
    InvalidFilterError,
    SerializationError,
)
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

SERDE = JsonPlusSerializer()


def _checkpoint(values: dict[str, Any], versions: dict[str, Any]) -> dict[str, Any]:
    return {
        "v": 4,
        "id": "1f0e1f53-6a1b-6c7e-8001-0123456789ab",
        "ts": "2026-11-21T06:51:13.124825+00:00",
        "channel_values": values,
        "channel_versions": versions,
        "versions_seen": {"node": dict(versions), "__input__": {}},
        "updated_channels": sorted(versions),
    }


def _roundtrip(ckpt: dict[str, Any], new_versions: dict[str, Any]) -> dict[str, Any]:
    enc = codec.encode_checkpoint(ckpt, new_versions, SERDE.dumps_typed)
    blobs = {(ch, vk): data for ch, vk, data in enc.blobs}
    for ch, vk, value in enc.maybe_blobs:
        blobs[(ch, vk)] = codec.encode_value(value, SERDE.dumps_typed)
    elements = {e.hash: e.data for e in enc.elements if e.data is not None}
    return codec.decode_checkpoint(ckpt["id"], enc.body, blobs, elements, SERDE.loads_typed)


def test_pack_typed_roundtrip() -> None:
    for typed in [("msgpack", b"\x01"), ("json", b"{}"), ("custom+aes", b"xyz"), ("empty", b"")]:
        assert codec.unpack_typed(codec.pack_typed(typed)) == typed
    assert len(codec.pack_typed(("msgpack", b"ab"))) == 3
    with pytest.raises(DeserializationError):
        codec.unpack_typed(b"")


def test_id_keys_are_order_preserving_and_exact() -> None:
    ids = sorted(str(uuid.uuid4()) for _ in range(50))
    keys = [codec.id_key(i) for i in ids]
    assert all(isinstance(k, bytes) and len(k) == 16 for k in keys)
    assert sorted(keys) == keys
    assert [codec.id_from_key(k) for k in keys] == ids
    for odd in ["1", "checkpoint-1", str(uuid.uuid4()).upper(), "x" * 36]:
        assert codec.id_key(odd) == odd
        assert codec.id_from_key(codec.id_key(odd)) == odd


def test_version_keys_compact_and_exact() -> None:
    v = next_string_version(None)
    for _ in range(20):
        key = codec.version_key(v)
        assert codec._dec_version(codec._enc_version(v)) == v
        if not v.split(".", 1)[1].startswith("00"):  # see below
            assert isinstance(key, bytes) and len(key) < 16
        v = next_string_version(v)
    # A fraction whose shortest repr is under 16 characters is zero-padded ("00.57..."):
    # such versions keep their text as key. Compacting them now would change the key of
    # values already stored under them.
    for frac in (0.123456789012345678, 0.5763017138377, 1.234e-05):
        v = f"{7:032}.{frac:016}"
        assert codec._dec_version(codec._enc_version(v)) == v
        key = codec.version_key(v)
        assert key == v if v.split(".", 1)[1].startswith("00") else isinstance(key, bytes)
    assert codec.version_key(3) == 3
    assert codec.version_key("1.weird") == "1.weird"
    with pytest.raises(SerializationError):
        codec.version_key(object())


def test_checkpoint_roundtrip_all_value_kinds() -> None:
    v1, v2 = next_string_version(None), next_string_version(1)
    messages = [{"id": f"m{i}", "content": "x" * 100} for i in range(5)]
    values = {
        "messages": messages,
        "counter": 3,
        "flag": True,
        "nothing": None,
        "long": "y" * 500,
        "nested": {"a": [1, 2, {"b": 3}]},
        "small_list": [1, 2, 3],
        "one": [{"a": 1}],
    }
    versions = {ch: v2 for ch in values} | {"empty_channel": v1}
    ckpt = _checkpoint(values, versions)
    ckpt["pending_sends"] = []
    back = _roundtrip(ckpt, versions)
    assert back == ckpt


def test_scalars_inline_lists_addressed() -> None:
    v = next_string_version(None)
    values = {"n": 1, "s": "short", "msgs": [{"a": i} for i in range(4)], "d": {"k": 1}}
    enc = codec.encode_checkpoint(
        _checkpoint(values, {k: v for k in values}), {k: v for k in values}, SERDE.dumps_typed
    )
    assert [b[0] for b in enc.blobs] == ["d"]
    assert len(enc.elements) == 4
    keys, hashes = codec.body_refs(enc.body)
    assert keys == [("d", codec.version_key(v))]
    assert hashes == [e.hash for e in enc.elements]
    assert codec.body_channels(enc.body) == {"n", "s", "msgs", "d"}


def test_unchanged_channel_becomes_maybe_blob() -> None:
    v = next_string_version(None)
    values = {"d": {"k": 1}, "n": 2}
    enc = codec.encode_checkpoint(
        _checkpoint(values, {"d": v, "n": v}), {"n": v}, SERDE.dumps_typed
    )
    assert enc.blobs == []
    assert [(m[0], m[2]) for m in enc.maybe_blobs] == [("d", {"k": 1})]


def test_equal_elements_share_hashes_and_lazy_mode() -> None:
    a = _checkpoint({"m": [{"x": 1}, {"y": 2}]}, {"m": "1"})
    b = _checkpoint({"m": [{"x": 1}, {"y": 2}, {"z": 3}]}, {"m": "2"})
    ea = codec.encode_checkpoint(a, {"m": "1"}, SERDE.dumps_typed)
    eb = codec.encode_checkpoint(b, {"m": "2"}, SERDE.dumps_typed)
    assert [e.hash for e in eb.elements][:2] == [e.hash for e in ea.elements]
    lazy = codec.encode_checkpoint(
        b, {"m": "2"}, SERDE.dumps_typed, hash_dumps=SERDE.dumps_typed, hash_key=b"k" * 16
    )
    assert all(e.data is None for e in lazy.elements)
    assert [e.hash for e in lazy.elements] != [e.hash for e in eb.elements]


def test_missing_element_is_an_error_missing_blob_is_empty() -> None:
    v = "1"
    ckpt = _checkpoint({"m": [{"x": 1}, {"y": 2}], "d": {"a": 1}}, {"m": v, "d": v})
    enc = codec.encode_checkpoint(ckpt, {"m": v, "d": v}, SERDE.dumps_typed)
    with pytest.raises(DeserializationError, match="missing list element"):
        codec.decode_checkpoint(ckpt["id"], enc.body, {}, {}, SERDE.loads_typed)
    elements = {e.hash: e.data for e in enc.elements if e.data}
    back = codec.decode_checkpoint(ckpt["id"], enc.body, {}, elements, SERDE.loads_typed)
    assert "d" not in back["channel_values"]


def test_ready_lists_path_matches_elements_path() -> None:
    ckpt = _checkpoint({"m": [{"i": i} for i in range(20)]}, {"m": "1"})
    enc = codec.encode_checkpoint(ckpt, {"m": "1"}, SERDE.dumps_typed)
    packed = [e.data for e in enc.elements if e.data]
    payload, ends = codec.join_plain(packed) or (b"", [])
    assert len(ends) == 20
    ((_, raw),) = codec.body_lists(enc.body)
    ready = {raw: codec.msgpack_list(20, payload)}
    back = codec.decode_checkpoint(ckpt["id"], enc.body, {}, {}, SERDE.loads_typed, ready)
    assert back["channel_values"]["m"] == ckpt["channel_values"]["m"]
    assert codec.split_hashes(raw) == [e.hash for e in enc.elements]


def test_unserializable_channel_is_named() -> None:
    ckpt = _checkpoint({"bad": {"f": lambda: 1}}, {"bad": "1"})
    with pytest.raises(SerializationError, match="bad"):
        codec.encode_checkpoint(ckpt, {"bad": "1"}, SERDE.dumps_typed)


def test_writes_idx_rule_and_conflict_decision() -> None:
    rows, upsert = codec.encode_writes(
        [("a", 1), ("b", 2)], "task", "", SERDE.dumps_typed, WRITES_IDX_MAP
    )
    assert [r[1] for r in rows] == [0, 1] and upsert is False
    rows, upsert = codec.encode_writes(
        [("__error__", "e"), ("__interrupt__", [])], "t", "", SERDE.dumps_typed, WRITES_IDX_MAP
    )
    assert [r[1] for r in rows] == [-1, -3] and upsert is True
    rows, upsert = codec.encode_writes(
        [("__error__", "e"), ("a", 1)], "t", "", SERDE.dumps_typed, WRITES_IDX_MAP
    )
    assert [r[1] for r in rows] == [-1, 1] and upsert is False
    tid = str(uuid.uuid4())
    rows, _ = codec.encode_writes(
        [("a", {"x": 1}), ("b", None)], tid, "p", SERDE.dumps_typed, WRITES_IDX_MAP
    )
    assert codec.decode_writes([(r[0], r[2], r[4]) for r in rows], SERDE.loads_typed) == [
        (tid, "a", {"x": 1}),
        (tid, "b", None),
    ]


def test_metadata_json_and_named_error() -> None:
    text = codec.dumps_metadata({"source": "loop", "step": 1, "é": "ü"})
    assert codec.loads_metadata(text) == {"source": "loop", "step": 1, "é": "ü"}
    assert codec.loads_metadata(None) == {}
    with pytest.raises(SerializationError, match="'bad'"):
        codec.dumps_metadata({"ok": 1, "bad": object()})
    with pytest.raises(SerializationError, match="'nan'"):
        codec.dumps_metadata({"nan": float("nan")})


@pytest.mark.parametrize(
    ("flt", "sql_keys", "residual"),
    [
        ({"source": "loop"}, ["source"], False),
        ({"step": {"$gt": 1, "$lte": 5}}, ["step", "step"], False),
        ({"flag": True, "none": None}, ["flag", "none"], False),
        ({"a.b": 1}, [], True),
        ({"parents": {}}, [], True),
        ({"tags": ["x"]}, [], True),
        ({"big": 2**70}, [], True),
    ],
)
def test_plan_list_splits_filters(flt: dict[str, Any], sql_keys: list[str], residual: bool) -> None:
    plan = codec.plan_list({"configurable": {"thread_id": 1}}, filter=flt)
    assert plan.thread_id == "1" and plan.checkpoint_ns is None
    assert [c.key for c in plan.conditions] == sql_keys
    assert (plan.residual is not None) is residual
    if plan.residual is not None:
        meta = {"a": {"b": 1}, "parents": {"x": 1}, "tags": ["x"], "big": 2**70}
        assert plan.residual(meta) == metadata_matches(meta, flt)


def test_plan_list_rejects_unknown_operator() -> None:
    with pytest.raises(InvalidFilterError):
        codec.plan_list(None, filter={"step": {"$in": [1]}})


def test_page_size() -> None:
    plan = codec.plan_list(None, limit=10)
    assert codec.page_size(plan, 0) == 10
    assert codec.page_size(plan, 7) == 3
    unlimited = codec.plan_list(None)
    assert codec.page_size(unlimited, 0) == 64
    assert codec.page_size(unlimited, 1000) == 256
