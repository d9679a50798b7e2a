"""Constants and small protocols shared by the serializers and the graph runtime."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = [
    "ERROR",
    "SCHEDULED",
    "INTERRUPT",
    "RESUME",
    "TASKS",
    "ChannelProtocol",
    "SendProtocol",
    "_DeltaSnapshot",
]

ERROR = "__error__"
SCHEDULED = "__scheduled__"
INTERRUPT = "__interrupt__"
RESUME = "__resume__"
TASKS = "__pregel_tasks"

Value = TypeVar("Value", covariant=True)
Update = TypeVar("Update", contravariant=True)
C = TypeVar("C")


class _DeltaSnapshot:
    """Marks a stored channel value as a full snapshot of a delta-encoded channel.

    Args:
        value: The wrapped channel value.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _DeltaSnapshot):
            return bool(self.value == other.value)
        return NotImplemented

    def __hash__(self) -> int:
        raise TypeError("unhashable type: '_DeltaSnapshot'")

    def __repr__(self) -> str:
        return f"_DeltaSnapshot({self.value!r})"


@runtime_checkable
class ChannelProtocol(Protocol[Value, Update, C]):
    """Structural type of a graph channel as seen by the persistence layer."""

    @property
    def ValueType(self) -> Any: ...

    @property
    def UpdateType(self) -> Any: ...

    def checkpoint(self) -> C | None: ...

    def from_checkpoint(self, checkpoint: C | None) -> ChannelProtocol[Value, Update, C]: ...

    def update(self, values: Sequence[Update]) -> bool: ...

    def get(self) -> Value: ...

    def consume(self) -> bool: ...


@runtime_checkable
class SendProtocol(Protocol):
    """Structural type of ``langgraph.types.Send``: a packet addressed to a node."""

    node: str
    arg: Any

    def __hash__(self) -> int: ...

    def __repr__(self) -> str: ...

    def __eq__(self, value: object) -> bool: ...
