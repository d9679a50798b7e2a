"""Write operations: ``put`` and ``put_writes`` (one ``BEGIN IMMEDIATE`` each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    RunnableConfig,
    get_checkpoint_metadata,
    require_checkpoint_id,
    require_checkpoint_ns,
    require_thread_id,
)
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import InvalidConfigError
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._core import Conn, config_of
from langgraph.checkpoint.sqlite._values import ValueCache

__all__ = ["Writes"]


class Writes(ValueCache):
    """``put`` / ``put_writes``: every call is one write transaction."""

    def put(
        self,
        conn: Conn,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint (one transaction)."""
        thread_id = require_thread_id(config, "put")
        ns = require_checkpoint_ns(config, "put")
        cid = checkpoint.get("id") if isinstance(checkpoint, Mapping) else None
        if not cid or not isinstance(cid, str):
            raise InvalidConfigError(
                f"put: checkpoint for thread {thread_id!r}, namespace {ns!r} has no string 'id'"
            )
        if not self.is_setup:
            self.setup(conn)
        enc = codec.encode_checkpoint(
            checkpoint,
            new_versions,
            self.serde.dumps_typed,
            hash_dumps=self._hash_dumps,
            hash_key=self.hash_key,
            list_cache=self._list_cache,
            scope=(self.hash_key, thread_id, ns),
        )
        meta = codec.dumps_metadata(get_checkpoint_metadata(config, metadata))
        parent = config["configurable"].get("checkpoint_id")
        cid_key = codec.ordered_id_key(cid)
        parent_key = codec.ordered_id_key(str(parent)) if parent else None
        fresh: list[tuple[dict[Any, bytes], Any, bytes]] = []

        def work() -> int:
            tid = self._thread_for_write(conn, thread_id)
            if enc.elements:
                self._store_elements(conn, tid, enc.elements, fresh)
            if enc.blobs:
                conn.executemany(
                    q.INSERT_BLOB, [(tid, ns, ch, vk, data) for ch, vk, data in enc.blobs]
                )
                fresh.extend((self._blobs, (tid, ns, ch, vk), data) for ch, vk, data in enc.blobs)
            for ch, vk, value in enc.maybe_blobs:
                key = (tid, ns, ch, vk)
                if key in self._blobs or conn.execute(q.HAS_BLOB, key).fetchone():
                    continue
                data = codec.encode_value(value, self.serde.dumps_typed)
                conn.execute(q.INSERT_BLOB, (*key, data))
                fresh.append((self._blobs, key, data))
            rowid: int = conn.execute(
                q.UPSERT_CHECKPOINT, (tid, ns, cid_key, parent_key, enc.body, meta)
            ).fetchone()[0]
            self._rowids[(tid, ns, cid_key)] = rowid
            return tid

        try:
            self._write(conn, "put", work)
        except BaseException:
            self._rowids.clear()
            raise
        for store, key, data in fresh:
            self._cache(store, key, data)
        return config_of(thread_id, ns, cid)

    def _store_elements(
        self,
        conn: Conn,
        tid: int,
        refs: Sequence[codec.ElementRef],
        fresh: list[tuple[dict[Any, bytes], Any, bytes]],
    ) -> None:
        cache = self._elements
        missing: dict[bytes, codec.ElementRef] = {}
        for ref in refs:
            if (tid, ref.hash) not in cache and ref.hash not in missing:
                missing[ref.hash] = ref
        if not missing:
            return
        lazy = [r for r in missing.values() if r.data is None]
        if lazy:
            for h, data in self._fetch_elements(conn, tid, [r.hash for r in lazy]):
                missing.pop(h, None)
                fresh.append((cache, (tid, h), data))
            for ref in missing.values():
                ref.data = codec.encode_value(ref.value, self.serde.dumps_typed)
        rows = [(tid, h, r.data) for h, r in missing.items()]
        conn.executemany(q.INSERT_ELEMENT, rows)
        fresh.extend((cache, (tid, h), r.data) for h, r in missing.items() if r.data)

    # ------------------------------------------------------------------ put_writes

    def put_writes(
        self,
        conn: Conn,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's writes against a checkpoint (one transaction)."""
        thread_id = require_thread_id(config, "put_writes")
        cid = require_checkpoint_id(config, "put_writes")
        ns = config["configurable"].get("checkpoint_ns", "") or ""
        rows, upsert = codec.encode_writes(
            writes, task_id, task_path, self.serde.dumps_typed, WRITES_IDX_MAP
        )
        if not rows:
            return
        cid_key = codec.ordered_id_key(cid)

        def work() -> None:
            tid = self._thread_for_write(conn, thread_id)
            rowid = self._rowids.get((tid, ns, cid_key))
            if rowid is None:
                found = conn.execute(q.GET_ROWID, (tid, ns, cid_key)).fetchone()
                if found is None:
                    found = conn.execute(q.ADD_PLACEHOLDER, (tid, ns, cid_key)).fetchone()
                rowid = found[0]
            conn.executemany(
                q.REPLACE_WRITE if upsert else q.INSERT_WRITE,
                [(rowid, r[0], r[1], r[2], "", r[4]) for r in rows],
            )

        self._write(conn, "put_writes", work)
