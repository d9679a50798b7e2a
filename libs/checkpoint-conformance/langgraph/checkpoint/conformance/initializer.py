"""Registering a saver factory for :func:`~langgraph.checkpoint.conformance.validate`."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RegisteredCheckpointer", "checkpointer_test", "registry"]

SaverFactory = Callable[[], AsyncGenerator[Any, None]]
LifespanFactory = Callable[[], AsyncGenerator[None, None]]

registry: dict[str, RegisteredCheckpointer] = {}
"""Every saver registered with :func:`checkpointer_test`, by name."""


async def _advance_to_end(gen: AsyncGenerator[Any, None]) -> None:
    try:
        await gen.__anext__()
    except StopAsyncIteration:
        return
    await gen.aclose()
    raise RuntimeError("a checkpointer_test factory must yield exactly once")


@dataclass
class RegisteredCheckpointer:
    """A named saver factory with its options.

    Attributes:
        name: Display name used in reports.
        factory: Async generator function yielding one fresh saver, cleaning up afterwards.
        skip_capabilities: Capability names not to run.
        lifespan: Optional async generator function run once around a whole validation
            (start a database server, create a schema, ...).
    """

    name: str
    factory: SaverFactory
    skip_capabilities: set[str] = field(default_factory=set)
    lifespan: LifespanFactory | None = None

    @asynccontextmanager
    async def create(self) -> AsyncIterator[Any]:
        """Yield a fresh saver from the factory and run its cleanup afterwards."""
        gen = self.factory()
        saver = await gen.__anext__()
        try:
            yield saver
        finally:
            await _advance_to_end(gen)

    @asynccontextmanager
    async def enter_lifespan(self) -> AsyncIterator[None]:
        """Run the lifespan generator (if any) around the block."""
        if self.lifespan is None:
            yield
            return
        gen = self.lifespan()
        await gen.__anext__()
        try:
            yield
        finally:
            await _advance_to_end(gen)


def checkpointer_test(
    name: str,
    *,
    skip_capabilities: Collection[str] | None = None,
    lifespan: LifespanFactory | None = None,
) -> Callable[[SaverFactory], RegisteredCheckpointer]:
    """Register an async generator function yielding a fresh saver.

    Args:
        name: Display name used in reports (and the registry key).
        skip_capabilities: Capability names that are not run.
        lifespan: Optional async generator function entered once around a validation.

    Returns:
        A decorator turning the factory into a :class:`RegisteredCheckpointer`.

    Example:
        >>> from langgraph.checkpoint.memory import InMemorySaver
        >>> @checkpointer_test(name="memory")
        ... async def memory_saver():
        ...     yield InMemorySaver()
    """

    def decorate(factory: SaverFactory) -> RegisteredCheckpointer:
        registered = RegisteredCheckpointer(
            name=name,
            factory=factory,
            skip_capabilities=set(skip_capabilities or ()),
            lifespan=lifespan,
        )
        registry[name] = registered
        return registered

    return decorate
