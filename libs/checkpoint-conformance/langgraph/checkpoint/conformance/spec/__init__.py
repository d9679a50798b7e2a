"""The checks, grouped per capability, and a runner per capability.

Each ``run_<capability>_tests(saver, on_test_result=None)`` runs that capability's checks
sequentially against ``saver`` (through its async methods) and returns
``(passed, failed, failure_messages)``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.conformance._registry import CheckSkipped, checks_for
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.spec import (  # noqa: F401 - registers the checks
    _checks_bad_input,
    _checks_concurrency,
    _checks_delete_thread,
    _checks_delta,
    _checks_filters,
    _checks_get_tuple,
    _checks_list,
    _checks_maintenance,
    _checks_put,
    _checks_put_writes,
    _checks_reference,
    _checks_values,
)

__all__ = [
    "run_capability_tests",
    "run_copy_thread_tests",
    "run_delete_for_runs_tests",
    "run_delete_thread_tests",
    "run_delta_channel_history_tests",
    "run_get_tuple_tests",
    "run_list_tests",
    "run_prune_tests",
    "run_put_tests",
    "run_put_writes_tests",
]

OnTestResult = Callable[[str, str, bool, "str | None"], None]


async def run_capability_tests(
    capability: Capability | str,
    saver: Any,
    on_test_result: OnTestResult | None = None,
    *,
    available: frozenset[Capability] | None = None,
) -> tuple[int, int, list[str]]:
    """Run every check of ``capability`` against ``saver``.

    Args:
        capability: The capability (or its name).
        saver: The saver under test.
        on_test_result: Called ``(capability, test_name, passed, error_text)`` per check.
        available: Capabilities the saver offers; checks needing others are skipped
            (not counted). ``None`` runs everything.

    Returns:
        ``(passed, failed, failure_messages)``.
    """
    cap = Capability(capability)
    passed = failed = 0
    failures: list[str] = []
    for chk in checks_for(cap):
        if available is not None and not chk.requires <= available:
            continue
        try:
            await chk.func(saver)
        except CheckSkipped:
            continue
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            failed += 1
            message = f"{chk.name}: {type(exc).__name__}: {exc}"
            failures.append(message)
            if on_test_result is not None:
                on_test_result(cap.value, chk.name, False, traceback.format_exc())
            continue
        passed += 1
        if on_test_result is not None:
            on_test_result(cap.value, chk.name, True, None)
    return passed, failed, failures


def _runner(cap: Capability) -> Callable[..., Any]:
    async def run(
        saver: Any, on_test_result: OnTestResult | None = None
    ) -> tuple[int, int, list[str]]:
        return await run_capability_tests(cap, saver, on_test_result)

    run.__name__ = f"run_{cap.value}_tests"
    run.__doc__ = f"Run the ``{cap.value}`` checks; return ``(passed, failed, failures)``."
    return run


run_put_tests = _runner(Capability.PUT)
run_put_writes_tests = _runner(Capability.PUT_WRITES)
run_get_tuple_tests = _runner(Capability.GET_TUPLE)
run_list_tests = _runner(Capability.LIST)
run_delete_thread_tests = _runner(Capability.DELETE_THREAD)
run_delete_for_runs_tests = _runner(Capability.DELETE_FOR_RUNS)
run_copy_thread_tests = _runner(Capability.COPY_THREAD)
run_prune_tests = _runner(Capability.PRUNE)
run_delta_channel_history_tests = _runner(Capability.DELTA_CHANNEL_HISTORY)
