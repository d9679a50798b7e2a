"""``BasePostgresSaver``: what the sync and async Postgres savers share, without I/O.

Turning a checkpoint into statement parameters and result rows back into
``CheckpointTuple`` objects is done here with the shared codec of the core package
(:mod:`langgraph.checkpoint.base._codec`); the savers only run statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ormsgpack
from psycopg import sql

from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    RunnableConfig,
    SerializerProtocol,
    get_serializable_checkpoint_metadata,
    next_string_version,
    require_checkpoint_id,
    require_checkpoint_ns,
    require_thread_id,
)
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import InvalidConfigError
from langgraph.checkpoint.postgres._sql import Query, Statements
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

__all__ = ["BasePostgresSaver"]

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
PRUNE_STRATEGIES = ("keep_latest", "delete")


def _pg_version_key(key: Any) -> bytes:
    """A channel version key as bytes (the codec returns bytes for the string scheme)."""
    return key if isinstance(key, bytes) else ormsgpack.packb(key)


def _k(text: str) -> bytes:
    """A thread id or namespace as stored (UTF-8 bytes: may hold NUL)."""
    return text.encode("utf-8", "surrogatepass")


def _t(raw: Any) -> str:
    """Inverse of :func:`_k`."""
    return bytes(raw).decode("utf-8", "surrogatepass")


def _strip_nul(value: Any) -> Any:
    """Remove NUL characters from nested metadata strings (JSONB refuses them)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    return value


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


class BasePostgresSaver(BaseCheckpointSaver[str]):
    """Statement parameters and row decoding shared by both Postgres savers.

    Args:
        serde: serializer for channel values and writes (default ``JsonPlusSerializer``).
        schema: Postgres schema holding the tables; None uses the connection's
            ``search_path``. Created by :meth:`setup` when missing.
        prepare: use server-side prepared statements (set False behind PgBouncer in
            transaction mode with PgBouncer < 1.21).
        statement_timeout: seconds after which the server cancels a statement of this
            saver (None: the server's setting).
    """

    def __init__(
        self,
        *,
        serde: SerializerProtocol | None = None,
        schema: str | None = None,
        prepare: bool = True,
        statement_timeout: float | None = None,
    ) -> None:
        super().__init__(serde=serde)
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise InvalidConfigError(
                f"schema must be a plain identifier (letters, digits, _), got {schema!r}"
            )
        self.schema = schema
        self.prepare: bool | None = True if prepare else False
        self.statement_timeout = statement_timeout
        self._stmts = Statements.build(schema)

    @property
    def _timeout_ms(self) -> str | None:
        if self.statement_timeout is None:
            return None
        return str(max(1, int(self.statement_timeout * 1000)))

    # ------------------------------------------------------------------ put

    def _hash_dumps(self) -> Any:
        serde = self.serde
        if isinstance(serde, EncryptedSerializer):
            return serde.serde.dumps_typed
        return None

    def _put_params(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> tuple[dict[str, Any], RunnableConfig]:
        thread_id = require_thread_id(config, "put")
        ns = require_checkpoint_ns(config, "put")
        checkpoint_id = checkpoint.get("id") if isinstance(checkpoint, Mapping) else None
        if not checkpoint_id or not isinstance(checkpoint_id, str):
            raise InvalidConfigError(
                f"put: checkpoint for thread {thread_id!r}, namespace {ns!r} has no string 'id'"
            )
        dumps = self.serde.dumps_typed
        enc = codec.encode_checkpoint(
            checkpoint, new_versions, dumps, hash_dumps=self._hash_dumps()
        )
        meta = codec.dumps_metadata(
            _strip_nul(get_serializable_checkpoint_metadata(config, metadata))
        )
        b_channel: list[bytes] = []
        b_version: list[bytes] = []
        b_value: list[bytes] = []
        for channel, key, packed in enc.blobs:
            b_channel.append(_k(channel))
            b_version.append(_pg_version_key(key))
            b_value.append(packed)
        for channel, key, value in enc.maybe_blobs:
            b_channel.append(_k(channel))
            b_version.append(_pg_version_key(key))
            b_value.append(codec.encode_value(value, dumps))
        e_hash: list[bytes] = []
        e_value: list[bytes] = []
        seen: set[bytes] = set()
        for elem in enc.elements:
            if elem.hash in seen:
                continue
            seen.add(elem.hash)
            e_hash.append(elem.hash)
            e_value.append(
                elem.data if elem.data is not None else codec.encode_value(elem.value, dumps)
            )
        keys, hashes = codec.body_refs(enc.body)
        params = {
            "thread_id": _k(thread_id),
            "ns": _k(ns),
            "checkpoint_id": checkpoint_id,
            "parent_id": config["configurable"].get("checkpoint_id") or None,
            "body": enc.body,
            "blob_channels": [_k(k[0]) for k in keys],
            "blob_versions": [_pg_version_key(k[1]) for k in keys],
            "hashes": b"".join(hashes),
            "metadata": meta,
            "e_hash": e_hash,
            "e_value": e_value,
            "b_channel": b_channel,
            "b_version": b_version,
            "b_value": b_value,
        }
        return params, _config(thread_id, ns, checkpoint_id)

    def _writes_params(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> tuple[Query, dict[str, Any]] | None:
        thread_id = require_thread_id(config, "put_writes")
        checkpoint_id = require_checkpoint_id(config, "put_writes")
        ns = config["configurable"].get("checkpoint_ns", "") or ""
        if not writes:
            return None
        rows, upsert = codec.encode_writes(
            writes, str(task_id), task_path, self.serde.dumps_typed, WRITES_IDX_MAP
        )
        # one row per (task, idx): the last of duplicate special channels wins
        by_idx: dict[int, tuple[str, bytes]] = {}
        for _task_key, idx, channel, _path, packed in rows:
            if upsert or idx not in by_idx:
                by_idx[idx] = (channel, packed)
        params = {
            "thread_id": _k(thread_id),
            "ns": _k(ns),
            "checkpoint_id": checkpoint_id,
            "task_id": _k(str(task_id)),
            "task_path": task_path,
            "idx": list(by_idx),
            "channel": [_k(v[0]) for v in by_idx.values()],
            "value": [v[1] for v in by_idx.values()],
        }
        stmt = self._stmts.put_writes_upsert if upsert else self._stmts.put_writes_ignore
        return stmt, params

    # ------------------------------------------------------------------ reads

    def _get_params(self, config: RunnableConfig) -> tuple[Query, dict[str, Any]]:
        thread_id = require_thread_id(config, "get_tuple")
        configurable = config["configurable"]
        ns = configurable.get("checkpoint_ns", "") or ""
        checkpoint_id = configurable.get("checkpoint_id")
        params: dict[str, Any] = {"thread_id": _k(thread_id), "ns": _k(ns)}
        if checkpoint_id:
            params["checkpoint_id"] = str(checkpoint_id)
            return self._stmts.get_by_id, params
        return self._stmts.get_latest, params

    def _list_query(self, plan: codec.ListPlan) -> tuple[Query, dict[str, Any]]:
        conds: list[sql.Composable] = []
        params: dict[str, Any] = {}
        if plan.thread_id is not None:
            conds.append(sql.SQL("thread_id = %(thread_id)s"))
            params["thread_id"] = _k(plan.thread_id)
        if plan.checkpoint_ns is not None:
            conds.append(sql.SQL("checkpoint_ns = %(ns)s"))
            params["ns"] = _k(plan.checkpoint_ns)
        if plan.checkpoint_id is not None:
            conds.append(sql.SQL("checkpoint_id = %(checkpoint_id)s"))
            params["checkpoint_id"] = str(plan.checkpoint_id)
        if plan.before_id is not None:
            conds.append(sql.SQL("checkpoint_id < %(before_id)s"))
            params["before_id"] = str(plan.before_id)
        for i, cond in enumerate(plan.conditions):
            conds.append(_condition_sql(cond, f"f{i}", params))
        conds.append(
            sql.SQL(
                "(%(cursor_id)s::text IS NULL OR (checkpoint_id, thread_id, checkpoint_ns)"
                " < (%(cursor_id)s, %(cursor_thread)s, %(cursor_ns)s))"
            )
        )
        params.update(cursor_id=None, cursor_thread=None, cursor_ns=None)
        return self._stmts.list_page(conds), params

    def _decode_rows(self, rows: Iterable[tuple[Any, ...]]) -> list[CheckpointTuple]:
        """Assemble the rows of one read statement into tuples, newest first."""
        loads = self.serde.loads_typed
        heads: list[tuple[Any, ...]] = []
        blobs: dict[tuple[str, str], dict[tuple[str, Any], bytes]] = {}
        elements: dict[str, dict[bytes, bytes]] = {}
        writes: dict[tuple[str, str, str], list[tuple[str, int, str, bytes]]] = {}
        for kind, raw_thread, raw_ns, k1, k2, kb, k3, data, meta, idx in rows:
            thread_id = _t(raw_thread)
            ns = _t(raw_ns) if raw_ns is not None else ""
            if kind == 0:
                heads.append((thread_id, ns, k1, k2, data, meta))
            elif kind == 1:
                blobs.setdefault((thread_id, ns), {})[(_t(kb), bytes(k3))] = bytes(data)
            elif kind == 2:
                elements.setdefault(thread_id, {})[bytes(k3)] = bytes(data)
            else:
                writes.setdefault((thread_id, ns, k1), []).append(
                    (_t(kb), idx, _t(k3), bytes(data))
                )
        out: list[CheckpointTuple] = []
        heads.sort(key=lambda h: (h[2], h[0], h[1]), reverse=True)
        for thread_id, ns, checkpoint_id, parent_id, body, meta in heads:
            body = bytes(body)
            thread_blobs = blobs.get((thread_id, ns), {})
            keys, _ = codec.body_refs(body)
            wanted = {
                k: thread_blobs[(k[0], _pg_version_key(k[1]))]
                for k in keys
                if (k[0], _pg_version_key(k[1])) in thread_blobs
            }
            checkpoint = codec.decode_checkpoint(
                checkpoint_id, body, wanted, elements.get(thread_id, {}), loads
            )
            pending = sorted(
                writes.get((thread_id, ns, checkpoint_id), ()), key=lambda w: (w[0], w[1])
            )
            out.append(
                CheckpointTuple(
                    config=_config(thread_id, ns, checkpoint_id),
                    checkpoint=checkpoint,  # type: ignore[arg-type]
                    metadata=codec.loads_metadata(meta),  # type: ignore[arg-type]
                    parent_config=_config(thread_id, ns, parent_id) if parent_id else None,
                    pending_writes=[
                        codec.decode_write(task_id, channel, value, loads)
                        for task_id, _idx, channel, value in pending
                    ],
                )
            )
        return out

    # ------------------------------------------------------------------ misc

    @staticmethod
    def _check_prune(strategy: str, keep: int) -> None:
        if strategy not in PRUNE_STRATEGIES:
            raise ValueError(
                f"unknown prune strategy {strategy!r}; use one of {', '.join(PRUNE_STRATEGIES)}"
            )
        if keep < 1:
            raise ValueError(f"prune keep must be >= 1, got {keep}")

    def get_next_version(self, current: str | None, channel: None) -> str:
        """Return a zero-padded string version greater than ``current``."""
        return next_string_version(current)


def _condition_sql(
    cond: codec.FilterCondition, name: str, params: dict[str, Any]
) -> sql.Composable:
    """SQL for one exactly-translatable metadata condition (see ``_filters``)."""
    import json

    key = sql.Placeholder(name + "k")
    val = sql.Placeholder(name + "v")
    params[name + "k"] = cond.key
    if cond.op in ("$eq", "$ne"):
        params[name + "v"] = json.dumps({cond.key: cond.value})
        contains = sql.SQL("metadata @> {}::jsonb").format(val)
        return contains if cond.op == "$eq" else sql.SQL("NOT ({})").format(contains)
    op = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[cond.op]
    params[name + "v"] = cond.value
    if cond.kind == "number":
        return sql.SQL(
            "(jsonb_typeof(metadata -> {k}) = 'number'"
            " AND (metadata -> {k})::numeric " + op + " {v}::numeric)"
        ).format(k=key, v=val)
    return sql.SQL(
        "(jsonb_typeof(metadata -> {k}) = 'string'"
        ' AND (metadata ->> {k}) COLLATE "C" ' + op + ' {v}::text COLLATE "C")'
    ).format(k=key, v=val)
