"""Maintenance operations: ``delete_thread``, ``delete_for_runs``, ``copy_thread`` and
``prune``, with the garbage collection of values no checkpoint refers to any more.

Every delete bumps ``lg_state.generation`` in its transaction, so every connection
(this one included) drops its caches before its next use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._core import Conn, EngineCore

__all__ = ["Maintenance", "PRUNE_STRATEGIES"]

PRUNE_STRATEGIES = ("keep_latest", "delete")


class Maintenance(EngineCore):
    """Deleting, copying and pruning threads (one write transaction per call)."""

    def delete_thread(self, conn: Conn, thread_id: str) -> None:
        """Delete every checkpoint, write and value of a thread."""
        name = str(thread_id)

        def work() -> None:
            tid = self._thread_for_read(conn, name)
            if tid is None:
                return
            self._delete_thread_rows(conn, tid)
            self._bumped(conn)

        self._write(conn, "delete_thread", work)

    @staticmethod
    def _delete_thread_rows(conn: Conn, tid: int) -> None:
        conn.execute(q.DELETE_THREAD_WRITES, (tid,))
        conn.execute(q.DELETE_THREAD_CHECKPOINTS, (tid,))
        conn.execute(q.DELETE_THREAD_BLOBS, (tid,))
        conn.execute(q.DELETE_THREAD_ELEMENTS, (tid,))

    def _collect_garbage(self, conn: Conn, tids: Iterable[int]) -> None:
        for tid in set(tids):
            keys: set[tuple[str, str, Any]] = set()
            hashes: set[bytes] = set()
            for ns, body in conn.execute(q.THREAD_BODIES, (tid,)).fetchall():
                blob_keys, elems = codec.body_refs(codec.parse_body(body))
                keys.update((ns, ch, vk) for ch, vk in blob_keys)
                hashes.update(elems)
            doomed = [
                (tid, *k)
                for k in conn.execute(q.THREAD_BLOB_KEYS, (tid,)).fetchall()
                if tuple(k) not in keys
            ]
            conn.executemany(q.DELETE_BLOB, doomed)
            gone = [
                (tid, h)
                for (h,) in conn.execute(q.THREAD_ELEMENT_HASHES, (tid,)).fetchall()
                if h not in hashes
            ]
            conn.executemany(q.DELETE_ELEMENT, gone)

    def _drop_checkpoints(self, conn: Conn, rowids: Sequence[int]) -> None:
        conn.executemany(q.DELETE_CHECKPOINT_WRITES, [(r,) for r in rowids])
        conn.executemany(q.DELETE_CHECKPOINT, [(r,) for r in rowids])

    def delete_for_runs(self, conn: Conn, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints whose ``metadata.run_id`` is listed, with their writes."""
        wanted = json.dumps(sorted({str(r) for r in run_ids}))
        if wanted == "[]":
            return

        def work() -> None:
            found = conn.execute(q.FIND_RUNS, (wanted,)).fetchall()
            if not found:
                return
            self._drop_checkpoints(conn, [r[0] for r in found])
            self._collect_garbage(conn, [r[1] for r in found])
            self._bumped(conn)

        self._write(conn, "delete_for_runs", work)

    def copy_thread(self, conn: Conn, source: str, target: str) -> None:
        """Copy every checkpoint, write and value of ``source`` to ``target``."""
        src_name, dst_name = str(source), str(target)
        if src_name == dst_name:
            return

        def work() -> None:
            src = self._thread_for_read(conn, src_name)
            if src is None:
                return
            dst = self._thread_for_write(conn, dst_name)
            conn.execute(q.COPY_ELEMENTS, (dst, src))
            conn.execute(q.COPY_BLOBS, (dst, src))
            conn.execute(q.COPY_CHECKPOINTS, (dst, src))
            conn.execute(q.COPY_WRITES, (dst, src))
            self._rowids.clear()

        self._write(conn, "copy_thread", work)

    def prune(
        self, conn: Conn, thread_ids: Sequence[str], strategy: str = "keep_latest", keep: int = 1
    ) -> None:
        """Keep the newest ``keep`` checkpoints per namespace, or delete the threads."""
        if strategy not in PRUNE_STRATEGIES:
            raise ValueError(
                f"unknown prune strategy {strategy!r}; use one of {', '.join(PRUNE_STRATEGIES)}"
            )
        if keep < 1:
            raise ValueError(f"prune keep must be >= 1, got {keep}")
        names = list(dict.fromkeys(str(t) for t in thread_ids))
        if not names:
            return

        def work() -> None:
            touched = []
            for name in names:
                tid = self._thread_for_read(conn, name)
                if tid is None:
                    continue
                touched.append(tid)
                if strategy == "delete":
                    self._delete_thread_rows(conn, tid)
                    continue
                for (ns,) in conn.execute(q.THREAD_NAMESPACES, (tid,)).fetchall():
                    doomed = conn.execute(q.PRUNE_DOOMED, (tid, ns, tid, ns, keep)).fetchall()
                    self._drop_checkpoints(conn, [r[0] for r in doomed])
                self._collect_garbage(conn, [tid])
            if touched:
                self._bumped(conn)

        self._write(conn, "prune", work)
