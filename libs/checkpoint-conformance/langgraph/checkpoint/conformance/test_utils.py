"""Helpers that build checkpoints, configs and metadata for conformance checks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from langgraph.checkpoint.base import (
    Checkpoint,
    CheckpointTuple,
    RunnableConfig,
)
from langgraph.checkpoint.base.id import uuid6

__all__ = [
    "assert_checkpoint_equal",
    "assert_tuple_equal",
    "generate_checkpoint",
    "generate_config",
    "generate_metadata",
    "put_test_checkpoint",
    "put_test_checkpoints",
    "version_prefix",
]


def generate_checkpoint(
    *,
    checkpoint_id: str | None = None,
    channel_values: Mapping[str, Any] | None = None,
    channel_versions: Mapping[str, Any] | None = None,
    versions_seen: Mapping[str, Mapping[str, Any]] | None = None,
) -> Checkpoint:
    """A format-1 checkpoint with a fresh time-ordered id.

    Args:
        checkpoint_id: Id to use instead of a new ``uuid6``.
        channel_values: Channel values (empty by default).
        channel_versions: Channel versions (empty by default).
        versions_seen: Versions seen per node (empty by default).

    Returns:
        The checkpoint dict.
    """
    return {
        "v": 1,
        "id": checkpoint_id or str(uuid6(clock_seq=-1)),
        "ts": datetime.now(timezone.utc).isoformat(),
        "channel_values": dict(channel_values or {}),
        "channel_versions": dict(channel_versions or {}),
        "versions_seen": {k: dict(v) for k, v in (versions_seen or {}).items()},
        "pending_sends": [],
        "updated_channels": None,
    }  # type: ignore[typeddict-unknown-key]


def generate_config(
    thread_id: str | None = None,
    *,
    checkpoint_ns: str = "",
    checkpoint_id: str | None = None,
) -> RunnableConfig:
    """A config for ``put``; always includes ``checkpoint_ns``.

    Args:
        thread_id: Thread id (a random uuid4 when omitted).
        checkpoint_ns: Namespace.
        checkpoint_id: Parent checkpoint id for ``put``, or the target for reads.

    Returns:
        The config dict.
    """
    configurable: dict[str, Any] = {
        "thread_id": thread_id if thread_id is not None else str(uuid.uuid4()),
        "checkpoint_ns": checkpoint_ns,
    }
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def generate_metadata(source: str = "loop", step: int = 0, **extra: Any) -> dict[str, Any]:
    """Metadata ``{source, step, parents: {}, **extra}``.

    Args:
        source: The ``source`` field.
        step: The ``step`` field.
        **extra: Additional keys.

    Returns:
        The metadata dict.
    """
    return {"source": source, "step": step, "parents": {}, **extra}


async def put_test_checkpoint(
    saver: Any,
    config: RunnableConfig,
    *,
    channel_values: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    version: int = 1,
) -> RunnableConfig:
    """Put one checkpoint whose channels all get ``version``; return the stored config.

    Args:
        saver: The saver (its ``aput`` is used).
        config: Config of the put; its ``checkpoint_id`` (if any) is the parent.
        channel_values: Channel values.
        metadata: Metadata (``generate_metadata()`` by default).
        version: Version assigned to every channel.

    Returns:
        The config returned by ``aput``.
    """
    values = dict(channel_values or {})
    versions = {k: version for k in values}
    checkpoint = generate_checkpoint(channel_values=values, channel_versions=versions)
    result: RunnableConfig = await saver.aput(
        config, checkpoint, metadata if metadata is not None else generate_metadata(), versions
    )
    return result


async def put_test_checkpoints(
    saver: Any,
    count: int,
    *,
    thread_id: str | None = None,
    checkpoint_ns: str = "",
    metadata: Sequence[Mapping[str, Any]] | None = None,
) -> list[RunnableConfig]:
    """Put a chain of ``count`` checkpoints (each the parent of the next).

    Checkpoint ``i`` has ``channel_values={"step": i}`` at version ``i + 1``
    and metadata step ``i`` unless ``metadata`` is given.

    Args:
        saver: The saver.
        count: Number of checkpoints.
        thread_id: Thread id (random when omitted).
        checkpoint_ns: Namespace.
        metadata: Per-checkpoint metadata.

    Returns:
        The stored configs, oldest first.
    """
    config = generate_config(thread_id, checkpoint_ns=checkpoint_ns)
    stored: list[RunnableConfig] = []
    for i in range(count):
        checkpoint = generate_checkpoint(
            channel_values={"step": i}, channel_versions={"step": i + 1}
        )
        md = metadata[i] if metadata is not None else generate_metadata(step=i)
        config = await saver.aput(config, checkpoint, md, {"step": i + 1})
        stored.append(config)
    return stored


def version_prefix(version: Any) -> str:
    """The part of ``str(version)`` before the first ``"."`` (savers may stringify)."""
    return str(version).split(".", 1)[0].lstrip("0") or "0"


def assert_checkpoint_equal(actual: Checkpoint, expected: Checkpoint) -> None:
    """Assert two checkpoints match (ids, values, versions by integer part, versions seen).

    Args:
        actual: The loaded checkpoint.
        expected: The checkpoint that was stored.
    """
    assert actual["id"] == expected["id"], f"id {actual['id']!r} != {expected['id']!r}"
    assert actual["v"] == expected["v"], f"v {actual['v']!r} != {expected['v']!r}"
    assert actual["channel_values"] == expected["channel_values"], (
        f"channel_values {actual['channel_values']!r} != {expected['channel_values']!r}"
    )
    got = {k: version_prefix(v) for k, v in actual["channel_versions"].items()}
    want = {k: version_prefix(v) for k, v in expected["channel_versions"].items()}
    assert got == want, f"channel_versions {got!r} != {want!r}"
    got_seen = {
        n: {k: version_prefix(v) for k, v in vs.items()}
        for n, vs in actual["versions_seen"].items()
    }
    want_seen = {
        n: {k: version_prefix(v) for k, v in vs.items()}
        for n, vs in expected["versions_seen"].items()
    }
    assert got_seen == want_seen, f"versions_seen {got_seen!r} != {want_seen!r}"


def assert_tuple_equal(actual: CheckpointTuple, expected: CheckpointTuple) -> None:
    """Assert two checkpoint tuples match, pending writes compared as a multiset.

    Args:
        actual: Tuple from the saver under test.
        expected: Reference tuple.
    """
    a_cfg, e_cfg = actual.config["configurable"], expected.config["configurable"]
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        assert a_cfg.get(key, "") == e_cfg.get(key, ""), (
            f"config[{key!r}] {a_cfg.get(key)!r} != {e_cfg.get(key)!r}"
        )
    assert_checkpoint_equal(actual.checkpoint, expected.checkpoint)
    assert actual.metadata == expected.metadata, (
        f"metadata {actual.metadata!r} != {expected.metadata!r}"
    )
    a_parent = actual.parent_config and actual.parent_config["configurable"].get("checkpoint_id")
    e_parent = expected.parent_config and expected.parent_config["configurable"].get(
        "checkpoint_id"
    )
    assert a_parent == e_parent, f"parent {a_parent!r} != {e_parent!r}"
    a_writes = sorted(repr(w) for w in actual.pending_writes or [])
    e_writes = sorted(repr(w) for w in expected.pending_writes or [])
    assert a_writes == e_writes, f"pending_writes {a_writes!r} != {e_writes!r}"
