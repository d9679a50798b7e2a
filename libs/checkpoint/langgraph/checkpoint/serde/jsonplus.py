"""The default serializer: msgpack with extension types, strict allowlist on load.

Register your own classes so that stored values revive as instances::

    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer, register_serializable

    register_serializable(MyModel)                     # process-wide
    serde = JsonPlusSerializer(allowed_msgpack_modules=[MyModel])  # one serializer

Types neither safe nor registered raise :class:`~langgraph.checkpoint.errors.BlockedTypeError`
when loaded. Values that cannot be stored faithfully raise
:class:`~langgraph.checkpoint.errors.SerializationError` naming their path.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import pickle
from collections.abc import Iterable
from typing import Any, Literal

from ormsgpack import packb, unpackb

from langgraph.checkpoint.errors import (
    BlockedTypeError,
    DeserializationError,
    SerializationError,
    UnknownTypeTagError,
)
from langgraph.checkpoint.serde._decode import (
    DECODE_OPTIONS,
    ExtDecoder,
    ExtHook,
    ext_hook_to_json,
    normalize_allowlist,
    pop_error,
    reset_error,
)
from langgraph.checkpoint.serde._encode import (
    ENCODE_OPTIONS,
    EXT_CONSTRUCTOR_KW_ARGS,
    EXT_CONSTRUCTOR_POS_ARGS,
    EXT_CONSTRUCTOR_SINGLE_ARG,
    EXT_DELTA_SNAPSHOT,
    EXT_METHOD_SINGLE_ARG,
    EXT_NUMPY_ARRAY,
    EXT_PYDANTIC_V1,
    EXT_PYDANTIC_V2,
    find_unserializable,
    msgpack_default,
    msgpack_enc,
)
from langgraph.checkpoint.serde._msgpack import (
    _SENTINEL,
    SAFE_MSGPACK_TYPES,
    STRICT_MSGPACK_ENABLED,
    AllowedMsgpackModules,
    UnregisteredTypeWarning,
    is_registered,
    register_serializable,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

__all__ = [
    "JsonPlusSerializer",
    "InvalidModuleError",
    "register_serializable",
    "UnregisteredTypeWarning",
    "EXT_CONSTRUCTOR_SINGLE_ARG",
    "EXT_CONSTRUCTOR_POS_ARGS",
    "EXT_CONSTRUCTOR_KW_ARGS",
    "EXT_METHOD_SINGLE_ARG",
    "EXT_PYDANTIC_V1",
    "EXT_PYDANTIC_V2",
    "EXT_NUMPY_ARRAY",
    "EXT_DELTA_SNAPSHOT",
]

logger = logging.getLogger(__name__)

_msgpack_default = msgpack_default
_msgpack_enc = msgpack_enc


class InvalidModuleError(Exception):
    """A legacy JSON ``lc: 2`` envelope names a module that is not allowed."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _create_msgpack_ext_hook(
    allowed_modules: AllowedMsgpackModules | Literal[True] | None,
) -> ExtHook:
    """Build an ext hook for ``allowed_modules`` (``True`` = permissive, ``None`` = safe only)."""
    if allowed_modules is True:
        return ExtDecoder(frozenset(), permissive=True).hook
    return ExtDecoder(normalize_allowlist(allowed_modules or ()), permissive=False).hook


_msgpack_ext_hook: ExtHook = ExtDecoder(frozenset(), permissive=not STRICT_MSGPACK_ENABLED).hook
"""Ext hook of a default-constructed serializer."""
_msgpack_ext_hook_to_json: ExtHook = ext_hook_to_json


_SCALAR_CACHE_SIZE = 4096
_SCALAR_CACHE_CHARS = 64
_SCALAR_CACHE_BYTES = 96
_STR_TYPED: dict[str, tuple[str, bytes]] = {}
_INT_TYPED: dict[int, tuple[str, bytes]] = {}


class JsonPlusSerializer(SerializerProtocol):
    """Serializer writing msgpack (tag ``"msgpack"``), byte-compatible with LangGraph's.

    Args:
        pickle_fallback: Store values msgpack cannot encode with pickle (tag
            ``"pickle"``), and load such values. Off by default: unpickling runs code.
        allowed_json_modules: Legacy ``"json"`` payloads: ``True`` or an iterable of
            full id tuples of ``lc: 2`` constructors to revive.
        allowed_msgpack_modules: Types to revive besides the safe ones: classes or
            ``(module, name)`` pairs. ``True`` revives anything (permissive, warns once
            per type). ``None`` allows only the safe types. The default is strict unless
            ``LANGGRAPH_STRICT_MSGPACK`` is ``0``/``false``/``no``.
        __unpack_ext_hook__: Replace the decode ext hook entirely.
    """

    def __init__(
        self,
        *,
        pickle_fallback: bool = False,
        allowed_json_modules: Iterable[tuple[str, ...]] | Literal[True] | None = None,
        allowed_msgpack_modules: AllowedMsgpackModules | Literal[True] | None | Any = _SENTINEL,
        __unpack_ext_hook__: ExtHook | None = None,
    ) -> None:
        self.pickle_fallback = pickle_fallback
        self._allowed_json_modules: set[tuple[str, ...]] | Literal[True] | None = (
            True
            if allowed_json_modules is True
            else (None if allowed_json_modules is None else set(map(tuple, allowed_json_modules)))
        )
        self._allowed_msgpack_modules: frozenset[tuple[str, str]] | Literal[True] | None
        if allowed_msgpack_modules is _SENTINEL:
            self._allowed_msgpack_modules = None if STRICT_MSGPACK_ENABLED else True
        elif allowed_msgpack_modules is True:
            self._allowed_msgpack_modules = True
        elif allowed_msgpack_modules is None:
            self._allowed_msgpack_modules = None
        else:
            self._allowed_msgpack_modules = normalize_allowlist(allowed_msgpack_modules) or None
        self._custom_hook = __unpack_ext_hook__
        self._build_hook()

    def _build_hook(self) -> None:
        if self._custom_hook is not None:
            self._unpack_ext_hook = self._custom_hook
        elif self._allowed_msgpack_modules is True:
            self._unpack_ext_hook = ExtDecoder(frozenset(), permissive=True).hook
        else:
            allowed = self._allowed_msgpack_modules or frozenset()
            self._unpack_ext_hook = ExtDecoder(allowed, permissive=False).hook

    def with_msgpack_allowlist(
        self, extra_allowlist: Iterable[tuple[str, ...] | type[Any]]
    ) -> JsonPlusSerializer:
        """Return a serializer that also revives ``extra_allowlist``.

        Returns ``self`` when permissive or when nothing new is added; otherwise a
        shallow copy (subclasses stay subclasses) with a rebuilt ext hook.
        """
        current = self._allowed_msgpack_modules
        if current is True:
            return self
        extra = normalize_allowlist(extra_allowlist)
        merged = (current or frozenset()) | extra
        if merged == (current or frozenset()):
            return self
        clone = copy.copy(self)
        clone._allowed_msgpack_modules = merged
        clone._build_hook()
        return clone

    # ------------------------------------------------------------------ typed API

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        """Serialize ``obj`` to a ``(type_tag, payload)`` pair.

        Raises:
            SerializationError: Part of ``obj`` cannot be stored faithfully; ``path``
                says where (e.g. ``messages[3].additional_kwargs.foo``).
        """
        if obj is None:
            return "null", b""
        cls = type(obj)
        if (cls is str and len(obj) <= _SCALAR_CACHE_CHARS) or cls is int:
            # Short strings and ints recur (node names, statuses, counters): their
            # encoding is memoized process-wide; equal values of one exact type encode
            # identically. (Long strings are not looked up: hashing them costs more.)
            cache = _STR_TYPED if cls is str else _INT_TYPED
            typed = cache.get(obj)
            if typed is None:
                typed = self._dumps_msgpack(obj)
                if (
                    typed[0] == "msgpack"
                    and len(typed[1]) <= _SCALAR_CACHE_BYTES
                    and len(cache) < _SCALAR_CACHE_SIZE
                ):
                    cache[obj] = typed
            return typed
        if cls is bytes:
            return "bytes", obj
        if cls is bytearray:
            return "bytearray", bytes(obj)
        try:
            return "msgpack", packb(obj, default=msgpack_default, option=ENCODE_OPTIONS)
        except TypeError as exc:
            if self.pickle_fallback:
                return "pickle", pickle.dumps(obj)
            raise _explain(obj, exc) from exc

    def _dumps_msgpack(self, obj: Any) -> tuple[str, bytes]:
        try:
            return "msgpack", packb(obj, default=msgpack_default, option=ENCODE_OPTIONS)
        except TypeError as exc:
            if self.pickle_fallback:
                return "pickle", pickle.dumps(obj)
            raise _explain(obj, exc) from exc

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        """Deserialize a ``(type_tag, payload)`` pair written by :meth:`dumps_typed`.

        Raises:
            BlockedTypeError: The payload names a type that is not allowed.
            UnknownTypeTagError: The tag is not one this serializer writes or reads.
            DeserializationError: The payload is corrupt or cannot be rebuilt.
        """
        type_, payload = data
        if type_ == "msgpack":
            return self._unpack(payload)
        if type_ == "null":
            return None
        if type_ == "bytes":
            return payload
        if type_ == "bytearray":
            return bytearray(payload)
        if type_ == "json":
            return self._loads_json(payload)
        if type_ == "pickle":
            if not self.pickle_fallback:
                raise BlockedTypeError(
                    "Refusing to unpickle a stored value: create the serializer with "
                    "pickle_fallback=True to load pickled data you trust",
                    module="pickle",
                    name="loads",
                )
            return pickle.loads(payload)  # noqa: S301 - explicit opt-in
        raise UnknownTypeTagError(f"Unknown serialization type: {type_}")

    def _unpack(self, payload: bytes) -> Any:
        reset_error()
        try:
            # Fast path: string keys only (decoding without OPT_NON_STR_KEYS is ~10%
            # faster); a payload with other keys fails here and is decoded again below.
            return unpackb(payload, ext_hook=self._unpack_ext_hook)
        except ValueError:
            err = pop_error()
            if err is not None:
                raise err from None
        reset_error()
        try:
            return unpackb(payload, ext_hook=self._unpack_ext_hook, option=DECODE_OPTIONS)
        except ValueError as exc:
            err = pop_error()
            if err is not None:
                raise err from None
            raise DeserializationError(f"Corrupt msgpack payload: {exc}") from exc

    # ---------------------------------------------------------------- untyped API

    def dumps(self, obj: Any) -> bytes:
        """Serialize ``obj`` to msgpack bytes (untyped, for legacy callers)."""
        try:
            return msgpack_enc(obj)
        except TypeError as exc:
            raise _explain(obj, exc) from exc

    def loads(self, data: bytes) -> Any:
        """Deserialize msgpack bytes written by :meth:`dumps`."""
        return self._unpack(data)

    # --------------------------------------------------------------- legacy JSON

    def _loads_json(self, payload: bytes) -> Any:
        try:
            return json.loads(payload, object_hook=self._reviver)
        except json.JSONDecodeError as exc:
            raise DeserializationError(f"Corrupt JSON payload: {exc}") from exc

    def _reviver(self, value: dict[str, Any]) -> Any:
        if (
            value.get("lc") == 2
            and value.get("type") == "constructor"
            and isinstance(value.get("id"), list)
            and value["id"]
        ):
            return self._revive_constructor(value)
        return _langchain_revive(value)

    def _revive_constructor(self, value: dict[str, Any]) -> Any:
        ident = tuple(value["id"])
        mod, name = ".".join(ident[:-1]), ident[-1]
        allowed = self._allowed_json_modules
        if not (
            (mod, name) in SAFE_MSGPACK_TYPES
            or is_registered((mod, name))
            or allowed is True
            or (allowed is not None and ident in allowed)
        ):
            raise BlockedTypeError(
                f"Refusing to revive legacy JSON object {mod}.{name}: pass "
                f"allowed_json_modules=[{ident!r}] or register_serializable it",
                module=mod,
                name=name,
            )
        try:
            cls = getattr(importlib.import_module(mod), name)
        except (ImportError, AttributeError) as exc:
            raise DeserializationError(f"Cannot find {mod}.{name}: {exc}") from exc
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return None
        args, kwargs = value.get("args") or (), value.get("kwargs") or {}
        try:
            return cls(*args, **kwargs)
        except Exception as exc:
            raise DeserializationError(f"Cannot construct {mod}.{name}: {exc}") from exc


def _langchain_revive(value: dict[str, Any]) -> Any:
    if "lc" not in value:
        return value
    try:
        from langchain_core.load.load import Reviver
    except ImportError:
        return value
    return Reviver(allowed_objects="core")(value)


def _explain(obj: Any, exc: TypeError) -> SerializationError:
    found = find_unserializable(obj)
    if found is None:
        return SerializationError(f"Cannot serialize value: {exc}")
    path, reason = found
    where = path or "<root>"
    return SerializationError(f"Cannot serialize value at {where}: {reason}", path=path)


# Kept for code that imported these names from here.
_ENCODE_OPTIONS = ENCODE_OPTIONS
