"""The registry of checks, and the adapter that runs a check through sync methods.

Every check is an ``async def check(saver) -> None`` that talks to the saver only through
its ``a``-prefixed methods and raises ``AssertionError`` on a violation. The pytest base
classes and :func:`validate` both run the same check functions; for the sync entry point
the saver is wrapped in :class:`SyncSaverAdapter`, whose ``a``-methods call the sync ones.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from langgraph.checkpoint.base import CheckpointTuple
from langgraph.checkpoint.conformance.capabilities import Capability

__all__ = ["CHECKS", "Check", "CheckSkipped", "SyncSaverAdapter", "check", "unwrap"]

Mode = Literal["sync", "async"]
CheckFn = Callable[[Any], Awaitable[None]]
F = TypeVar("F", bound=CheckFn)


class CheckSkipped(Exception):
    """Raised by a check whose precondition the saver does not meet (reported as a skip)."""


@dataclass(frozen=True)
class Check:
    """One conformance check.

    Attributes:
        name: Test name (``test_...``), unique.
        capability: Capability the check is reported under.
        requires: Every capability the check needs (including ``capability``).
        func: The async check function.
        spec: True for the checks listed in the upstream conformance spec.
    """

    name: str
    capability: Capability
    requires: frozenset[Capability]
    func: CheckFn
    spec: bool


CHECKS: dict[str, Check] = {}


def check(capability: Capability, *requires: Capability, spec: bool = True) -> Callable[[F], F]:
    """Register an async check function under ``capability``.

    Args:
        capability: Capability the check reports under.
        *requires: Further capabilities the check relies on.
        spec: Whether the check is one of the upstream spec's tests.

    Returns:
        A decorator that records the function and returns it unchanged.
    """

    def decorate(func: F) -> F:
        name = func.__name__
        if name in CHECKS:
            raise RuntimeError(f"duplicate conformance check {name!r}")
        CHECKS[name] = Check(
            name=name,
            capability=capability,
            requires=frozenset({capability, *requires}),
            func=func,
            spec=spec,
        )
        return func

    return decorate


def checks_for(capability: Capability, *, spec_only: bool = False) -> list[Check]:
    """Registered checks reported under ``capability``, in registration order."""
    return [c for c in CHECKS.values() if c.capability == capability and (c.spec or not spec_only)]


class SyncSaverAdapter:
    """Exposes a saver's sync methods under the async names the checks call.

    Args:
        saver: The saver under test.
        threaded: Run each call in a worker thread (``asyncio.to_thread``), so that
            ``asyncio.gather`` over calls exercises OS-thread concurrency.
    """

    mode: Mode = "sync"

    def __init__(self, saver: Any, *, threaded: bool = False) -> None:
        self.saver = saver
        self.threaded = threaded

    def __repr__(self) -> str:
        return f"SyncSaverAdapter({self.saver!r})"

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.threaded:
            return await asyncio.to_thread(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    async def aput(self, *args: Any, **kwargs: Any) -> Any:
        """Call ``put``."""
        return await self._call(self.saver.put, *args, **kwargs)

    async def aput_writes(self, *args: Any, **kwargs: Any) -> None:
        """Call ``put_writes``."""
        await self._call(self.saver.put_writes, *args, **kwargs)

    async def aget_tuple(self, config: Any) -> CheckpointTuple | None:
        """Call ``get_tuple``."""
        result: CheckpointTuple | None = await self._call(self.saver.get_tuple, config)
        return result

    async def aget(self, config: Any) -> Any:
        """Call ``get``."""
        return await self._call(self.saver.get, config)

    async def alist(self, config: Any, **kwargs: Any) -> AsyncIterator[CheckpointTuple]:
        """Call ``list`` (fully consumed, then yielded)."""
        items: list[CheckpointTuple] = await self._call(
            lambda: list(self.saver.list(config, **kwargs))
        )
        for item in items:
            yield item

    async def adelete_thread(self, thread_id: str) -> None:
        """Call ``delete_thread``."""
        await self._call(self.saver.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Call ``delete_for_runs``."""
        await self._call(self.saver.delete_for_runs, run_ids)

    async def acopy_thread(self, source: str, target: str) -> None:
        """Call ``copy_thread``."""
        await self._call(self.saver.copy_thread, source, target)

    async def aprune(self, thread_ids: Sequence[str], **kwargs: Any) -> None:
        """Call ``prune``."""
        await self._call(self.saver.prune, thread_ids, **kwargs)

    async def aget_delta_channel_history(self, **kwargs: Any) -> Any:
        """Call ``get_delta_channel_history``."""
        return await self._call(self.saver.get_delta_channel_history, **kwargs)

    def get_next_version(self, current: Any, channel: None) -> Any:
        """Call ``get_next_version``."""
        return self.saver.get_next_version(current, channel)


def unwrap(saver: Any) -> tuple[Any, Mode]:
    """The real saver behind ``saver`` and the mode the checks use it in."""
    if isinstance(saver, SyncSaverAdapter):
        return saver.saver, "sync"
    return saver, "async"


def concurrent_view(saver: Any) -> Any:
    """A view whose calls may run concurrently (worker threads in sync mode)."""
    if isinstance(saver, SyncSaverAdapter):
        return SyncSaverAdapter(saver.saver, threaded=True)
    return saver


def accepts_keyword(saver: Any, method: str, keyword: str) -> bool:
    """Whether the saver's ``method`` (async name) accepts ``keyword``."""
    inner, mode = unwrap(saver)
    name = method[1:] if mode == "sync" else method
    fn = getattr(inner, name, None)
    if fn is None:
        return False
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return keyword in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


async def collect(items: AsyncIterator[CheckpointTuple]) -> list[CheckpointTuple]:
    """Consume an async iterator into a list."""
    return [item async for item in items]


def ids_of(items: Iterable[CheckpointTuple]) -> list[str]:
    """Checkpoint ids of tuples, in order."""
    return [t.config["configurable"]["checkpoint_id"] for t in items]


def iter_checks(
    capabilities: Iterable[Capability] | None = None,
) -> Iterator[Check]:
    """Checks whose capability is in ``capabilities`` (all when ``None``)."""
    wanted = set(capabilities) if capabilities is not None else None
    for c in CHECKS.values():
        if wanted is None or c.capability in wanted:
            yield c
