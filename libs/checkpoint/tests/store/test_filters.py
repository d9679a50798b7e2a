from __future__ import annotations

from typing import Any

import pytest

from langgraph.checkpoint.errors import InvalidFilterError
from langgraph.store.base._filters import compile_filter, matches_filter, namespace_matches
from langgraph.store.memory import InMemoryStore

# (stored value, operator, operand, expected)
OPERATOR_MATRIX: list[tuple[Any, str, Any, bool]] = [
    # numbers
    (5, "$eq", 5, True),
    (5, "$eq", 5.0, True),
    (5, "$eq", 6, False),
    (5, "$ne", 6, True),
    (5, "$ne", 5, False),
    (5, "$gt", 4, True),
    (5, "$gt", 5, False),
    (5, "$gte", 5, True),
    (5, "$gte", 6, False),
    (5, "$lt", 6, True),
    (5, "$lt", 5, False),
    (5, "$lte", 5, True),
    (5, "$lte", 4.5, False),
    (2.5, "$gt", 2, True),
    (10, "$gt", 9, True),  # numeric, not text ("10" < "9")
    # strings: lexical
    ("b", "$eq", "b", True),
    ("b", "$ne", "a", True),
    ("b", "$gt", "a", True),
    ("b", "$gte", "b", True),
    ("b", "$lt", "c", True),
    ("b", "$lte", "a", False),
    ("10", "$lt", "9", True),
    ("2024-05-01", "$gte", "2024-01-01", True),
    # mixed number/string: never ordered, never equal
    ("10", "$gt", 9, False),
    (10, "$gt", "9", False),
    (10, "$lt", "9", False),
    ("5", "$eq", 5, False),
    ("5", "$ne", 5, True),
    # bool is not a number
    (True, "$eq", 1, False),
    (True, "$eq", True, True),
    (False, "$ne", 0, True),
    (True, "$gt", 0, False),
    (1, "$eq", True, False),
    # None
    (None, "$eq", None, True),
    (None, "$gt", 0, False),
    (None, "$ne", 1, True),
]


@pytest.mark.parametrize(("stored", "op", "operand", "expected"), OPERATOR_MATRIX)
def test_operator_matrix(stored: Any, op: str, operand: Any, expected: bool) -> None:
    assert matches_filter({"f": stored}, {"f": {op: operand}}) is expected
    # same through a nested field, with both dotted and nested-dict spellings
    assert matches_filter({"a": {"f": stored}}, {"a.f": {op: operand}}) is expected
    assert matches_filter({"a": {"f": stored}}, {"a": {"f": {op: operand}}}) is expected


@pytest.mark.parametrize("op", ["$eq", "$gt", "$gte", "$lt", "$lte"])
def test_missing_field_never_matches_positive_operators(op: str) -> None:
    assert not matches_filter({"other": 1}, {"f": {op: 1}})
    assert not matches_filter({"a": {}}, {"a.f": {op: 1}})


def test_missing_field_matches_ne() -> None:
    assert matches_filter({"other": 1}, {"f": {"$ne": 1}})


def test_range_combines_operators() -> None:
    f = {"n": {"$gte": 3, "$lt": 6}}
    assert [n for n in range(10) if matches_filter({"n": n}, f)] == [3, 4, 5]


def test_plain_equality_and_nested_partial_match() -> None:
    doc = {"a": 1, "b": {"c": "x", "d": [1, 2]}, "tags": ["x", "y"]}
    assert matches_filter(doc, {"a": 1})
    assert not matches_filter(doc, {"a": 2})
    assert matches_filter(doc, {"b": {"c": "x"}})  # partial
    assert not matches_filter(doc, {"b": {"c": "y"}})
    assert matches_filter(doc, {"b": {"d": [1, 2]}})
    assert not matches_filter(doc, {"b": {"d": [1]}})  # list: same length
    assert matches_filter(doc, {"tags": ["x", "y"]})
    assert not matches_filter(doc, {"tags": ["y", "x"]})
    assert matches_filter(doc, {"b.c": "x"})
    assert not matches_filter(doc, {"missing": None})
    assert not matches_filter(doc, {"a": {"x": 1}})  # not a dict
    assert matches_filter({"a.b": 1, "a": {"b": 2}}, {"a.b": 1})  # literal key wins


def test_bool_and_int_plain_equality_by_type() -> None:
    assert not matches_filter({"f": True}, {"f": 1})
    assert not matches_filter({"f": 1}, {"f": True})
    assert matches_filter({"f": 1}, {"f": 1.0})


@pytest.mark.parametrize("bad", ["$in", "$regex", "$foo"])
def test_unknown_operator_names_operator_and_key(bad: str) -> None:
    with pytest.raises(InvalidFilterError) as ei:
        compile_filter({"field": {bad: 1}})
    assert bad in str(ei.value) and "field" in str(ei.value)
    assert isinstance(ei.value, ValueError)


def test_unknown_operator_raises_from_store_even_when_empty() -> None:
    store = InMemoryStore()
    with pytest.raises(InvalidFilterError, match=r"\$in"):
        store.search(("x",), filter={"k": {"$in": [1]}})


def test_ordering_operand_must_be_number_or_string() -> None:
    with pytest.raises(InvalidFilterError, match="k"):
        compile_filter({"k": {"$gt": [1]}})


def test_compile_filter_none() -> None:
    assert compile_filter(None) is None
    assert compile_filter({}) is None


@pytest.mark.parametrize(
    ("ns", "kind", "path", "expected"),
    [
        (("a", "b", "c"), "prefix", ("a",), True),
        (("a", "b", "c"), "prefix", ("a", "*", "c"), True),
        (("a", "b", "c"), "prefix", ("b",), False),
        (("ab",), "prefix", ("a",), False),
        (("a", "b", "c"), "suffix", ("c",), True),
        (("a", "b", "c"), "suffix", ("*", "c"), True),
        (("a", "b", "c"), "suffix", ("b",), False),
        (("a",), "prefix", ("a", "b"), False),
        (("a",), "prefix", (), True),
    ],
)
def test_namespace_matches(
    ns: tuple[str, ...], kind: str, path: tuple[str, ...], expected: bool
) -> None:
    assert namespace_matches(ns, kind, path) is expected


def test_namespace_matches_bad_type() -> None:
    with pytest.raises(ValueError, match="other"):
        namespace_matches(("a",), "other", ("a",))


def test_store_filter_matrix_end_to_end() -> None:
    store = InMemoryStore()
    values: list[Any] = [0, 1, 2.5, "1", "b", True, False, None]
    for i, v in enumerate(values):
        store.put(("m",), str(i), {"v": v, "n": {"v": v}})
    got = {i.key for i in store.search(("m",), filter={"v": {"$gt": 0}}, limit=100)}
    assert got == {"1", "2"}
    got = {i.key for i in store.search(("m",), filter={"n.v": {"$lte": "b"}}, limit=100)}
    assert got == {"3", "4"}
    got = {i.key for i in store.search(("m",), filter={"v": True}, limit=100)}
    assert got == {"5"}
