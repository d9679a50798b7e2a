"""Fixtures of the Postgres store tests (servers and session databases: ``../conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from langgraph.checkpoint.conformance.store._support import FAKE_DIMS, fake_embed
from langgraph.store.base import IndexConfig
from langgraph.store.postgres import PostgresStore


def index_config(fields: list[str] | None = None, **extra: object) -> IndexConfig:
    """The deterministic fake embedder of the conformance suite."""
    config = {"dims": FAKE_DIMS, "embed": fake_embed, "fields": fields or ["text"], **extra}
    return config  # type: ignore[return-value]


@pytest.fixture
def conn(pg_uri: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection with default settings (no autocommit, tuple rows)."""
    with psycopg.connect(pg_uri) as conn:
        yield conn


@pytest.fixture
def store(conn: psycopg.Connection[tuple[object, ...]], pg_schema: str) -> PostgresStore:
    """A plain store in a fresh schema."""
    store = PostgresStore(conn, schema=pg_schema)
    store.setup()
    return store


@pytest.fixture
def indexed(conn: psycopg.Connection[tuple[object, ...]], pg_schema: str) -> PostgresStore:
    """A store with the fake embedder in a fresh schema."""
    store = PostgresStore(conn, schema=pg_schema, index=index_config())
    store.setup()
    return store
