"""The conformance suite against the reference ``InMemorySaver``."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from langgraph.checkpoint.conformance import CheckpointerConformance
from langgraph.checkpoint.memory import InMemorySaver

_spec = importlib.util.spec_from_file_location(
    "_known_gaps", Path(__file__).with_name("_known_gaps.py")
)
assert _spec is not None and _spec.loader is not None
_gaps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_gaps)


class TestInMemorySaver(CheckpointerConformance):
    expected_failures = _gaps.INMEMORY_SAVER_GAPS

    @pytest.fixture
    def saver(self) -> Iterator[InMemorySaver]:
        yield InMemorySaver()


class TestInMemorySaverAsyncFixture(CheckpointerConformance):
    """Same saver from an async generator fixture, declared capabilities, sync API off."""

    capabilities = ("put", "put_writes", "get_tuple", "list", "delete_thread")
    sync_api = False
    expected_failures = _gaps.INMEMORY_SAVER_GAPS

    @pytest.fixture
    async def saver(self) -> object:
        async with InMemorySaver() as saver:
            yield saver
