"""The serializer's fast paths give exactly what the general path gives."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import ormsgpack
import pydantic
import pytest

from langgraph.checkpoint.errors import DeserializationError
from langgraph.checkpoint.serde._encode import ENCODE_OPTIONS, msgpack_default
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from .conftest import assert_same


class Status(str, enum.Enum):
    RUNNING = "running"


class Rank(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    "value",
    ["", "running", "a\x00b", "x" * 200, 0, -1, 7, 2**63 - 1, -(2**63), 2**64, -(2**70)],
)
def test_memoized_scalars_encode_like_packb(value: Any) -> None:
    serde = JsonPlusSerializer()
    expected = ormsgpack.packb(value, default=msgpack_default, option=ENCODE_OPTIONS)
    for _ in range(2):  # the second call is served by the memo
        assert serde.dumps_typed(value) == ("msgpack", expected)
        assert_same(serde.loads_typed(serde.dumps_typed(value)), value)


def test_equal_values_of_other_types_are_not_confused() -> None:
    serde = JsonPlusSerializer(allowed_msgpack_modules=[Status, Rank])
    for value in (1, True, 1.0, Rank.ONE, "running", Status.RUNNING):
        assert_same(serde.loads_typed(serde.dumps_typed(value)), value)
    assert serde.dumps_typed(1) != serde.dumps_typed(True)


def test_uuid_fast_path_and_fallback() -> None:
    serde = JsonPlusSerializer()
    for value in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
        back = serde.loads_typed(serde.dumps_typed(value))
        assert_same(back, value)
        assert hash(back) == hash(value) and str(back) == str(value)
        assert back.is_safe is uuid.SafeUUID.unknown
    # other spellings (another writer) still go through uuid.UUID
    dashed = str(uuid.UUID(int=12345))
    payload = ormsgpack.packb(ormsgpack.Ext(0, ormsgpack.packb(["uuid", "UUID", dashed])))
    assert serde.loads_typed(("msgpack", payload)) == uuid.UUID(dashed)


@pytest.mark.parametrize("bad", ["g" * 32, "0" * 31 + "_", "0" * 33, "", "é" * 32])
def test_uuid_rejects_malformed_hex(bad: str) -> None:
    serde = JsonPlusSerializer()
    payload = ormsgpack.packb(ormsgpack.Ext(0, ormsgpack.packb(["uuid", "UUID", bad])))
    with pytest.raises(DeserializationError, match="uuid.UUID"):
        serde.loads_typed(("msgpack", payload))


class Plain(pydantic.BaseModel):
    name: str
    labels: dict[str, int]


class Nested(pydantic.BaseModel):
    inner: Plain
    items: tuple[int, ...] = ()


class CustomInit(pydantic.BaseModel):
    name: str
    seen_init: bool = False

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self.seen_init = True


def test_pydantic_models_revive_with_validation() -> None:
    serde = JsonPlusSerializer(allowed_msgpack_modules=[Plain, Nested, CustomInit])
    plain = Plain(name="a", labels={"x": 1})
    nested = Nested(inner=plain, items=(1, 2))
    for value in (plain, nested):
        back = serde.loads_typed(serde.dumps_typed(value))
        assert type(back) is type(value) and back == value
        assert back.model_fields_set == value.model_fields_set
    back_nested = serde.loads_typed(serde.dumps_typed(nested))
    assert type(back_nested.inner) is Plain and back_nested.items == (1, 2)
    # a model with its own __init__ is still built through it
    custom = serde.loads_typed(serde.dumps_typed(CustomInit(name="c")))
    assert type(custom) is CustomInit and custom.seen_init is True
