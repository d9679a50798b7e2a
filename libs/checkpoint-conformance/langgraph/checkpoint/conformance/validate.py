"""``validate()``: run the checks against a registered saver and build a report."""

from __future__ import annotations

from collections.abc import Collection

from langgraph.checkpoint.conformance.capabilities import (
    Capability,
    DetectedCapabilities,
)
from langgraph.checkpoint.conformance.initializer import RegisteredCheckpointer
from langgraph.checkpoint.conformance.report import (
    CapabilityReport,
    CapabilityResult,
    ProgressCallbacks,
)
from langgraph.checkpoint.conformance.spec import run_capability_tests

__all__ = ["validate"]


async def validate(
    registered: RegisteredCheckpointer,
    *,
    capabilities: Collection[str] | None = None,
    progress: ProgressCallbacks | None = None,
) -> CapabilityReport:
    """Run the conformance checks against a registered saver.

    Every capability gets a fresh saver from the factory. A capability the saver does
    not implement (detected per the class's async methods) is reported as not detected.

    Args:
        registered: The saver factory from :func:`checkpointer_test`.
        capabilities: Capability names to run (all by default). Unknown names raise
            ``ValueError``.
        progress: Progress callbacks (none by default).

    Returns:
        The per-capability report.
    """
    wanted = {Capability(c) for c in capabilities} if capabilities is not None else set(Capability)
    skipped = {Capability(c) for c in registered.skip_capabilities}
    progress = progress or ProgressCallbacks.quiet()
    report = CapabilityReport(checkpointer_name=registered.name)
    async with registered.enter_lifespan():
        for cap in Capability:
            if cap not in wanted or cap in skipped:
                report.results[cap.value] = CapabilityResult(tests_skipped=1)
                continue
            async with registered.create() as saver:
                detected = DetectedCapabilities.from_instance(saver).detected
                available = detected - skipped
                if progress.on_capability_start is not None:
                    progress.on_capability_start(cap.value, cap in detected)
                if cap not in detected:
                    report.results[cap.value] = CapabilityResult(tests_skipped=1)
                    report.not_implemented.add(cap.value)
                else:
                    passed, failed, failures = await run_capability_tests(
                        cap, saver, progress.on_test_result, available=available
                    )
                    report.results[cap.value] = CapabilityResult(
                        detected=True,
                        passed=failed == 0,
                        tests_passed=passed,
                        tests_failed=failed,
                        failures=failures,
                    )
                if progress.on_capability_end is not None:
                    progress.on_capability_end(cap.value)
    return report
