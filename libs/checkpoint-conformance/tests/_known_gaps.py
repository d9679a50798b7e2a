"""Checks the reference ``InMemorySaver`` is known to fail (none at present)."""

from __future__ import annotations

INMEMORY_SAVER_GAPS: dict[str, str] = {}
