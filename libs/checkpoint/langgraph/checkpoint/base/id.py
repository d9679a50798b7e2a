"""Time-ordered checkpoint ids (UUID version 6).

The most significant 60 bits of a version-6 UUID hold the timestamp, so the canonical
lowercase text form of ids sorts in creation order. A process-wide monotonic guard makes
ids strictly increasing even when the clock does not advance between two calls.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any

__all__ = ["UUID", "uuid6"]

# 100-ns ticks between the Gregorian epoch (1582-10-15) and the Unix epoch.
_GREGORIAN_OFFSET = 0x01B21DD213814000
_RFC_4122_VARIANT = 0x8000  # '10' in the two top bits of the clock_seq field

_last_timestamp = 0
_guard = threading.Lock()


class UUID(uuid.UUID):
    """A :class:`uuid.UUID` that also understands versions 6, 7 and 8."""

    __slots__ = ()

    def __init__(
        self,
        hex: str | None = None,  # noqa: A002 - same parameter names as uuid.UUID
        bytes: bytes | None = None,  # noqa: A002
        bytes_le: bytes | None = None,
        fields: tuple[int, int, int, int, int, int] | None = None,
        int: int | None = None,  # noqa: A002
        version: int | None = None,
        *,
        is_safe: uuid.SafeUUID = uuid.SafeUUID.unknown,
    ) -> None:
        if int is None or version is None or version not in (6, 7, 8):
            super().__init__(hex, bytes, bytes_le, fields, int, version, is_safe=is_safe)
            return
        if not 0 <= int < 1 << 128:
            raise ValueError("int is out of range (need a 128-bit value)")
        int &= ~(0xC000 << 48)
        int |= 0x8000 << 48
        int &= ~(0xF000 << 64)
        int |= version << 76
        super().__init__(int=int, is_safe=is_safe)

    @property
    def subsec(self) -> int:
        """Sub-second precision bits (versions 7 and 8)."""
        return ((self.int >> 64) & 0x0FFF) << 8 | ((self.int >> 54) & 0xFF)

    @property
    def time(self) -> int:
        """Timestamp field: 100-ns Gregorian ticks for v6, milliseconds for v7/v8."""
        if self.version == 6:
            return (self.time_low << 28) | (self.time_mid << 12) | (self.time_hi_version & 0x0FFF)
        if self.version in (7, 8):
            return self.int >> 80
        return int(super().time)

    def __reduce__(self) -> Any:
        return (uuid.UUID, (str(self),))


def uuid6(node: int | None = None, clock_seq: int | None = None) -> UUID:
    """Return a new version-6 UUID.

    Args:
        node: 48-bit node value; random when omitted.
        clock_seq: 14-bit clock sequence; random when omitted. The graph runtime passes
            the step number here, so the fourth group of the id shows the step.

    Returns:
        A UUID whose canonical string sorts after every id made before it in this
        process.
    """
    global _last_timestamp
    with _guard:
        timestamp = time.time_ns() // 100 + _GREGORIAN_OFFSET
        if timestamp <= _last_timestamp:
            timestamp = _last_timestamp + 1
        _last_timestamp = timestamp
    if clock_seq is None:
        clock_seq = random.getrandbits(14)
    if node is None:
        node = random.getrandbits(48)
    time_high_and_mid = (timestamp >> 12) & 0xFFFF_FFFF_FFFF
    time_low_and_version = (timestamp & 0x0FFF) | 0x6000
    value = time_high_and_mid << 80
    value |= time_low_and_version << 64
    value |= ((clock_seq & 0x3FFF) | _RFC_4122_VARIANT) << 48
    value |= node & 0xFFFF_FFFF_FFFF
    return UUID(int=value)
