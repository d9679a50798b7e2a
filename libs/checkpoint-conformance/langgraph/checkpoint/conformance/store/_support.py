"""Registry, sync adapter, fake embeddings and clock for the store checks."""

from __future__ import annotations

import asyncio
import math
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeVar

__all__ = [
    "FAKE_DIMS",
    "STORE_CHECKS",
    "StoreCheck",
    "SyncStoreAdapter",
    "fake_embed",
    "store_check",
]

FixtureName = Literal["store", "indexed_store", "ttl_store"]
CheckFn = Callable[[Any], Awaitable[None]]
F = TypeVar("F", bound=CheckFn)

FAKE_DIMS = 16
_VOCAB = ("apple", "banana", "cherry", "dog", "cat", "ocean", "mountain", "python")


def _embed_one(text: str) -> list[float]:
    vec = [0.0] * FAKE_DIMS
    for word in text.lower().replace('"', " ").replace(",", " ").split():
        word = word.strip(".:{}[]")
        if not word:
            continue
        axis = _VOCAB.index(word) if word in _VOCAB else 8 + zlib.crc32(word.encode()) % 8
        vec[axis] += 1.0
    norm = math.sqrt(sum(v * v for v in vec))
    return [v / norm for v in vec] if norm else vec


def fake_embed(texts: Sequence[str]) -> list[list[float]]:
    """Deterministic bag-of-words embeddings (``FAKE_DIMS`` dimensions).

    Each of a few known words (apple, banana, cherry, dog, cat, ocean, mountain, python)
    has its own axis; other words hash onto the remaining axes.

    Args:
        texts: Texts to embed.

    Returns:
        One unit vector per text (all zeros for a text without words).
    """
    return [_embed_one(t) for t in texts]


@dataclass(frozen=True)
class StoreCheck:
    """One store check.

    Attributes:
        name: Test name, unique.
        fixture: The fixture the check needs.
        func: The async check function.
    """

    name: str
    fixture: FixtureName
    func: CheckFn


STORE_CHECKS: dict[str, StoreCheck] = {}


def store_check(fixture: FixtureName = "store") -> Callable[[F], F]:
    """Register an async store check that receives the ``fixture`` store."""

    def decorate(func: F) -> F:
        if func.__name__ in STORE_CHECKS:
            raise RuntimeError(f"duplicate store check {func.__name__!r}")
        STORE_CHECKS[func.__name__] = StoreCheck(func.__name__, fixture, func)
        return func

    return decorate


class SyncStoreAdapter:
    """Exposes a store's sync methods under the async names the checks call.

    Args:
        store: The store under test.
    """

    mode = "sync"

    def __init__(self, store: Any) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        if name.startswith("a") and name[1:] in (
            "get",
            "put",
            "delete",
            "search",
            "list_namespaces",
            "batch",
            "list",
            "sweep_ttl",
        ):
            fn = getattr(self.store, name[1:])

            async def call(*args: Any, **kwargs: Any) -> Any:
                return fn(*args, **kwargs)

            return call
        return getattr(self.store, name)


def unwrap_store(store: Any) -> Any:
    """The real store behind an adapter."""
    return store.store if isinstance(store, SyncStoreAdapter) else store


class Clock:
    """Advances time for TTL checks: the store's ``_now`` hook if it has one, else sleeps."""

    def __init__(self, store: Any) -> None:
        self.inner = unwrap_store(store)
        self.offset = timedelta()
        self.original = getattr(self.inner, "_now", None)
        self.fake = callable(self.original)
        if self.fake:
            self.inner._now = self._now

    def _now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (instantly with a fake clock)."""
        if self.fake:
            self.offset += timedelta(seconds=seconds)
        else:
            await asyncio.sleep(seconds)

    def restore(self) -> None:
        """Undo the clock hook."""
        if self.fake:
            self.inner._now = self.original
