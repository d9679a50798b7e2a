"""The store's pure helpers, without a database."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import sql

from langgraph.checkpoint.errors import InvalidFilterError
from langgraph.store.base._support import (
    decode_ns,
    load_numpy,
    prefix_range,
    put_texts,
    text_digest,
    vector_scores,
)
from langgraph.store.postgres._core import (
    check_key,
    dump_value,
    encode_ns,
    index_setup,
    plan_filter,
    vector_literal,
)
from langgraph.store.postgres._sql import Statements, Where, search_items


def test_namespace_text_and_range() -> None:
    assert encode_ns(("a", "b")) == "a.b."
    assert decode_ns("a.b.") == ("a", "b")
    assert decode_ns(encode_ns(()) or "") == ()
    assert encode_ns(("a.b",)) is None and encode_ns((1,)) is None and encode_ns(("\x00",)) is None
    lo, hi = prefix_range("a.")
    assert (lo, hi) == ("a.", "a/")
    for inside in ("a.", "a.b.", "a.\U0010ffff."):
        assert lo <= inside < hi
    for outside in ("ab.", "a-.", "b.", "a"):
        assert not lo <= outside < hi


def test_check_key_refuses_nul() -> None:
    assert check_key(("a",), "k") == "a."
    with pytest.raises(ValueError, match=r"'k\\x00'.*\('a',\)"):
        check_key(("a",), "k\x00")


def test_dump_value_errors_name_the_item() -> None:
    assert dump_value(("a",), "k", {"x": "é"}) == '{"x":"é"}'
    for bad in ({"x": float("inf")}, {"x": {1, 2}}, {"x": "\x00"}):
        with pytest.raises(ValueError, match=r"key 'k' in namespace \('a',\)"):
            dump_value(("a",), "k", bad)
    with pytest.raises(ValueError, match="must be dicts"):
        dump_value(("a",), "k", [1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("flt", "exact"),
    [
        ({"a": 1}, True),
        ({"a": "x", "b": None, "c": True, "d": 2.5}, True),
        ({"a.b": 1}, True),
        ({"a": {"$gt": 1, "$lte": "z"}}, True),
        ({"a": {"$eq": [1, {"b": 2}]}, "c": {"$ne": {}}}, True),
        ({"a": {"$gt": float("inf")}}, False),
        ({"a": {"b": 1}}, False),
        ({"a": [1, 2]}, False),
        ({"a": {"b": {"$gt": 1}}}, False),
        ({"a": {"$eq": {"$x": 1}}}, False),
    ],
)
def test_plan_filter_exactness(flt: dict[str, Any], exact: bool) -> None:
    planned = plan_filter(flt)
    assert planned.exact is exact
    assert planned.check is not None
    # parameters line up with placeholders
    text = sql.Composed(planned.where).as_string(None) if planned.where else ""
    assert text.count("%s") == len(planned.params)


def test_plan_filter_without_filter_and_bad_operator() -> None:
    assert plan_filter(None).where == [] and plan_filter({}).check is None
    with pytest.raises(InvalidFilterError, match=r"\$in"):
        plan_filter({"a": {"$in": [1]}})


def test_statement_params_line_up() -> None:
    st = Statements.render("s")
    pf = plan_filter({"a": {"$gt": 1}, "b.c": "x"})
    stmt, params = search_items(st, Where(("a.", "a/"), "now", pf.where, pf.params), 10, 5)
    assert stmt.as_string(None).count("%s") == len(params)
    assert params[-2:] == [10, 5]


def test_index_setup_validation() -> None:
    cfg = index_setup(
        {
            "dims": 4,
            "embed": lambda texts: [[0.0] * 4 for _ in texts],
            "fields": ["a", "b[*].c"],
            "distance_type": "l2",
            "ann_index_config": {"kind": "hnsw", "m": 8, "ef_construction": -1, "bogus": 3},
        }
    )
    assert cfg is not None
    assert cfg.distance == "l2" and cfg.ann.params == {"m": 8}
    assert cfg.vectors_per_item == 4
    assert index_setup(None) is None
    ivf = index_setup(
        {"dims": 4, "embed": lambda t: [], "ann_index_config": {"kind": "ivfflat", "nlist": 7}}
    )
    assert ivf is not None and ivf.ann.params == {"lists": 7}
    for bad in (
        {"dims": 0},
        {"dims": "3"},
        {"dims": 3, "distance_type": "manhattan"},
        {"dims": 3, "ann_index_config": {"kind": "lsh"}},
        {"dims": 3, "ann_index_config": {"vector_type": "bit"}},
    ):
        with pytest.raises(ValueError):
            index_setup({"embed": lambda t: [], **bad})


def test_put_texts_paths() -> None:
    fields = index_setup({"dims": 1, "embed": lambda t: [], "fields": ["t", "l[*]"]})
    assert fields is not None
    value = {"t": "x", "l": ["a", "b"], "n": 1}
    assert put_texts(value, None, fields.fields) == [("t", "x"), ("l[*].0", "a"), ("l[*].1", "b")]
    assert put_texts(value, ["n"], fields.fields) == [("n", "1")]
    assert put_texts(value, [], fields.fields) == []


def test_vector_literal_and_scores() -> None:
    assert vector_literal([1, 0.5], 2, True, "w") == "[1.0,0.5]"
    assert vector_literal([1, 0.5], 2, False, "w") == "{1.0,0.5}"
    with pytest.raises(ValueError, match="w has 1 dimensions, expected 2"):
        vector_literal([1], 2, True, "w")
    with pytest.raises(ValueError, match="NaN"):
        vector_literal([1, float("nan")], 2, True, "w")
    np = load_numpy()
    q = [1.0, 0.0]
    vs = [[1.0, 0.0], [0.0, 2.0], [0.0, 0.0], [3.0, 4.0]]
    assert vector_scores(q, vs, "cosine", np) == pytest.approx([1.0, 0.0, 0.0, 0.6])
    assert vector_scores(q, vs, "inner_product", np) == pytest.approx([1.0, 0.0, 0.0, 3.0])
    assert vector_scores(q, vs, "l2", np) == pytest.approx([0.0, -(5**0.5), -1.0, -(20**0.5)])
    assert vector_scores(q, [], "cosine", np) == []


def test_plan_batch_dedupes_and_decides_transactions() -> None:
    from langgraph.store.base import GetOp, InvalidNamespaceError, MatchCondition, PutOp, SearchOp
    from langgraph.store.postgres._plan import namespace_scope, plan_batch

    plan = plan_batch([PutOp(("a",), "k", {"v": 1}), PutOp(("a",), "k", {"v": 2})], None)
    assert [p.value for p in plan.puts] == ['{"v":2}'] and not plan.atomic
    assert plan_batch([GetOp(("a",), "k"), SearchOp(("a",))], None).atomic is False
    assert plan_batch([GetOp(("a",), "k"), PutOp(("a",), "k", {"v": 1})], None).atomic
    assert plan_batch([PutOp(("a",), "x", None), PutOp(("a",), "k", {"v": 1})], None).atomic
    assert plan_batch([PutOp(("a.b",), "x", None)], None).puts == []
    with pytest.raises(InvalidNamespaceError):
        plan_batch([PutOp(("langgraph",), "x", {"v": 1})], None)
    assert namespace_scope([]) == (True, None)
    assert namespace_scope([MatchCondition("prefix", ("a", "*", "c"))]) == (True, ("a.", "a/"))
    assert namespace_scope([MatchCondition("prefix", ("a.b",))]) == (False, None)
    assert namespace_scope([MatchCondition("suffix", ("z",))]) == (True, None)


def test_plan_put_vectors_keeps_writes_drops() -> None:
    from langgraph.store.base import PutOp
    from langgraph.store.postgres._plan import NeedTexts, PutPlan, plan_put_vectors

    index = index_setup({"dims": 2, "embed": lambda t: [], "fields": ["a", "b"]})
    assert index is not None

    def put(value: dict[str, Any], **kw: Any) -> PutPlan:
        return PutPlan(("n",), "n.", "k", PutOp(("n",), "k", value, **kw), "{}")

    stored = {("n.", "k"): {"a": text_digest("x"), "old": b"1"}}
    p = put({"a": "x", "b": "y"})
    with pytest.raises(NeedTexts) as need:
        plan_put_vectors([p], stored, {}, index, True, locked=False)
    assert need.value.texts == ["y"], "the kept text is not asked for"
    with pytest.raises(NeedTexts) as need:
        plan_put_vectors([p], stored, {}, index, True, locked=True)
    assert sorted(need.value.texts) == ["x", "y"], "a final plan asks for every text"
    plan_put_vectors([p], stored, {"y": [1.0, 0.0]}, index, True, locked=False)
    assert [(w[0], w[2]) for w in p.write] == [("b", "[1.0,0.0]")]
    assert p.drop == ["old"] and not p.drop_all
    gone = put({"a": "x"}, index=False)
    plan_put_vectors([gone], stored, {}, index, False, locked=True)
    assert gone.drop_all and gone.write == []
