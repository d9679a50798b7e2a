"""The conformance suite against SqliteSaver and AsyncSqliteSaver (file and :memory:)."""

from __future__ import annotations

import pathlib
import sqlite3
from collections.abc import AsyncIterator, Iterator

import aiosqlite
import pytest

from langgraph.checkpoint.conformance import CheckpointerConformance
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver


class TestSqliteSaverFile(CheckpointerConformance):
    @pytest.fixture
    def saver(self, tmp_path: pathlib.Path) -> Iterator[SqliteSaver]:
        with SqliteSaver.from_conn_string(str(tmp_path / "c.db")) as saver:
            yield saver


class TestSqliteSaverMemory(CheckpointerConformance):
    @pytest.fixture
    def saver(self) -> Iterator[SqliteSaver]:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            yield SqliteSaver(conn)
        finally:
            conn.close()


class TestAsyncSqliteSaverFile(CheckpointerConformance):
    sync_api = False

    @pytest.fixture
    async def saver(self, tmp_path: pathlib.Path) -> AsyncIterator[AsyncSqliteSaver]:
        async with AsyncSqliteSaver.from_conn_string(str(tmp_path / "c.db")) as saver:
            yield saver


class TestAsyncSqliteSaverMemory(CheckpointerConformance):
    sync_api = False

    @pytest.fixture
    async def saver(self) -> AsyncIterator[AsyncSqliteSaver]:
        async with aiosqlite.connect(":memory:") as conn:
            yield AsyncSqliteSaver(conn)
