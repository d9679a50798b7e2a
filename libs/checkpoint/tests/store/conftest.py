from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest


class FakeEmbedder:
    """Deterministic: hashes character trigrams into ``dims`` buckets. Counts calls."""

    def __init__(self, dims: int = 64) -> None:
        self.dims = dims
        self.calls: list[list[str]] = []

    def vector(self, text: str) -> list[float]:
        v = [0.0] * self.dims
        padded = f"  {text.lower()}  "
        for i in range(len(padded) - 2):
            h = hashlib.md5(padded[i : i + 3].encode()).digest()
            v[int.from_bytes(h[:4], "little") % self.dims] += 1.0
        return v

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [self.vector(t) for t in texts]

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


def cosine(a: list[float], b: list[float]) -> float:
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return sum(x * y for x, y in zip(a, b)) / (na * nb) if na and nb else 0.0


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def clock() -> Clock:
    return Clock()
