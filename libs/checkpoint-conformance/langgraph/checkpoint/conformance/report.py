"""Results of :func:`~langgraph.checkpoint.conformance.validate` and progress callbacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.conformance.capabilities import (
    BASE_CAPABILITIES,
    EXTENDED_CAPABILITIES,
    Capability,
)

__all__ = ["CapabilityReport", "CapabilityResult", "ProgressCallbacks"]

OnCapabilityStart = Callable[[str, bool], None]
OnTestResult = Callable[[str, str, bool, "str | None"], None]
OnCapabilityEnd = Callable[[str], None]


@dataclass
class ProgressCallbacks:
    """Hooks called while :func:`validate` runs.

    Attributes:
        on_capability_start: ``(capability, detected)`` before a capability's tests.
        on_test_result: ``(capability, test_name, passed, error_text_or_None)``.
        on_capability_end: ``(capability)`` after a capability's tests.
    """

    on_capability_start: OnCapabilityStart | None = None
    on_test_result: OnTestResult | None = None
    on_capability_end: OnCapabilityEnd | None = None

    @classmethod
    def default(cls) -> ProgressCallbacks:
        """One character per test (``.`` pass, ``F`` fail), one line per capability."""

        def start(cap: str, detected: bool) -> None:
            sys.stdout.write(f"{cap}: " if detected else f"{cap}: not implemented")
            sys.stdout.flush()

        def result(cap: str, name: str, passed: bool, error: str | None) -> None:
            sys.stdout.write("." if passed else "F")
            sys.stdout.flush()

        def end(cap: str) -> None:
            sys.stdout.write("\n")

        return cls(start, result, end)

    @classmethod
    def verbose(cls) -> ProgressCallbacks:
        """One line per test (``✓``/``✗``) with the error text of failures."""

        def start(cap: str, detected: bool) -> None:
            print(f"[{cap}]" + ("" if detected else " not implemented"))

        def result(cap: str, name: str, passed: bool, error: str | None) -> None:
            print(f"  {'✓' if passed else '✗'} {name}")
            if error:
                for line in error.rstrip().splitlines():
                    print(f"      {line}")

        return cls(start, result, None)

    @classmethod
    def quiet(cls) -> ProgressCallbacks:
        """No output."""
        return cls()


@dataclass
class CapabilityResult:
    """Outcome of one capability.

    Attributes:
        detected: Whether the saver implements it (and it was run).
        passed: ``True``/``False``, or ``None`` when skipped or not implemented.
        tests_passed: Number of passing tests.
        tests_failed: Number of failing tests.
        tests_skipped: Number of skipped tests.
        failures: ``"<test_name>: <error>"`` per failure.
    """

    detected: bool = False
    passed: bool | None = None
    tests_passed: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass
class CapabilityReport:
    """Per-capability results for one saver.

    Attributes:
        checkpointer_name: The registered name.
        results: Capability name to its result.
        not_implemented: Names of capabilities that were requested but not detected.
    """

    checkpointer_name: str
    results: dict[str, CapabilityResult] = field(default_factory=dict)
    not_implemented: set[str] = field(default_factory=set, repr=False)

    def passed_all_base(self) -> bool:
        """True when every base capability passed."""
        return all(
            (r := self.results.get(c.value)) is not None and r.passed is True
            for c in BASE_CAPABILITIES
        )

    def passed_all(self) -> bool:
        """True when every detected capability passed."""
        return all(r.passed is True for r in self.results.values() if r.detected)

    def conformance_level(self) -> str:
        """``"FULL"``, ``"BASE+PARTIAL"``, ``"BASE"`` or ``"NONE"``."""
        if self.passed_all():
            return "FULL"
        if self.passed_all_base():
            return "BASE+PARTIAL"
        if any(
            (r := self.results.get(c.value)) is not None and r.passed is True
            for c in BASE_CAPABILITIES
        ):
            return "BASE"
        return "NONE"

    def _status(self, name: str) -> str:
        r = self.results.get(name)
        if r is None:
            return "skipped"
        if not r.detected:
            return "not implemented" if name in self.not_implemented else "skipped"
        if r.passed:
            return f"pass ({r.tests_passed})"
        return f"FAIL ({r.tests_failed} failed, {r.tests_passed} passed)"

    def print_report(self) -> None:
        """Print a boxed summary of every capability and the conformance level."""
        width = 56
        lines = [f"Checkpointer: {self.checkpointer_name}", ""]
        for title, caps in (("BASE", BASE_CAPABILITIES), ("EXTENDED", EXTENDED_CAPABILITIES)):
            lines.append(title)
            for cap in sorted(caps, key=lambda c: c.value):
                lines.append(f"  {cap.value:<24} {self._status(cap.value)}")
            lines.append("")
        detected = [r for r in self.results.values() if r.detected]
        passed = [r for r in detected if r.passed]
        lines.append(f"Result: {self.conformance_level()} ({len(passed)}/{len(detected)})")
        print("┌" + "─" * width + "┐")
        for line in lines:
            print("│ " + line.ljust(width - 2) + " │")
        print("└" + "─" * width + "┘")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the report."""
        return {
            "checkpointer_name": self.checkpointer_name,
            "conformance_level": self.conformance_level(),
            "results": {
                name: {
                    "detected": r.detected,
                    "passed": r.passed,
                    "tests_passed": r.tests_passed,
                    "tests_failed": r.tests_failed,
                    "tests_skipped": r.tests_skipped,
                    "failures": list(r.failures),
                }
                for name, r in self.results.items()
            },
        }


def capability_names() -> list[str]:
    """Capability names in enum order."""
    return [c.value for c in Capability]
