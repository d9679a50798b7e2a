"""Unit tests of the pure helpers (no database)."""

from __future__ import annotations

import random

import pytest

from langgraph.store.base._support import load_numpy
from langgraph.store.sqlite._core import (
    blob_scores,
    distance_type,
    pack_vector,
    rank_best,
    unpack_vector,
)


def test_vectors_pack_and_score() -> None:
    blob = pack_vector([1.0, 0.5, -2.0])
    assert len(blob) == 12
    assert unpack_vector(blob) == [1.0, 0.5, -2.0]
    blobs = [pack_vector(v) for v in ([1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0])]
    pure = blob_scores([1.0, 0.0], blobs, None, "cosine")
    assert pure[0] == pytest.approx(1.0) and pure[1] == pytest.approx(0.0)
    assert pure[2] == pytest.approx(2**-0.5) and pure[3] == 0.0
    np = load_numpy()
    if np is not None:
        assert blob_scores([1.0, 0.0], blobs, np, "cosine") == pytest.approx(pure)
    assert blob_scores([1.0], [], None, "cosine") == []


@pytest.mark.parametrize("use_numpy", [True, False], ids=["numpy", "pure-python"])
def test_vector_scores_per_distance(use_numpy: bool) -> None:
    np = load_numpy() if use_numpy else None
    if use_numpy:
        assert np is not None  # a dev dependency
    blobs = [pack_vector(v) for v in ([3.0, 4.0], [0.0, 0.0], [-1.0, 2.0])]
    query = [1.0, 1.0]
    assert blob_scores(query, blobs, np, "cosine") == pytest.approx(
        [7 / (5 * 2**0.5), 0.0, 1 / (5**0.5 * 2**0.5)]
    )
    assert blob_scores(query, blobs, np, "l2") == pytest.approx([-(13**0.5), -(2**0.5), -(5**0.5)])
    assert blob_scores(query, blobs, np, "inner_product") == pytest.approx([7.0, 0.0, 1.0])
    assert blob_scores(query, [pack_vector(query)], np, "l2") == [0.0]
    for distance in ("cosine", "l2", "inner_product"):
        assert blob_scores(query, [], np, distance) == []  # type: ignore[arg-type]


def test_rank_best_numpy_and_pure_python_agree() -> None:
    np = load_numpy()
    assert np is not None
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randrange(0, 40)
        rowids = [rng.randrange(1, 12) for _ in range(n)]
        updated = [float(rid % 3) for rid in rowids]  # one updated_at per item, many ties
        scores = [rng.choice([0.0, 0.5, 1.0, rng.random()]) for _ in range(n)]
        pure = rank_best(rowids, updated, scores, None)
        assert rank_best(rowids, updated, scores, np) == pure
        assert sorted(r for r, _ in pure) == sorted(set(rowids))
        for rowid, score in pure:
            assert score == max(s for r, s in zip(rowids, scores, strict=True) if r == rowid)
        keys = [(-s, -updated[rowids.index(r)], -r) for r, s in pure]
        assert keys == sorted(keys)


def test_distance_type_config() -> None:
    assert distance_type(None) == "cosine"
    assert distance_type({"dims": 2}) == "cosine"
    assert distance_type({"distance_type": "l2"}) == "l2"
    assert distance_type({"distance_type": "inner_product"}) == "inner_product"
    for bad in ("L2", "dot", 3):
        with pytest.raises(ValueError, match="Unknown distance_type"):
            distance_type({"distance_type": bad})
