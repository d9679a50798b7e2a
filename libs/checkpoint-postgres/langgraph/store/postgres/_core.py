"""Pure helpers of the Postgres store (no connection objects; unit-tested without a server).

What every store shares (namespace text, texts to embed, scoring) lives in
``langgraph.store.base._support``; here is what is Postgres's own:

* namespace text without NUL (Postgres ``text`` cannot hold it);
* values -> validated JSON text (errors name the namespace and key);
* filters -> SQL conditions (exact where the SQL means the same as
  ``langgraph.store.base._filters``; otherwise a superset that Python re-checks);
* index config normalisation and vector text literals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from langgraph.store.base import Item
from langgraph.store.base._filters import Predicate, compile_filter
from langgraph.store.base._support import Fields, decode_ns, tokenize_fields
from langgraph.store.base._support import encode_ns as _encode_ns

__all__ = [
    "AnnConfig",
    "IndexSetup",
    "PlannedFilter",
    "check_key",
    "dump_value",
    "encode_ns",
    "index_setup",
    "plan_filter",
    "to_item",
    "vector_literal",
]

# ------------------------------------------------------------------------ namespaces


def encode_ns(namespace: Sequence[Any]) -> str | None:
    """Stored text of a namespace (``("a", "b")`` -> ``"a.b."``).

    Returns:
        ``None`` when no stored namespace can equal it (a label that is not a string, or
        contains ``"."`` or NUL: ``put`` refuses those).
    """
    text = _encode_ns(namespace)
    return None if text is None or "\x00" in text else text


def check_key(namespace: tuple[str, ...], key: str) -> str:
    """Encoded namespace of a put, refusing what Postgres ``text`` cannot hold (NUL).

    Raises:
        ValueError: The key or a label contains a NUL character.
    """
    text = encode_ns(namespace)
    if text is None or "\x00" in key:
        raise ValueError(
            f"Cannot store key {key!r} in namespace {namespace!r}: Postgres text cannot "
            "hold NUL characters"
        )
    return text


# ------------------------------------------------------------------------ values


def _no_nan(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")


def dump_value(namespace: tuple[str, ...], key: str, value: Any) -> str:
    """JSON text of a value to store as ``jsonb``.

    Raises:
        ValueError: The value is not a dict of JSON data, holds NaN/Infinity, or a string
            with a NUL character (``jsonb`` refuses ``\\u0000``); the message names the
            namespace and key.
    """
    where = f"key {key!r} in namespace {namespace!r}"
    if not isinstance(value, dict):
        raise ValueError(f"Store values must be dicts; got {type(value).__name__} for {where}")
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Value for {where} is not JSON-serializable: {exc}") from exc
    if "\\u0000" in text:
        raise ValueError(
            f"Value for {where} contains a NUL character (\\u0000), which Postgres jsonb "
            "cannot store"
        )
    return text


def to_item(row: Sequence[Any], load: Callable[[str], dict[str, Any]]) -> Item:
    """Item of a row ``(ns, key, value text, created_at, updated_at, ...)``."""
    return Item(
        value=load(row[2]),
        key=row[1],
        namespace=decode_ns(row[0]),
        created_at=row[3],
        updated_at=row[4],
    )


# ------------------------------------------------------------------------ filters

_VALUE = sql.SQL("s.value")


@dataclass
class PlannedFilter:
    """A search filter planned for SQL.

    Attributes:
        where: Conditions to AND into the query (empty: none).
        params: Their parameters, in order.
        exact: ``True`` when ``where`` selects exactly the documents the filter matches
            (LIMIT/OFFSET may then run in SQL); otherwise ``check`` must re-check rows.
        check: The exact predicate (``None`` without a filter).
    """

    where: list[sql.Composable] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    exact: bool = True
    check: Predicate | None = None


def _json_scalar(x: Any) -> bool:
    if x is None or isinstance(x, (str, bool, int)):
        return True
    return isinstance(x, float) and math.isfinite(x)


def _plain(x: Any) -> bool:
    """JSON data without ``$`` operators anywhere (containment can express it)."""
    if isinstance(x, dict):
        return all(isinstance(k, str) and not k.startswith("$") and _plain(v) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return all(_plain(v) for v in x)
    return _json_scalar(x)


def _json(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _field(key: str, params: list[Any]) -> sql.Composable:
    """SQL of ``resolve_field(value, key)``: a literal key wins, else dotted descent.

    ``->`` with a text operand yields NULL on anything but an object, exactly like the
    Python descent that stops at non-mappings.
    """
    if "." not in key:
        params.append(key)
        return sql.SQL("(s.value -> %s::text)")
    parts = key.split(".")
    params.extend([key, key])
    chain: sql.Composable = _VALUE
    for part in parts:
        params.append(part)
        chain = sql.SQL("{} -> %s::text").format(chain)
    return sql.SQL("(CASE WHEN s.value ? %s::text THEN s.value -> %s::text ELSE {} END)").format(
        chain
    )


_ORDER_OPS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


def _operator(key: str, op: str, operand: Any, out: PlannedFilter) -> bool:
    """Append the SQL of one ``$`` operator; return whether it is exact."""
    if op in ("$eq", "$ne"):
        if not _plain(operand):
            return False
        operand_json = _json(operand)
        params: list[Any] = []
        f = _field(key, params)
        cmp = "=" if op == "$eq" else "IS DISTINCT FROM"
        out.where.append(sql.SQL("{} " + cmp + " %s::jsonb").format(f))
        out.params.extend([*params, operand_json])
        return True
    sym = _ORDER_OPS[op]
    params = []
    f = _field(key, params)
    if isinstance(operand, str):
        out.where.append(
            sql.SQL(
                "(CASE WHEN jsonb_typeof({f}) = 'string' THEN ({f} #>> '{{}}') COLLATE \"C\" "
                + sym
                + ' %s::text COLLATE "C" ELSE false END)'
            ).format(f=f)
        )
        out.params.extend([*params, *params, operand])
        return True
    if isinstance(operand, float) and not math.isfinite(operand):
        return False
    # jsonb orders numbers numerically among themselves (and never fails, unlike a cast)
    out.where.append(
        sql.SQL("(jsonb_typeof({f}) = 'number' AND {f} " + sym + " %s::jsonb)").format(f=f)
    )
    out.params.extend([*params, *params, _json(operand)])
    return True


def plan_filter(filter: Mapping[str, Any] | None) -> PlannedFilter:
    """Translate a search filter into SQL over ``s.value`` (alias ``s`` of the items).

    Plain values use ``jsonb`` containment (served by the GIN index) plus an exact
    equality test; ``$`` operators compare by JSON type (numbers as numbers, strings in
    code point order). Anything SQL cannot say exactly is pushed down as a superset
    (containment) or not at all, and ``check`` re-applies the reference semantics.

    Raises:
        InvalidFilterError: Unknown operator or unusable operand (before any I/O).
    """
    out = PlannedFilter(check=compile_filter(filter))
    if out.check is None or filter is None:
        return out
    for raw_key, cond in filter.items():
        key = str(raw_key)
        if isinstance(cond, dict) and any(isinstance(k, str) and k.startswith("$") for k in cond):
            for op, operand in cond.items():
                if not _operator(key, str(op), operand, out):
                    out.exact = False
            continue
        if _json_scalar(cond):
            params: list[Any] = []
            f = _field(key, params)
            if "." not in key:
                out.where.append(sql.SQL("s.value @> %s::jsonb"))
                out.params.append(_json({key: cond}))
            out.where.append(sql.SQL("{} = %s::jsonb").format(f))
            out.params.extend([*params, _json(cond)])
            continue
        out.exact = False
        if "." not in key and _plain(cond):
            # nested dict (partial match) or list (same length, element-wise): every
            # match is contained, not every contained value matches
            out.where.append(sql.SQL("s.value @> %s::jsonb"))
            out.params.append(_json({key: cond}))
    return out


# ------------------------------------------------------------------------ index config


@dataclass
class AnnConfig:
    """Sanitised ANN index settings."""

    kind: str = "hnsw"
    vector_type: str = "vector"
    params: dict[str, int] = field(default_factory=dict)


_DISTANCES = ("cosine", "l2", "inner_product")


@dataclass
class IndexSetup:
    """A normalised index config."""

    config: dict[str, Any]
    embeddings: Any
    dims: int
    fields: Fields
    distance: str
    ann: AnnConfig
    vectors_per_item: int


def index_setup(index: Mapping[str, Any] | None) -> IndexSetup | None:
    """Validate and normalise a ``PostgresIndexConfig``.

    Raises:
        ValueError: ``dims`` is not a positive int, or ``distance_type``,
            ``ann_index_config.kind`` or ``vector_type`` is unknown.
    """
    if index is None:
        return None
    from langgraph.store.base import ensure_embeddings

    config = dict(index)
    dims = config.get("dims")
    if isinstance(dims, bool) or not isinstance(dims, int) or dims <= 0:
        raise ValueError(f"index config 'dims' must be a positive int, got {dims!r}")
    distance = config.get("distance_type") or "cosine"
    if distance not in _DISTANCES:
        raise ValueError(
            f"index config 'distance_type' must be one of {', '.join(_DISTANCES)}, got {distance!r}"
        )
    raw_ann = dict(config.get("ann_index_config") or {})
    kind = raw_ann.get("kind", "hnsw")
    if kind not in ("hnsw", "ivfflat", "flat"):
        raise ValueError(f"ann_index_config 'kind' must be hnsw, ivfflat or flat, got {kind!r}")
    vtype = raw_ann.get("vector_type", "vector")
    if vtype not in ("vector", "halfvec"):
        raise ValueError(f"ann_index_config 'vector_type' must be vector or halfvec, got {vtype!r}")
    names = ("m", "ef_construction") if kind == "hnsw" else ("lists",)
    params: dict[str, int] = {}
    for name in names:
        val = raw_ann.get(name, raw_ann.get("nlist") if name == "lists" else None)
        if isinstance(val, int) and not isinstance(val, bool) and val > 0:
            params[name] = val
    fields = tokenize_fields(config.get("fields"))
    per_item = sum(1 if toks == ["$"] and path == "$" else len(toks) for path, toks in fields)
    return IndexSetup(
        config=config,
        embeddings=ensure_embeddings(config.get("embed")),
        dims=dims,
        fields=fields,
        distance=distance,
        ann=AnnConfig(kind=kind, vector_type=vtype, params=params),
        vectors_per_item=max(per_item, 1),
    )


def vector_literal(vector: Sequence[float], dims: int, pgvector: bool, where: str) -> str:
    """Text literal of an embedding (``[..]`` for pgvector, ``{..}`` for ``real[]``).

    Raises:
        ValueError: Wrong length or a non-finite component; the message says ``where``.
    """
    vals = [float(x) for x in vector]
    if len(vals) != dims:
        raise ValueError(f"Embedding for {where} has {len(vals)} dimensions, expected {dims}")
    if not all(math.isfinite(x) for x in vals):
        raise ValueError(f"Embedding for {where} has a NaN or infinite component")
    body = ",".join(repr(x) for x in vals)
    return f"[{body}]" if pgvector else f"{{{body}}}"
