from typing import Any

import pytest

from langgraph.checkpoint.base._filters import compile_metadata_filter, metadata_matches
from langgraph.checkpoint.errors import InvalidFilterError

META: dict[str, Any] = {
    "source": "loop",
    "step": 10,
    "score": 0.5,
    "flag": True,
    "none": None,
    "nested": {"a": 1, "b": {"c": "x"}},
    "tags": ["a", "b"],
}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"source": "loop"}, True),
        ({"source": "input"}, False),
        ({"step": 10}, True),
        ({"step": 10.0}, True),
        ({"step": "10"}, False),
        ({"flag": True}, True),
        ({"flag": 1}, False),
        ({"step": True}, False),
        ({"none": None}, True),
        ({"missing": None}, False),
        ({"nested": {"a": 1}}, True),
        ({"nested": {"b": {"c": "x"}}}, True),
        ({"nested": {"a": 2}}, False),
        ({"nested.a": 1}, True),
        ({"nested.b.c": "x"}, True),
        ({"tags": ["a", "b"]}, True),
        ({"tags": ["a"]}, False),
        ({"step": {"$gt": 9}}, True),
        ({"step": {"$gt": 10}}, False),
        ({"step": {"$gte": 10, "$lt": 11}}, True),
        ({"step": {"$lte": 9}}, False),
        ({"step": {"$ne": 10}}, False),
        ({"step": {"$eq": 10}}, True),
        ({"source": {"$gt": "a"}}, True),
        ({"step": {"$gt": "9"}}, False),
        ({"missing": {"$ne": 1}}, True),
        ({"source": "loop", "step": 10}, True),
        ({"source": "loop", "step": 11}, False),
    ],
)
def test_filter_semantics(flt: dict[str, Any], expected: bool) -> None:
    assert metadata_matches(META, flt) is expected
    assert compile_metadata_filter(flt)(META) is expected


def test_empty_filter_matches() -> None:
    assert metadata_matches(META, None)
    assert metadata_matches(META, {})


@pytest.mark.parametrize(
    "flt",
    [{"step": {"$regex": "x"}}, {"step": {"$gt": [1]}}, {"": 1}, {"a": {"$eq": 1, "b": 2}}],
)
def test_bad_filters_raise_named_error(flt: dict[str, Any]) -> None:
    with pytest.raises(InvalidFilterError) as info:
        compile_metadata_filter(flt)
    assert isinstance(info.value, ValueError)


def test_unknown_operator_message_names_operator_and_key() -> None:
    with pytest.raises(InvalidFilterError, match=r"'\$regex' for key 'step'"):
        compile_metadata_filter({"step": {"$regex": "x"}})
