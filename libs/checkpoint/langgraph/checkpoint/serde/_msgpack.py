"""Allowlist of the types the msgpack deserializer may revive.

Strict by default: stored data may only name the types in :data:`SAFE_MSGPACK_TYPES`,
types passed to a serializer through ``allowed_msgpack_modules``, and types registered
process-wide with :func:`register_serializable` or the environment variable
``LANGGRAPH_ALLOWED_MSGPACK_MODULES`` (comma separated ``pkg.mod:Class`` entries, or
``pkg.mod`` to allow every class of that exact module).

Permissive mode (import whatever the data names, as upstream LangGraph does by
default) is an explicit opt-in: ``allowed_msgpack_modules=True`` or
``LANGGRAPH_STRICT_MSGPACK`` set to ``0``, ``false`` or ``no``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any, Final, TypeAlias

__all__ = [
    "STRICT_MSGPACK_ENABLED",
    "SAFE_MSGPACK_TYPES",
    "SAFE_MSGPACK_METHODS",
    "AllowedMsgpackModules",
    "UnregisteredTypeWarning",
    "register_serializable",
    "is_registered",
    "registered_class",
    "_SENTINEL",
]


class _Sentinel:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<default>"


_SENTINEL: Final = _Sentinel()

AllowedMsgpackModules: TypeAlias = "Iterable[tuple[str, ...] | type[Any]]"
"""Types a serializer may revive besides the safe ones: classes or ``(module, name)``."""


class UnregisteredTypeWarning(UserWarning):
    """Permissive mode revived a type that is neither safe nor registered."""


def _env_strict() -> bool:
    raw = os.environ.get("LANGGRAPH_STRICT_MSGPACK")
    if raw is None:
        return True
    return raw.strip().lower() not in {"0", "false", "no", "off"}


STRICT_MSGPACK_ENABLED: bool = _env_strict()
"""False only when ``LANGGRAPH_STRICT_MSGPACK`` opts out (read once, at import)."""

_LC = "langchain_core.messages"
_MESSAGES = [
    (f"{_LC}.base", "BaseMessage"),
    (f"{_LC}.base", "BaseMessageChunk"),
    (f"{_LC}.modifier", "RemoveMessage"),
]
for _mod, _cls in (
    ("human", "HumanMessage"),
    ("ai", "AIMessage"),
    ("system", "SystemMessage"),
    ("chat", "ChatMessage"),
    ("tool", "ToolMessage"),
    ("function", "FunctionMessage"),
):
    _MESSAGES += [(f"{_LC}.{_mod}", _cls), (f"{_LC}.{_mod}", _cls + "Chunk")]

_NUMPY_SCALARS = (
    "bool bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 intc uintc int_ uint "
    "longlong ulonglong float16 float32 float64 half single double complex64 complex128 "
    "csingle cdouble"
).split()

SAFE_MSGPACK_TYPES: Final[frozenset[tuple[str, ...]]] = frozenset(
    [
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("uuid", "UUID"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "tuple"),
        ("builtins", "int"),
        ("builtins", "complex"),
        ("builtins", "range"),
        ("collections", "deque"),
        ("collections", "OrderedDict"),
        ("collections", "Counter"),
        ("collections", "defaultdict"),
        ("ipaddress", "IPv4Address"),
        ("ipaddress", "IPv4Interface"),
        ("ipaddress", "IPv4Network"),
        ("ipaddress", "IPv6Address"),
        ("ipaddress", "IPv6Interface"),
        ("ipaddress", "IPv6Network"),
        *[
            (mod, cls)
            for mod in ("pathlib", "pathlib._local")
            for cls in (
                "Path",
                "PosixPath",
                "WindowsPath",
                "PurePath",
                "PurePosixPath",
                "PureWindowsPath",
            )
        ],
        ("zoneinfo", "ZoneInfo"),
        ("re", "compile"),
        ("re", "RegexFlag"),
        ("http", "HTTPStatus"),
        *_MESSAGES,
        ("langchain_core.documents.base", "Document"),
        ("langgraph.types", "Send"),
        ("langgraph.types", "TimeoutPolicy"),
        ("langgraph.types", "Interrupt"),
        ("langgraph.types", "Command"),
        ("langgraph.types", "StateSnapshot"),
        ("langgraph.types", "PregelTask"),
        ("langgraph.types", "Overwrite"),
        ("langgraph.store.base", "Item"),
        ("langgraph.store.base", "GetOp"),
        ("langgraph.checkpoint.base.id", "UUID"),
        *[("numpy", name) for name in _NUMPY_SCALARS],
    ]
)
"""Types every serializer revives, in any mode."""

SAFE_MSGPACK_METHODS: Final[frozenset[tuple[str, str, str]]] = frozenset(
    [("datetime", "datetime", "fromisoformat")]
)
"""``(module, class, method)`` triples that extension code 3 may call."""

# Process-wide registry: (module, qualified name) -> class (None when registered by name).
_registered: dict[tuple[str, str], type[Any] | None] = {}
_registered_modules: set[str] = set()
_known_classes: dict[tuple[str, str], type[Any]] = {}
_lock = threading.Lock()


def type_key(cls: type[Any]) -> tuple[str, str]:
    """Return the ``(module, name)`` pair under which ``cls`` is written to msgpack."""
    qual = cls.__qualname__
    return cls.__module__, (cls.__name__ if "<locals>" in qual else qual)


def register_serializable(*types: type[Any] | tuple[str, str] | str) -> Any:
    """Allow every serializer of this process to revive the given types.

    Usable as a class decorator::

        @register_serializable
        @dataclass
        class Doc:
            id: str

    Args:
        *types: Classes, ``(module, name)`` pairs, ``"pkg.mod:Class"`` strings, or
            ``"pkg.mod"`` strings that allow every class of that exact module.

    Returns:
        The first argument, so that the function works as a decorator.
    """
    with _lock:
        for item in types:
            if isinstance(item, type):
                _registered[type_key(item)] = item
                _registered[(item.__module__, item.__name__)] = item
            elif isinstance(item, tuple) and len(item) == 2:
                _registered.setdefault((str(item[0]), str(item[1])), None)
            elif isinstance(item, str) and item.strip():
                mod, sep, name = item.strip().partition(":")
                if sep and name and name != "*":
                    _registered.setdefault((mod, name), None)
                else:
                    _registered_modules.add(mod)
            else:
                raise TypeError(
                    "register_serializable() takes classes, (module, name) pairs or "
                    f"'pkg.mod:Class' strings, not {item!r}"
                )
    return types[0] if types else None


def is_registered(key: tuple[str, ...]) -> bool:
    """Whether ``(module, name)`` was registered process-wide."""
    return key in _registered or key[0] in _registered_modules


def registered_class(key: tuple[str, ...]) -> type[Any] | None:
    """The class object known under ``key`` (registered, or named in an allowlist)."""
    pair = (key[0], key[1])
    return _registered.get(pair) or _known_classes.get(pair)


def remember_class(cls: type[Any]) -> None:
    """Remember a class named in a serializer's allowlist so that it need not be imported.

    This allows nothing by itself; it only spares an import (and makes classes defined
    in functions or test modules resolvable).
    """
    _known_classes[type_key(cls)] = cls
    _known_classes[(cls.__module__, cls.__name__)] = cls


def _load_env_registry() -> None:
    raw = os.environ.get("LANGGRAPH_ALLOWED_MSGPACK_MODULES", "")
    entries = [part.strip() for part in raw.split(",") if part.strip()]
    if entries:
        register_serializable(*entries)


_load_env_registry()
