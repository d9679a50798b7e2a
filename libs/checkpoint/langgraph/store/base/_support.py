"""Pure helpers shared by the stores we ship (no I/O, no database driver, numpy lazily).

* namespaces <-> stored text (labels joined by ``"."`` plus a trailing ``"."``), the
  ``[lo, hi)`` text range of a prefix, the literal lead of ``list_namespaces``
  conditions and the page those conditions select;
* items -> search results, the default clock;
* semantic search: index fields, texts a put embeds and their digests, distinct query
  texts of a batch, embedder output checks, query embedding, and the rounds that embed
  a batch's documents outside any transaction (sync and async);
* exact vector scoring per distance type (numpy when installed, pure Python otherwise).

Backends keep what differs (which characters their text columns refuse, row layouts,
SQL); everything here means the same in every store.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar

from langgraph.store.base import (
    Item,
    ListNamespacesOp,
    MatchCondition,
    SearchItem,
    SearchOp,
    get_text_at_path,
    tokenize_path,
)
from langgraph.store.base._filters import namespace_matches

__all__ = [
    "EMBED_ROUNDS",
    "SEP",
    "Distance",
    "Fields",
    "NeedTexts",
    "aembed_queries",
    "aembed_rounds",
    "check_count",
    "decode_ns",
    "embed_queries",
    "embed_rounds",
    "encode_ns",
    "load_numpy",
    "namespace_lead",
    "namespaces_page",
    "prefix_range",
    "prefix_scope",
    "put_texts",
    "query_texts",
    "text_digest",
    "to_search_item",
    "tokenize_fields",
    "utcnow",
    "vector_scores",
]

SEP = "."
"""Separator of namespace labels in their stored text."""

_UTC = timezone.utc


def utcnow() -> datetime:
    """Current UTC time (the stores' default ``_now`` clock)."""
    return datetime.now(_UTC)


# ------------------------------------------------------------------------ namespaces


def encode_ns(namespace: Sequence[Any]) -> str | None:
    """Stored text of a namespace (``("a", "b")`` -> ``"a.b."``; ``()`` -> ``""``).

    Returns:
        ``None`` when no stored namespace can equal it: a label is not a string or
        contains ``"."`` (``put`` refuses those).
    """
    for label in namespace:
        if not isinstance(label, str) or SEP in label:
            return None
    return "".join(label + SEP for label in namespace)


def decode_ns(text: str) -> tuple[str, ...]:
    """Labels of a stored namespace text (inverse of :func:`encode_ns`)."""
    return tuple(text[:-1].split(SEP)) if text else ()


def prefix_range(text: str) -> tuple[str, str]:
    """Half-open range ``[lo, hi)`` of every stored namespace starting with ``text``.

    ``text`` is an encoded, non-empty prefix (ends with ``"."``); ``hi`` swaps that last
    ``"."`` for ``"/"``, the next code point. Collations that order UTF-8 bytes (SQLite
    BINARY, Postgres ``"C"``) order like code points, so the range is exactly "starts
    with ``text``".
    """
    return text, text[:-1] + chr(ord(SEP) + 1)


def prefix_scope(text: str | None) -> tuple[bool, tuple[str, str] | None]:
    """Where the namespaces under an encoded prefix are stored.

    Args:
        text: The prefix's stored text (``encode_ns``), ``None`` when it cannot exist.

    Returns:
        ``(possible, range)``: ``possible`` is False when no stored namespace can match;
        ``range`` is the :func:`prefix_range`, or ``None`` for the empty prefix (all).
    """
    if text is None:
        return False, None
    return True, (prefix_range(text) if text else None)


def namespace_lead(conds: Iterable[MatchCondition]) -> tuple[str, ...]:
    """Longest literal lead (labels before any ``"*"``) of the prefix conditions.

    Every namespace the conditions match starts with it, so a backend can restrict its
    scan to :func:`prefix_range` of the lead (``()``: no restriction).
    """
    lead: tuple[str, ...] = ()
    for cond in conds:
        if cond.match_type == "prefix":
            labels: list[str] = []
            for label in cond.path:
                if label == "*":
                    break
                labels.append(label)
            if len(labels) > len(lead):
                lead = tuple(labels)
    return lead


def namespaces_page(texts: Iterable[str], op: ListNamespacesOp) -> list[tuple[str, ...]]:
    """Result of ``list_namespaces`` over the stored namespace texts of a scan.

    Decodes each text, keeps the namespaces matching every condition, truncates them to
    ``max_depth``, de-duplicates, sorts and applies ``offset``/``limit``.
    """
    conds = op.match_conditions or ()
    depth = op.max_depth
    found: set[tuple[str, ...]] = set()
    for text in texts:
        ns = decode_ns(text)
        if all(namespace_matches(ns, c.match_type, c.path) for c in conds):
            found.add(ns[:depth] if depth is not None else ns)
    return sorted(found)[op.offset : op.offset + op.limit]


# ------------------------------------------------------------------------ items


def to_search_item(item: Item, score: float | None) -> SearchItem:
    """Wrap an :class:`Item` as a :class:`SearchItem`."""
    return SearchItem(item.namespace, item.key, item.value, item.created_at, item.updated_at, score)


# ------------------------------------------------------------------------ embedding

Fields = list[tuple[str, list[str]]]
"""Index fields: ``(path, tokens)``; ``"$"`` keeps itself as its only token."""


def tokenize_fields(fields: Sequence[str] | str | None) -> Fields:
    """Tokenize index fields (default, and for an empty list: ``["$"]``, the document)."""
    if isinstance(fields, str):
        fields = [fields]
    return [(f, [f] if f == "$" else tokenize_path(f)) for f in (fields or ["$"])]


def put_texts(
    value: dict[str, Any], index: Sequence[str] | None, fields: Fields
) -> list[tuple[str, str]]:
    """Texts a put wants embedded, as ``(vector path, text)``.

    Args:
        value: The document.
        index: The put's own field paths (``[]``: none), or ``None`` for ``fields``.
        fields: The store's tokenized fields.

    Returns:
        One entry per text; a path yielding N>1 texts is stored as ``"<path>.<i>"``.
    """
    paths = fields if index is None else [(p, [p] if p == "$" else tokenize_path(p)) for p in index]
    out: list[tuple[str, str]] = []
    for path, tokens in paths:
        texts = get_text_at_path(value, tokens)
        if len(texts) == 1:
            out.append((path, texts[0]))
        else:
            out.extend((f"{path}.{i}", text) for i, text in enumerate(texts))
    return out


def text_digest(text: str) -> bytes:
    """Short stable digest of an embedded text (a re-put of the same text skips embedding)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def query_texts(ops: Iterable[Any]) -> list[str]:
    """Distinct search query texts of a batch, in first-seen order."""
    seen: dict[str, None] = {}
    for op in ops:
        if isinstance(op, SearchOp) and op.query:
            seen[op.query] = None
    return list(seen)


def check_count(texts: Sequence[str], vectors: Any) -> dict[str, list[float]]:
    """Map texts to their vectors; the embedder must return one vector per text.

    Raises:
        ValueError: The counts differ.
    """
    vectors = list(vectors)
    if len(vectors) != len(texts):
        raise ValueError(
            f"Embedding function returned {len(vectors)} vectors for {len(texts)} texts"
        )
    return {t: [float(x) for x in v] for t, v in zip(texts, vectors, strict=True)}


def embed_queries(embeddings: Any, texts: Sequence[str]) -> dict[str, list[float]]:
    """Embed each query text (one ``embed_query`` call per text)."""
    return {t: [float(x) for x in embeddings.embed_query(t)] for t in texts}


async def aembed_queries(embeddings: Any, texts: Sequence[str]) -> dict[str, list[float]]:
    """Embed each query text, concurrently (``aembed_query``)."""
    got = await asyncio.gather(*(embeddings.aembed_query(t) for t in texts))
    return {t: [float(x) for x in v] for t, v in zip(texts, got, strict=True)}


EMBED_ROUNDS = 4
"""Attempts of a batch before giving up on texts that keep changing under it."""

_R = TypeVar("_R")


class NeedTexts(Exception):
    """Raised by a backend's batch (inside its transaction, to roll it back): these
    texts need vectors first. The embedding rounds catch it, embed and run again."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__(f"{len(texts)} texts to embed")
        self.texts = texts


def embed_rounds(run: Callable[[dict[str, list[float]]], _R], embeddings: Any) -> _R:
    """Run a batch, embedding the documents it asks for between attempts.

    Args:
        run: Runs the batch with the vectors embedded so far (by text); raises
            :class:`NeedTexts` (having rolled back) when it lacks some.
        embeddings: The store's embedder (``embed_documents``).

    Raises:
        RuntimeError: Still missing texts after :data:`EMBED_ROUNDS` attempts.
        ValueError: The embedder returned another number of vectors than texts.
    """
    vecs: dict[str, list[float]] = {}
    for _ in range(EMBED_ROUNDS):
        try:
            return run(vecs)
        except NeedTexts as need:
            vecs.update(check_count(need.texts, embeddings.embed_documents(need.texts)))
    raise RuntimeError("texts kept changing while embedding them; giving up")


async def aembed_rounds(
    run: Callable[[dict[str, list[float]]], Awaitable[_R]], embeddings: Any
) -> _R:
    """Async :func:`embed_rounds` (``aembed_documents``)."""
    vecs: dict[str, list[float]] = {}
    for _ in range(EMBED_ROUNDS):
        try:
            return await run(vecs)
        except NeedTexts as need:
            got = await embeddings.aembed_documents(need.texts)
            vecs.update(check_count(need.texts, got))
    raise RuntimeError("texts kept changing while embedding them; giving up")


# ------------------------------------------------------------------------ vectors

_np: Any = None
_np_checked = False


def load_numpy() -> Any:
    """The numpy module, or ``None`` when it is not installed (imported once, lazily)."""
    global _np, _np_checked
    if not _np_checked:
        try:
            import numpy

            _np = numpy
        except ImportError:  # pragma: no cover - numpy is present in dev environments
            _np = None
        _np_checked = True
    return _np


Distance = Literal["cosine", "l2", "inner_product"]
"""How query and document vectors are compared (an index config's ``distance_type``).

Scores are "higher is closer": ``cosine`` -> cosine similarity (0.0 when a norm is zero),
``l2`` -> minus the Euclidean distance, ``inner_product`` -> the dot product.
"""


def vector_scores(query: Sequence[float], vectors: Any, distance: str, np: Any) -> list[float]:
    """Score each vector against ``query`` (see :data:`Distance`), in float64.

    Args:
        query: The query embedding.
        vectors: One row per vector, each ``len(query)`` long: a sequence of float
            sequences, or (with ``np``) a 2-D array.
        distance: ``"cosine"``, ``"l2"`` or ``"inner_product"`` (anything else scores
            as cosine).
        np: The numpy module, or ``None`` for the pure-Python path (same results up to
            float rounding).

    Returns:
        One float per vector.
    """
    if len(vectors) == 0:
        return []
    if np is not None:
        q = np.asarray(query, dtype=np.float64)
        mat = np.asarray(vectors, dtype=np.float64).reshape(len(vectors), -1)
        if distance == "l2":
            res = 0.0 - np.sqrt(((mat - q) ** 2).sum(axis=1))
        elif distance == "inner_product":
            res = mat @ q
        else:
            norms = np.linalg.norm(mat, axis=1) * float(np.linalg.norm(q))
            dots = mat @ q
            safe = np.where(norms == 0.0, 1.0, norms)
            res = np.where(norms == 0.0, 0.0, dots / safe)
        scores: list[float] = res.tolist()
        return scores
    qv = [float(x) for x in query]
    qn = math.sqrt(sum(x * x for x in qv))
    out: list[float] = []
    for vec in vectors:
        v = [float(x) for x in vec]
        if distance == "l2":
            out.append(0.0 - math.sqrt(sum((a - b) ** 2 for a, b in zip(v, qv, strict=True))))
        elif distance == "inner_product":
            out.append(sum(a * b for a, b in zip(v, qv, strict=True)))
        else:
            n = math.sqrt(sum(x * x for x in v)) * qn
            out.append(sum(a * b for a, b in zip(qv, v, strict=True)) / n if n else 0.0)
    return out
