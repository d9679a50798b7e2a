"""Fixtures of the store tests: an SQLite driver that can load sqlite-vec.

``pysqlite3-binary`` and ``sqlite-vec`` are dev dependencies with wheels for Linux x86_64,
so there the sqlite-vec tests always run (a missing package is an error, not a skip).
Elsewhere they run when this Python's own ``sqlite3`` can load extensions, and are
skipped with a reason only when no driver can.
"""

from __future__ import annotations

import platform
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

import pytest

WHEEL_PLATFORM = sys.platform.startswith("linux") and platform.machine() == "x86_64"
"""pysqlite3-binary and sqlite-vec publish wheels here: their tests must run."""


def _extension_connect() -> Callable[..., Any] | None:
    try:
        import pysqlite3.dbapi2 as ext_sqlite3
    except ImportError:
        if WHEEL_PLATFORM:
            raise  # a dev dependency on this platform: the environment is incomplete
        if hasattr(sqlite3.Connection, "enable_load_extension"):
            return sqlite3.connect
        return None
    connect: Callable[..., Any] = ext_sqlite3.connect
    return connect


EXT_CONNECT = _extension_connect()
"""``connect`` of a driver that can load extensions (pysqlite3 here), or ``None``."""


@pytest.fixture
def ext_connect() -> Callable[..., Any]:
    """``connect`` of an SQLite driver that can load sqlite-vec."""
    if EXT_CONNECT is None:  # pragma: no cover - only on platforms without wheels
        assert not WHEEL_PLATFORM
        pytest.skip(
            f"no pysqlite3 wheel for {sys.platform}/{platform.machine()} and this Python's "
            "sqlite3 cannot load extensions"
        )
    return EXT_CONNECT


@pytest.fixture
def pysqlite3_dbapi2() -> Any:
    """The ``pysqlite3.dbapi2`` module (for examples written against it)."""
    try:
        import pysqlite3.dbapi2 as ext_sqlite3
    except ImportError:  # pragma: no cover - only on platforms without wheels
        if WHEEL_PLATFORM:
            raise
        pytest.skip(f"no pysqlite3 wheel for {sys.platform}/{platform.machine()}")
    return ext_sqlite3
