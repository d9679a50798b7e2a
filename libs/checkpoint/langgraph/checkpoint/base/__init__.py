"""The checkpoint protocol: data shapes, constants, helpers and ``BaseCheckpointSaver``.

A *saver* (checkpointer) persists the state of a graph thread as a chain of checkpoints,
plus the pending writes produced by the tasks of the next step. Every backend subclasses
:class:`BaseCheckpointSaver` and implements its sync and async methods.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Collection, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import (
    Any,
    Generic,
    Literal,
    NamedTuple,
    TypedDict,
    TypeVar,
)

from typing_extensions import NotRequired

from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.errors import (
    InvalidConfigError,
    NotSupportedError,
    SerializationError,
)
from langgraph.checkpoint.serde.base import SerializerProtocol, maybe_add_typed_methods
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.serde.types import (
    ERROR,
    INTERRUPT,
    RESUME,
    SCHEDULED,
    ChannelProtocol,
)

__all__ = [
    "BaseCheckpointSaver",
    "ChannelVersions",
    "Checkpoint",
    "CheckpointMetadata",
    "CheckpointTuple",
    "DeltaChannelHistory",
    "EXCLUDED_METADATA_KEYS",
    "EmptyChannelError",
    "LATEST_VERSION",
    "PendingWrite",
    "RunnableConfig",
    "SerializerProtocol",
    "V",
    "WRITES_IDX_MAP",
    "copy_checkpoint",
    "create_checkpoint",
    "empty_checkpoint",
    "get_checkpoint_id",
    "get_checkpoint_metadata",
    "get_serializable_checkpoint_metadata",
]

logger = logging.getLogger(__name__)

V = TypeVar("V", int, float, str)

RunnableConfig = dict[str, Any]
"""A LangChain ``RunnableConfig``: persistence keys live under ``config["configurable"]``.

The core package does not depend on LangChain, so this is a plain dict alias; any
``RunnableConfig`` TypedDict instance is accepted wherever it appears.
"""

PendingWrite = tuple[str, str, Any]
"""``(task_id, channel, value)``."""

ChannelVersions = dict[str, str | int | float]
"""Channel name to the channel's current version."""

LATEST_VERSION = 2
"""Deprecated: the format version written by :func:`empty_checkpoint`."""

WRITES_IDX_MAP: dict[str, int] = {ERROR: -1, SCHEDULED: -2, INTERRUPT: -3, RESUME: -4}
"""Fixed negative write indexes of the special channels."""

EXCLUDED_METADATA_KEYS = frozenset(
    {
        "thread_id",
        "checkpoint_id",
        "checkpoint_ns",
        "checkpoint_map",
        "langgraph_step",
        "langgraph_node",
        "langgraph_triggers",
        "langgraph_path",
        "langgraph_checkpoint_ns",
    }
)
"""Config keys that are never merged into stored metadata."""


class CheckpointMetadata(TypedDict, total=False):
    """Metadata stored beside a checkpoint. Savers keep any extra keys as given."""

    source: Literal["input", "loop", "update", "fork"]
    step: int
    parents: dict[str, str]
    run_id: str
    counters_since_delta_snapshot: dict[str, tuple[int, int]]


class Checkpoint(TypedDict):
    """State snapshot of a thread at a given point in time."""

    v: int
    id: str
    ts: str
    channel_values: dict[str, Any]
    channel_versions: ChannelVersions
    versions_seen: dict[str, ChannelVersions]
    updated_channels: list[str] | None


class CheckpointTuple(NamedTuple):
    """A checkpoint with its config, metadata, parent and pending writes."""

    config: RunnableConfig
    checkpoint: Checkpoint
    metadata: CheckpointMetadata
    parent_config: RunnableConfig | None = None
    pending_writes: list[PendingWrite] | None = None


class DeltaChannelHistory(TypedDict):
    """Writes to one channel along a checkpoint's ancestry, oldest first (beta)."""

    writes: list[PendingWrite]
    seed: NotRequired[Any]


class EmptyChannelError(Exception):
    """Raised when reading a channel that was never written."""


# --------------------------------------------------------------------------- helpers


def get_checkpoint_id(config: RunnableConfig) -> str | None:
    """Return ``config["configurable"]["checkpoint_id"]``, or None."""
    checkpoint_id: str | None = config["configurable"].get("checkpoint_id")
    return checkpoint_id


def _strip_nul(value: str) -> str:
    return value.replace("\x00", "") if "\x00" in value else value


def get_checkpoint_metadata(
    config: RunnableConfig, metadata: CheckpointMetadata
) -> CheckpointMetadata:
    """Merge a run's config into the metadata to persist.

    String values lose their NUL characters (databases reject them in text). Keys from
    ``config["metadata"]`` then ``config["configurable"]`` are added when absent, not
    reserved and not starting with ``"__"``; only str, int, float and bool are copied.
    """
    merged: dict[str, Any] = dict(metadata)
    for key, value in metadata.items():
        if isinstance(value, str) and "\x00" in value:
            merged[key] = value.replace("\x00", "")
    for source in (config.get("metadata"), config.get("configurable")):
        # Usually only reserved keys (thread_id, checkpoint_ns, ...): a set test, no loop.
        if not source or source.keys() <= EXCLUDED_METADATA_KEYS:
            continue
        for key, value in source.items():
            if key in merged or key in EXCLUDED_METADATA_KEYS or key.startswith("__"):
                continue
            if isinstance(value, str):
                merged[key] = _strip_nul(value)
            elif isinstance(value, (int, float, bool)):
                merged[key] = value
    return merged  # type: ignore[return-value]


def get_serializable_checkpoint_metadata(
    config: RunnableConfig, metadata: CheckpointMetadata
) -> CheckpointMetadata:
    """Like :func:`get_checkpoint_metadata`, without the legacy ``writes`` key."""
    merged = get_checkpoint_metadata(config, metadata)
    merged.pop("writes", None)  # type: ignore[typeddict-item]
    return merged


def copy_checkpoint(checkpoint: Checkpoint) -> Checkpoint:
    """Return a copy whose mutable maps can be changed without touching the original."""
    copied: dict[str, Any] = dict(checkpoint)
    copied["channel_values"] = checkpoint["channel_values"].copy()
    copied["channel_versions"] = checkpoint["channel_versions"].copy()
    copied["versions_seen"] = {k: v.copy() for k, v in checkpoint["versions_seen"].items()}
    pending_sends: Any = copied.get("pending_sends", [])
    copied["pending_sends"] = list(pending_sends)
    copied["updated_channels"] = checkpoint.get("updated_channels")
    return copied  # type: ignore[return-value]


def empty_checkpoint() -> Checkpoint:
    """Deprecated: an empty version-2 checkpoint."""
    checkpoint: dict[str, Any] = {
        "v": LATEST_VERSION,
        "id": str(uuid6(clock_seq=-2)),
        "ts": datetime.now(timezone.utc).isoformat(),
        "channel_values": {},
        "channel_versions": {},
        "versions_seen": {},
        "pending_sends": [],
        "updated_channels": None,
    }
    return checkpoint  # type: ignore[return-value]


def create_checkpoint(
    checkpoint: Checkpoint,
    channels: Mapping[str, ChannelProtocol[Any, Any, Any]] | None,
    step: int,
    *,
    id: str | None = None,  # noqa: A002 - upstream keyword name
) -> Checkpoint:
    """Deprecated: snapshot the given channels into a new checkpoint for ``step``."""
    ts = datetime.now(timezone.utc).isoformat()
    if channels is None:
        values = checkpoint["channel_values"]
    else:
        values = {}
        for name in checkpoint["channel_versions"]:
            if name not in channels:
                continue
            try:
                values[name] = channels[name].checkpoint()
            except EmptyChannelError:
                pass
    created: dict[str, Any] = {
        "v": LATEST_VERSION,
        "ts": ts,
        "id": id or str(uuid6(clock_seq=step)),
        "channel_values": values,
        "channel_versions": checkpoint["channel_versions"],
        "versions_seen": checkpoint["versions_seen"],
        "pending_sends": checkpoint.get("pending_sends", []),
        "updated_channels": None,
    }
    return created  # type: ignore[return-value]


def next_string_version(current: str | int | float | None) -> str:
    """The string version scheme shared by every bundled saver.

    The integer part (parsed before the first ``"."``) is incremented and zero-padded to 32
    digits, followed by a random fraction, so lexical order equals numeric order.
    """
    if current is None:
        current_v = 0
    elif isinstance(current, int):
        current_v = current
    else:
        current_v = int(str(current).split(".", 1)[0])
    return f"{current_v + 1:032}.{random.random():016}"


# --------------------------------------------------------------------------- the saver


class BaseCheckpointSaver(Generic[V]):
    """Base class of every checkpoint saver.

    Subclasses implement the storage methods (``put``, ``put_writes``, ``get_tuple``,
    ``list``, ``delete_thread`` and optionally ``delete_for_runs``, ``copy_thread``,
    ``prune``) and their ``a``-prefixed async twins. A method a saver does not implement
    raises :class:`~langgraph.checkpoint.errors.NotSupportedError` naming the saver class
    and the method.

    Args:
        serde: serializer for checkpoints and writes; defaults to
            :class:`~langgraph.checkpoint.serde.jsonplus.JsonPlusSerializer`.
    """

    serde: SerializerProtocol = JsonPlusSerializer()

    def __init__(self, *, serde: SerializerProtocol | None = None) -> None:
        self.serde = maybe_add_typed_methods(serde or self.serde)

    def _unsupported(self, method: str) -> NotSupportedError:
        return NotSupportedError(f"{type(self).__name__} does not implement {method}()")

    @property
    def config_specs(self) -> list[Any]:
        """Configuration options this saver reads from ``config["configurable"]``."""
        return []

    # ---- sync API

    def get(self, config: RunnableConfig) -> Checkpoint | None:
        """Fetch a checkpoint by config (latest when no ``checkpoint_id``)."""
        if value := self.get_tuple(config):
            return value.checkpoint
        return None

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Fetch a checkpoint tuple by config (latest when no ``checkpoint_id``)."""
        raise self._unsupported("get_tuple")

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002 - public API name
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """List checkpoints matching the config and filters, newest first."""
        raise self._unsupported("list")

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint; return the config that addresses it."""
        raise self._unsupported("put")

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store the writes of one task against the checkpoint of ``config``."""
        raise self._unsupported("put_writes")

    def delete_thread(self, thread_id: str) -> None:
        """Delete every checkpoint and write of a thread, in all namespaces."""
        raise self._unsupported("delete_thread")

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints (and their writes) whose ``metadata.run_id`` is listed."""
        raise self._unsupported("delete_for_runs")

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and write of a thread to another thread id."""
        raise self._unsupported("copy_thread")

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Shrink threads: ``"keep_latest"`` per namespace, or ``"delete"`` everything."""
        raise self._unsupported("prune")

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Writes of ``channels`` along the ancestry of a checkpoint (beta).

        The generic implementation walks ``parent_config`` links with ``get_tuple``.
        """
        if not channels:
            return {}
        return _walk_delta_history(self.get_tuple, config, channels)

    # ---- async API

    async def aget(self, config: RunnableConfig) -> Checkpoint | None:
        """Async :meth:`get`."""
        if value := await self.aget_tuple(config):
            return value.checkpoint
        return None

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Async :meth:`get_tuple`."""
        raise self._unsupported("aget_tuple")

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,  # noqa: A002
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Async :meth:`list`."""
        raise self._unsupported("alist")
        yield  # pragma: no cover - makes this an async generator

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Async :meth:`put`."""
        raise self._unsupported("aput")

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Async :meth:`put_writes`."""
        raise self._unsupported("aput_writes")

    async def adelete_thread(self, thread_id: str) -> None:
        """Async :meth:`delete_thread`."""
        raise self._unsupported("adelete_thread")

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Async :meth:`delete_for_runs`."""
        raise self._unsupported("adelete_for_runs")

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Async :meth:`copy_thread`."""
        raise self._unsupported("acopy_thread")

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Async :meth:`prune`."""
        raise self._unsupported("aprune")

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Async :meth:`get_delta_channel_history`."""
        if not channels:
            return {}
        history: dict[str, DeltaChannelHistory] = {ch: {"writes": []} for ch in channels}
        target = await self.aget_tuple(config)
        if target is None:
            return history
        chunks: dict[str, list[list[PendingWrite]]] = {ch: [] for ch in channels}
        open_channels = set(channels)
        parent = target.parent_config
        while parent is not None and open_channels:
            ancestor = await self.aget_tuple(parent)
            if ancestor is None:
                break
            _collect_ancestor(ancestor, open_channels, chunks, history)
            parent = ancestor.parent_config
        return _finish_history(chunks, history)

    # ---- versions and allowlists

    def get_next_version(self, current: V | None, channel: None) -> V:
        """Return the version that follows ``current`` (``1`` when there is none)."""
        if current is None:
            return 1  # type: ignore[return-value]
        if isinstance(current, str):
            raise NotImplementedError(
                f"{type(self).__name__}.get_next_version cannot increment a string "
                "version; override it"
            )
        return current + 1

    def with_allowlist(
        self, extra_allowlist: Collection[tuple[str, ...]]
    ) -> BaseCheckpointSaver[V]:
        """Return a shallow copy whose serializer also revives ``extra_allowlist`` types."""
        from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

        serde = self.serde
        derived: SerializerProtocol
        if isinstance(serde, JsonPlusSerializer):
            derived = serde.with_msgpack_allowlist(extra_allowlist)
        elif isinstance(serde, EncryptedSerializer) and isinstance(serde.serde, JsonPlusSerializer):
            inner = serde.serde.with_msgpack_allowlist(extra_allowlist)
            if inner is serde.serde:
                return self
            derived = EncryptedSerializer(serde.cipher, inner)
        else:
            logger.warning(
                "%s: serializer %s does not support allowlists; ignoring",
                type(self).__name__,
                type(serde).__name__,
            )
            return self
        if derived is serde:
            return self
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.serde = derived
        return clone


# --------------------------------------------------------------------------- shared pure logic


def require_thread_id(config: RunnableConfig | None, method: str) -> str:
    """Return ``configurable.thread_id`` as a string or raise a named error."""
    configurable = (config or {}).get("configurable")
    if not isinstance(configurable, Mapping):
        raise InvalidConfigError(f"{method}: config has no 'configurable' mapping (got {config!r})")
    thread_id = configurable.get("thread_id")
    if thread_id is None or thread_id == "":
        raise InvalidConfigError(
            f"{method}: config['configurable'] lacks 'thread_id' (got keys {sorted(configurable)})"
        )
    return thread_id if isinstance(thread_id, str) else str(thread_id)


def require_checkpoint_ns(config: RunnableConfig, method: str) -> str:
    """Return ``configurable.checkpoint_ns`` or raise a named error (put requires it)."""
    configurable = config["configurable"]
    if "checkpoint_ns" not in configurable:
        raise InvalidConfigError(
            f"{method}: config['configurable'] lacks 'checkpoint_ns' for thread "
            f"{configurable.get('thread_id')!r} (use '' for the root graph)"
        )
    ns = configurable["checkpoint_ns"]
    if not isinstance(ns, str):
        raise InvalidConfigError(
            f"{method}: checkpoint_ns must be a str, got {type(ns).__name__} for thread "
            f"{configurable.get('thread_id')!r}"
        )
    return ns


def require_checkpoint_id(config: RunnableConfig, method: str) -> str:
    """Return ``configurable.checkpoint_id`` or raise a named error."""
    configurable = config["configurable"]
    checkpoint_id = configurable.get("checkpoint_id")
    if not checkpoint_id:
        raise InvalidConfigError(
            f"{method}: config['configurable'] lacks 'checkpoint_id' for thread "
            f"{configurable.get('thread_id')!r}, namespace "
            f"{configurable.get('checkpoint_ns', '')!r}"
        )
    return str(checkpoint_id)


def dumps_in_context(
    serde: SerializerProtocol, value: Any, where: str, label: str
) -> tuple[str, bytes]:
    """``serde.dumps_typed(value)``, re-raising failures with what was being stored.

    Args:
        serde: the saver's serializer.
        value: the value to serialize.
        where: the operation and its address, e.g. ``"put thread 't1' namespace ''"``.
        label: what the value is, e.g. ``"channel 'messages'"`` or ``"write 0 ('x')"``.

    Raises:
        SerializationError: naming ``where``, ``label`` and the path inside the value.
    """
    try:
        return serde.dumps_typed(value)
    except (SerializationError, TypeError) as exc:
        inner = getattr(exc, "path", "")
        raise SerializationError(f"{where}: cannot serialize {label}: {exc}", path=inner) from exc


def write_index(channel: str, position: int) -> int:
    """The stored index of a write: fixed for special channels, else its position."""
    return WRITES_IDX_MAP.get(channel, position)


def _collect_ancestor(
    ancestor: CheckpointTuple,
    open_channels: set[str],
    chunks: dict[str, list[list[PendingWrite]]],
    history: dict[str, DeltaChannelHistory],
) -> None:
    writes = sorted(
        ancestor.pending_writes or [], key=lambda w: w[0]
    )  # stable: keeps idx order within a task
    for ch in open_channels:
        mine = [w for w in writes if w[1] == ch]
        if mine:
            chunks[ch].append(mine)
    values = ancestor.checkpoint["channel_values"]
    for ch in [c for c in open_channels if c in values]:
        history[ch]["seed"] = values[ch]
        open_channels.discard(ch)


def _finish_history(
    chunks: dict[str, list[list[PendingWrite]]],
    history: dict[str, DeltaChannelHistory],
) -> dict[str, DeltaChannelHistory]:
    for ch, parts in chunks.items():
        history[ch]["writes"] = [w for part in reversed(parts) for w in part]
    return history


def _walk_delta_history(
    get_tuple: Any, config: RunnableConfig, channels: Sequence[str]
) -> dict[str, DeltaChannelHistory]:
    history: dict[str, DeltaChannelHistory] = {ch: {"writes": []} for ch in channels}
    target = get_tuple(config)
    if target is None:
        return history
    chunks: dict[str, list[list[PendingWrite]]] = {ch: [] for ch in channels}
    open_channels = set(channels)
    parent = target.parent_config
    while parent is not None and open_channels:
        ancestor = get_tuple(parent)
        if ancestor is None:
            break
        _collect_ancestor(ancestor, open_channels, chunks, history)
        parent = ancestor.parent_config
    return _finish_history(chunks, history)
