"""Unit tests of the Postgres-specific row encoding (no database)."""

from __future__ import annotations

import itertools
import random
import uuid

import lgpg_ids
import ormsgpack
import pytest

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.errors import DeserializationError
from langgraph.checkpoint.postgres import _rows
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

SERDE = JsonPlusSerializer()


def _encoded() -> codec.EncodedCheckpoint:
    cp = dict(empty_checkpoint())
    cp["channel_values"] = {
        "a": [{"m": 1}, {"m": 2}, {"m": 1}],
        "b": [{"x": "y"}, {"z": 0}],
        "n": 3,
    }
    cp["channel_versions"] = {"a": 1, "b": 1, "n": 1}
    return codec.encode_checkpoint(cp, cp["channel_versions"], SERDE.dumps_typed)


def test_strip_and_restore_lists() -> None:
    enc = _encoded()
    stripped, hashes = _rows.strip_lists(enc.body)
    assert len(stripped) < len(enc.body)
    assert hashes == b"".join(codec.body_refs(enc.body)[1])
    assert _rows.restore_lists(stripped, hashes) == ormsgpack.unpackb(enc.body)
    # an old body (hashes inline) restores to itself
    assert _rows.restore_lists(enc.body, hashes) == ormsgpack.unpackb(enc.body)
    with pytest.raises(DeserializationError):
        _rows.restore_lists(stripped, hashes[:-1])


def test_body_without_lists_is_unchanged() -> None:
    cp = dict(empty_checkpoint())
    cp["channel_values"] = {"n": 1}
    cp["channel_versions"] = {"n": 1}
    enc = codec.encode_checkpoint(cp, {"n": 1}, SERDE.dumps_typed)
    assert _rows.strip_lists(enc.body) == (enc.body, b"")


@pytest.mark.parametrize(
    "task_id",
    [
        str(uuid.uuid4()),
        "1" * 16,
        "abcdefghijklmno\u00e9",  # 17 UTF-8 bytes
        "sixteen-chars-id",
        "",
        "t",
        str(uuid.uuid4()).upper(),
        "x\x00y",
        "\ud800 lone surrogate",
    ],
)
def test_task_key_round_trip(task_id: str) -> None:
    key = _rows.task_key(task_id)
    assert _rows.task_from_key(key) == task_id
    assert len(key) != 16 or task_id == codec.id_from_key(key)


def test_task_keys_never_collide() -> None:
    u = uuid.UUID(bytes=b"sixteen-chars-id")
    assert _rows.task_key(str(u)) != _rows.task_key("sixteen-chars-id")


def test_resolve_uses_known_elements_and_reports_missing_ones() -> None:
    h = [bytes([i]) * 16 for i in range(4)]
    packed = [b"\x01" + ormsgpack.packb(i) for i in range(4)]
    known = _rows.Lists(b"".join(h[:3]), packed[:3])
    # a prefix of what is known: nothing was sent
    got = _rows.resolve("c", b"".join(h[:2]), None, known)
    assert got.packed == packed[:2]
    assert got.plain_payload() == (b"".join(p[1:] for p in packed[:2]), [1, 2])
    # one new element at the end
    got = _rows.resolve("c", b"".join(h), [None, None, None, packed[3]], known)
    assert got.packed == packed
    # a position that is neither known nor returned: damaged storage
    with pytest.raises(DeserializationError, match="missing list element"):
        _rows.resolve("c", h[3] + h[1], [None, None], known)
    with pytest.raises(DeserializationError):
        _rows.resolve("c", h[3], None, known)


def test_ready_lists_slices_plain_payloads() -> None:
    h = [bytes([i]) * 16 for i in range(3)]
    packed = [b"\x01" + ormsgpack.packb({"i": i}) for i in range(3)]
    lists = _rows.Lists(b"".join(h), packed)
    ready, elements = _rows.ready_lists([h[0] + h[1], h[2]], lists)
    assert not elements
    assert ormsgpack.unpackb(ready[h[0] + h[1]]) == [{"i": 0}, {"i": 1}]
    assert ormsgpack.unpackb(ready[h[2]]) == [{"i": 2}]
    other = _rows.Lists(b"".join(h), [b"\x00\x03abc", *packed[1:]])
    ready, elements = _rows.ready_lists([b"".join(h)], other)
    assert not ready and set(elements) == set(h)


def test_known_lists_keep_the_longest_and_stay_bounded() -> None:
    known = _rows.KnownLists(max_bytes=200)
    long = _rows.Lists(b"a" * 32, [b"\x01\x01", b"\x01\x02"])
    known.remember(b"t", b"", long)
    known.remember(b"t", b"", _rows.Lists(b"a" * 16, [b"\x01\x01"]))
    assert known.get(b"t", b"") is long
    known.remember(b"u", b"", _rows.Lists(b"b" * 160, [b"\x01"] * 10))
    assert known.get(b"t", b"") is None  # over the budget: forgotten
    known.forget_thread(b"u")
    assert known.get(b"u", b"") is None


def test_pack_and_unpack_writes() -> None:
    entries = [(-3, b"__interrupt__", b"\x01"), (0, b"a", b""), (1, "ünï".encode(), b"v" * 70000)]
    data = _rows.pack_writes(entries)
    assert _rows.unpack_writes(data) == entries
    assert _rows.unpack_writes(b"") == []
    for cut in (1, 12, 13, len(data) - 1):
        with pytest.raises(DeserializationError, match="truncated"):
            _rows.unpack_writes(data[:-cut] if cut > 12 else data[:cut])


def test_merge_writes_follows_the_conflict_rule() -> None:
    stored = _rows.pack_writes([(-1, b"__error__", b"e1"), (0, b"a", b"a1")])
    # insert-if-absent: idx 0 keeps its first value, idx 1 is added
    merged = _rows.merge_writes(stored, [(0, b"a", b"a2"), (1, b"b", b"b2")], upsert=False)
    assert _rows.unpack_writes(merged) == [
        (-1, b"__error__", b"e1"),
        (0, b"a", b"a1"),
        (1, b"b", b"b2"),
    ]
    # upsert (every write special): replaces, keeps the others
    merged = _rows.merge_writes(merged, [(-1, b"__error__", b"e2")], upsert=True)
    assert _rows.unpack_writes(merged)[0] == (-1, b"__error__", b"e2")
    assert len(_rows.unpack_writes(merged)) == 3
    # re-sending the same writes changes nothing
    assert _rows.merge_writes(merged, _rows.unpack_writes(merged), upsert=False) == merged


@pytest.mark.parametrize(
    "values",
    [
        [],
        [b""],
        [b"\x00nul\x00", b"x" * 70000, "ünï".encode()],
        [bytes([i % 256]) * (i % 7) for i in range(300)],
    ],
)
def test_bytea_array_dumper_matches_psycopg(values: list[bytes]) -> None:
    """The one-pass dumper writes exactly what psycopg's generic list dumper writes."""
    from psycopg.adapt import PyFormat, Transformer

    generic = Transformer().get_dumper(list(values), PyFormat.BINARY)
    ours = Transformer().get_dumper(_rows.ByteaArray(values), PyFormat.BINARY)
    assert isinstance(ours, _rows.ByteaArrayDumper)
    assert ours.oid == 1001
    if values:
        assert ours.dump(_rows.ByteaArray(values)) == generic.dump(list(values))
    else:  # psycopg sends an untyped '{}' for an empty list; this is the binary empty bytea[]
        assert ours.dump(_rows.ByteaArray()) == b"\x00" * 11 + b"\x11"


def test_id_key_of_a_uuid_is_its_16_bytes_after_a_tag() -> None:
    u = uuid.uuid4()
    assert _rows.id_key(str(u)) == b"\x01" + u.bytes
    assert _rows.id_key(lgpg_ids.MIN_ID) == b"\x01" + bytes(16)
    assert _rows.id_from_key(b"\x01" + u.bytes) == str(u)


def test_id_key_below_and_above_the_smallest_uuid() -> None:
    assert _rows.id_key("") == b"\x00"
    assert _rows.id_key("/x") == b"\x00/x"
    assert _rows.id_key(lgpg_ids.MIN_ID[:-1]) == b"\x00" + lgpg_ids.MIN_ID[:-1].encode()
    # an uppercase UUID: "A" lies between "9" and "a", so the floor ends with "9ff"
    upper = "12345678-1234-1234-1234-123456789ABC"
    floor = "12345678-1234-1234-1234-1234567899ff"
    assert _rows.id_key(upper) == b"\x01" + uuid.UUID(floor).bytes + upper.encode()
    # a UUID with a suffix sorts right after the UUID: its key extends the UUID's key
    u = "12345678-1234-1234-1234-123456789abc"
    assert _rows.id_key(u + "-x") == _rows.id_key(u) + (u + "-x").encode()
    # "abc" > MIN_ID: floor "abbfffff-ffff-ffff-ffff-ffffffffffff"
    assert _rows.id_key("abc") == b"\x01" + bytes.fromhex("abbfffff" + "f" * 24) + b"abc"


@pytest.mark.parametrize("value", lgpg_ids.EDGE_IDS)
def test_id_floor_of_edge_cases(value: str) -> None:
    if value >= lgpg_ids.MIN_ID:
        assert _rows.id_floor(value) == lgpg_ids.floor_by_search(value)
    assert _rows.id_from_key(_rows.id_key(value)) == value


def test_id_floor_equals_the_search_definition() -> None:
    for value in lgpg_ids.random_ids(1, 20000):
        if value >= lgpg_ids.MIN_ID:
            assert _rows.id_floor(value) == lgpg_ids.floor_by_search(value), value


def test_id_key_round_trips_and_preserves_order() -> None:
    ids = sorted(set(lgpg_ids.random_ids(2, 20000)))
    keys = [_rows.id_key(i) for i in ids]
    assert [_rows.id_from_key(k) for k in keys] == ids
    # code point order of the ids == byte order of the keys (strictly: keys are distinct)
    assert all(a < b for a, b in itertools.pairwise(keys))
    rng = random.Random(3)
    for _ in range(20000):
        a, b = rng.choice(ids), rng.choice(ids)
        assert (a < b) == (_rows.id_key(a) < _rows.id_key(b)), (a, b)
    canonical = [k for i, k in zip(ids, keys, strict=True) if lgpg_ids.canonical(i)]
    assert canonical and all(len(k) == 17 for k in canonical)
