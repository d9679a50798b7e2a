"""Checkpoint builders shared by the SQLite tests."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import next_string_version
from langgraph.checkpoint.base.id import uuid6


class Chat:
    """Builds the puts of a growing chat thread (one message per step)."""

    def __init__(self, thread_id: str, ns: str = "", size: int = 200) -> None:
        self.thread_id = thread_id
        self.ns = ns
        self.size = size
        self.messages: list[dict[str, Any]] = []
        self.version: str | None = None
        self.parent: str | None = None
        self.step = 0

    def message(self, i: int) -> dict[str, Any]:
        body = f"{self.thread_id} message {i} " + "lorem ipsum dolor " * (self.size // 18)
        return {"id": f"{self.thread_id}-{i}", "role": "user", "content": body[: self.size]}

    def next(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
        """``(config, checkpoint, metadata, new_versions)`` of the next step."""
        self.messages = [*self.messages, self.message(self.step)]
        self.version = next_string_version(self.version)
        versions = {"messages": self.version, "counter": self.version}
        checkpoint = {
            "v": 4,
            "id": str(uuid6(clock_seq=self.step)),
            "ts": "2026-11-21T06:51:13.124825+00:00",
            "channel_values": {"messages": self.messages, "counter": self.step},
            "channel_versions": dict(versions),
            "versions_seen": {"agent": {"messages": self.version}},
            "updated_channels": ["counter", "messages"],
        }
        configurable = {"thread_id": self.thread_id, "checkpoint_ns": self.ns}
        if self.parent:
            configurable["checkpoint_id"] = self.parent
        metadata = {"source": "loop", "step": self.step, "run_id": f"run-{self.step % 3}"}
        return {"configurable": configurable}, checkpoint, metadata, versions

    def committed(self, config: dict[str, Any]) -> None:
        self.parent = config["configurable"]["checkpoint_id"]
        self.step += 1
