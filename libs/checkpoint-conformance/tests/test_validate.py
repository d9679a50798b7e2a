"""The ``checkpointer_test`` / ``validate`` report API against ``InMemorySaver``."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from langgraph.checkpoint.conformance import (
    ALL_CAPABILITIES,
    BASE_CAPABILITIES,
    Capability,
    DetectedCapabilities,
    ProgressCallbacks,
    checkpointer_test,
    validate,
)
from langgraph.checkpoint.conformance.spec import run_put_tests
from langgraph.checkpoint.memory import InMemorySaver

_spec = importlib.util.spec_from_file_location(
    "_known_gaps", Path(__file__).with_name("_known_gaps.py")
)
assert _spec is not None and _spec.loader is not None
_gaps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_gaps)
KNOWN = set(_gaps.INMEMORY_SAVER_GAPS)

events: list[str] = []


def _unexpected(failures: list[str]) -> list[str]:
    return [f for f in failures if f.split(":", 1)[0] not in KNOWN]


async def _lifespan() -> AsyncIterator[None]:
    events.append("lifespan-start")
    yield
    events.append("lifespan-end")


@checkpointer_test(name="InMemorySaver", lifespan=_lifespan)
async def memory_saver() -> AsyncIterator[InMemorySaver]:
    events.append("create")
    yield InMemorySaver()
    events.append("cleanup")


@pytest.mark.asyncio
async def test_validate_memory_saver_passes_all() -> None:
    events.clear()
    report = await validate(memory_saver, progress=ProgressCallbacks.quiet())
    failures = {
        n: _unexpected(r.failures) for n, r in report.results.items() if _unexpected(r.failures)
    }
    assert not failures, failures
    if not any(r.failures for r in report.results.values()):  # once the known gaps are fixed
        assert report.passed_all() and report.conformance_level() == "FULL"
    assert all(report.results[c.value].detected for c in ALL_CAPABILITIES)
    assert report.results["put"].tests_passed >= 17
    assert events[0] == "lifespan-start" and events[-1] == "lifespan-end"
    assert events.count("create") == events.count("cleanup") == len(Capability)
    data = report.to_dict()
    assert set(data["results"]) == {c.value for c in Capability}


@pytest.mark.asyncio
async def test_validate_subset_and_skip(capsys: pytest.CaptureFixture[str]) -> None:
    report = await validate(
        memory_saver, capabilities=["put", "list"], progress=ProgressCallbacks.default()
    )
    assert not _unexpected(report.results["put"].failures)
    assert report.results["list"].passed is True
    assert report.results["prune"].passed is None and report.results["prune"].tests_skipped == 1
    report.print_report()
    out = capsys.readouterr().out
    assert "Result:" in out and "put" in out
    with pytest.raises(ValueError):
        await validate(memory_saver, capabilities=["nope"])


def test_detected_capabilities() -> None:
    detected = DetectedCapabilities.from_instance(InMemorySaver())
    assert detected.detected == ALL_CAPABILITIES and not detected.missing

    class Partial(InMemorySaver):
        pass

    assert BASE_CAPABILITIES <= DetectedCapabilities.from_instance(Partial()).detected


@pytest.mark.asyncio
async def test_runner_function() -> None:
    results: list[tuple[str, bool]] = []
    passed, failed, failures = await run_put_tests(
        InMemorySaver(), lambda cap, name, ok, err: results.append((name, ok))
    )
    assert not _unexpected(failures)
    assert passed + failed == len(results) >= 17
