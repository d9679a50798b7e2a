"""Capabilities a checkpoint saver may offer, and how they are detected."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver

__all__ = [
    "ALL_CAPABILITIES",
    "BASE_CAPABILITIES",
    "EXTENDED_CAPABILITIES",
    "Capability",
    "DetectedCapabilities",
    "detect_capabilities",
]


class Capability(str, enum.Enum):
    """One group of saver methods that the suite checks together."""

    PUT = "put"
    PUT_WRITES = "put_writes"
    GET_TUPLE = "get_tuple"
    LIST = "list"
    DELETE_THREAD = "delete_thread"
    DELETE_FOR_RUNS = "delete_for_runs"
    COPY_THREAD = "copy_thread"
    PRUNE = "prune"
    DELTA_CHANNEL_HISTORY = "delta_channel_history"

    def __str__(self) -> str:
        return self.value


BASE_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.PUT,
        Capability.PUT_WRITES,
        Capability.GET_TUPLE,
        Capability.LIST,
        Capability.DELETE_THREAD,
    }
)
EXTENDED_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.DELETE_FOR_RUNS,
        Capability.COPY_THREAD,
        Capability.PRUNE,
        Capability.DELTA_CHANNEL_HISTORY,
    }
)
ALL_CAPABILITIES: frozenset[Capability] = BASE_CAPABILITIES | EXTENDED_CAPABILITIES

_METHODS: dict[Capability, str] = {
    Capability.PUT: "put",
    Capability.PUT_WRITES: "put_writes",
    Capability.GET_TUPLE: "get_tuple",
    Capability.LIST: "list",
    Capability.DELETE_THREAD: "delete_thread",
    Capability.DELETE_FOR_RUNS: "delete_for_runs",
    Capability.COPY_THREAD: "copy_thread",
    Capability.PRUNE: "prune",
    Capability.DELTA_CHANNEL_HISTORY: "get_delta_channel_history",
}


def method_name(capability: Capability, mode: Literal["sync", "async"] = "async") -> str:
    """Name of the saver method that implements ``capability`` in ``mode``."""
    name = _METHODS[capability]
    return name if mode == "sync" else f"a{name}"


def _overrides(cls: type[Any], name: str) -> bool:
    base = getattr(BaseCheckpointSaver, name, None)
    own = getattr(cls, name, None)
    return own is not None and own is not base


def detect_capabilities(
    saver: Any, mode: Literal["sync", "async"] = "async"
) -> frozenset[Capability]:
    """Capabilities whose ``mode`` method the saver's class overrides.

    Args:
        saver: The saver instance (its class is inspected, not the instance).
        mode: ``"async"`` inspects the ``a``-prefixed methods, ``"sync"`` the plain ones.

    Returns:
        The detected capabilities.
    """
    cls = type(saver)
    return frozenset(c for c in Capability if _overrides(cls, method_name(c, mode)))


@dataclass(frozen=True)
class DetectedCapabilities:
    """Capabilities a saver implements (``detected``) and lacks (``missing``).

    Attributes:
        detected: Capabilities whose async method the saver's class overrides.
        missing: The other capabilities.
    """

    detected: frozenset[Capability]
    missing: frozenset[Capability]

    @classmethod
    def from_instance(cls, saver: Any) -> DetectedCapabilities:
        """Detect by comparing the saver's async methods with ``BaseCheckpointSaver``'s.

        Args:
            saver: A checkpoint saver instance.

        Returns:
            The detected and missing capabilities.
        """
        detected = detect_capabilities(saver, "async")
        return cls(detected=detected, missing=ALL_CAPABILITIES - detected)
