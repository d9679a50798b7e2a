"""Checkpoint-building helpers and the worker of the multi-process race test.

A plain module (not a test file) so that ``multiprocessing`` children started with
"spawn" can import :func:`race_worker` by name.
"""

from __future__ import annotations

import json
from typing import Any

from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.base.id import uuid6

RACE_THREAD = "race-thread"


def make_checkpoint(
    saver: Any, values: dict[str, Any], previous: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A v4 checkpoint holding ``values`` and its new versions (every channel changed)."""
    cp: dict[str, Any] = dict(empty_checkpoint())
    cp["id"] = str(uuid6())
    cp["v"] = 4
    cp["channel_values"] = dict(values)
    old = dict(previous["channel_versions"]) if previous else {}
    version = saver.get_next_version(max(old.values()) if old else None, None)
    new_versions = dict.fromkeys(values, version)
    cp["channel_versions"] = {**old, **new_versions}
    cp["versions_seen"] = {"node": dict(new_versions)}
    cp["updated_channels"] = sorted(values)
    return cp, new_versions


def config(thread_id: str, checkpoint_id: str | None = None, ns: str = "") -> dict[str, Any]:
    """A config naming a thread (and a checkpoint)."""
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def race_worker(uri: str, schema: str, tag: str, steps: int, out_path: str, start: Any) -> None:
    """Append ``steps`` checkpoints (each with two writes) to the shared race thread.

    Each step reads the latest checkpoint (written by either process), extends its
    message list and puts a child of it. What this process saw committed is written to
    ``out_path`` as JSON for the parent to check.
    """
    from langgraph.checkpoint.postgres import PostgresSaver

    committed: list[dict[str, Any]] = []
    with PostgresSaver.from_conn_string(uri, schema=schema) as saver:
        start.wait(60)
        for i in range(steps):
            latest = saver.get_tuple(config(RACE_THREAD))
            previous = latest.checkpoint if latest else None
            messages = list(previous["channel_values"]["messages"]) if previous else []
            messages.append({"by": tag, "i": i, "text": f"message {i} from {tag}"})
            # an element both processes write (same hash), and one shared by every step
            shared = [{"common": i % 5}, {"common": "always"}]
            values = {"messages": messages, "shared": shared, "by": tag, "n": i}
            cp, new_versions = make_checkpoint(saver, values, previous)
            parent_id = previous["id"] if previous else None
            saved = saver.put(
                config(RACE_THREAD, parent_id),
                cp,  # type: ignore[arg-type]
                {"source": "loop", "step": i, "writer": tag},
                new_versions,
            )
            task = f"task-{tag}-{i}"
            writes = [("messages", [{"write": tag, "i": i}]), ("n", i)]
            saver.put_writes(saved, writes, task, "")
            committed.append(
                {
                    "id": cp["id"],
                    "parent": parent_id,
                    "values": values,
                    "writes": [[task, ch, v] for ch, v in writes],
                    "tag": tag,
                }
            )
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(committed, f)
