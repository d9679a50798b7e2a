"""``BasePostgresSaver``: what the sync and async Postgres savers share, without I/O.

Turning a checkpoint into statement parameters and result rows back into
``CheckpointTuple`` objects is done here with the shared codec of the core package
(:mod:`langgraph.checkpoint.base._codec`); the savers only run statements.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

import ormsgpack
import psycopg
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
from langgraph.checkpoint.errors import DeserializationError, InvalidConfigError
from langgraph.checkpoint.postgres import _rows
from langgraph.checkpoint.postgres._sql import MIGRATIONS, Query, Statements
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

_MERGE_ATTEMPTS = 20
"""Attempts of ``put_writes`` against concurrent inserts and deletions of its rows."""

_SCHEMA_ERRORS = (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn)
"""What a statement raises on tables that ``setup()`` has not created or upgraded."""

__all__ = ["BasePostgresSaver"]

psycopg.adapters.register_dumper(_rows.ByteaArray, _rows.ByteaArrayDumper)

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
PRUNE_STRATEGIES = ("keep_latest", "delete")


def _pg_version_key(key: Any) -> bytes:
    """A channel version key as bytes (the codec returns bytes for the string scheme)."""
    return key if isinstance(key, bytes) else ormsgpack.packb(key)


def _known_params(known: _rows.Lists | None) -> dict[str, Any]:
    """The parameters of a read that describe the list elements this saver holds."""
    if known is None:
        return {"known": b"", "known_chunks": b"", "known_ends": b""}
    cut = known.chunked()
    return {"known": known.hashes, "known_chunks": cut.row_chunks(), "known_ends": cut.byte_ends()}


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


_CURSOR_CONDITION = sql.SQL(
    "(%(cursor_id)s::bytea IS NULL OR (checkpoint_id, thread_id, checkpoint_ns)"
    " < (%(cursor_id)s, %(cursor_thread)s, %(cursor_ns)s))"
)


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
        self._routines: bool | None = None  # whether setup() stored the routines
        self._known = _rows.KnownLists()
        self._list_cache = codec.ListCache()
        self._plans: dict[tuple[bytes, bytes], codec.BodyPlan] = {}
        self._list_stmts: dict[tuple[Any, ...], bytes] = {}

    def _lock_key(self, thread: bytes) -> int:
        """The advisory lock key of a stored thread id (see ``_sql.py``, thread locks)."""
        scope = (self.schema or "").encode() + b"\x00"
        digest = hashlib.blake2b(scope + thread, digest_size=8, person=b"lgpg-thread").digest()
        return int.from_bytes(digest, "big", signed=True)

    def _lock_keys(self, threads: Iterable[bytes]) -> list[int]:
        """Sorted lock keys of several threads (a fixed order never deadlocks)."""
        return sorted({self._lock_key(t) for t in threads})

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

    def _hash_key(self) -> bytes:
        """The key of element hashes: the encrypting serializer's secret (see README)."""
        serde = self.serde
        if isinstance(serde, EncryptedSerializer):
            return serde.hash_key or b""
        return b""

    def _put_params(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
        skip: bool = True,
    ) -> tuple[dict[str, Any], RunnableConfig]:
        """Parameters of ``put`` and the config it returns.

        With ``skip``, list elements the parent checkpoint holds at the same leading
        positions (as last seen by this saver) are not sent; ``p_chunks``/``p_rest`` are
        then the references the statement must find at the start of the parent's (see
        ``_sql.py``), else it stores nothing and the caller puts again with ``skip=False``.
        """
        thread_id = require_thread_id(config, "put")
        ns = require_checkpoint_ns(config, "put")
        checkpoint_id = checkpoint.get("id") if isinstance(checkpoint, Mapping) else None
        if not checkpoint_id or not isinstance(checkpoint_id, str):
            raise InvalidConfigError(
                f"put: checkpoint for thread {thread_id!r}, namespace {ns!r} has no string 'id'"
            )
        dumps = self.serde.dumps_typed
        thread_key = _k(thread_id)
        ns_key = _k(ns)
        hash_key = self._hash_key()
        enc = codec.encode_checkpoint(
            checkpoint,
            new_versions,
            dumps,
            hash_dumps=self._hash_dumps(),
            hash_key=hash_key,
            list_cache=self._list_cache,
            scope=(hash_key, thread_key, ns_key),
        )
        meta = codec.dumps_metadata(
            _strip_nul(get_serializable_checkpoint_metadata(config, metadata))
        )
        arr = _rows.ByteaArray
        send: dict[bytes, bytes] = {}  # rows for lg_elements: channel values, elements, chunks
        for channel, key, packed in enc.blobs:
            send[_rows.blob_key(ns_key, _k(channel), _pg_version_key(key))] = packed
        for channel, key, value in enc.maybe_blobs:
            send[_rows.blob_key(ns_key, _k(channel), _pg_version_key(key))] = codec.encode_value(
                value, dumps
            )
        parts = codec.parse_body(enc.body)
        keys = codec.blob_keys(parts)
        body, hashes = _rows.strip_lists(enc.body, parts) if enc.elements else (enc.body, b"")
        parent_id = config["configurable"].get("checkpoint_id") or None
        # Elements the parent checkpoint holds in the same leading positions are not sent
        # again: the statement checks the parent's hashes and locks its row (see _sql.py)
        known = self._known.get(thread_key, ns_key) if skip and parent_id and hashes else None
        shared = _rows.common_positions(hashes, known.hashes) if known is not None else 0
        # only the elements after the shared positions are looked at (a long history
        # costs nothing per put); one equal to an earlier element is sent again, and
        # the insert-if-absent keeps the stored one
        new_elements = enc.elements[shared:]
        for elem in new_elements:
            if elem.hash not in send:
                data = elem.data
                send[elem.hash] = (
                    data if data is not None else codec.encode_value(elem.value, dumps)
                )
        # list references in chunks; chunks inside the shared positions exist (the
        # parent refers to them), the others are sent with the new elements
        cut = _rows.chunk_hashes(hashes, known.chunked() if known else None, shared)
        held_chunks = bisect.bisect_right(cut.ends, shared)
        rest_from = cut.ends[held_chunks - 1] if held_chunks else 0
        for key, value in zip(cut.keys[held_chunks:], cut.values[held_chunks:], strict=True):
            send.setdefault(key, value)
        e_hash, e_value = arr(send), arr(send.values())
        if hashes:
            fresh = [send[e.hash] for e in new_elements]
            positions = known.packed[:shared] + fresh if known is not None else fresh
            self._known.remember(thread_key, ns_key, _rows.Lists(hashes, positions, cut=cut))
        params = {
            "lock": self._lock_key(thread_key),
            "thread_id": thread_key,
            "ns": ns_key,
            "checkpoint_id": _rows.id_key(checkpoint_id),
            "parent_id": _rows.id_key(str(parent_id)) if parent_id else None,
            "p_chunks": b"".join(cut.keys[:held_chunks]),
            "p_rest": hashes[rest_from * _rows.HASH : shared * _rows.HASH],
            "body": body,
            "brefs": b"".join(_rows.blob_key(ns_key, _k(ch), _pg_version_key(v)) for ch, v in keys),
            "hashes": cut.tail,
            "chunks": cut.row_chunks(),
            "metadata": meta,
            "e_hash": e_hash,
            "e_value": e_value,
        }
        return params, _config(thread_id, ns, checkpoint_id)

    def _writes_params(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> tuple[dict[str, Any], list[_rows.WriteEntry], bool] | None:
        """``(parameters, entries, upsert)`` of ``put_writes`` (None: nothing to write).

        ``entries`` are the call's ``(idx, channel, value)`` by idx, ``upsert`` its
        conflict rule (see ``_rows.merge_writes``).
        """
        thread_id = require_thread_id(config, "put_writes")
        checkpoint_id = require_checkpoint_id(config, "put_writes")
        ns = config["configurable"].get("checkpoint_ns", "") or ""
        if not writes:
            return None
        rows, upsert = codec.encode_writes(
            writes, str(task_id), task_path, self.serde.dumps_typed, WRITES_IDX_MAP
        )
        # one entry per idx: the last of duplicate special channels wins
        by_idx: dict[int, _rows.WriteEntry] = {}
        for _task_key, idx, channel, _path, packed in rows:
            if upsert or idx not in by_idx:
                by_idx[idx] = (idx, _k(channel), packed)
        entries = [by_idx[i] for i in sorted(by_idx)]
        params = {
            "thread_id": _k(thread_id),
            "ns": _k(ns),
            "checkpoint_id": _rows.id_key(str(checkpoint_id)),
            "task_id": _rows.task_key(str(task_id)),
            "task_path": task_path,
            "data": _rows.pack_writes(entries),
        }
        return params, entries, upsert

    def _schema_note(self, exc: Exception) -> None:
        """Add a note to an error about missing tables or columns: run ``setup()``."""
        add_note = getattr(exc, "add_note", None)  # Python >= 3.11
        if add_note is not None:
            add_note(
                f"the saver's tables in schema {self.schema or '(search_path)'} are missing"
                f" or older than this langgraph-checkpoint-postgres expects (version"
                f" {len(MIGRATIONS) - 1}): call setup() once to create or upgrade them"
            )

    @staticmethod
    def _gave_up(params: dict[str, Any]) -> NoReturn:
        task = _rows.task_from_key(params["task_id"])
        thread = params["thread_id"].decode("utf-8", "surrogatepass")
        raise psycopg.OperationalError(
            f"put_writes: the writes row of task {task!r} in thread {thread!r} kept being"
            f" inserted and deleted concurrently; gave up after {_MERGE_ATTEMPTS} attempts"
        )

    # ------------------------------------------------------------------ reads

    def _get_params(self, config: RunnableConfig) -> tuple[Query, dict[str, Any], Any]:
        """Statement, parameters and known lists of ``get_tuple``."""
        thread_id = require_thread_id(config, "get_tuple")
        configurable = config["configurable"]
        ns = configurable.get("checkpoint_ns", "") or ""
        checkpoint_id = configurable.get("checkpoint_id")
        thread, ns_key = _k(thread_id), _k(ns)
        known = self._known.get(thread, ns_key)
        params: dict[str, Any] = {"thread_id": thread, "ns": ns_key, **_known_params(known)}
        if checkpoint_id:
            params["checkpoint_id"] = _rows.id_key(str(checkpoint_id))
            return self._stmts.get_by_id, params, known
        return self._stmts.get_latest, params, known

    def _list_query(self, plan: codec.ListPlan) -> tuple[Query, dict[str, Any], Any]:
        """Statement, parameters and known lists of the pages of ``list``."""
        conds: list[sql.Composable] = []
        known = None
        params: dict[str, Any] = {}
        if plan.thread_id is not None:
            conds.append(sql.SQL("thread_id = %(thread_id)s"))
            params["thread_id"] = _k(plan.thread_id)
            known = self._known.get(params["thread_id"], _k(plan.checkpoint_ns or ""))
        params.update(_known_params(known))
        if plan.checkpoint_ns is not None:
            conds.append(sql.SQL("checkpoint_ns = %(ns)s"))
            params["ns"] = _k(plan.checkpoint_ns)
        if plan.checkpoint_id is not None:
            conds.append(sql.SQL("checkpoint_id = %(checkpoint_id)s"))
            params["checkpoint_id"] = _rows.id_key(str(plan.checkpoint_id))
        if plan.before_id is not None:
            conds.append(sql.SQL("checkpoint_id < %(before_id)s"))
            params["before_id"] = _rows.id_key(str(plan.before_id))
        for i, cond in enumerate(plan.conditions):
            conds.append(_condition_sql(cond, f"f{i}", params))
        conds.append(_CURSOR_CONDITION)
        params.update(cursor_id=None, cursor_thread=None, cursor_ns=None)
        # the statement depends only on which conditions are present (values are bound)
        shape = (
            plan.thread_id is not None,
            plan.checkpoint_ns is not None,
            plan.checkpoint_id is not None,
            plan.before_id is not None,
            tuple((c.op, c.kind) for c in plan.conditions),
        )
        stmt = self._list_stmts.get(shape)
        if stmt is None:
            stmt = self._stmts.list_page(conds)
            if len(self._list_stmts) >= 256:
                self._list_stmts.clear()
            self._list_stmts[shape] = stmt
        return stmt, params, known

    def _plan(self, body: bytes, hashes: bytes) -> codec.BodyPlan:
        key = (body, hashes)
        plan = self._plans.get(key)
        if plan is None:
            plan = codec.plan_body(_rows.restore_lists(body, hashes))
            if len(self._plans) >= 4096:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def _decode_rows(
        self,
        rows: Iterable[tuple[Any, ...]],
        known: _rows.Lists | None,
        page: _rows.PageLists | None = None,
    ) -> list[CheckpointTuple]:
        """Turn the rows of one read statement (see ``_sql._READ``) into tuples.

        ``known`` is what was sent as ``%(known)s`` (valid for rows of its thread only:
        the statement sends it only when every row is of that thread). With ``page``
        (a new dict per ``list()`` page), list elements are decoded once per page and
        shared by the page's checkpoints (see :func:`_rows.page_lists`).
        """
        loads = self.serde.loads_typed
        out: list[CheckpointTuple] = []
        for row in rows:
            (raw_thread, raw_ns, raw_id, raw_parent, body, hashes, meta, blob_values,
             elems, w_task, w_data) = row  # fmt: skip
            checkpoint_id = _rows.id_from_key(raw_id)
            parent_id = _rows.id_from_key(raw_parent) if raw_parent is not None else None
            thread_id = _t(raw_thread)
            ns = _t(raw_ns)
            if hashes is None:
                raise DeserializationError(
                    f"checkpoint {checkpoint_id!r} of thread {thread_id!r} refers to a "
                    "missing chunk of list references (storage damaged)"
                )
            plan = self._plan(body, hashes)
            blobs = {
                key: value
                for key, value in zip(plan.blob_keys, blob_values, strict=False)
                if value is not None
            }
            ready: dict[bytes, bytes] = {}
            elements: dict[bytes, bytes] = {}
            decoded: dict[str, list[Any]] | None = None
            if hashes:
                lists = _rows.resolve(checkpoint_id, hashes, elems, known)
                if elems is not None:
                    self._known.remember(bytes(raw_thread), bytes(raw_ns), lists)
                if page is not None:
                    decoded = _rows.page_lists(page, raw_thread, raw_ns, plan.lists, lists, loads)
                else:
                    ready, elements = _rows.ready_lists([raw for _, raw in plan.lists], lists)
            writes: list[tuple[str, str, bytes]] = []
            if w_task is not None:
                # one row per task (ids unique), its writes already in idx order
                tasks = sorted(zip(map(_rows.task_from_key, w_task), w_data, strict=True))
                writes = [
                    (t, c.decode("utf-8", "surrogatepass"), v)
                    for t, data in tasks
                    for _i, c, v in _rows.unpack_writes(data)
                ]
            checkpoint, pending = codec.build_checkpoint(
                plan, checkpoint_id, blobs, elements, loads, ready, writes, str, decoded
            )
            out.append(
                CheckpointTuple(
                    config=_config(thread_id, ns, checkpoint_id),
                    checkpoint=checkpoint,  # type: ignore[arg-type]
                    metadata=codec.loads_metadata(meta),  # type: ignore[arg-type]
                    parent_config=_config(thread_id, ns, parent_id) if parent_id else None,
                    pending_writes=pending,
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
