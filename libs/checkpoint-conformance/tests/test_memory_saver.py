"""The conformance suite against the reference ``InMemorySaver``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langgraph.checkpoint.conformance import CheckpointerConformance
from langgraph.checkpoint.memory import InMemorySaver


class TestInMemorySaver(CheckpointerConformance):
    @pytest.fixture
    def saver(self) -> Iterator[InMemorySaver]:
        yield InMemorySaver()
