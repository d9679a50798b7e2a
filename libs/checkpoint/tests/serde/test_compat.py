"""Byte compatibility with LangGraph's serializer, tags, and the strict allowlist."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import ipaddress
import json
import pathlib
import re
import sys
import types
import uuid
import warnings
import zoneinfo
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import pydantic
import pydantic.v1
import pytest

from langgraph.checkpoint.errors import BlockedTypeError, DeserializationError, UnknownTypeTagError
from langgraph.checkpoint.serde.event_hooks import register_serde_event_listener
from langgraph.checkpoint.serde.jsonplus import (
    JsonPlusSerializer,
    UnregisteredTypeWarning,
    register_serializable,
)
from langgraph.checkpoint.serde.types import _DeltaSnapshot

# A module named "lgfixture" holding the same classes as the one the fixtures were made with.
fixture_mod = types.ModuleType("lgfixture")


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Model(pydantic.BaseModel):
    name: str
    n: int


class OldModel(pydantic.v1.BaseModel):
    name: str
    n: int


class Color(enum.Enum):
    RED = "red"


class Pair(NamedTuple):
    a: int
    b: str


for _cls in (Point, Model, OldModel, Color, Pair):
    _cls.__module__ = "lgfixture"
    setattr(fixture_mod, _cls.__name__, _cls)
FIXTURE_TYPES = [Point, Model, OldModel, Color, Pair]


@pytest.fixture(autouse=True)
def _fixture_module() -> Iterator[None]:
    sys.modules["lgfixture"] = fixture_mod
    yield
    sys.modules.pop("lgfixture", None)


# (value, hex written by langgraph-checkpoint 4.3.2's JsonPlusSerializer)
FIXTURES: dict[str, tuple[Any, str]] = {
    "uuid": (uuid.UUID(int=5), "c72d0093a475756964a455554944d920" + "30" * 31 + "35"),
    "set": ({1, 2}, "c7110093a86275696c74696e73a3736574920102"),
    "frozenset": (frozenset([3]), "c7160093a86275696c74696e73a966726f7a656e7365749103"),
    "deque": (collections.deque([1, 2]), "c7160093ab636f6c6c656374696f6e73a56465717565920102"),
    "decimal": (decimal.Decimal("1.10"), "c7160093a7646563696d616ca7446563696d616ca4312e3130"),
    "ipv4": (
        ipaddress.IPv4Address("10.0.0.1"),
        "c7200093a9697061646472657373ab4950763441646472657373a831302e302e302e31",
    ),
    "zoneinfo": (
        zoneinfo.ZoneInfo("Europe/Paris"),
        "c7200093a87a6f6e65696e666fa85a6f6e65496e666fac4575726f70652f5061726973",
    ),
    "path": (
        pathlib.Path("/tmp/a"),
        "c71c0193a7706174686c6962a9506f7369785061746893a12fa3746d70a161",
    ),
    "pattern": (re.compile("a+b", re.I), "c7120193a27265a7636f6d70696c6592a3612b6222"),
    "timedelta": (
        dt.timedelta(days=1, seconds=2, microseconds=3),
        "c7180193a86461746574696d65a974696d6564656c746193010203",
    ),
    "date": (dt.date(2024, 2, 29), "c7150193a86461746574696d65a46461746593cd07e8021d"),
    "timezone": (
        dt.timezone(dt.timedelta(hours=2)),
        "c7310193a86461746574696d65a874696d657a6f6e6591c71a0193a86461746574696d65a974696d6564656c74619300cd1c2000",
    ),
    "datetime_naive": (
        dt.datetime(2024, 1, 2, 3, 4, 5, 6),
        "c73c0394a86461746574696d65a86461746574696d65ba323032342d30312d30325430333a30343a30352e303030303036ad66726f6d69736f666f726d6174",
    ),
    "datetime_utc": (
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "c73b0394a86461746574696d65a86461746574696d65b9323032342d30312d30325430333a30343a30352b30303a3030ad66726f6d69736f666f726d6174",
    ),
    "time": (
        dt.time(1, 2, 3, 4),
        "c7410293a86461746574696d65a474696d6586a4686f757201a66d696e75746502a67365636f6e6403ab6d6963726f7365636f6e6404a6747a696e666fc0a4666f6c6400",
    ),
    "dataclass": (Point(1, 2), "c7180293a96c6766697874757265a5506f696e7482a17801a17902"),
    "pydantic_v2": (
        Model(name="a", n=1),
        "c7300594a96c6766697874757265a54d6f64656c82a46e616d65a161a16e01b36d6f64656c5f76616c69646174655f6a736f6e",
    ),
    "pydantic_v1": (
        OldModel(name="a", n=1),
        "c71f0493a96c6766697874757265a84f6c644d6f64656c82a46e616d65a161a16e01",
    ),
    "enum": (Color.RED, "c7150093a96c6766697874757265a5436f6c6f72a3726564"),
    "namedtuple": (Pair(1, "x"), "c7180293a96c6766697874757265a45061697282a16101a162a178"),
    "ndarray": (
        np.array([[1, 2], [3, 4]], dtype="<i4"),
        "c71c0694a33c6934920202a143c41001000000020000000300000004000000",
    ),
    "delta": (_DeltaSnapshot([1]), "d5079101"),
}


@pytest.fixture
def serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=FIXTURE_TYPES)


@pytest.mark.parametrize("name", list(FIXTURES))
def test_writes_upstream_bytes(serde: JsonPlusSerializer, name: str) -> None:
    value, hexdata = FIXTURES[name]
    assert serde.dumps_typed(value) == ("msgpack", bytes.fromhex(hexdata))


@pytest.mark.parametrize("name", list(FIXTURES))
def test_reads_upstream_bytes(serde: JsonPlusSerializer, name: str) -> None:
    value, hexdata = FIXTURES[name]
    back = serde.loads_typed(("msgpack", bytes.fromhex(hexdata)))
    assert type(back) is type(value)
    if name == "ndarray":
        assert np.array_equal(back, value)
    else:
        assert back == value


def test_upstream_tuples_read_as_lists(serde: JsonPlusSerializer) -> None:
    # upstream writes tuples as plain arrays
    assert serde.loads_typed(("msgpack", bytes.fromhex("920102"))) == [1, 2]


def test_exception_written_as_repr_string(serde: JsonPlusSerializer) -> None:
    assert serde.dumps_typed(ValueError("bad"))[1].hex() == "b156616c75654572726f7228276261642729"


def test_unknown_tag() -> None:
    with pytest.raises(UnknownTypeTagError, match="Unknown serialization type: nope"):
        JsonPlusSerializer().loads_typed(("nope", b""))


def test_pickle_tag_refused_without_opt_in() -> None:
    import pickle

    with pytest.raises(BlockedTypeError, match="pickle_fallback"):
        JsonPlusSerializer().loads_typed(("pickle", pickle.dumps(1)))
    assert JsonPlusSerializer(pickle_fallback=True).loads_typed(("pickle", pickle.dumps(1))) == 1


def test_legacy_json_tag() -> None:
    payload = json.dumps(
        {
            "a": [1, 2],
            "when": {"lc": 2, "type": "constructor", "id": ["uuid", "UUID"], "args": ["0" * 32]},
        }
    ).encode()
    assert JsonPlusSerializer().loads_typed(("json", payload)) == {
        "a": [1, 2],
        "when": uuid.UUID(int=0),
    }
    blocked = json.dumps({"lc": 2, "type": "constructor", "id": ["os", "system"], "args": ["x"]})
    with pytest.raises(BlockedTypeError, match="os.system"):
        JsonPlusSerializer().loads_typed(("json", blocked.encode()))


def test_corrupt_payload() -> None:
    with pytest.raises(DeserializationError):
        JsonPlusSerializer().loads_typed(("msgpack", b"\x92\x01"))


# ----------------------------------------------------------------- strict mode


def test_strict_by_default_blocks_user_types() -> None:
    data = bytes.fromhex(FIXTURES["dataclass"][1])
    events: list[Any] = []
    unregister = register_serde_event_listener(events.append)
    try:
        with pytest.raises(
            BlockedTypeError, match=r"lgfixture\.Point.*register_serializable"
        ) as info:
            JsonPlusSerializer().loads_typed(("msgpack", data))
    finally:
        unregister()
    assert (info.value.module, info.value.name) == ("lgfixture", "Point")
    assert events == [{"kind": "msgpack_blocked", "module": "lgfixture", "name": "Point"}]
    with pytest.raises(BlockedTypeError, match="lgfixture.Model"):
        JsonPlusSerializer().loads_typed(("msgpack", bytes.fromhex(FIXTURES["pydantic_v2"][1])))


def test_strict_never_imports_unknown_modules() -> None:
    sys.modules.pop("lgfixture")
    with pytest.raises(BlockedTypeError):
        JsonPlusSerializer().loads_typed(("msgpack", bytes.fromhex(FIXTURES["enum"][1])))
    assert "lgfixture" not in sys.modules


def test_allowlist_and_with_msgpack_allowlist() -> None:
    data = ("msgpack", bytes.fromhex(FIXTURES["dataclass"][1]))
    assert JsonPlusSerializer(allowed_msgpack_modules=[("lgfixture", "Point")]).loads_typed(
        data
    ) == Point(1, 2)
    base = JsonPlusSerializer()
    extended = base.with_msgpack_allowlist([Point])
    assert extended is not base and extended.loads_typed(data) == Point(1, 2)
    assert extended.with_msgpack_allowlist([Point]) is extended
    with pytest.raises(BlockedTypeError):
        base.loads_typed(data)


def test_register_serializable_process_wide() -> None:
    @dataclasses.dataclass
    class Registered:
        v: int

    serde = JsonPlusSerializer()
    typed = serde.dumps_typed(Registered(1))
    with pytest.raises(BlockedTypeError, match="Registered"):
        serde.loads_typed(typed)
    assert register_serializable(Registered) is Registered
    assert serde.loads_typed(typed) == Registered(1)


def test_permissive_opt_in_warns_once() -> None:
    events: list[Any] = []
    unregister = register_serde_event_listener(events.append)
    serde = JsonPlusSerializer(allowed_msgpack_modules=True)
    data = ("msgpack", bytes.fromhex(FIXTURES["namedtuple"][1]))
    try:
        with pytest.warns(UnregisteredTypeWarning, match="lgfixture.Pair"):
            assert serde.loads_typed(data) == Pair(1, "x")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert serde.loads_typed(data) == Pair(1, "x")
    finally:
        unregister()
    assert {"kind": "msgpack_unregistered_allowed", "module": "lgfixture", "name": "Pair"} in events


def test_method_ext_blocked() -> None:
    import ormsgpack

    inner = ormsgpack.packb(["os", "path", "x", "join"])
    data = ormsgpack.packb(ormsgpack.Ext(3, inner))
    with pytest.raises(BlockedTypeError, match="os.path.join"):
        JsonPlusSerializer(allowed_msgpack_modules=True).loads_typed(("msgpack", data))


def test_env_strict_opt_out_and_registry(tmp_path: pathlib.Path) -> None:
    import subprocess

    code = (
        "import sys, types, dataclasses\n"
        "m = types.ModuleType('envmod'); sys.modules['envmod'] = m\n"
        "exec('import dataclasses\\n@dataclasses.dataclass\\nclass A:\\n    x: int', m.__dict__)\n"
        "from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer\n"
        "s = JsonPlusSerializer()\n"
        "print(type(s.loads_typed(s.dumps_typed(m.A(1)))).__name__)\n"
    )
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("LANGGRAPH_")}
    base["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    for env, expected in (
        ({"LANGGRAPH_ALLOWED_MSGPACK_MODULES": "envmod:A"}, "A"),
        ({"LANGGRAPH_ALLOWED_MSGPACK_MODULES": "envmod"}, "A"),
        ({"LANGGRAPH_STRICT_MSGPACK": "false"}, "A"),
        ({}, "BlockedTypeError"),
    ):
        out = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", code],
            env={**base, **env},
            capture_output=True,
            text=True,
        )
        assert expected in (out.stdout + out.stderr), (env, out.stderr)
