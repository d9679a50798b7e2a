"""Unit tests of the pure helpers (no database)."""

from __future__ import annotations

import pytest

from langgraph.store.sqlite._core import (
    cosine_scores,
    decode_ns,
    encode_ns,
    load_numpy,
    pack_vector,
    prefix_range,
    put_texts,
    tokenize_fields,
    unpack_vector,
)


def test_namespace_round_trip() -> None:
    for ns in [("a",), ("a", "b"), ("a%", "_", "x\\y"), ("é", "ü")]:
        text = encode_ns(ns)
        assert text is not None and text.endswith(".")
        assert decode_ns(text) == ns
    assert encode_ns(("a.b",)) is None


def test_prefix_range_is_label_aligned() -> None:
    rng = prefix_range(("a",))
    assert rng == ("a.", "a/")
    lo, hi = rng
    inside = [encode_ns(("a",)), encode_ns(("a", "b")), encode_ns(("a", "\U0010ffff"))]
    outside = [encode_ns(("ab",)), encode_ns(("a-",)), encode_ns(("a0",)), encode_ns(("b",))]
    assert all(t is not None and lo <= t < hi for t in inside)
    assert not any(t is not None and lo <= t < hi for t in outside)
    assert prefix_range(()) is None
    with pytest.raises(ValueError):
        prefix_range(("a.b",))


def test_vectors_pack_and_score() -> None:
    blob = pack_vector([1.0, 0.5, -2.0])
    assert len(blob) == 12
    assert unpack_vector(blob) == [1.0, 0.5, -2.0]
    blobs = [pack_vector(v) for v in ([1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0])]
    pure = cosine_scores([1.0, 0.0], blobs, None)
    assert pure[0] == pytest.approx(1.0) and pure[1] == pytest.approx(0.0)
    assert pure[2] == pytest.approx(2**-0.5) and pure[3] == 0.0
    np = load_numpy()
    if np is not None:
        assert cosine_scores([1.0, 0.0], blobs, np) == pytest.approx(pure)
    assert cosine_scores([1.0], [], None) == []


def test_put_texts_paths() -> None:
    value = {"text": "hi", "arr": [{"t": "x"}, {"t": "y"}], "n": None}
    assert put_texts(value, None, tokenize_fields(["text"])) == [("text", "hi")]
    assert put_texts(value, ["arr[*].t"], tokenize_fields(None)) == [
        ("arr[*].t.0", "x"),
        ("arr[*].t.1", "y"),
    ]
    assert put_texts(value, ["n", "missing"], tokenize_fields(None)) == []
    whole = put_texts({"b": 1, "a": "é"}, None, tokenize_fields(None))
    assert whole == [("$", '{"a": "é", "b": 1}')]
