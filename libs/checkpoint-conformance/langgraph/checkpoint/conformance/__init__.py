"""Conformance suite for LangGraph checkpoint savers and stores.

Two ways in:

* pytest: subclass :class:`CheckpointerConformance` (fixture ``saver``) or
  :class:`StoreConformance` (fixture ``store``);
* the report API: :func:`checkpointer_test` + :func:`validate`.
"""

from __future__ import annotations

from langgraph.checkpoint.conformance.capabilities import (
    ALL_CAPABILITIES,
    BASE_CAPABILITIES,
    EXTENDED_CAPABILITIES,
    Capability,
    DetectedCapabilities,
)
from langgraph.checkpoint.conformance.initializer import RegisteredCheckpointer, checkpointer_test
from langgraph.checkpoint.conformance.report import (
    CapabilityReport,
    CapabilityResult,
    ProgressCallbacks,
)
from langgraph.checkpoint.conformance.suite import CheckpointerConformance
from langgraph.checkpoint.conformance.validate import validate

__all__ = [
    "ALL_CAPABILITIES",
    "BASE_CAPABILITIES",
    "EXTENDED_CAPABILITIES",
    "Capability",
    "CapabilityReport",
    "CapabilityResult",
    "CheckpointerConformance",
    "DetectedCapabilities",
    "ProgressCallbacks",
    "RegisteredCheckpointer",
    "StoreConformance",
    "checkpointer_test",
    "validate",
]


def __getattr__(name: str) -> object:
    # The store suite imports langgraph.store lazily: a saver-only project never needs it.
    if name == "StoreConformance":
        from langgraph.checkpoint.conformance.store import StoreConformance

        return StoreConformance
    raise AttributeError(name)
