"""Pure matching helpers shared by every store: namespaces and value filters.

Nothing here does I/O or keeps state, so SQL stores can call these functions directly
(for post-filtering) or read them as the reference semantics to translate into SQL.

Filter semantics (``SearchOp.filter``), all conditions ANDed:

* ``{"k": value}``: equality; a nested dict without ``$`` keys is a recursive partial
  match on a dict field; a list/tuple requires the same length and element-wise match.
* ``{"k": {"$op": operand, ...}}``: every operator must hold. ``$eq`` / ``$ne`` use
  type-aware equality; ``$gt`` / ``$gte`` / ``$lt`` / ``$lte`` compare numbers
  numerically and strings lexically; any other pairing (number vs string, ``None``,
  a missing field, a ``bool``) does not match.
* A key such as ``"a.b"`` addresses ``value["a"]["b"]`` unless the document has a literal
  ``"a.b"`` key.
* Unknown operators raise :class:`~langgraph.checkpoint.errors.InvalidFilterError`
  when the filter is compiled, whether or not any document would reach them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from langgraph.checkpoint.errors import InvalidFilterError

__all__ = [
    "FILTER_OPERATORS",
    "MISSING",
    "Predicate",
    "compile_filter",
    "matches_filter",
    "namespace_matches",
    "namespace_has_prefix",
    "resolve_field",
    "values_equal",
    "compare_ordered",
]

Predicate = Callable[[Mapping[str, Any]], bool]

FILTER_OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Sentinel for a field absent from a document."""


def _is_number(x: Any) -> bool:
    cls = x.__class__
    return cls is int or cls is float or (isinstance(x, (int, float)) and not isinstance(x, bool))


def values_equal(a: Any, b: Any) -> bool:
    """Type-aware equality: ``True`` never equals ``1``; ``1 == 1.0`` still holds.

    Containers compare element-wise with the same rule.
    """
    if a.__class__ is bool or b.__class__ is bool:
        return a.__class__ is b.__class__ and a == b
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return False
        return all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        if not isinstance(b, (list, tuple)) or len(a) != len(b):
            return False
        return all(values_equal(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(b, (dict, list, tuple)):
        return False
    return bool(a == b)


def compare_ordered(a: Any, b: Any) -> int | None:
    """Three-way comparison by type: -1/0/1, or ``None`` when the types do not order."""
    if _is_number(a) and _is_number(b):
        pass
    elif isinstance(a, str) and isinstance(b, str):
        pass
    else:
        return None
    return -1 if a < b else (1 if a > b else 0)


def resolve_field(doc: Mapping[str, Any], key: str) -> Any:
    """Value of ``key`` in ``doc``; dotted keys descend into nested dicts; else MISSING."""
    if key in doc:
        return doc[key]
    if "." not in key:
        return MISSING
    cur: Any = doc
    for part in key.split("."):
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        else:
            return MISSING
    return cur


def _make_getter(key: str) -> Callable[[Mapping[str, Any]], Any]:
    if "." not in key:
        missing = MISSING

        def get(doc: Mapping[str, Any]) -> Any:
            return doc.get(key, missing)

        return get

    def get_dotted(doc: Mapping[str, Any]) -> Any:
        return resolve_field(doc, key)

    return get_dotted


def _compile_operator(op: str, operand: Any, key: str) -> Callable[[Any], bool]:
    if op == "$eq":
        return lambda v: v is not MISSING and values_equal(v, operand)
    if op == "$ne":
        return lambda v: v is MISSING or not values_equal(v, operand)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if not (_is_number(operand) or isinstance(operand, str)):
            raise InvalidFilterError(
                f"Filter operator {op!r} on key {key!r} needs a number or a string operand, "
                f"got {type(operand).__name__}"
            )
        if op == "$gt":
            return lambda v: (c := compare_ordered(v, operand)) is not None and c > 0
        if op == "$gte":
            return lambda v: (c := compare_ordered(v, operand)) is not None and c >= 0
        if op == "$lt":
            return lambda v: (c := compare_ordered(v, operand)) is not None and c < 0
        return lambda v: (c := compare_ordered(v, operand)) is not None and c <= 0
    raise InvalidFilterError(
        f"Unsupported filter operator {op!r} on key {key!r}; "
        f"expected one of {', '.join(sorted(FILTER_OPERATORS))}"
    )


def _compile_condition(cond: Any, key: str) -> Callable[[Any], bool]:
    """Compile the condition for one field into a predicate over the field's value."""
    if isinstance(cond, dict):
        if any(isinstance(k, str) and k.startswith("$") for k in cond):
            checks = [_compile_operator(str(op), operand, key) for op, operand in cond.items()]
            if len(checks) == 1:
                return checks[0]
            return lambda v: all(c(v) for c in checks)
        subs = [(k, _compile_condition(c, f"{key}.{k}")) for k, c in cond.items()]

        def match_dict(v: Any) -> bool:
            if not isinstance(v, dict):
                return False
            for k, check in subs:
                if not check(v.get(k, MISSING)):
                    return False
            return True

        return match_dict
    if isinstance(cond, (list, tuple)):
        elems = [_compile_condition(c, f"{key}[{i}]") for i, c in enumerate(cond)]
        n = len(elems)

        def match_seq(v: Any) -> bool:
            return (
                isinstance(v, (list, tuple))
                and len(v) == n
                and all(check(x) for check, x in zip(elems, v, strict=False))
            )

        return match_seq
    if cond is None:
        return lambda v: v is None
    if cond.__class__ is str or cond.__class__ is int:
        target = cond
        tcls = cond.__class__

        def eq_fast(v: Any) -> bool:
            if v.__class__ is tcls:
                return bool(v == target)
            return v is not MISSING and values_equal(v, target)

        return eq_fast
    return lambda v: v is not MISSING and values_equal(v, cond)


def compile_filter(filter: Mapping[str, Any] | None) -> Predicate | None:
    """Compile a filter dict into a predicate over a document, once per search.

    Args:
        filter: The ``SearchOp.filter`` mapping, or ``None``.

    Returns:
        ``None`` when there is nothing to check, else a function ``doc -> bool``.

    Raises:
        InvalidFilterError: An operator is unknown or has an unusable operand.
    """
    if not filter:
        return None
    if not isinstance(filter, Mapping):
        raise InvalidFilterError(f"Store filter must be a dict, got {type(filter).__name__}")
    fields = [(_make_getter(str(k)), _compile_condition(c, str(k))) for k, c in filter.items()]
    if len(fields) == 1:
        ((getter, check),) = fields
        if "." not in str(next(iter(filter))):
            key = str(next(iter(filter)))
            return lambda doc: check(doc.get(key, MISSING))
        return lambda doc: check(getter(doc))

    def predicate(doc: Mapping[str, Any]) -> bool:
        for getter, check in fields:
            if not check(getter(doc)):
                return False
        return True

    return predicate


def matches_filter(doc: Mapping[str, Any], filter: Mapping[str, Any] | None) -> bool:
    """Whether ``doc`` satisfies ``filter`` (convenience; compile once for many docs)."""
    pred = compile_filter(filter)
    return True if pred is None else pred(doc)


def namespace_has_prefix(namespace: Sequence[str], prefix: Sequence[str]) -> bool:
    """Label-wise prefix test used by search: ``("a",)`` never matches ``("ab",)``."""
    n = len(prefix)
    return len(namespace) >= n and tuple(namespace[:n]) == tuple(prefix)


def _match_labels(labels: Iterable[str], path: Iterable[str]) -> bool:
    for label, p in zip(labels, path, strict=False):
        if p != "*" and label != p:
            return False
    return True


def namespace_matches(namespace: Sequence[str], match_type: str, path: Sequence[str]) -> bool:
    """Whether ``namespace`` satisfies one ``MatchCondition`` (``"*"`` = any one label).

    Raises:
        ValueError: ``match_type`` is neither ``"prefix"`` nor ``"suffix"``.
    """
    if match_type == "prefix":
        return len(namespace) >= len(path) and _match_labels(namespace, path)
    if match_type == "suffix":
        return len(namespace) >= len(path) and _match_labels(reversed(namespace), reversed(path))
    raise ValueError(f"Unsupported namespace match type: {match_type!r}")
