"""msgpack decoding: the ext hook that revives allowed types.

One :class:`ExtDecoder` per allowlist. Its hook decodes the inner array of an extension
value, looks ``(code, module, name)`` up in a per-decoder cache of constructor
functions and calls the one found. The cache is filled on first sight of a type, after
the allowlist check, so the check and the class lookup run once per type.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import ormsgpack
from ormsgpack import unpackb

from langgraph.checkpoint.errors import (
    BlockedTypeError,
    CheckpointError,
    DeserializationError,
)
from langgraph.checkpoint.serde._encode import SAFE_FACTORIES
from langgraph.checkpoint.serde._msgpack import (
    SAFE_MSGPACK_METHODS,
    SAFE_MSGPACK_TYPES,
    UnregisteredTypeWarning,
    is_registered,
    registered_class,
    remember_class,
    type_key,
)
from langgraph.checkpoint.serde.event_hooks import emit_serde_event
from langgraph.checkpoint.serde.types import _DeltaSnapshot

logger = logging.getLogger("langgraph.checkpoint.serde.jsonplus")

DECODE_OPTIONS = ormsgpack.OPT_NON_STR_KEYS
ExtHook = Callable[[int, bytes], Any]
Builder = Callable[[Any], Any]

_state = threading.local()
_warned: set[tuple[str, str]] = set()
_MAX_WARNED = 1000


def reset_error() -> None:
    """Forget an error stashed by an earlier decode on this thread."""
    _state.err = None


def pop_error() -> BaseException | None:
    """Return (and forget) the first error an ext hook raised on this thread.

    ormsgpack replaces exceptions raised inside ``ext_hook`` by a bare ``ValueError``;
    the hook stashes the original so that callers can re-raise it.
    """
    err: BaseException | None = getattr(_state, "err", None)
    _state.err = None
    return err


def _stash(exc: BaseException) -> None:
    if getattr(_state, "err", None) is None:
        _state.err = exc


def normalize_allowlist(items: Iterable[tuple[str, ...] | type[Any]]) -> frozenset[tuple[str, str]]:
    """Turn classes and ``(module, name)`` pairs into a set of ``(module, name)``."""
    out: set[tuple[str, str]] = set()
    for item in items:
        if isinstance(item, type):
            remember_class(item)
            out.add(type_key(item))
            out.add((item.__module__, item.__name__))
        else:
            out.add((str(item[0]), str(item[1])))
    return frozenset(out)


def _blocked_message(mod: str, name: str) -> str:
    short = name.rpartition(".")[2]
    return (
        f"Refusing to deserialize {mod}.{name}: the type is not on the msgpack allowlist. "
        f"Allow it with langgraph.checkpoint.serde.jsonplus.register_serializable({short}), "
        f"JsonPlusSerializer(allowed_msgpack_modules=[({mod!r}, {name!r})]) or the "
        f"environment variable LANGGRAPH_ALLOWED_MSGPACK_MODULES='{mod}:{name}' "
        "(comma-separated for several types; a bare module name allows every class of that module)."
    )


def _lookup(mod: str, name: str) -> Any:
    cls = registered_class((mod, name))
    if cls is not None:
        return cls
    try:
        obj: Any = importlib.import_module(mod)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise DeserializationError(f"Cannot find {mod}.{name} to deserialize it: {exc}") from exc
    return obj


def _dataclass_builder(cls: type[Any]) -> Builder:
    fields = dataclasses.fields(cls)
    if all(f.init for f in fields) or cls.__new__ is not object.__new__:  # type: ignore[comparison-overlap]
        return lambda kw: cls(**kw)
    names = frozenset(f.name for f in fields)
    set_attr = object.__setattr__

    def build(kw: dict[str, Any]) -> Any:
        if kw.keys() != names:
            return cls(**kw)
        obj = object.__new__(cls)
        for key, value in kw.items():
            set_attr(obj, key, value)
        return obj

    return build


def _pydantic_builder(cls: Any, construct: str) -> Builder:
    # A pydantic v2 model whose __init__ is pydantic's own: validating the dict directly
    # is what __init__ does, minus the keyword packing (about 40% cheaper).
    direct = construct == "model_construct" and _has_pydantic_init(cls)

    def build(data: Any) -> Any:
        if not isinstance(data, dict):
            return cls.model_validate(data)
        if direct:
            try:
                return cls.__pydantic_validator__.validate_python(data)
            except Exception:  # noqa: S110 - retried below with the reference behaviour
                pass
        try:
            return cls(**data)
        except Exception:
            return getattr(cls, construct)(**data)

    return build


def _has_pydantic_init(cls: Any) -> bool:
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - a v2 model implies pydantic
        return False
    return (
        isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__init__ is BaseModel.__init__
    )


_UUID_NEW = uuid.UUID.__new__
_SET_ATTR = object.__setattr__
_UUID_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def _uuid_from_hex(value: Any) -> uuid.UUID:
    """``uuid.UUID(hex)`` without its parsing overhead for the 32-digit form we write."""
    if type(value) is str and len(value) == 32 and value.isascii() and value.isalnum():
        out = _UUID_NEW(uuid.UUID)
        _SET_ATTR(out, "int", int(value, 16))  # ValueError on a non-hex digit, as UUID()
        _SET_ATTR(out, "is_safe", _UUID_SAFE_UNKNOWN)
        return out
    return uuid.UUID(value)


def _send_builder(cls: Any) -> Builder:
    def build(args: list[Any]) -> Any:
        if len(args) == 3:
            return cls(args[0], args[1], timeout=args[2])
        return cls(*args)

    return build


def _type_ref(args: list[Any]) -> type[Any]:
    if len(args) == 1 and type(args[0]) in SAFE_FACTORIES:
        return type(args[0])
    raise BlockedTypeError(
        "builtins.type may only name builtin container and number types",
        module="builtins",
        name="type",
    )


def decode_ndarray(tup: list[Any]) -> Any:
    """Rebuild a numpy array from ext 6 ``[dtype, shape, order, buffer]`` (a writable copy)."""
    import numpy as np

    dtype = np.dtype(tup[0])
    if dtype.hasobject:
        raise DeserializationError("refusing to rebuild a numpy array of object dtype")
    arr = np.frombuffer(bytearray(tup[3]), dtype=dtype)
    return arr.reshape(tup[1], order=tup[2])


_SPECIAL: dict[tuple[Any, ...], Builder] = {
    (0, "builtins", "tuple"): tuple,
    (0, "builtins", "int"): int,
    (0, "uuid", "UUID"): _uuid_from_hex,
    (1, "builtins", "int"): lambda a: int(*a),
    (1, "builtins", "type"): _type_ref,
}


class ExtDecoder:
    """Builds and owns the ext hook for one allowlist.

    Args:
        allowed: Extra ``(module, name)`` pairs to allow besides the safe ones.
        permissive: Revive any type (with a warning for types nobody allowed).
    """

    def __init__(self, allowed: frozenset[tuple[str, str]], permissive: bool) -> None:
        self.allowed = allowed
        self.permissive = permissive
        self._cache: dict[tuple[Any, ...], Builder] = dict(_SPECIAL)
        self.hook: ExtHook = self._make_hook()

    def _make_hook(self) -> ExtHook:
        cache = self._cache
        resolve = self._resolve

        def hook(code: int, data: bytes) -> Any:
            key: tuple[Any, ...] = (code,)
            try:
                if code == 7:
                    return _DeltaSnapshot(unpackb(data, ext_hook=hook, option=DECODE_OPTIONS))
                if code == 6:
                    return decode_ndarray(unpackb(data, option=DECODE_OPTIONS))
                tup = unpackb(data, ext_hook=hook, option=DECODE_OPTIONS)
                key = (code, tup[0], tup[1]) if code != 3 else (3, tup[0], tup[1], tup[3])
                build = cache.get(key)
                if build is None:
                    build = resolve(key)
                return build(tup[2])
            except CheckpointError as exc:
                _stash(exc)
                raise
            except Exception as exc:
                what = ".".join(map(str, key[1:3])) or f"extension code {code}"
                err = DeserializationError(f"Cannot deserialize {what}: {exc!r}")
                err.__cause__ = exc
                _stash(err)
                raise err from exc

        return hook

    def _resolve(self, key: tuple[Any, ...]) -> Builder:
        code, mod, name = key[0], key[1], key[2]
        if code == 3:
            if (mod, name, key[3]) not in SAFE_MSGPACK_METHODS:
                emit_serde_event(
                    {
                        "kind": "msgpack_method_blocked",
                        "module": mod,
                        "name": name,
                        "method": key[3],
                    }
                )
                raise BlockedTypeError(
                    f"Refusing to call {mod}.{name}.{key[3]}: method not allowed",
                    module=mod,
                    name=name,
                )
            build: Builder = getattr(_lookup(mod, name), key[3])
        elif code not in (0, 1, 2, 4, 5):
            raise DeserializationError(f"Unknown msgpack extension code {code}")
        else:
            pair = (mod, name)
            if pair in SAFE_MSGPACK_TYPES or pair in self.allowed or is_registered(pair):
                pass
            elif self.permissive:
                if pair not in _warned and len(_warned) < _MAX_WARNED:
                    _warned.add(pair)
                    warnings.warn(
                        f"Deserializing unregistered type {mod}.{name} (permissive msgpack "
                        "mode); register it with register_serializable() to silence this.",
                        UnregisteredTypeWarning,
                        stacklevel=2,
                    )
                emit_serde_event(
                    {"kind": "msgpack_unregistered_allowed", "module": mod, "name": name}
                )
            else:
                emit_serde_event({"kind": "msgpack_blocked", "module": mod, "name": name})
                raise BlockedTypeError(_blocked_message(mod, name), module=mod, name=name)
            cls = _lookup(mod, name)
            build = self._builder(code, pair, cls)
        self._cache[key] = build
        return build

    @staticmethod
    def _builder(code: int, pair: tuple[str, str], cls: Any) -> Builder:
        if code == 0:
            return cls  # type: ignore[no-any-return]
        if code == 1:
            if pair == ("langgraph.types", "Send"):
                return _send_builder(cls)
            return lambda args: cls(*args)
        if code == 2:
            if isinstance(cls, type) and dataclasses.is_dataclass(cls):
                return _dataclass_builder(cls)
            return lambda kw: cls(**kw)
        if code == 4:
            return _pydantic_builder(cls, "construct")
        return _pydantic_builder(cls, "model_construct")


def ext_hook_to_json(code: int, data: bytes) -> Any:
    """Ext hook that imports nothing and returns JSON-like data (UUIDs as strings)."""
    if code == 7:
        return unpackb(data, ext_hook=ext_hook_to_json, option=DECODE_OPTIONS)
    if code == 6:
        try:
            return decode_ndarray(unpackb(data, option=DECODE_OPTIONS)).tolist()
        except Exception:
            return None
    tup = unpackb(data, ext_hook=ext_hook_to_json, option=DECODE_OPTIONS)
    if code == 0 and tup[0] == "uuid" and tup[1] == "UUID":
        return str(uuid.UUID(hex=tup[2]))
    if code == 1 and tup[0] == "langgraph.types" and tup[1] == "Send":
        try:
            return _send_builder(_lookup("langgraph.types", "Send"))(tup[2])
        except Exception:
            return tup[2]
    return tup[2] if len(tup) > 2 else None
