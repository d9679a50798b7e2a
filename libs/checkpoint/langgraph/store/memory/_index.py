"""Per-namespace vector index for :class:`~langgraph.store.memory.InMemoryStore`.

Each namespace keeps its vectors L2-normalised as rows of one contiguous matrix, so
scoring a query against a namespace is a single matrix-vector product (cosine similarity).
Rows are removed by moving the last row into the hole. Without numpy the same structure
holds Python lists and scores with a loop.

Besides the vector, each row remembers a digest of the text it was computed from, so that
a re-put whose text at that path is unchanged skips the embedding call.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["NamespaceVectors"]


class NamespaceVectors:
    """Vectors of one namespace: rows keyed by ``(key, path)``."""

    __slots__ = ("np", "dims", "mat", "n", "row_key", "row_path", "row_digest", "rows_of")

    def __init__(self, dims: int, np: Any) -> None:
        self.np = np
        self.dims = dims
        self.n = 0
        self.mat: Any = np.empty((8, dims), dtype=np.float64) if np is not None else []
        self.row_key: list[str] = []
        self.row_path: list[str] = []
        self.row_digest: list[bytes] = []
        self.rows_of: dict[str, dict[str, int]] = {}

    def __len__(self) -> int:
        return self.n

    def digest(self, key: str, path: str) -> bytes | None:
        """Digest of the text currently embedded at ``(key, path)``, if any."""
        rows = self.rows_of.get(key)
        if rows is None or path not in rows:
            return None
        return self.row_digest[rows[path]]

    def has_key(self, key: str) -> bool:
        return key in self.rows_of

    def _normalise(self, vector: Sequence[float]) -> Any:
        return normalise_query(vector, self.np)

    def upsert(self, key: str, path: str, vector: Sequence[float], digest: bytes) -> None:
        """Insert or replace the vector at ``(key, path)``."""
        row_vec = self._normalise(vector)
        rows = self.rows_of.setdefault(key, {})
        row = rows.get(path)
        if row is None:
            row = self.n
            self._grow(row + 1)
            self.n += 1
            self.row_key.append(key)
            self.row_path.append(path)
            self.row_digest.append(digest)
            rows[path] = row
        else:
            self.row_digest[row] = digest
        if self.np is not None:
            if row_vec.shape[0] != self.mat.shape[1]:
                raise ValueError(
                    f"Embedding for key {key!r} path {path!r} has {row_vec.shape[0]} dimensions, "
                    f"expected {self.mat.shape[1]} (IndexConfig 'dims')"
                )
            self.mat[row] = row_vec
        elif row < len(self.mat):
            self.mat[row] = row_vec
        else:
            self.mat.append(row_vec)

    def _grow(self, size: int) -> None:
        np = self.np
        if np is None or size <= self.mat.shape[0]:
            return
        cap = max(size, self.mat.shape[0] * 2)
        new = np.empty((cap, self.mat.shape[1]), dtype=np.float64)
        new[: self.n] = self.mat[: self.n]
        self.mat = new

    def remove_key(self, key: str) -> None:
        """Drop every vector of ``key``."""
        rows = self.rows_of.pop(key, None)
        if not rows:
            return
        for row in sorted(rows.values(), reverse=True):
            self._remove_row(row)

    def remove_path(self, key: str, path: str) -> None:
        """Drop the vector of ``key`` at ``path`` (no-op when absent)."""
        rows = self.rows_of.get(key)
        if rows is None or path not in rows:
            return
        row = rows.pop(path)
        self._remove_row(row)
        if not rows:
            del self.rows_of[key]

    def paths(self, key: str) -> list[str]:
        """Paths that currently have a vector for ``key``."""
        return list(self.rows_of.get(key, ()))

    def _remove_row(self, row: int) -> None:
        last = self.n - 1
        if row != last:
            k, p = self.row_key[last], self.row_path[last]
            self.mat[row] = self.mat[last]
            self.row_key[row] = k
            self.row_path[row] = p
            self.row_digest[row] = self.row_digest[last]
            self.rows_of[k][p] = row
        self.row_key.pop()
        self.row_path.pop()
        self.row_digest.pop()
        if self.np is None:
            self.mat.pop()
        self.n = last

    def scores(self, query: Any) -> Any:
        """Cosine similarity of every row with a normalised query (array or list)."""
        if self.np is not None:
            return self.mat[: self.n] @ query
        return [sum(a * b for a, b in zip(row, query, strict=False)) for row in self.mat]


def normalise_query(vector: Sequence[float], np: Any) -> Any:
    """L2-normalised query vector (zero vector stays zero)."""
    if np is not None:
        v = np.asarray(vector, dtype=np.float64).reshape(-1)
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v * 0.0
    vals = [float(x) for x in vector]
    norm = math.sqrt(sum(x * x for x in vals))
    return [x / norm for x in vals] if norm else [0.0] * len(vals)


def ranked_rows(
    parts: list[tuple[NamespaceVectors, Any]], need: int, np: Any
) -> Iterator[tuple[NamespaceVectors, int, float]]:
    """Rows of several namespaces in descending score order.

    Only the top ``need`` (with slack) are sorted first; the rest is sorted lazily if the
    caller keeps iterating (e.g. because a filter rejects many rows).
    """
    if not parts:
        return
    if np is None:
        flat = [(s, nv, i) for nv, sc in parts for i, s in enumerate(sc)]
        flat.sort(key=lambda t: -t[0])
        for s, nv, i in flat:
            yield nv, i, float(s)
        return
    if len(parts) == 1:
        nv0, all_scores = parts[0]
        owners = None
    else:
        all_scores = np.concatenate([sc for _, sc in parts])
        owners = np.repeat(np.arange(len(parts)), [len(sc) for _, sc in parts])
        starts = np.cumsum([0] + [len(sc) for _, sc in parts])
    total = int(all_scores.shape[0])
    if total == 0:
        return
    k = min(total, max(need * 2 + 16, 64))
    if k < total:
        top = np.argpartition(-all_scores, k - 1)[:k]
        top = top[np.argsort(-all_scores[top], kind="stable")]
    else:
        top = np.argsort(-all_scores, kind="stable")
    seen_top = top
    for idx in top.tolist():
        if owners is None:
            yield nv0, idx, float(all_scores[idx])
        else:
            o = int(owners[idx])
            yield parts[o][0], idx - int(starts[o]), float(all_scores[idx])
    if k >= total:
        return
    mask = np.ones(total, dtype=bool)
    mask[seen_top] = False
    rest = np.nonzero(mask)[0]
    rest = rest[np.argsort(-all_scores[rest], kind="stable")]
    for idx in rest.tolist():
        if owners is None:
            yield nv0, idx, float(all_scores[idx])
        else:
            o = int(owners[idx])
            yield parts[o][0], idx - int(starts[o]), float(all_scores[idx])
