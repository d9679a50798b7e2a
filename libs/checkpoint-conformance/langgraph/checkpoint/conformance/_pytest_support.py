"""Turning registered async checks into pytest test methods (sync and async twins)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

__all__ = ["make_async_test", "make_sync_test", "run_coroutine"]

Gate = Callable[[Any, Any], None]
Body = Callable[[Any], Awaitable[None]]


def run_coroutine(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine on a private event loop (never the current/global one)."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def _name(test: Callable[..., Any], name: str, doc: str | None, fixture: str) -> None:
    test.__name__ = name
    test.__qualname__ = name
    test.__doc__ = doc
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    test.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", kind), inspect.Parameter(fixture, kind)]
    )


def make_async_test(
    name: str,
    fixture: str,
    body: Callable[[Any, Any], Awaitable[None]],
    doc: str | None,
) -> Callable[..., Any]:
    """An ``@pytest.mark.asyncio`` test method ``name(self, <fixture>)`` awaiting ``body``."""

    async def test(self: Any, **fixtures: Any) -> None:
        await body(self, fixtures[fixture])

    _name(test, name, doc, fixture)
    marked: Callable[..., Any] = pytest.mark.asyncio(test)
    return marked


def make_sync_test(
    name: str,
    fixture: str,
    body: Callable[[Any, Any], Coroutine[Any, Any, None]],
    doc: str | None,
) -> Callable[..., Any]:
    """A plain test method ``name(self, <fixture>)`` that drives ``body`` on a private loop."""

    def test(self: Any, **fixtures: Any) -> None:
        run_coroutine(body(self, fixtures[fixture]))

    _name(test, name, doc, fixture)
    return test
