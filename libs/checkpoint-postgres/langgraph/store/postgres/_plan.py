"""Batch planning of the Postgres store: pure functions, no connection objects.

* :func:`plan_batch` validates a batch before any I/O (namespaces, values, filters) and
  decides whether it needs a transaction;
* :func:`plan_put_vectors` decides, from the digests stored for the puts' items, which
  vectors each put writes, keeps and drops, and which texts still need embedding;
* :func:`where_for`, :func:`namespace_scope` and :func:`rows_to_hits` shape searches.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph.store.base import (
    GetOp,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    SearchItem,
    SearchOp,
    _validate_namespace,
)
from langgraph.store.base._support import (
    NeedTexts,
    decode_ns,
    namespace_lead,
    prefix_scope,
    put_texts,
    query_texts,
    text_digest,
)
from langgraph.store.postgres._core import (
    IndexSetup,
    PlannedFilter,
    check_key,
    dump_value,
    encode_ns,
    plan_filter,
    vector_literal,
)
from langgraph.store.postgres._sql import Where

__all__ = [
    "BatchPlan",
    "Hit",
    "NeedTexts",
    "PutPlan",
    "VecMode",
    "namespace_scope",
    "plan_batch",
    "plan_put_vectors",
    "rows_to_hits",
    "where_for",
]

_List = builtins.list
_NS = tuple[str, ...]
Hit = tuple[SearchItem, "tuple[str, str] | None"]
"""A search result and, when the item has a TTL, its ``(ns, key)`` to refresh."""


@dataclass
class VecMode:
    """How the vector table stores embeddings (read from the catalog)."""

    pgvector: bool
    ext_schema: str = ""
    vector_type: str = "vector"


@dataclass
class PutPlan:
    """One put (or delete) of a batch, after de-duplication."""

    ns: _NS
    text_ns: str
    key: str
    op: PutOp
    value: str | None = None
    """Validated JSON text; ``None`` for a delete."""
    write: _List[tuple[str, bytes, str]] = field(default_factory=_List)
    """Vectors to write: ``(path, digest, literal)``."""
    drop: _List[str] = field(default_factory=_List)
    """Stored paths the new value no longer produces."""
    drop_all: bool = False
    """``index=False``: remove every vector of the item."""


@dataclass
class BatchPlan:
    """A validated batch."""

    ops: _List[Op]
    filters: dict[int, PlannedFilter]
    puts: _List[PutPlan]
    queries: _List[str]
    embed_puts: bool
    atomic: bool = True
    """Needs a transaction: more than reads, or more than one write statement."""


def plan_batch(ops: _List[Op], index: IndexSetup | None) -> BatchPlan:
    """Validate a batch before any I/O; the last put to a key wins.

    Raises:
        InvalidNamespaceError: A put to an invalid namespace.
        InvalidFilterError: A bad search filter.
        ValueError: A value that cannot be stored, or an unknown operation type.
    """
    filters: dict[int, PlannedFilter] = {}
    puts: dict[tuple[_NS, str], PutPlan] = {}
    for i, op in enumerate(ops):
        if isinstance(op, SearchOp):
            filters[i] = plan_filter(op.filter)
        elif isinstance(op, PutOp):
            ns, key = tuple(op.namespace), str(op.key)
            if op.value is None:
                text_ns = encode_ns(ns)
                if text_ns is None or "\x00" in key:
                    puts.pop((ns, key), None)  # nothing stored there: nothing to delete
                    continue
                puts[(ns, key)] = PutPlan(ns, text_ns, key, op)
                continue
            _validate_namespace(ns)
            text_ns = check_key(ns, key)
            puts[(ns, key)] = PutPlan(ns, text_ns, key, op, dump_value(ns, key, op.value))
        elif not isinstance(op, (GetOp, ListNamespacesOp)):
            raise ValueError(f"Unknown store operation type: {type(op).__name__}")
    embed_puts = index is not None and any(p.value is not None for p in puts.values())
    queries = query_texts(ops) if index is not None else []
    reads = len(ops) - sum(isinstance(op, PutOp) for op in ops)
    kinds = {p.value is None for p in puts.values()}
    # semantic searches set hnsw.ef_search for their transaction only
    atomic = bool(embed_puts or queries) or bool(puts) and (reads > 0 or len(kinds) > 1)
    return BatchPlan(ops, filters, _List(puts.values()), queries, embed_puts, atomic)


def plan_put_vectors(
    puts: Sequence[PutPlan],
    existing: dict[tuple[str, str], dict[str, bytes]],
    vecs: dict[str, _List[float]],
    index: IndexSetup,
    pgvector: bool,
    locked: bool,
) -> None:
    """Fill each put's ``write`` / ``drop`` / ``drop_all`` from the stored digests.

    A path whose stored digest equals the new text's is kept as is (not embedded again).

    Args:
        puts: Puts with a value.
        existing: Stored ``{path: digest}`` per ``(ns, key)``.
        vecs: Vectors embedded so far, by text.
        index: The store's index config.
        pgvector: Literals for pgvector (``[..]``) rather than ``real[]`` (``{..}``).
        locked: The items are locked (after their upsert), so this plan is final. When
            a text is missing then (a concurrent writer changed a vector an earlier plan
            meant to keep), every text of the puts is asked for, so the retry cannot
            miss again.

    Raises:
        NeedTexts: Some texts have no vector yet (the caller rolls back and embeds).
    """
    missing: dict[str, None] = {}
    unembedded: dict[str, None] = {}
    for p in puts:
        have = existing.get((p.text_ns, p.key), {})
        p.write, p.drop, p.drop_all = [], [], False
        if p.op.index is False:
            p.drop_all = bool(have)
            continue
        produced: set[str] = set()
        assert isinstance(p.op.value, dict)
        paths = p.op.index if isinstance(p.op.index, list) else None
        for path, text in put_texts(p.op.value, paths, index.fields):
            produced.add(path)
            if text not in vecs:
                unembedded[text] = None
            digest = text_digest(text)
            if have.get(path) == digest:
                continue
            if text in vecs:
                where = f"path {path!r} of key {p.key!r} in namespace {p.ns!r}"
                lit = vector_literal(vecs[text], index.dims, pgvector, where)
                p.write.append((path, digest, lit))
            else:
                missing[text] = None
        p.drop = [path for path in have if path not in produced]
    if missing:
        raise NeedTexts(_List(unembedded if locked else missing))


def where_for(prefix: _NS, now: Any, pf: PlannedFilter) -> Where | None:
    """Conditions of a search under ``prefix`` (``None``: no stored namespace matches).

    Args:
        prefix: The namespace prefix (empty: everything).
        now: Hide items expired at this time, or ``None`` to show them.
        pf: The planned filter.
    """
    possible, scope = prefix_scope(encode_ns(prefix))
    return Where(scope, now, pf.where, pf.params) if possible else None


def namespace_scope(
    conds: Sequence[MatchCondition],
) -> tuple[bool, tuple[str, str] | None]:
    """The stored-text range that holds every namespace the conditions can match.

    Returns:
        ``(possible, range)``: the longest literal lead of the prefix conditions as a
        range (``None``: the whole table); ``possible`` is False when no stored
        namespace can match.
    """
    return prefix_scope(encode_ns(namespace_lead(conds)))


def rows_to_hits(
    load: Callable[[str], dict[str, Any]],
    rows: Iterable[Any],
    pf: PlannedFilter,
    offset: int,
    limit: int,
    score: Callable[[Any], float | None],
    out: _List[Hit],
) -> None:
    """Post-filter rows (when the SQL was not exact), skip ``offset``, fill to ``limit``.

    Rows are ``(ns, key, value text, created_at, updated_at, ttl_minutes, ...)``.
    """
    rank = 0
    for row in rows:
        if len(out) >= limit:
            return
        value = load(row[2])
        if not pf.exact and pf.check is not None and not pf.check(value):
            continue
        rank += 1
        if rank <= offset:
            continue
        item = SearchItem(decode_ns(row[0]), row[1], value, row[3], row[4], score(row))
        out.append((item, (row[0], row[1]) if row[5] is not None else None))
