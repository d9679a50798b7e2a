"""Every supported type round-trips exactly (value and type), or dumps names the path."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import fractions
import ipaddress
import pathlib
import re
import uuid
import zoneinfo
from typing import Any, NamedTuple

import numpy as np
import pydantic
import pydantic.v1
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langgraph.checkpoint.errors import SerializationError
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.serde.types import _DeltaSnapshot


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):
    FAST = "fast"


class Outer:
    class Inner(enum.Enum):
        A = 1


@dataclasses.dataclass
class Point:
    x: int
    y: tuple[int, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    a: int
    b: str = "b"


@dataclasses.dataclass
class Derived:
    a: int
    total: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.total = self.a * 2


class Pair(NamedTuple):
    a: int
    b: tuple[str, ...]


class Model(pydantic.BaseModel):
    name: str
    counts: dict[int, str]
    when: dt.datetime
    items: tuple[int, ...] = ()


class OldModel(pydantic.v1.BaseModel):
    name: str
    n: int


class MyDict(dict):  # type: ignore[type-arg]
    pass


USER_TYPES = [
    Color,
    Level,
    Mode,
    Outer.Inner,
    Point,
    Frozen,
    Derived,
    Pair,
    Model,
    OldModel,
    MyDict,
]

paris = zoneinfo.ZoneInfo("Europe/Paris")
derived = Derived(4)

CASES: dict[str, Any] = {
    "none_in_list": [None],
    "bool_int_float": [True, 0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 1.5],
    "big_int": [2**64, -(2**64) - 1, 10**200, -(10**5000)],
    "floats": [float("nan"), float("inf"), float("-inf"), -0.0],
    "str": ["", "a\x00b", "héllo wörld ✓ 你好 🎉"],
    "bytes": [b"", b"\x00\xff"],
    "tuple": (1, "a", (2, (3,)), [4, (5,)]),
    "empty_tuple": (),
    "tuple_key": {(1, 2): "a", (1, (2, 3)): "b"},
    "int_keys": {1: "a", 2.5: "b", None: "c", b"k": "d"},
    "list_of_tuples": [(1, 2), (3, 4)],
    "set": {1, "a", (2, 3)},
    "frozenset": frozenset([1, 2]),
    "complex": complex(1.5, -0.0),
    "fraction": fractions.Fraction(2**70, 3),
    "range": range(1, 10, 3),
    "defaultdict_list": collections.defaultdict(list, {"a": [1]}),
    "defaultdict_none": collections.defaultdict(None, {"a": 1}),
    "counter": collections.Counter({"a": 2, "b": 1}),
    "ordered_dict": collections.OrderedDict([("b", 1), ("a", 2)]),
    "deque": collections.deque([1, 2]),
    "deque_maxlen": collections.deque([1, 2, 3], maxlen=5),
    "dict_subclass": MyDict(a=1),
    "enum": Color.RED,
    "int_enum": Level.HIGH,
    "str_enum": Mode.FAST,
    "nested_enum": Outer.Inner.A,
    "dataclass": Point(1, (2, 3)),
    "frozen_slots_dataclass": Frozen(1),
    "init_false_dataclass": derived,
    "namedtuple": Pair(1, ("x", "y")),
    "pydantic_v2": Model(name="m", counts={1: "a"}, when=dt.datetime(2024, 1, 1), items=(1, 2)),
    "pydantic_v1": OldModel(name="m", n=1),
    "ndarray": np.arange(6, dtype="<f8").reshape(2, 3),
    "ndarray_fortran": np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)),
    "ndarray_strided": np.arange(10, dtype="<i8")[::2],
    "numpy_scalars": [np.float64(1.5), np.int32(7), np.bool_(True), np.float32(0.25)],
    "lc_messages": [
        HumanMessage(content="hi", id="1"),
        AIMessage(content="", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "t"}]),
        ToolMessage(content="r", tool_call_id="t"),
    ],
    "timezone": dt.timezone(dt.timedelta(hours=-3), "BRT"),
    "zoneinfo": paris,
    "decimal": [decimal.Decimal("1.10"), decimal.Decimal("-0"), decimal.Decimal("NaN")],
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "ip": [
        ipaddress.IPv4Address("10.0.0.1"),
        ipaddress.IPv6Network("2001:db8::/32"),
        ipaddress.IPv4Interface("10.0.0.1/24"),
    ],
    "paths": [pathlib.Path("/tmp/a b"), pathlib.PurePosixPath("x/y")],
    "pattern": re.compile(r"a+\d", re.IGNORECASE | re.MULTILINE),
    "datetime_naive": dt.datetime(2024, 1, 2, 3, 4, 5, 6),
    "datetime_utc": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc),
    "datetime_zoneinfo": dt.datetime(2024, 7, 1, 12, tzinfo=paris),
    "datetime_fold": dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=paris),
    "date": dt.date(2024, 2, 29),
    "time_tz": dt.time(1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    "timedelta": dt.timedelta(days=-1, seconds=5, microseconds=7),
    "delta_snapshot": _DeltaSnapshot([1, (2,)]),
    "nested": {"a": [{"b": (1, {2, 3}), "c": [dt.date(2020, 1, 1)]}], "d": {"e": Point(0, (1, 1))}},
}


@pytest.fixture(scope="module")
def serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=USER_TYPES)


@pytest.mark.parametrize("name", list(CASES))
def test_roundtrip_exact(serde: JsonPlusSerializer, name: str, assert_same: Any) -> None:
    value = CASES[name]
    tag, payload = serde.dumps_typed(value)
    assert tag == "msgpack"
    back = serde.loads_typed((tag, payload))
    if name == "init_false_dataclass":
        assert back.total == 8 and back.a == 4
    if name == "datetime_fold":
        assert back.fold == 1 and back.tzinfo is paris
    if name == "delta_snapshot":
        assert type(back) is _DeltaSnapshot
        assert_same(back.value, value.value)
        return
    if name in ("defaultdict_list", "deque_maxlen"):
        assert back.default_factory is list if name == "defaultdict_list" else back.maxlen == 5
    assert_same(value, back)


@pytest.mark.parametrize(
    ("value", "tag"), [(None, "null"), (b"ab", "bytes"), (bytearray(b"ab"), "bytearray")]
)
def test_top_level_tags(serde: JsonPlusSerializer, value: Any, tag: str, assert_same: Any) -> None:
    typed = serde.dumps_typed(value)
    assert typed[0] == tag
    assert_same(value, serde.loads_typed(typed))


def test_ndarray_is_writable(serde: JsonPlusSerializer) -> None:
    back = serde.loads_typed(serde.dumps_typed(np.zeros(3)))
    back[0] = 1.0
    assert back[0] == 1.0


def test_exception_is_stored_as_repr(serde: JsonPlusSerializer) -> None:
    assert serde.loads_typed(serde.dumps_typed({"e": ValueError("x")})) == {"e": "ValueError('x')"}


class Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "path", "fragment"),
    [
        (
            {"messages": [1, 2, 3, AIMessage(content="", additional_kwargs={"foo": Opaque()})]},
            "messages[3].additional_kwargs.foo",
            "Opaque",
        ),
        ({"a": ["ok", "bad\ud800"]}, "a[1]", "surrogate"),
        ("\udc00", "", "surrogate"),
        ({"k": {"with space": (1, Opaque())}}, "k['with space'][1]", "Opaque"),
        ({"d": collections.defaultdict(lambda: 0)}, "d", "default_factory"),
        ({"p": Point(1, (2, Opaque()))}, "p.y[1]", "Opaque"),  # type: ignore[arg-type]
        ({"s": {"x": "\ud800"}}, "s.x", "surrogate"),
        ({frozenset([1]): 1}, "[frozenset({1})]", "key"),
        ({"arr": np.array([object()])}, "arr", "dtype"),
    ],
)
def test_unserializable_names_path(
    serde: JsonPlusSerializer, value: Any, path: str, fragment: str
) -> None:
    with pytest.raises(SerializationError) as info:
        serde.dumps_typed(value)
    assert info.value.path == path
    assert fragment in str(info.value)
    assert (path or "<root>") in str(info.value)


def test_pickle_fallback_only_when_enabled() -> None:
    value = {"x": Opaque()}
    with pytest.raises(SerializationError):
        JsonPlusSerializer().dumps_typed(value)
    pickled = JsonPlusSerializer(pickle_fallback=True)
    tag, payload = pickled.dumps_typed(value)
    assert tag == "pickle"
    assert type(pickled.loads_typed((tag, payload))["x"]) is Opaque
