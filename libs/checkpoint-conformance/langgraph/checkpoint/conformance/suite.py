"""``CheckpointerConformance``: the pytest base class for checkpoint savers.

Subclass it in a test module, name the subclass ``Test...`` and provide a ``saver``
fixture yielding a fresh saver::

    class TestMySaver(CheckpointerConformance):
        @pytest.fixture
        def saver(self):
            with MySaver.from_conn_string(":memory:") as saver:
                yield saver

Every check becomes two tests, ``<check>_sync`` (a plain test calling the sync methods)
and ``<check>_async`` (an ``asyncio`` test calling the ``a``-methods).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Literal

import pytest

from langgraph.checkpoint.conformance import spec as _spec  # noqa: F401 - registers checks
from langgraph.checkpoint.conformance._pytest_support import make_async_test, make_sync_test
from langgraph.checkpoint.conformance._registry import (
    CHECKS,
    Check,
    CheckSkipped,
    SyncSaverAdapter,
)
from langgraph.checkpoint.conformance.capabilities import Capability, detect_capabilities

__all__ = ["CheckpointerConformance"]

Mode = Literal["sync", "async"]


class CheckpointerConformance:
    """Base class of a saver's conformance tests.

    Attributes:
        capabilities: Capability names the saver supports; ``None`` (default) detects
            them from the class's overridden methods (sync methods for sync tests,
            ``a``-methods for async tests). Unsupported capabilities show as skips.
        skip_capabilities: Capability names never run (shown as skips).
        sync_api: Set to ``False`` when the saver's sync methods cannot run in the test
            process (e.g. an async saver whose sync methods need its event loop running).
        async_api: Set to ``False`` to skip every async test.
        expected_failures: Check name (without ``_sync``/``_async``) to the reason it is
            known to fail. Such a test is reported as xfailed while it fails and as a
            failure once it passes (so the entry gets removed).
    """

    capabilities: ClassVar[Collection[str] | None] = None
    skip_capabilities: ClassVar[Collection[str]] = ()
    sync_api: ClassVar[bool] = True
    async_api: ClassVar[bool] = True
    expected_failures: ClassVar[Mapping[str, str]] = {}

    @pytest.fixture
    def saver(self) -> Any:
        """Override: yield a fresh, empty saver (sync or async generator fixture)."""
        pytest.fail(f"{type(self).__name__} must define a 'saver' fixture")

    def conformance_capabilities(self, saver: Any, mode: Mode) -> frozenset[Capability]:
        """Capabilities exercised in ``mode`` (declared or detected, minus skipped)."""
        if self.capabilities is not None:
            caps = frozenset(Capability(c) for c in self.capabilities)
        else:
            caps = detect_capabilities(saver, mode)
        return caps - {Capability(c) for c in self.skip_capabilities}

    def _gate(self, chk: Check, saver: Any, mode: Mode) -> None:
        if mode == "sync" and not self.sync_api:
            pytest.skip(f"{type(self).__name__}.sync_api is False")
        if mode == "async" and not self.async_api:
            pytest.skip(f"{type(self).__name__}.async_api is False")
        missing = chk.requires - self.conformance_capabilities(saver, mode)
        if missing:
            names = ", ".join(sorted(c.value for c in missing))
            pytest.skip(f"{type(saver).__name__} lacks capability: {names} ({mode})")


async def _run(self: CheckpointerConformance, chk: Check, target: Any) -> None:
    reason = self.expected_failures.get(chk.name)
    try:
        await chk.func(target)
    except CheckSkipped as exc:
        pytest.skip(str(exc))
    except Exception as exc:
        if reason is None:
            raise
        pytest.xfail(f"{reason} ({type(exc).__name__}: {exc})")
    if reason is not None:
        pytest.fail(f"{chk.name} is listed in expected_failures but passes; remove it")


def _bodies(chk: Check) -> tuple[Any, Any]:
    async def async_body(self: CheckpointerConformance, saver: Any) -> None:
        self._gate(chk, saver, "async")
        await _run(self, chk, saver)

    async def sync_body(self: CheckpointerConformance, saver: Any) -> None:
        self._gate(chk, saver, "sync")
        await _run(self, chk, SyncSaverAdapter(saver))

    return async_body, sync_body


for _chk in CHECKS.values():
    _async_body, _sync_body = _bodies(_chk)
    _doc = _chk.func.__doc__ or f"Conformance check {_chk.name} ({_chk.capability.value})."
    setattr(
        CheckpointerConformance,
        f"{_chk.name}_async",
        make_async_test(f"{_chk.name}_async", "saver", _async_body, _doc),
    )
    setattr(
        CheckpointerConformance,
        f"{_chk.name}_sync",
        make_sync_test(f"{_chk.name}_sync", "saver", _sync_body, _doc),
    )
