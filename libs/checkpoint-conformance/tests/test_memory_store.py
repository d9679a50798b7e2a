"""The store conformance suite against ``InMemoryStore``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langgraph.checkpoint.conformance import StoreConformance
from langgraph.store.memory import InMemoryStore


class TestInMemoryStore(StoreConformance):
    @pytest.fixture
    def store(self) -> Iterator[InMemoryStore]:
        yield InMemoryStore()

    @pytest.fixture
    def indexed_store(self) -> Iterator[InMemoryStore]:
        yield InMemoryStore(index=self.index_config())

    @pytest.fixture
    def ttl_store(self) -> Iterator[InMemoryStore]:
        yield InMemoryStore(ttl={"refresh_on_read": True})
