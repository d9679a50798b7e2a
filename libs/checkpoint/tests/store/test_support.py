"""The pure helpers every store shares (``langgraph.store.base._support``), no database."""

from __future__ import annotations

import asyncio
import sys
import threading
from datetime import timezone
from typing import Any

import pytest

from langgraph.store.base import GetOp, Item, ListNamespacesOp, MatchCondition, SearchOp
from langgraph.store.base._support import (
    EMBED_ROUNDS,
    NeedTexts,
    aembed_queries,
    aembed_rounds,
    check_count,
    decode_ns,
    embed_queries,
    embed_rounds,
    encode_ns,
    load_numpy,
    namespace_lead,
    namespaces_page,
    prefix_range,
    prefix_scope,
    put_texts,
    query_texts,
    text_digest,
    to_search_item,
    tokenize_fields,
    utcnow,
    vector_scores,
)
from langgraph.store.base._sweeper import TaskSweeper, TaskSweeping, ThreadSweeper, ThreadSweeping


def test_namespace_text_round_trip() -> None:
    for ns in [(), ("a",), ("a", "b"), ("a%", "_", "x\\y"), ("é", "ü"), ("\x00",)]:
        text = encode_ns(ns)
        assert text is not None
        assert text == "" if not ns else text.endswith(".")
        assert decode_ns(text) == ns
    assert encode_ns(("a", "b")) == "a.b."
    assert encode_ns(("a.b",)) is None
    assert encode_ns(("a", 1)) is None


def test_prefix_range_is_label_aligned() -> None:
    lo, hi = prefix_range("a.")
    assert (lo, hi) == ("a.", "a/")
    inside = [encode_ns(("a",)), encode_ns(("a", "b")), encode_ns(("a", "\U0010ffff"))]
    outside = [encode_ns(("ab",)), encode_ns(("a-",)), encode_ns(("a0",)), encode_ns(("b",))]
    assert all(t is not None and lo <= t < hi for t in inside)
    assert not any(t is not None and lo <= t < hi for t in outside)


def test_prefix_scope() -> None:
    assert prefix_scope(None) == (False, None)
    assert prefix_scope("") == (True, None)
    assert prefix_scope("a.b.") == (True, ("a.b.", "a.b/"))


def test_namespace_lead_takes_the_longest_literal_prefix() -> None:
    assert namespace_lead([]) == ()
    conds = [
        MatchCondition("prefix", ("a", "*", "c")),
        MatchCondition("suffix", ("x", "y", "z")),
        MatchCondition("prefix", ("a", "b")),
    ]
    assert namespace_lead(conds) == ("a", "b")
    assert namespace_lead([MatchCondition("prefix", ("*", "b"))]) == ()


def test_namespaces_page_filters_truncates_dedupes_and_pages() -> None:
    stored = [encode_ns(ns) or "" for ns in [("a", "b", "c"), ("a", "b", "d"), ("a", "x"), ("z",)]]
    op = ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("a",)),), max_depth=2)
    assert namespaces_page(stored, op) == [("a", "b"), ("a", "x")]
    op = ListNamespacesOp(match_conditions=None, limit=2, offset=1)
    assert namespaces_page(iter(stored), op) == [("a", "b", "d"), ("a", "x")]
    op = ListNamespacesOp(match_conditions=(MatchCondition("suffix", ("c",)),))
    assert namespaces_page(stored, op) == [("a", "b", "c")]


def test_to_search_item_keeps_every_field() -> None:
    now = utcnow()
    assert now.tzinfo is timezone.utc
    item = Item(value={"x": 1}, key="k", namespace=("a",), created_at=now, updated_at=now)
    hit = to_search_item(item, 0.5)
    assert (hit.namespace, hit.key, hit.value, hit.score) == (("a",), "k", {"x": 1}, 0.5)
    assert (hit.created_at, hit.updated_at) == (now, now)
    assert to_search_item(item, None).score is None


def test_put_texts_paths() -> None:
    value = {"text": "hi", "arr": [{"t": "x"}, {"t": "y"}], "n": None}
    assert put_texts(value, None, tokenize_fields(["text"])) == [("text", "hi")]
    assert put_texts(value, None, tokenize_fields("text")) == [("text", "hi")]
    assert put_texts(value, ["arr[*].t"], tokenize_fields(None)) == [
        ("arr[*].t.0", "x"),
        ("arr[*].t.1", "y"),
    ]
    assert put_texts(value, ["n", "missing"], tokenize_fields(None)) == []
    assert put_texts(value, [], tokenize_fields(None)) == []  # a put's own [] embeds nothing
    assert tokenize_fields([]) == tokenize_fields(None) == [("$", ["$"])]
    whole = put_texts({"b": 1, "a": "é"}, None, tokenize_fields(None))
    assert whole == [("$", '{"a": "é", "b": 1}')]


def test_text_digest_is_stable_and_accepts_lone_surrogates() -> None:
    assert text_digest("abc") == text_digest("abc")
    assert text_digest("abc") != text_digest("abd")
    assert len(text_digest("\ud800")) == 16


def test_query_texts_are_distinct_in_order() -> None:
    ops: list[Any] = [
        SearchOp(("a",), query="q2"),
        GetOp(("a",), "k"),
        SearchOp(("a",), query=None),
        SearchOp(("b",), query="q1"),
        SearchOp(("c",), query="q2"),
        SearchOp(("c",), query=""),
    ]
    assert query_texts(ops) == ["q2", "q1"]


def test_check_count() -> None:
    assert check_count(["a", "b"], iter([[1, 2], (3.5, 4)])) == {"a": [1.0, 2.0], "b": [3.5, 4.0]}
    with pytest.raises(ValueError, match="returned 1 vectors for 2 texts"):
        check_count(["a", "b"], [[1.0]])


class _Embedder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed_query(self, text: str) -> list[int]:
        self.calls.append(text)
        return [len(text), 1]

    async def aembed_query(self, text: str) -> list[int]:
        self.calls.append(text)
        return [len(text), 2]


def test_embed_queries_sync_and_async() -> None:
    emb = _Embedder()
    assert embed_queries(emb, ["ab", "c"]) == {"ab": [2.0, 1.0], "c": [1.0, 1.0]}
    assert asyncio.run(aembed_queries(emb, ["ab"])) == {"ab": [2.0, 2.0]}
    assert asyncio.run(aembed_queries(emb, [])) == {}
    assert emb.calls == ["ab", "c", "ab"]


@pytest.mark.parametrize("use_numpy", [True, False], ids=["numpy", "pure-python"])
def test_vector_scores_per_distance(use_numpy: bool) -> None:
    np = load_numpy() if use_numpy else None
    if use_numpy:
        assert np is not None  # a dev dependency
    vectors = [[3.0, 4.0], [0.0, 0.0], [-1.0, 2.0]]
    query = [1.0, 1.0]
    assert vector_scores(query, vectors, "cosine", np) == pytest.approx(
        [7 / (5 * 2**0.5), 0.0, 1 / (5**0.5 * 2**0.5)]
    )
    assert vector_scores(query, vectors, "l2", np) == pytest.approx(
        [-(13**0.5), -(2**0.5), -(5**0.5)]
    )
    assert vector_scores(query, vectors, "inner_product", np) == pytest.approx([7.0, 0.0, 1.0])
    assert vector_scores([0.0, 0.0], vectors, "cosine", np) == [0.0, 0.0, 0.0]
    same = vector_scores(query, [query], "l2", np)
    assert same == [0.0] and str(same[0]) == "0.0"  # never -0.0
    for distance in ("cosine", "l2", "inner_product"):
        assert vector_scores(query, [], distance, np) == []


def test_vector_scores_numpy_and_pure_python_agree() -> None:
    np = load_numpy()
    assert np is not None
    vectors = [[0.1 * i, -0.3 * i + 1, 2.0] for i in range(7)]
    query = [0.5, -1.5, 0.25]
    for distance in ("cosine", "l2", "inner_product"):
        pure = vector_scores(query, vectors, distance, None)
        assert vector_scores(query, vectors, distance, np) == pytest.approx(pure, rel=1e-12)
        matrix = np.asarray(vectors, dtype=np.float64)
        assert vector_scores(query, matrix, distance, np) == pytest.approx(pure, rel=1e-12)


def test_core_imports_no_driver_or_numpy() -> None:
    import subprocess

    code = (
        "import sys, langgraph.store.base._support\n"
        "bad = [m for m in ('numpy', 'psycopg', 'sqlite3', 'aiosqlite') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class _Docs:
    def __init__(self, extra: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.extra = extra

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(t))] for t in texts] + [[0.0]] * self.extra

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)


def _batch(wanted: list[list[str]]) -> Any:
    """A fake batch asking for ``wanted[i]`` on attempt i (until it has them all)."""
    seen: list[dict[str, list[float]]] = []

    def run(vecs: dict[str, list[float]]) -> list[str]:
        seen.append(dict(vecs))
        for texts in wanted:
            missing = [t for t in texts if t not in vecs]
            if missing:
                raise NeedTexts(missing)
        return sorted(vecs)

    return run, seen


def test_embed_rounds_embed_outside_the_batch_until_it_has_every_text() -> None:
    emb = _Docs()
    run, seen = _batch([["a", "bb"], ["ccc"]])
    assert embed_rounds(run, emb) == ["a", "bb", "ccc"]
    assert emb.calls == [["a", "bb"], ["ccc"]]
    assert seen[-1] == {"a": [1.0], "bb": [2.0], "ccc": [3.0]}
    assert embed_rounds(lambda vecs: "no texts needed", None) == "no texts needed"


def test_aembed_rounds_matches_embed_rounds() -> None:
    emb = _Docs()
    run, _ = _batch([["a"], ["bb"]])

    async def arun(vecs: dict[str, list[float]]) -> list[str]:
        return run(vecs)  # type: ignore[no-any-return]

    assert asyncio.run(aembed_rounds(arun, emb)) == ["a", "bb"]
    assert emb.calls == [["a"], ["bb"]]


def test_embed_rounds_give_up_and_check_counts() -> None:
    forever = [[f"t{i}"] for i in range(EMBED_ROUNDS + 1)]
    with pytest.raises(RuntimeError, match="kept changing"):
        embed_rounds(_batch(forever)[0], _Docs())

    async def arun(vecs: dict[str, list[float]]) -> None:
        raise NeedTexts([f"t{len(vecs)}"])

    with pytest.raises(RuntimeError, match="kept changing"):
        asyncio.run(aembed_rounds(arun, _Docs()))
    with pytest.raises(ValueError, match="returned 2 vectors for 1 texts"):
        embed_rounds(_batch([["a"]])[0], _Docs(extra=1))
    assert str(NeedTexts(["a", "b"])) == "2 texts to embed"


class _SyncStore(ThreadSweeping):
    def __init__(self, ttl: Any) -> None:
        self.ttl_config = ttl
        self.swept = threading.Event()
        self._sweeper = ThreadSweeper(self.sweep_ttl)

    def sweep_ttl(self) -> int:
        self.swept.set()
        return 0


def test_thread_sweeping_mixin() -> None:
    assert _SyncStore(None).start_ttl_sweeper().done()  # no TTL config: nothing runs
    store = _SyncStore({"sweep_interval_minutes": 100})
    fut = store.start_ttl_sweeper(0.0001)
    assert store.start_ttl_sweeper() is fut
    assert store.swept.wait(10)
    assert store.stop_ttl_sweeper(10)
    assert fut.done()


class _AsyncStore(TaskSweeping):
    def __init__(self, ttl: Any) -> None:
        self.ttl_config = ttl
        self.swept = asyncio.Event()
        self._sweeper = TaskSweeper(self.asweep_ttl)

    async def asweep_ttl(self) -> int:
        self.swept.set()
        return 0


def test_task_sweeping_mixin() -> None:
    async def main() -> None:
        assert (await _AsyncStore(None).start_ttl_sweeper()).done()
        store = _AsyncStore({"sweep_interval_minutes": 100})
        task = await store.start_ttl_sweeper(0.0001)
        assert await store.start_ttl_sweeper() is task
        await asyncio.wait_for(store.swept.wait(), 10)
        assert await store.stop_ttl_sweeper(10)
        assert task.done()

    asyncio.run(main())
