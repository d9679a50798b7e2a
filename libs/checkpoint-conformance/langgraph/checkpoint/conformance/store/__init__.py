"""``StoreConformance``: the pytest base class for ``BaseStore`` implementations.

Subclass it and provide a ``store`` fixture yielding a fresh store; optionally an
``indexed_store`` (configured with :meth:`StoreConformance.index_config`) for semantic
search and a ``ttl_store`` (``supports_ttl = True``) for TTL checks. Checks whose fixture
is not provided are skipped.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from langgraph.checkpoint.conformance._pytest_support import make_async_test, make_sync_test
from langgraph.checkpoint.conformance.store import (  # noqa: F401 - registers checks
    _checks_advanced,
    _checks_basic,
)
from langgraph.checkpoint.conformance.store._support import (
    FAKE_DIMS,
    STORE_CHECKS,
    StoreCheck,
    SyncStoreAdapter,
    fake_embed,
)
from langgraph.store.base import IndexConfig

__all__ = ["FAKE_DIMS", "StoreConformance", "fake_embed"]


class StoreConformance:
    """Base class of a store's conformance tests.

    Attributes:
        sync_api: Set to ``False`` when the store's sync methods cannot run in the test
            process (e.g. an ``AsyncBatchedBaseStore`` bound to the test's event loop).
        async_api: Set to ``False`` to skip every async test.
    """

    sync_api: ClassVar[bool] = True
    async_api: ClassVar[bool] = True

    @pytest.fixture
    def store(self) -> Any:
        """Override: yield a fresh, empty store."""
        pytest.fail(f"{type(self).__name__} must define a 'store' fixture")

    @pytest.fixture
    def indexed_store(self) -> Any:
        """Override to run semantic-search checks: a store built with ``index_config()``."""
        pytest.skip(f"{type(self).__name__} provides no 'indexed_store' fixture")

    @pytest.fixture
    def ttl_store(self) -> Any:
        """Override to run TTL checks: a store with ``supports_ttl = True``."""
        pytest.skip(f"{type(self).__name__} provides no 'ttl_store' fixture")

    @staticmethod
    def index_config(fields: list[str] | None = None) -> IndexConfig:
        """The index configuration ``indexed_store`` must use (deterministic fake embedder).

        Args:
            fields: Field paths to embed (default ``["text"]``).

        Returns:
            ``{"dims": FAKE_DIMS, "embed": fake_embed, "fields": fields}``.
        """
        return {"dims": FAKE_DIMS, "embed": fake_embed, "fields": fields or ["text"]}

    def _gate(self, mode: str) -> None:
        if mode == "sync" and not self.sync_api:
            pytest.skip(f"{type(self).__name__}.sync_api is False")
        if mode == "async" and not self.async_api:
            pytest.skip(f"{type(self).__name__}.async_api is False")


def _bodies(chk: StoreCheck) -> tuple[Any, Any]:
    async def async_body(self: StoreConformance, store: Any) -> None:
        self._gate("async")
        await chk.func(store)

    async def sync_body(self: StoreConformance, store: Any) -> None:
        self._gate("sync")
        await chk.func(SyncStoreAdapter(store))

    return async_body, sync_body


for _chk in STORE_CHECKS.values():
    _async_body, _sync_body = _bodies(_chk)
    _doc = _chk.func.__doc__ or f"Store conformance check {_chk.name}."
    setattr(
        StoreConformance,
        f"{_chk.name}_async",
        make_async_test(f"{_chk.name}_async", _chk.fixture, _async_body, _doc),
    )
    setattr(
        StoreConformance,
        f"{_chk.name}_sync",
        make_sync_test(f"{_chk.name}_sync", _chk.fixture, _sync_body, _doc),
    )
