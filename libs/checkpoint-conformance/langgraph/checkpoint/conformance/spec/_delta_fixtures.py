"""Builds parent chains with delta-channel snapshots for ``get_delta_channel_history`` checks."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from typing import Any

from langgraph.checkpoint.base import RunnableConfig
from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.conformance.test_utils import generate_config, generate_metadata
from langgraph.checkpoint.serde.types import _DeltaSnapshot

__all__ = ["build_delta_chain", "put_step"]


async def put_step(
    saver: Any,
    config: RunnableConfig,
    step: int,
    values: dict[str, Any],
) -> RunnableConfig:
    """Put one chain link whose stored ``values`` all get version ``step + 1``."""
    checkpoint = {
        "v": 1,
        "id": str(uuid6(clock_seq=step)),
        "ts": "",
        "channel_values": dict(values),
        "channel_versions": {k: step + 1 for k in values},
        "versions_seen": {},
        "pending_sends": [],
        "updated_channels": None,
    }
    versions = {k: step + 1 for k in values}
    stored: RunnableConfig = await saver.aput(
        config, checkpoint, generate_metadata(step=step), versions
    )
    return stored


async def build_delta_chain(
    saver: Any,
    *,
    thread_id: str | None = None,
    checkpoint_ns: str = "",
    channel: str = "messages",
    snapshots_at_steps: Collection[int] = (0,),
    total_steps: int = 6,
    write_value_fn: Callable[[int], Any] | None = None,
) -> list[RunnableConfig]:
    """Put ``total_steps`` chained checkpoints for one delta channel.

    At a snapshot step the checkpoint stores ``_DeltaSnapshot(value(step))`` for
    ``channel``; at every other step it stores nothing and gets one pending write
    ``(channel, value(step))`` from a fresh task.

    Args:
        saver: The saver (async methods are used).
        thread_id: Thread id (random when omitted).
        checkpoint_ns: Namespace.
        channel: The delta channel's name.
        snapshots_at_steps: Steps that store a snapshot.
        total_steps: Number of checkpoints.
        write_value_fn: ``step -> value``; defaults to the step index.

    Returns:
        The stored configs, oldest first.
    """
    value_of = write_value_fn or (lambda step: step)
    config = generate_config(thread_id or str(uuid.uuid4()), checkpoint_ns=checkpoint_ns)
    stored: list[RunnableConfig] = []
    for step in range(total_steps):
        if step in snapshots_at_steps:
            config = await put_step(saver, config, step, {channel: _DeltaSnapshot(value_of(step))})
        else:
            config = await put_step(saver, config, step, {})
            await saver.aput_writes(config, [(channel, value_of(step))], str(uuid.uuid4()))
        stored.append(config)
    return stored
