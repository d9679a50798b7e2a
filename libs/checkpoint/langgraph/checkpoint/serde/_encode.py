"""msgpack encoding: the ``default`` hook of ormsgpack and the error-path finder.

Types ormsgpack handles natively (None, bool, int within 64 bits, float, str, bytes,
list, dict) never reach Python code. Everything else is routed to :func:`msgpack_default`,
which looks the exact type up in a dict of encoders (built once per type by
:func:`_resolve`) and returns an ormsgpack ``Ext``. When encoding fails,
:func:`find_unserializable` walks the value once to name the path at fault.
"""

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
import sys
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

import ormsgpack
from ormsgpack import Ext, packb

from langgraph.checkpoint.errors import SerializationError
from langgraph.checkpoint.serde._msgpack import type_key
from langgraph.checkpoint.serde.types import _DeltaSnapshot

EXT_CONSTRUCTOR_SINGLE_ARG = 0
EXT_CONSTRUCTOR_POS_ARGS = 1
EXT_CONSTRUCTOR_KW_ARGS = 2
EXT_METHOD_SINGLE_ARG = 3
EXT_PYDANTIC_V1 = 4
EXT_PYDANTIC_V2 = 5
EXT_NUMPY_ARRAY = 6
EXT_DELTA_SNAPSHOT = 7

ENCODE_OPTIONS = (
    ormsgpack.OPT_NON_STR_KEYS
    | ormsgpack.OPT_PASSTHROUGH_DATACLASS
    | ormsgpack.OPT_PASSTHROUGH_DATETIME
    | ormsgpack.OPT_PASSTHROUGH_ENUM
    | ormsgpack.OPT_PASSTHROUGH_UUID
    | ormsgpack.OPT_PASSTHROUGH_TUPLE
    | ormsgpack.OPT_PASSTHROUGH_BIG_INT
    | ormsgpack.OPT_PASSTHROUGH_SUBCLASS
)

# An encoder returns (ext code, payload); code -1 means "encode payload instead of obj".
Encoder = Callable[[Any], tuple[int, Any]]

# Factories a defaultdict may carry: calling them has no side effect, and
# ``type(factory()) is factory`` so that ``builtins.type`` can name them in the stream.
SAFE_FACTORIES: frozenset[type[Any]] = frozenset(
    [
        list,
        dict,
        set,
        frozenset,
        tuple,
        int,
        float,
        complex,
        str,
        bytes,
        bool,
        decimal.Decimal,
        fractions.Fraction,
        collections.OrderedDict,
        collections.Counter,
        collections.deque,
    ]
)


class _TypeRef:
    """A reference to one of :data:`SAFE_FACTORIES`, written as ``builtins.type(x)``."""

    __slots__ = ("cls",)

    def __init__(self, cls: type[Any]) -> None:
        self.cls = cls


def msgpack_default(obj: Any) -> Any:
    """ormsgpack ``default`` hook: encode one non-native value as an ``Ext``."""
    try:
        enc = _ENCODERS[type(obj)]
    except KeyError:
        enc = _resolve(type(obj), obj)
    code, payload = enc(obj)
    if code < 0:
        return payload
    return Ext(code, packb(payload, default=msgpack_default, option=ENCODE_OPTIONS))


def msgpack_enc(obj: Any) -> bytes:
    """Encode ``obj`` to msgpack bytes (raises ``TypeError`` on unsupported values)."""
    return packb(obj, default=msgpack_default, option=ENCODE_OPTIONS)


# --------------------------------------------------------------------------- encoders


def _fail(message: str) -> Encoder:
    def enc(obj: Any) -> tuple[int, Any]:
        raise SerializationError(message)

    return enc


def _tuple(obj: tuple[Any, ...]) -> tuple[int, Any]:
    return 0, ["builtins", "tuple", list(obj)]


def _big_int(obj: int) -> tuple[int, Any]:
    if obj.bit_length() < 14000:  # well inside the int/str conversion limit
        return 0, ["builtins", "int", str(obj)]
    return 1, ["builtins", "int", [hex(obj), 16]]


def _complex(obj: complex) -> tuple[int, Any]:
    return 1, ["builtins", "complex", [obj.real, obj.imag]]


def _fraction(obj: fractions.Fraction) -> tuple[int, Any]:
    return 1, ["fractions", "Fraction", [obj.numerator, obj.denominator]]


def _range(obj: range) -> tuple[int, Any]:
    return 1, ["builtins", "range", [obj.start, obj.stop, obj.step]]


def _type_ref(obj: _TypeRef) -> tuple[int, Any]:
    return 1, ["builtins", "type", [obj.cls()]]


def _delta(obj: _DeltaSnapshot) -> tuple[int, Any]:
    return 7, obj.value


def _pattern(obj: re.Pattern[Any]) -> tuple[int, Any]:
    return 1, ["re", "compile", [obj.pattern, obj.flags]]


def _exception(obj: BaseException) -> tuple[int, Any]:
    return -1, repr(obj)


def _single(mod: str, name: str, fn: Callable[[Any], Any]) -> Encoder:
    def enc(obj: Any) -> tuple[int, Any]:
        return 0, [mod, name, fn(obj)]

    return enc


def _positional(mod: str, name: str, fn: Callable[[Any], list[Any]]) -> Encoder:
    def enc(obj: Any) -> tuple[int, Any]:
        return 1, [mod, name, fn(obj)]

    return enc


def _keywords(mod: str, name: str, fn: Callable[[Any], dict[str, Any]]) -> Encoder:
    def enc(obj: Any) -> tuple[int, Any]:
        return 2, [mod, name, fn(obj)]

    return enc


def _datetime(mod: str, name: str) -> Encoder:
    iso = (mod, name) == ("datetime", "datetime")

    def enc(obj: dt.datetime) -> tuple[int, Any]:
        tz = obj.tzinfo
        if (
            iso
            and not obj.fold
            and (tz is None or (type(tz) is dt.timezone and len(tz.__getinitargs__()) == 1))  # type: ignore[attr-defined]
        ):
            return 3, [mod, name, obj.isoformat(), "fromisoformat"]
        # isoformat() would lose a zone name or ``fold``: write the constructor args
        return 2, [
            mod,
            name,
            {
                "year": obj.year,
                "month": obj.month,
                "day": obj.day,
                "hour": obj.hour,
                "minute": obj.minute,
                "second": obj.second,
                "microsecond": obj.microsecond,
                "tzinfo": tz,
                "fold": obj.fold,
            },
        ]

    return enc


def _time_kwargs(obj: dt.time) -> dict[str, Any]:
    return {
        "hour": obj.hour,
        "minute": obj.minute,
        "second": obj.second,
        "microsecond": obj.microsecond,
        "tzinfo": obj.tzinfo,
        "fold": obj.fold,
    }


def _zone_key(obj: zoneinfo.ZoneInfo) -> str:
    if obj.key is None:
        raise SerializationError("ZoneInfo loaded from a file has no key to store")
    return obj.key


def _deque(mod: str, name: str) -> Encoder:
    def enc(obj: collections.deque[Any]) -> tuple[int, Any]:
        if obj.maxlen is None:
            return 0, [mod, name, list(obj)]
        return 2, [mod, name, {"iterable": list(obj), "maxlen": obj.maxlen}]

    return enc


def _defaultdict(obj: collections.defaultdict[Any, Any]) -> tuple[int, Any]:
    factory = obj.default_factory
    if factory is not None and factory not in SAFE_FACTORIES:
        raise SerializationError(
            f"defaultdict.default_factory {factory!r} cannot be stored; supported "
            "factories: None and the builtin container/number types"
        )
    ref = None if factory is None else _TypeRef(factory)
    return 1, ["collections", "defaultdict", [ref, dict(obj)]]


def _send(mod: str, name: str) -> Encoder:
    def enc(obj: Any) -> tuple[int, Any]:
        timeout = getattr(obj, "timeout", None)
        if timeout is None:
            return 1, [mod, name, [obj.node, obj.arg]]
        return 1, [mod, name, [obj.node, obj.arg, timeout]]

    return enc


def _ndarray(obj: Any) -> tuple[int, Any]:
    dtype = obj.dtype
    if dtype.hasobject or dtype.fields is not None:
        raise SerializationError(f"numpy arrays of dtype {dtype} cannot be stored")
    if obj.flags.c_contiguous:
        order = "C"
        buf = obj.data if obj.ndim else obj.tobytes()
    else:
        order = "F" if obj.flags.f_contiguous else "C"
        buf = obj.tobytes(order="A")
    return 6, [dtype.str, list(obj.shape), order, buf]


def _numpy_scalar(mod: str, name: str, cls: type[Any]) -> Encoder:
    def enc(obj: Any) -> tuple[int, Any]:
        value = obj.item()
        back = cls(value)
        if not (back == obj or (back != back and obj != obj)):
            raise SerializationError(f"{mod}.{name} value {obj!r} does not round-trip")
        return 1, [mod, name, [value]]

    return enc


_BUILTIN_BASES: tuple[tuple[type[Any], Callable[[Any], Any]], ...] = (
    (dict, dict),
    (list, list),
    (tuple, list),
    (str, str),
    (int, int),
    (float, float),
    (bytes, bytes),
)

_SIMPLE_STR = (
    uuid.UUID,
    decimal.Decimal,
    ipaddress.IPv4Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Address,
    ipaddress.IPv6Interface,
    ipaddress.IPv6Network,
)


def _resolve(cls: type[Any], obj: Any) -> Encoder:
    """Pick (and cache) the encoder for ``cls``; the order mirrors upstream's dispatch."""
    enc = _pick(cls, obj)
    _ENCODERS[cls] = enc
    return enc


def _pick(cls: type[Any], obj: Any) -> Encoder:  # noqa: C901 - a flat dispatch table
    mod, name = type_key(cls)
    if cls is tuple:
        return _tuple
    if cls is int:
        return _big_int
    if callable(getattr(cls, "model_dump", None)) and hasattr(cls, "model_fields"):
        return lambda o: (5, [mod, name, o.model_dump(), "model_validate_json"])
    if callable(getattr(cls, "get_secret_value", None)):
        return _single(mod, name, lambda o: o.get_secret_value())
    if callable(getattr(cls, "dict", None)) and hasattr(cls, "__fields__"):
        return lambda o: (4, [mod, name, o.dict()])
    if issubclass(cls, tuple) and callable(getattr(cls, "_asdict", None)):
        return _keywords(mod, name, lambda o: o._asdict())
    if issubclass(cls, pathlib.PurePath):
        return _positional(mod, name, lambda o: list(o.parts))
    if issubclass(cls, re.Pattern):
        return _pattern
    if issubclass(cls, uuid.UUID):
        return _single(mod, name, lambda o: o.hex)
    if issubclass(cls, _SIMPLE_STR):
        return _single(mod, name, str)
    if issubclass(cls, (set, frozenset)):
        return _single(mod, name, list)
    if issubclass(cls, collections.deque):
        return _deque(mod, name)
    if issubclass(cls, dt.datetime):
        return _datetime(mod, name)
    if issubclass(cls, dt.timedelta):
        return _positional(mod, name, lambda o: [o.days, o.seconds, o.microseconds])
    if issubclass(cls, dt.date):
        return _positional(mod, name, lambda o: [o.year, o.month, o.day])
    if issubclass(cls, dt.time):
        return _keywords(mod, name, _time_kwargs)
    if issubclass(cls, dt.timezone):
        return _positional(mod, name, lambda o: list(o.__getinitargs__()))
    if issubclass(cls, zoneinfo.ZoneInfo):
        return _single(mod, name, _zone_key)
    if issubclass(cls, enum.Enum):
        return _single(mod, name, lambda o: o.value)
    if hasattr(obj, "node") and hasattr(obj, "arg") and not dataclasses.is_dataclass(cls):
        return _send(mod, name)
    if dataclasses.is_dataclass(cls):
        names = tuple(f.name for f in dataclasses.fields(cls))
        return _keywords(mod, name, lambda o: {n: getattr(o, n) for n in names})
    if (mod, name) == ("langgraph.store.base", "Item"):
        keys = ("value", "key", "namespace", "created_at", "updated_at")
        return _keywords(mod, name, lambda o: {k: getattr(o, k) for k in keys})
    np = sys.modules.get("numpy")
    if np is not None:
        if issubclass(cls, np.ndarray):
            return _ndarray if cls is np.ndarray else _fail(f"{mod}.{name} cannot be stored")
        if issubclass(cls, np.generic):
            if cls.__module__ == "numpy" and np.dtype(cls).kind in "biufc":
                return _numpy_scalar(mod, name, cls)
            return _fail(f"numpy scalar type {mod}.{name} cannot be stored")
    if issubclass(cls, BaseException):
        return _exception
    if cls is complex:
        return _complex
    if cls is fractions.Fraction:
        return _fraction
    if cls is range:
        return _range
    if cls is collections.defaultdict:
        return _defaultdict
    if cls in (collections.OrderedDict, collections.Counter) or not (
        cls.__module__ == "builtins" or cls.__module__.startswith("collections")
    ):
        for base, convert in _BUILTIN_BASES:
            if issubclass(cls, base):
                return _single(mod, name, convert)
    return _fail(
        f"Type is not serializable: {mod}.{name} (register an encoding by making it a "
        "dataclass or pydantic model, or enable pickle_fallback)"
    )


_ENCODERS: dict[type[Any], Encoder] = {
    tuple: _tuple,
    int: _big_int,
    _DeltaSnapshot: _delta,
    _TypeRef: _type_ref,
    complex: _complex,
    fractions.Fraction: _fraction,
    range: _range,
    collections.defaultdict: _defaultdict,
}


# ------------------------------------------------------------------ failure path only


def _join(path: str, key: Any) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


_MAX_DEPTH = 250


def find_unserializable(obj: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """Return ``(path, reason)`` for the first part of ``obj`` that cannot be encoded.

    Only called after encoding failed, so its cost never touches the happy path.
    """
    if depth > _MAX_DEPTH:
        return path, f"value is nested deeper than {_MAX_DEPTH} levels (or is circular)"
    cls = type(obj)
    if cls is str:
        try:
            obj.encode("utf-8")
        except UnicodeEncodeError as exc:
            return path, f"string contains a lone surrogate at index {exc.start}"
        return None
    if obj is None or cls in (bool, int, float, bytes, bytearray, memoryview):
        return None
    if cls is dict:
        for key, value in obj.items():
            sub = _join(path, key)
            try:
                packb({key: None}, option=ENCODE_OPTIONS)
            except TypeError as exc:
                return sub, f"dict key {key!r} cannot be stored ({exc})"
            found = find_unserializable(value, sub, depth + 1)
            if found is not None:
                return found
        return None
    if cls is list:
        for i, value in enumerate(obj):
            found = find_unserializable(value, f"{path}[{i}]", depth + 1)
            if found is not None:
                return found
        return None
    try:
        code, payload = (_ENCODERS.get(cls) or _resolve(cls, obj))(obj)
    except Exception as exc:
        return path, str(exc) or type(exc).__name__
    if code < 0 or code == EXT_NUMPY_ARRAY:
        return None
    if code == EXT_DELTA_SNAPSHOT:
        return find_unserializable(payload, path, depth + 1)
    return find_unserializable(payload[2], path, depth + 1)
