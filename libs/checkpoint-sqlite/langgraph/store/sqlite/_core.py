"""Pure helpers of the SQLite store (no connection objects; unit-tested without a database).

What every store shares (namespace text, texts to embed, scoring) lives in
``langgraph.store.base._support``; here is what is SQLite's own:

* rows -> :class:`~langgraph.store.base.Item` (timestamps stored as epoch seconds);
* float32 vector packing, scoring packed vectors and ranking items by their best vector
  (numpy when installed, pure Python otherwise): the exact path, used when sqlite-vec is
  not loaded;
* index config normalisation.
"""

from __future__ import annotations

import array
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from langgraph.store.base import Item
from langgraph.store.base._support import Distance, Fields, tokenize_fields, vector_scores

__all__ = [
    "blob_scores",
    "distance_type",
    "dumps",
    "from_ts",
    "index_setup",
    "pack_vector",
    "rank_best",
    "to_item",
    "unpack_vector",
]


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


# ------------------------------------------------------------------------ vectors


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


def blob_scores(
    query: Sequence[float], blobs: Sequence[bytes], np: Any, distance: Distance
) -> list[float]:
    """Score each packed vector against ``query`` (higher is closer), in float64.

    Args:
        query: The query embedding.
        blobs: Packed float32 vectors (see :func:`pack_vector`), each ``len(query)`` long.
        np: The numpy module, or ``None`` for the pure-Python path.
        distance: See :data:`~langgraph.store.base._support.Distance`.

    Returns:
        One float per blob.
    """
    if np is not None and blobs:
        mat = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float64)
        return vector_scores(query, mat.reshape(len(blobs), -1), distance, np)
    return vector_scores(query, [unpack_vector(b) for b in blobs], distance, None)


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
