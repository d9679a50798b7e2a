"""Metadata filters for ``list``: one definition shared by every saver.

A filter is a mapping of metadata key to condition; every condition must hold.

* A plain value matches by equality, compared by type: ``1`` does not match ``True`` or
  ``"1"``; a dict value matches a dict field partially (every key of the filter must
  match, recursively); a list matches element-wise.
* A dict whose keys all start with ``$`` is an operator condition: ``$eq``, ``$ne``,
  ``$gt``, ``$gte``, ``$lt``, ``$lte``. Ordering operators compare numbers with numbers
  and strings with strings; a mismatched type never matches.
* A dotted key (``"a.b"``) addresses a nested field when no top-level key of that exact
  name exists.

Backends translate the same semantics to SQL; the in-memory saver and the conformance
suite evaluate them with :func:`metadata_matches`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from langgraph.checkpoint.errors import InvalidFilterError

__all__ = ["OPERATORS", "compile_metadata_filter", "metadata_matches", "validate_filter"]

_MISSING = object()

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq,
    "$ne": operator.ne,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}
_ORDERING = frozenset({"$gt", "$gte", "$lt", "$lte"})


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "str"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def values_equal(actual: Any, expected: Any) -> bool:
    """Type-aware equality: a dict filter matches partially, lists element-wise."""
    kind = _kind(expected)
    if kind != _kind(actual):
        return False
    if kind == "dict":
        return all(k in actual and values_equal(actual[k], v) for k, v in expected.items())
    if kind == "list":
        return len(actual) == len(expected) and all(
            values_equal(a, e) for a, e in zip(actual, expected, strict=True)
        )
    return bool(actual == expected)


def is_operator_condition(condition: Any) -> bool:
    """True when ``condition`` is a dict of ``$`` operators."""
    return (
        isinstance(condition, Mapping)
        and bool(condition)
        and all(isinstance(k, str) and k.startswith("$") for k in condition)
    )


def validate_filter(filter: Mapping[str, Any] | None) -> None:  # noqa: A002
    """Raise :class:`InvalidFilterError` for a malformed filter or an unknown operator."""
    if filter is None:
        return
    if not isinstance(filter, Mapping):
        raise InvalidFilterError(
            f"filter must be a dict of metadata key to value, got {type(filter).__name__}"
        )
    for key, condition in filter.items():
        if not isinstance(key, str) or not key:
            raise InvalidFilterError(f"filter keys must be non-empty strings, got {key!r}")
        if is_operator_condition(condition):
            for op, operand in condition.items():
                if op not in OPERATORS:
                    raise InvalidFilterError(
                        f"unknown filter operator {op!r} for key {key!r}; "
                        f"supported: {', '.join(OPERATORS)}"
                    )
                if op in _ORDERING and _kind(operand) not in ("number", "str"):
                    raise InvalidFilterError(
                        f"operator {op!r} for key {key!r} needs a number or a string, "
                        f"got {type(operand).__name__}"
                    )
        elif isinstance(condition, Mapping) and any(
            isinstance(k, str) and k.startswith("$") for k in condition
        ):
            raise InvalidFilterError(
                f"filter for key {key!r} mixes operators and plain fields: {condition!r}"
            )


def lookup(metadata: Mapping[str, Any], key: str) -> Any:
    """The value at ``key``: the top-level key, else a dotted path; ``_MISSING`` if absent."""
    if key in metadata:
        return metadata[key]
    if "." not in key:
        return _MISSING
    current: Any = metadata
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current


def _check(actual: Any, condition: Any) -> bool:
    if is_operator_condition(condition):
        for op, operand in condition.items():
            if actual is _MISSING:
                if op == "$ne":
                    continue
                return False
            if op in _ORDERING:
                kind = _kind(operand)
                if kind != _kind(actual) or kind not in ("number", "str"):
                    return False
                if not OPERATORS[op](actual, operand):
                    return False
            elif op == "$eq":
                if not values_equal(actual, operand):
                    return False
            elif values_equal(actual, operand):  # $ne
                return False
        return True
    if actual is _MISSING:
        return False
    return values_equal(actual, condition)


def metadata_matches(
    metadata: Mapping[str, Any],
    filter: Mapping[str, Any] | None,  # noqa: A002
) -> bool:
    """True when ``metadata`` satisfies every condition of ``filter``."""
    if not filter:
        return True
    return all(_check(lookup(metadata, k), c) for k, c in filter.items())


def compile_metadata_filter(
    filter: Mapping[str, Any] | None,  # noqa: A002
) -> Callable[[Mapping[str, Any]], bool]:
    """Validate ``filter`` once and return a predicate over metadata dicts."""
    validate_filter(filter)
    if not filter:
        return lambda _metadata: True
    items = list(filter.items())
    return lambda metadata: all(_check(lookup(metadata, k), c) for k, c in items)
