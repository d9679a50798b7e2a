"""In-memory checkpoint saver, for tests, notebooks and single-process apps.

Everything is stored serialized, so changing an object after ``put`` never changes a stored
checkpoint, and a value that cannot be serialized is refused before anything is stored.
One re-entrant lock guards the containers: the saver is safe to share between OS threads
and asyncio tasks (its async methods do no I/O and call the sync ones).
"""

from __future__ import annotations

import bisect
import logging
import os
import pickle
import shutil
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager, ExitStack
from types import TracebackType
from typing import Any

from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    PendingWrite,
    RunnableConfig,
    SerializerProtocol,
    _walk_delta_history,
    dumps_in_context,
    get_checkpoint_id,
    get_checkpoint_metadata,
    next_string_version,
    require_checkpoint_id,
    require_checkpoint_ns,
    require_thread_id,
)
from langgraph.checkpoint.base._filters import compile_metadata_filter
from langgraph.checkpoint.errors import InvalidConfigError, SerializationError

__all__ = ["InMemorySaver", "MemorySaver", "PersistentDict"]

logger = logging.getLogger(__name__)

Typed = tuple[str, bytes]
_EMPTY: Typed = ("empty", b"")
_IDX = WRITES_IDX_MAP

PRUNE_STRATEGIES = ("keep_latest", "delete")


class InMemorySaver(
    BaseCheckpointSaver[str],
    AbstractContextManager["InMemorySaver"],
    AbstractAsyncContextManager["InMemorySaver"],
):
    """A checkpoint saver that keeps everything in process memory.

    Args:
        serde: serializer for checkpoints, metadata and writes.
        factory: builds the three containers (``storage``, ``writes``, ``blobs``). When it
            is not ``defaultdict`` (for example a :class:`PersistentDict` bound to a file),
            each container is entered as a context manager when the saver is.

    Example:
        >>> from langgraph.checkpoint.memory import InMemorySaver
        >>> saver = InMemorySaver()
    """

    storage: defaultdict[str, dict[str, dict[str, tuple[Typed, Typed, str | None]]]]
    writes: defaultdict[tuple[str, str, str], dict[tuple[str, int], tuple[str, str, Typed, str]]]
    blobs: dict[tuple[str, str, str, str | int | float], Typed]

    def __init__(
        self,
        *,
        serde: SerializerProtocol | None = None,
        factory: type[defaultdict[Any, Any]] = defaultdict,
    ) -> None:
        super().__init__(serde=serde)
        self.stack = ExitStack()
        if factory is not defaultdict:
            make: Any = factory
            self.storage = self.stack.enter_context(make(lambda: defaultdict(dict)))
            self.writes = self.stack.enter_context(make(dict))
            self.blobs = self.stack.enter_context(make())
        else:
            self.storage = defaultdict(lambda: defaultdict(dict))
            self.writes = defaultdict(dict)
            self.blobs = {}
        # (thread_id, checkpoint_ns) -> checkpoint ids in ascending order
        self._order: dict[tuple[str, str], list[str]] = {}
        for thread_id, namespaces in self.storage.items():
            for ns, checkpoints in namespaces.items():
                self._order[(thread_id, ns)] = sorted(checkpoints)
        self._lock = threading.RLock()

    def __enter__(self) -> InMemorySaver:
        self.stack.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return self.stack.__exit__(exc_type, exc_value, traceback)

    async def __aenter__(self) -> InMemorySaver:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return self.__exit__(exc_type, exc_value, traceback)

    # ------------------------------------------------------------------ loading

    def _load(self, thread_id: str, ns: str, checkpoint_id: str) -> CheckpointTuple | None:
        entry = self.storage.get(thread_id, {}).get(ns, {}).get(checkpoint_id)
        if entry is None:
            return None
        typed_checkpoint, typed_metadata, parent_id = entry
        loads = self.serde.loads_typed
        checkpoint: Checkpoint = loads(typed_checkpoint)
        values: dict[str, Any] = {}
        blobs = self.blobs
        for channel, version in checkpoint["channel_versions"].items():
            blob = blobs.get((thread_id, ns, channel, version))
            if blob is not None and blob[0] != "empty":
                values[channel] = loads(blob)
        checkpoint["channel_values"] = values
        writes = self.writes.get((thread_id, ns, checkpoint_id))
        pending: list[PendingWrite] = (
            [(task_id, channel, loads(value)) for task_id, channel, value, _ in writes.values()]
            if writes
            else []
        )
        return CheckpointTuple(
            config={
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": ns,
                    "checkpoint_id": checkpoint_id,
                }
            },
            checkpoint=checkpoint,
            metadata=loads(typed_metadata),
            parent_config=(
                {
                    "configurable": {
                        "thread_id": thread_id,
                        "checkpoint_ns": ns,
                        "checkpoint_id": parent_id,
                    }
                }
                if parent_id
                else None
            ),
            pending_writes=pending,
        )

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Fetch a checkpoint tuple; the latest of the namespace without ``checkpoint_id``."""
        thread_id = require_thread_id(config, "get_tuple")
        ns = config["configurable"].get("checkpoint_ns", "")
        with self._lock:
            checkpoint_id = get_checkpoint_id(config)
            if not checkpoint_id:
                ids = self._order.get((thread_id, ns))
                if not ids:
                    return None
                checkpoint_id = ids[-1]
            return self._load(thread_id, ns, checkpoint_id)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """List checkpoints newest first, per namespace in insertion order.

        ``filter`` follows :mod:`langgraph.checkpoint.base._filters` (equality by type,
        partial dict match, ``$`` operators, dotted paths).
        """
        matches = compile_metadata_filter(filter)
        if config is not None:
            thread_filter: str | None = require_thread_id(config, "list")
        else:
            thread_filter = None
        configurable = (config or {}).get("configurable", {})
        ns_filter = configurable.get("checkpoint_ns")
        id_filter = configurable.get("checkpoint_id")
        before_id = get_checkpoint_id(before) if before else None
        if limit is not None and limit <= 0:
            return
        with self._lock:
            if thread_filter is not None:
                threads = [thread_filter] if thread_filter in self.storage else []
            else:
                threads = list(self.storage)
            candidates: list[tuple[str, str, str]] = []
            for thread_id in threads:
                for ns in list(self.storage[thread_id]):
                    if ns_filter is not None and ns != ns_filter:
                        continue
                    ids = self._order.get((thread_id, ns), [])
                    if id_filter:
                        selected = [id_filter] if id_filter in self.storage[thread_id][ns] else []
                    else:
                        end = bisect.bisect_left(ids, before_id) if before_id else len(ids)
                        selected = ids[:end][::-1]
                    candidates.extend((thread_id, ns, cid) for cid in selected)
        produced = 0
        loads = self.serde.loads_typed
        for thread_id, ns, cid in candidates:
            with self._lock:
                entry = self.storage.get(thread_id, {}).get(ns, {}).get(cid)
                if entry is None:  # deleted while we were iterating
                    continue
                if filter and not matches(loads(entry[1])):
                    continue
                item = self._load(thread_id, ns, cid)
            if item is None:
                continue
            yield item
            produced += 1
            if limit is not None and produced >= limit:
                return

    # ------------------------------------------------------------------ writing

    def _put_address(self, config: RunnableConfig, checkpoint: Checkpoint) -> tuple[str, str, str]:
        """Validate ``put``'s config and checkpoint id (slow path: conversions and errors)."""
        thread_id = require_thread_id(config, "put")
        ns = require_checkpoint_ns(config, "put")
        checkpoint_id = checkpoint.get("id") if isinstance(checkpoint, dict) else None
        if not checkpoint_id or not isinstance(checkpoint_id, str):
            raise InvalidConfigError(
                f"put: checkpoint for thread {thread_id!r}, namespace {ns!r} has no string 'id'"
            )
        return thread_id, ns, checkpoint_id

    def _put_failure(
        self,
        exc: BaseException,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
        address: tuple[str, str, str],
    ) -> BaseException:
        """Redo ``put``'s serialization value by value to name the one that failed."""
        serde = self.serde
        thread_id, ns, checkpoint_id = address
        where = f"put thread {thread_id!r} namespace {ns!r} checkpoint {checkpoint_id!r}"
        values = checkpoint["channel_values"]
        versions = checkpoint["channel_versions"]
        for channel in [*new_versions, *values]:  # the values put would serialize, in order
            if channel in values and (
                channel in new_versions
                or (
                    versions.get(channel) is not None
                    and (thread_id, ns, channel, versions[channel]) not in self.blobs
                )
            ):
                dumps_in_context(serde, values[channel], where, f"channel {channel!r}")
        skeleton = {k: v for k, v in checkpoint.items() if k != "channel_values"}
        dumps_in_context(serde, skeleton, where, "checkpoint fields")
        dumps_in_context(serde, get_checkpoint_metadata(config, metadata), where, "metadata")
        return exc

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint: a blob per new channel version, the rest serialized once.

        Every value is serialized before storage is touched, so a refused value stores
        nothing; the error names the channel (or "checkpoint fields" / "metadata").
        """
        try:
            configurable = config["configurable"]
            thread_id = configurable["thread_id"]
            ns = configurable["checkpoint_ns"]
            checkpoint_id = checkpoint["id"]
        except (KeyError, TypeError):
            thread_id = ns = checkpoint_id = None
        if not (
            type(thread_id) is str
            and thread_id
            and type(ns) is str
            and type(checkpoint_id) is str
            and checkpoint_id
        ):
            thread_id, ns, checkpoint_id = self._put_address(config, checkpoint)
            configurable = config["configurable"]
        values = checkpoint["channel_values"]
        dumps = self.serde.dumps_typed
        blobs = self.blobs
        new_blobs: dict[tuple[str, str, str, str | int | float], Typed] = {}
        try:
            for channel, version in new_versions.items():
                new_blobs[(thread_id, ns, channel, version)] = (
                    dumps(values[channel]) if channel in values else _EMPTY
                )
            if len(values) > len(new_versions) or not new_versions.keys() >= values.keys():
                # A value whose version is not new should already be stored; when it is
                # not (the caller left it out of new_versions), store it rather than lose it.
                versions = checkpoint["channel_versions"]
                for channel in values:
                    if channel not in new_versions:
                        current = versions.get(channel)
                        if current is not None:
                            key = (thread_id, ns, channel, current)
                            if key not in blobs:
                                new_blobs[key] = dumps(values[channel])
            skeleton = dict(checkpoint)
            del skeleton["channel_values"]
            typed_checkpoint = dumps(skeleton)
            typed_metadata = dumps(get_checkpoint_metadata(config, metadata))
        except (SerializationError, TypeError) as exc:
            raise self._put_failure(
                exc, config, checkpoint, metadata, new_versions, (thread_id, ns, checkpoint_id)
            ) from None
        entry = (typed_checkpoint, typed_metadata, configurable.get("checkpoint_id"))
        lock = self._lock
        lock.acquire()
        try:
            blobs.update(new_blobs)
            namespace = self.storage[thread_id][ns]
            if checkpoint_id not in namespace:
                ids = self._order.get((thread_id, ns))
                if ids is None:
                    self._order[(thread_id, ns)] = [checkpoint_id]
                elif not ids or ids[-1] < checkpoint_id:
                    ids.append(checkpoint_id)
                else:
                    bisect.insort(ids, checkpoint_id)
            namespace[checkpoint_id] = entry
        finally:
            lock.release()
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": ns,
                "checkpoint_id": checkpoint_id,
            }
        }

    def _writes_address(self, config: RunnableConfig) -> tuple[str, str, str]:
        """Validate ``put_writes``'s config (slow path: conversions and errors)."""
        thread_id = require_thread_id(config, "put_writes")
        checkpoint_id = require_checkpoint_id(config, "put_writes")
        ns = config["configurable"].get("checkpoint_ns", "")
        if not isinstance(ns, str):
            raise InvalidConfigError(
                f"put_writes: checkpoint_ns must be a str, got {type(ns).__name__} for thread "
                f"{thread_id!r}"
            )
        return thread_id, ns, checkpoint_id

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's writes; re-sending a write never duplicates it.

        Ordinary writes keep the first stored value; special channels (``__error__``,
        ``__interrupt__``, ...) are replaced by the newest value.
        """
        try:
            configurable = config["configurable"]
            thread_id = configurable["thread_id"]
            checkpoint_id = configurable["checkpoint_id"]
            ns = configurable.get("checkpoint_ns", "")
        except (KeyError, TypeError, AttributeError):
            thread_id = checkpoint_id = ns = None
        if not (
            type(thread_id) is str
            and thread_id
            and type(checkpoint_id) is str
            and checkpoint_id
            and type(ns) is str
        ):
            thread_id, ns, checkpoint_id = self._writes_address(config)
        dumps = self.serde.dumps_typed
        prepared: dict[tuple[str, int], tuple[str, str, Typed, str]] = {}
        try:
            for i, (channel, value) in enumerate(writes):
                prepared[(task_id, _IDX.get(channel, i))] = (
                    task_id,
                    channel,
                    dumps(value),
                    task_path,
                )
        except (SerializationError, TypeError):
            where = (
                f"put_writes thread {thread_id!r} namespace {ns!r} "
                f"checkpoint {checkpoint_id!r} task {task_id!r}"
            )
            for i, (channel, value) in enumerate(writes):
                dumps_in_context(self.serde, value, where, f"write {i} to channel {channel!r}")
            raise
        key = (thread_id, ns, checkpoint_id)
        lock = self._lock
        lock.acquire()
        try:
            stored = self.writes.get(key)
            if stored is None:
                self.writes[key] = prepared
            elif stored.keys().isdisjoint(prepared):
                stored.update(prepared)
            else:
                for inner_key, record in prepared.items():
                    if inner_key[1] < 0 or inner_key not in stored:
                        stored[inner_key] = record
        finally:
            lock.release()

    # ------------------------------------------------------------------ maintenance

    def _referenced_blob_keys(self, thread_id: str) -> set[tuple[str, str, str, Any]]:
        loads = self.serde.loads_typed
        keep: set[tuple[str, str, str, Any]] = set()
        for ns, checkpoints in self.storage.get(thread_id, {}).items():
            for typed_checkpoint, _, _ in checkpoints.values():
                skeleton = loads(typed_checkpoint)
                for channel, version in skeleton["channel_versions"].items():
                    keep.add((thread_id, ns, channel, version))
        return keep

    def _drop_unreferenced_blobs(self, thread_ids: Sequence[str]) -> None:
        for thread_id in set(thread_ids):
            keep = self._referenced_blob_keys(thread_id)
            for key in [k for k in self.blobs if k[0] == thread_id and k not in keep]:
                del self.blobs[key]

    def _drop_checkpoint(self, thread_id: str, ns: str, checkpoint_id: str) -> None:
        namespaces = self.storage.get(thread_id)
        if namespaces is None or ns not in namespaces:
            return
        namespaces[ns].pop(checkpoint_id, None)
        self.writes.pop((thread_id, ns, checkpoint_id), None)
        ids = self._order.get((thread_id, ns))
        if ids:
            pos = bisect.bisect_left(ids, checkpoint_id)
            if pos < len(ids) and ids[pos] == checkpoint_id:
                del ids[pos]
        if not namespaces[ns]:
            del namespaces[ns]
            self._order.pop((thread_id, ns), None)
        if not namespaces:
            del self.storage[thread_id]

    def delete_thread(self, thread_id: str) -> None:
        """Delete every checkpoint, write and blob of a thread, in all namespaces."""
        thread_id = str(thread_id)
        with self._lock:
            self.storage.pop(thread_id, None)
            for key in [k for k in self._order if k[0] == thread_id]:
                del self._order[key]
            for wkey in [k for k in self.writes if k[0] == thread_id]:
                del self.writes[wkey]
            for bkey in [k for k in self.blobs if k[0] == thread_id]:
                del self.blobs[bkey]

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints whose ``metadata["run_id"]`` is listed, with their writes.

        Children of a deleted checkpoint stay readable; their parent link dangles.
        """
        wanted = {str(r) for r in run_ids}
        if not wanted:
            return
        loads = self.serde.loads_typed
        with self._lock:
            doomed: list[tuple[str, str, str]] = []
            for thread_id, namespaces in self.storage.items():
                for ns, checkpoints in namespaces.items():
                    for cid, (_, typed_metadata, _) in checkpoints.items():
                        run_id = loads(typed_metadata).get("run_id")
                        if run_id is not None and str(run_id) in wanted:
                            doomed.append((thread_id, ns, cid))
            for thread_id, ns, cid in doomed:
                self._drop_checkpoint(thread_id, ns, cid)
            self._drop_unreferenced_blobs([t for t, _, _ in doomed])

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint, write and blob of a thread under another thread id.

        Checkpoint ids, metadata, parent links and pending writes are kept as they are.
        Existing checkpoints of the target with the same ids are replaced.
        """
        src, dst = str(source_thread_id), str(target_thread_id)
        if src == dst:
            return
        with self._lock:
            source = self.storage.get(src)
            if not source:
                return
            for ns, checkpoints in source.items():
                target_ns = self.storage[dst][ns]
                target_ns.update(checkpoints)
                self._order[(dst, ns)] = sorted(target_ns)
                for cid in checkpoints:
                    writes = self.writes.get((src, ns, cid))
                    if writes:
                        self.writes[(dst, ns, cid)] = dict(writes)
            for key, blob in [(k, b) for k, b in self.blobs.items() if k[0] == src]:
                self.blobs[(dst, key[1], key[2], key[3])] = blob

    def prune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep: int = 1,
    ) -> None:
        """Shrink threads.

        Args:
            thread_ids: threads to prune; others are untouched.
            strategy: ``"keep_latest"`` keeps the newest ``keep`` checkpoints of every
                namespace (with their writes); ``"delete"`` removes the threads entirely.
            keep: how many checkpoints per namespace ``"keep_latest"`` keeps (default 1).
        """
        if strategy not in PRUNE_STRATEGIES:
            raise ValueError(
                f"unknown prune strategy {strategy!r}; use one of {', '.join(PRUNE_STRATEGIES)}"
            )
        if keep < 1:
            raise ValueError(f"prune keep must be >= 1, got {keep}")
        threads = [str(t) for t in thread_ids]
        with self._lock:
            if strategy == "delete":
                for thread_id in threads:
                    self.delete_thread(thread_id)
                return
            for thread_id in threads:
                for ns in list(self.storage.get(thread_id, {})):
                    ids = list(self._order.get((thread_id, ns), []))
                    for cid in ids[:-keep]:
                        self._drop_checkpoint(thread_id, ns, cid)
            self._drop_unreferenced_blobs(threads)

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> dict[str, DeltaChannelHistory]:
        """Writes of ``channels`` along the ancestry of a checkpoint (beta)."""
        if not channels:
            return {}
        return _walk_delta_history(self.get_tuple, config, channels)

    def get_next_version(self, current: str | None, channel: None) -> str:
        """Return a zero-padded string version greater than ``current``."""
        return next_string_version(current)

    # ------------------------------------------------------------------ async twins

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Async :meth:`get_tuple`."""
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Async :meth:`list`."""
        for item in self.list(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Async :meth:`put`."""
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Async :meth:`put_writes`."""
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        """Async :meth:`delete_thread`."""
        self.delete_thread(thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Async :meth:`delete_for_runs`."""
        self.delete_for_runs(run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Async :meth:`copy_thread`."""
        self.copy_thread(source_thread_id, target_thread_id)

    async def aprune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: str = "keep_latest",
        keep: int = 1,
    ) -> None:
        """Async :meth:`prune`."""
        self.prune(thread_ids, strategy=strategy, keep=keep)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> dict[str, DeltaChannelHistory]:
        """Async :meth:`get_delta_channel_history`."""
        return self.get_delta_channel_history(config=config, channels=channels)


MemorySaver = InMemorySaver
"""Alias of :class:`InMemorySaver`."""


class PersistentDict(defaultdict[Any, Any]):
    """A ``defaultdict`` that can be saved to and loaded from a pickle file.

    Pickle is only used for a file the application itself names and writes; never load a
    file you did not produce.

    Args:
        filename: path of the backing file.
        flag: ``"c"`` to create the file when missing, ``"r"`` for read-only.
        mode: file permissions applied when the file is written.
        format: only ``"pickle"`` is supported.
    """

    def __init__(
        self,
        *args: Any,
        filename: str,
        flag: str = "c",
        mode: int | None = None,
        format: str = "pickle",  # noqa: A002
        **kwargs: Any,
    ) -> None:
        if format != "pickle":
            raise ValueError(f"PersistentDict: unsupported format {format!r} (only 'pickle')")
        self.flag = flag
        self.mode = mode
        self.format = format
        self.filename = filename
        super().__init__(*args, **kwargs)

    def sync(self) -> None:
        """Write the dict atomically (temporary file, then rename)."""
        if self.flag == "r":
            return
        tempname = self.filename + ".tmp"
        try:
            with open(tempname, "wb") as fh:
                pickle.dump(dict(self), fh, 2)
        except Exception:
            os.remove(tempname)
            raise
        shutil.move(tempname, self.filename)
        if self.mode is not None:
            os.chmod(self.filename, self.mode)

    def close(self) -> None:
        """Save, then empty the dict."""
        self.sync()
        self.clear()

    def __enter__(self) -> PersistentDict:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def load(self) -> None:
        """Load the file written by :meth:`sync` (a missing or empty file loads nothing)."""
        try:
            with open(self.filename, "rb") as fh:
                self.update(pickle.load(fh))  # noqa: S301 - the application's own file
        except (FileNotFoundError, EOFError):
            return
