"""Pure helpers of the SQLite store (no connection objects; unit-tested without a database).

* namespace <-> stored text (labels joined by ``"."`` plus a trailing ``"."``) and the
  ``[lo, hi)`` text range that selects every namespace under a prefix;
* rows -> :class:`~langgraph.store.base.Item` / :class:`~langgraph.store.base.SearchItem`;
* texts to embed for a put, and their digests;
* float32 vector packing and scoring per distance type (numpy when installed, pure Python
  otherwise): the exact path, used when sqlite-vec is not loaded.
"""

from __future__ import annotations

import array
import hashlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, Literal

from langgraph.store.base import Item, SearchItem, get_text_at_path, tokenize_path

__all__ = [
    "Distance",
    "check_count",
    "distance_type",
    "index_setup",
    "query_texts",
    "to_search_item",
    "tokenize_fields",
    "utcnow",
    "Fields",
    "cosine_scores",
    "rank_best",
    "vector_scores",
    "decode_ns",
    "dumps",
    "encode_ns",
    "from_ts",
    "load_numpy",
    "pack_vector",
    "prefix_range",
    "put_texts",
    "text_digest",
    "to_item",
    "unpack_vector",
]

SEP = "."
Fields = list[tuple[str, list[str]]]
"""Configured index fields: ``(path, tokens)``; ``"$"`` keeps itself as its only token."""

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


# ------------------------------------------------------------------------ namespaces


def encode_ns(namespace: Sequence[str]) -> str | None:
    """Stored text of a namespace, or ``None`` if no stored namespace can equal it.

    Args:
        namespace: The labels.

    Returns:
        ``"a.b."`` for ``("a", "b")``; ``None`` when a label contains ``"."`` or is not a
        string (such namespaces are rejected by ``put``, so they hold no items).
    """
    for label in namespace:
        if not isinstance(label, str) or SEP in label:
            return None
    return "".join(label + SEP for label in namespace)


def decode_ns(text: str) -> tuple[str, ...]:
    """Labels of a stored namespace text (inverse of :func:`encode_ns`)."""
    return tuple(text[:-1].split(SEP)) if text else ()


def prefix_range(prefix: Sequence[str]) -> tuple[str, str] | None:
    """Half-open text range ``[lo, hi)`` holding every namespace that starts with ``prefix``.

    Args:
        prefix: Leading labels (no wildcards).

    Returns:
        ``None`` for the empty prefix (everything matches); otherwise ``(lo, hi)`` where
        ``lo`` is the encoded prefix and ``hi`` replaces its trailing ``"."`` with ``"/"``,
        the next character. SQLite's BINARY collation compares UTF-8 bytes, which orders
        like code points, so the range is exactly "starts with ``lo``".

    Raises:
        ValueError: A label contains ``"."`` (callers check with :func:`encode_ns` first).
    """
    if not prefix:
        return None
    lo = encode_ns(prefix)
    if lo is None:
        raise ValueError(f"namespace labels may not contain '.': {tuple(prefix)!r}")
    return lo, lo[:-1] + chr(ord(SEP) + 1)


# ------------------------------------------------------------------------ rows

_UTC = timezone.utc


def from_ts(ts: float) -> datetime:
    """UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(ts, _UTC)


def dumps(value: Any) -> str:
    """JSON text of a stored value."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


Loader = Callable[[str], dict[str, Any]]


def to_item(
    ns: tuple[str, ...], key: str, value: str, created: float, updated: float, load: Loader
) -> Item:
    """Build an :class:`Item` from a row."""
    return Item(
        value=load(value),
        key=key,
        namespace=ns,
        created_at=from_ts(created),
        updated_at=from_ts(updated),
    )


def to_search_item(item: Item, score: float | None) -> SearchItem:
    """Wrap an :class:`Item` as a :class:`SearchItem`."""
    return SearchItem(item.namespace, item.key, item.value, item.created_at, item.updated_at, score)


# ------------------------------------------------------------------------ embedding


def tokenize_fields(fields: Sequence[str] | str | None) -> Fields:
    """Tokenize configured index fields (default ``["$"]``, the whole document)."""
    if isinstance(fields, str):
        fields = [fields]
    return [(f, [f] if f == "$" else tokenize_path(f)) for f in (fields or ["$"])]


def put_texts(
    value: dict[str, Any], index: Sequence[str] | None, fields: Fields
) -> list[tuple[str, str]]:
    """Texts a put wants embedded, as ``(vector path, text)``.

    Args:
        value: The document.
        index: The put's own field paths, or ``None`` for the store's ``fields``.
        fields: The store's tokenized fields.

    Returns:
        One entry per text; a path yielding N>1 texts is stored as ``"<path>.<i>"``.
    """
    paths = fields if index is None else tokenize_fields(list(index))
    out: list[tuple[str, str]] = []
    for path, tokens in paths:
        texts = get_text_at_path(value, tokens)
        if len(texts) == 1:
            out.append((path, texts[0]))
        else:
            out.extend((f"{path}.{i}", text) for i, text in enumerate(texts))
    return out


def text_digest(text: str) -> bytes:
    """Short stable digest of an embedded text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def pack_vector(vector: Sequence[float]) -> bytes:
    """Little-endian float32 bytes of a vector."""
    arr = array.array("f", [float(x) for x in vector])
    if sys.byteorder != "little":  # pragma: no cover - big-endian hosts
        arr.byteswap()
    return arr.tobytes()


def unpack_vector(blob: bytes) -> list[float]:
    """Inverse of :func:`pack_vector`."""
    arr = array.array("f")
    arr.frombytes(blob)
    if sys.byteorder != "little":  # pragma: no cover - big-endian hosts
        arr.byteswap()
    return arr.tolist()


def cosine_scores(query: Sequence[float], blobs: Sequence[bytes], np: Any) -> list[float]:
    """Cosine similarity of ``query`` with each packed vector (zero norm -> 0.0).

    Args:
        query: The query embedding.
        blobs: Packed float32 vectors (see :func:`pack_vector`), all of one length.
        np: The numpy module, or ``None`` for the pure-Python path.

    Returns:
        One float per blob.
    """
    if not blobs:
        return []
    if np is not None:
        q = np.asarray(query, dtype=np.float64)
        mat = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float64)
        mat = mat.reshape(len(blobs), -1)
        norms = np.linalg.norm(mat, axis=1) * float(np.linalg.norm(q))
        dots = mat @ q
        safe = np.where(norms == 0.0, 1.0, norms)
        scores: list[float] = np.where(norms == 0.0, 0.0, dots / safe).tolist()
        return scores
    qv = [float(x) for x in query]
    qn = math.sqrt(sum(x * x for x in qv))
    out: list[float] = []
    for blob in blobs:
        v = unpack_vector(blob)
        n = math.sqrt(sum(x * x for x in v)) * qn
        out.append(sum(a * b for a, b in zip(qv, v, strict=False)) / n if n else 0.0)
    return out


Distance = Literal["cosine", "l2", "inner_product"]
"""How query and document vectors are compared (the index config's ``distance_type``).

Scores are "higher is closer": ``cosine`` -> cosine similarity, ``l2`` -> minus the
Euclidean distance, ``inner_product`` -> the dot product.
"""

_DISTANCES: dict[str, Distance] = {"cosine": "cosine", "l2": "l2", "inner_product": "inner_product"}


def distance_type(config: Any) -> Distance:
    """The ``distance_type`` of an index config (default ``"cosine"``).

    Raises:
        ValueError: An unknown distance type.
    """
    value = config.get("distance_type") if config else None
    if value is None:
        return "cosine"
    found = _DISTANCES.get(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError(
            f"Unknown distance_type {value!r} in the index config; "
            f"expected one of {', '.join(_DISTANCES)}"
        )
    return found


def vector_scores(
    query: Sequence[float], blobs: Sequence[bytes], np: Any, distance: Distance
) -> list[float]:
    """Score each packed vector against ``query`` (higher is closer), in float64.

    Args:
        query: The query embedding.
        blobs: Packed float32 vectors (see :func:`pack_vector`), each ``len(query)`` long.
        np: The numpy module, or ``None`` for the pure-Python path.
        distance: See :data:`Distance`.

    Returns:
        One float per blob.
    """
    if distance == "cosine":
        return cosine_scores(query, blobs, np)
    if not blobs:
        return []
    if np is not None:
        q = np.asarray(query, dtype=np.float64)
        mat = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float64)
        mat = mat.reshape(len(blobs), -1)
        if distance == "l2":
            res = 0.0 - np.sqrt(((mat - q) ** 2).sum(axis=1))
        else:
            res = mat @ q
        scores: list[float] = res.tolist()
        return scores
    qv = [float(x) for x in query]
    out: list[float] = []
    for blob in blobs:
        v = unpack_vector(blob)
        if distance == "l2":
            out.append(0.0 - math.sqrt(sum((a - b) ** 2 for a, b in zip(v, qv, strict=True))))
        else:
            out.append(sum(a * b for a, b in zip(v, qv, strict=True)))
    return out


def rank_best(
    rowids: Sequence[int], updated: Sequence[float], scores: Sequence[float], np: Any
) -> list[tuple[int, float]]:
    """Rank items by their best vector.

    Args:
        rowids: Item rowid of each scored vector (an item may have several vectors).
        updated: The item's ``updated_at`` of each vector.
        scores: The score of each vector.
        np: The numpy module, or ``None`` for the pure-Python path.

    Returns:
        ``(rowid, best score)`` per item, ordered by score, then ``updated_at``, then
        rowid, all descending (the order the sqlite-vec statements use).
    """
    if np is not None and len(rowids) > 1:
        r = np.asarray(rowids, dtype=np.int64)
        s = np.asarray(scores, dtype=np.float64)
        order = np.lexsort((-r, -np.asarray(updated, dtype=np.float64), -s))
        _, first = np.unique(r[order], return_index=True)  # best vector of each item
        keep = order[np.sort(first)]
        return list(zip(r[keep].tolist(), s[keep].tolist(), strict=True))
    best: dict[int, tuple[float, float]] = {}
    for rowid, when, score in zip(rowids, updated, scores, strict=True):
        prev = best.get(rowid)
        if prev is None or score > prev[0]:
            best[rowid] = (score, when)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], -kv[0]))
    return [(rowid, score) for rowid, (score, _) in ranked]


def index_setup(index: Any) -> tuple[Any, Any, Fields | None]:
    """Normalise an index config.

    Args:
        index: ``IndexConfig`` or ``None``. Field paths come from ``fields`` (or the
            upstream SQLite spelling ``text_fields``); default ``["$"]``.

    Returns:
        ``(config copy, Embeddings, tokenized fields)``, or ``(None, None, None)``.
    """
    if index is None:
        return None, None, None
    from langgraph.store.base import ensure_embeddings

    config = dict(index)
    embeddings = ensure_embeddings(config.get("embed"))
    fields = config.get("fields") or config.get("text_fields")
    return config, embeddings, tokenize_fields(fields)


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


def query_texts(ops: Sequence[Any]) -> list[str]:
    """Distinct search query texts of a batch."""
    from langgraph.store.base import SearchOp

    seen: dict[str, None] = {}
    for op in ops:
        if isinstance(op, SearchOp) and op.query:
            seen[op.query] = None
    return list(seen)


def utcnow() -> datetime:
    """Current UTC time (the stores' default ``_now`` clock)."""
    return datetime.now(_UTC)
