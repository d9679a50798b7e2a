"""The fast path of content-addressed lists: one encoder call per new element.

Every test compares with the per-element path (a serializer function the codec does not
recognise), which is the reference: same body, same element hashes, same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from typing import Any

import pytest

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

SERDE = JsonPlusSerializer()


def slow_dumps(value: Any) -> tuple[str, bytes]:
    """The default serializer behind a plain function: the codec uses its slow path."""
    return SERDE.dumps_typed(value)


@dataclasses.dataclass
class Note:
    text: str
    tags: tuple[str, ...]


def _checkpoint(messages: list[Any], n: int) -> dict[str, Any]:
    versions = {"messages": f"{n:032}.0.5", "counter": f"{n:032}.0.5"}
    return {
        "v": 4,
        "id": str(uuid.UUID(int=n + 1)),
        "ts": "2026-11-21T06:51:13.124825+00:00",
        "channel_values": {"messages": messages, "counter": n},
        "channel_versions": versions,
        "versions_seen": {"node": dict(versions)},
        "updated_channels": ["counter", "messages"],
    }


def _message(rng: random.Random, i: int) -> Any:
    kind = rng.randrange(6)
    if kind == 0:
        return {"type": "human", "id": f"m{i}", "content": "x" * rng.randrange(200)}
    if kind == 1:
        return {"nested": {"k": [1, 2.5, "é\x00"], i: {"deep": True}}}
    if kind == 2:
        return ("tuple", i, {"set": {1, 2}})
    if kind == 3:
        return Note(f"note {i}", ("a", "b"))
    if kind == 4:
        return dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=i)
    return f"plain string {i} " * rng.randrange(3)


def _same(fast: codec.EncodedCheckpoint, slow: codec.EncodedCheckpoint) -> None:
    assert fast.body == slow.body
    assert [e.hash for e in fast.elements] == [e.hash for e in slow.elements]
    assert [e.data for e in fast.elements] == [e.data for e in slow.elements]


def test_default_serializer_is_recognised_and_others_are_not() -> None:
    assert codec.plain_packer(SERDE.dumps_typed) is not None
    assert codec.plain_packer(slow_dumps) is None

    class Custom(JsonPlusSerializer):
        def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
            return super().dumps_typed(obj)

    assert codec.plain_packer(Custom().dumps_typed) is None
    assert (
        codec.plain_packer(EncryptedSerializer.from_pycryptodome_aes(key=b"k" * 16).dumps_typed)
        is None
    )


@pytest.mark.parametrize("seed", range(5))
def test_growing_list_matches_per_element_path(seed: int) -> None:
    rng = random.Random(seed)
    cache = codec.ListCache()
    messages: list[Any] = []
    for n in range(40):
        messages = [*messages, *(_message(rng, len(messages) + k) for k in range(rng.randrange(3)))]
        if len(messages) < 2:
            continue
        if rng.random() < 0.2:  # sometimes the history is rewritten (summaries, removals)
            messages = messages[rng.randrange(len(messages)) :] + [_message(rng, 1000 + n)]
        ckpt = _checkpoint(messages, n)
        fast = codec.encode_checkpoint(
            ckpt, ckpt["channel_versions"], SERDE.dumps_typed, list_cache=cache, scope="t"
        )
        slow = codec.encode_checkpoint(ckpt, ckpt["channel_versions"], slow_dumps)
        _same(fast, slow)


def test_element_changed_in_place_is_encoded_again() -> None:
    cache = codec.ListCache()
    messages = [{"content": "hello"}, {"content": "world"}]
    ckpt = _checkpoint(messages, 1)
    first = codec.encode_checkpoint(ckpt, {}, SERDE.dumps_typed, list_cache=cache, scope="t")
    messages[0]["content"] = "changed"  # the same objects, new content
    messages.append({"content": "third"})
    ckpt = _checkpoint(messages, 2)
    second = codec.encode_checkpoint(ckpt, {}, SERDE.dumps_typed, list_cache=cache, scope="t")
    _same(second, codec.encode_checkpoint(ckpt, {}, slow_dumps))
    assert second.elements[0].hash != first.elements[0].hash
    assert second.elements[1].hash == first.elements[1].hash


def test_elements_with_other_tags_take_the_per_element_path() -> None:
    cache = codec.ListCache()
    for tail in ([None, {"a": 1}], [b"raw", {"a": 1}], [bytearray(b"raw"), {"a": 1}]):
        ckpt = _checkpoint([{"a": 0}, *tail], 1)
        fast = codec.encode_checkpoint(ckpt, {}, SERDE.dumps_typed, list_cache=cache, scope="t")
        _same(fast, codec.encode_checkpoint(ckpt, {}, slow_dumps))
    # bytes and bytearray have the same msgpack encoding but not the same stored tag
    ckpt_b = _checkpoint([{"a": 0}, b"x"], 1)
    ckpt_ba = _checkpoint([{"a": 0}, bytearray(b"x")], 1)
    enc_b = codec.encode_checkpoint(ckpt_b, {}, SERDE.dumps_typed, list_cache=cache, scope="u")
    enc_ba = codec.encode_checkpoint(ckpt_ba, {}, SERDE.dumps_typed, list_cache=cache, scope="u")
    assert enc_b.elements[1].hash != enc_ba.elements[1].hash


def test_unencodable_element_still_names_its_position() -> None:
    cache = codec.ListCache()
    ckpt = _checkpoint([{"a": 1}, {"f": object()}], 1)
    with pytest.raises(codec.SerializationError) as info:
        codec.encode_checkpoint(ckpt, {}, SERDE.dumps_typed, list_cache=cache, scope="t")
    assert "messages" in str(info.value)


def test_lazy_refs_carry_the_callers_objects() -> None:
    """With an encrypting serializer elements are hashed in plaintext and encrypted later
    from ``ElementRef.value``: a reused element must be the caller's current object."""
    cache = codec.ListCache()
    enc_serde = EncryptedSerializer.from_pycryptodome_aes(key=b"k" * 16)
    messages = [{"i": i} for i in range(5)]
    kwargs = {"hash_dumps": enc_serde.serde.dumps_typed, "list_cache": cache, "scope": "t"}
    codec.encode_checkpoint(_checkpoint(messages, 1), {}, enc_serde.dumps_typed, **kwargs)
    grown = [dict(m) for m in messages] + [{"i": 5}]  # equal content, new objects
    enc = codec.encode_checkpoint(_checkpoint(grown, 2), {}, enc_serde.dumps_typed, **kwargs)
    assert all(e.data is None for e in enc.elements)
    assert [e.value for e in enc.elements] == grown
    assert all(e.value is g for e, g in zip(enc.elements, grown, strict=True))
    plain = codec.encode_checkpoint(_checkpoint(grown, 2), {}, slow_dumps)
    assert [e.hash for e in enc.elements] == [e.hash for e in plain.elements]


def test_cache_is_bounded() -> None:
    cache = codec.ListCache(max_bytes=4000)
    for t in range(20):
        ckpt = _checkpoint([{"content": "y" * 300, "n": i} for i in range(3)], t)
        codec.encode_checkpoint(ckpt, {}, SERDE.dumps_typed, list_cache=cache, scope=t)
    assert cache._size <= 4000
    assert cache.get(("t", "messages")) is None
    assert cache.get((19, "messages")) is not None
    assert cache.get((0, "messages")) is None
    cache.clear()
    assert cache.get((19, "messages")) is None
