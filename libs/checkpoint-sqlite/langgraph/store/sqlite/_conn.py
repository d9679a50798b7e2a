"""The connections the SQLite store accepts, and loading ``sqlite-vec`` into one.

The store works on any DB-API connection of an SQLite driver with the standard library's
``sqlite3`` interface: ``sqlite3.Connection`` itself, or a connection of a ``sqlite3``
build from PyPI such as ``pysqlite3`` (``pysqlite3-binary``), whose classes are not
subclasses of the standard library's. :class:`SqliteConnection` is the structural type
of what the store uses.

Vector search runs in SQLite through the ``sqlite-vec`` extension when the connection can
load it. The standard library's ``sqlite3`` is often built without extension loading
(``enable_load_extension`` missing); ``pysqlite3-binary`` can load extensions, so
``pysqlite3.dbapi2.connect(...)`` (or ``from_conn_string(..., sqlite_vec=True)``) gives
the sqlite-vec path on such a Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, cast

__all__ = [
    "SqliteConnection",
    "SqliteCursor",
    "as_sqlite3",
    "extension_connect",
    "load_sqlite_vec",
    "sqlite_vec_problem",
]


class SqliteCursor(Protocol):
    """The part of a DB-API cursor the store uses."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def close(self) -> None: ...


class SqliteConnection(Protocol):
    """The part of a ``sqlite3``-style connection the store uses.

    ``sqlite3.Connection`` and ``pysqlite3.dbapi2.Connection`` both satisfy it.
    """

    @property
    def in_transaction(self) -> bool: ...

    @property
    def Error(self) -> type[Exception]: ...  # noqa: N802 - DB-API attribute name

    def execute(self, sql: str, parameters: Any = ..., /) -> SqliteCursor: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> SqliteCursor: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


def as_sqlite3(conn: SqliteConnection) -> sqlite3.Connection:
    """``conn`` typed for the helpers of ``langgraph.checkpoint.sqlite``.

    Those helpers (connection policy, runners) are annotated with ``sqlite3.Connection``
    but use only the DB-API methods of :class:`SqliteConnection`, which every accepted
    connection has; this is the one place where the store narrows the type for them.
    """
    return cast("sqlite3.Connection", conn)


def sqlite_vec_problem(conn: SqliteConnection) -> str | None:
    """Load ``sqlite-vec`` into ``conn``; return why it cannot be used, or ``None``.

    Extension loading is switched on only while the extension loads.

    Returns:
        ``None`` when ``vec_distance_cosine`` works on ``conn`` afterwards; otherwise a
        sentence saying what is missing (the ``sqlite_vec`` module, extension loading
        in this ``sqlite3`` build, or the load itself failed).
    """
    try:
        import sqlite_vec
    except ImportError:
        return "the sqlite_vec module is not installed (pip install sqlite-vec)"
    enable: Callable[[bool], None] | None = getattr(conn, "enable_load_extension", None)
    if enable is None:
        return (
            f"this connection's SQLite driver ({type(conn).__module__}) was built without "
            "extension loading (no enable_load_extension); use a pysqlite3 connection "
            "(pip install pysqlite3-binary) or a Python whose sqlite3 can load extensions"
        )
    error = conn.Error
    try:
        enable(True)
        try:
            sqlite_vec.load(conn)
        finally:
            enable(False)
        conn.execute("SELECT vec_distance_cosine(?, ?)", (b"\0\0\x80?", b"\0\0\x80?"))
    except (error, AttributeError, OSError) as exc:
        return f"loading sqlite-vec failed: {type(exc).__name__}: {exc}"
    return None


def load_sqlite_vec(conn: SqliteConnection) -> bool:
    """Load ``sqlite-vec`` into ``conn`` if possible.

    Returns:
        ``True`` when the ``sqlite_vec`` module is importable and the connection's driver
        can load extensions; ``False`` otherwise (the store then scores in Python).
    """
    return sqlite_vec_problem(conn) is None


def extension_connect() -> Callable[..., SqliteConnection]:
    """``connect`` of a DB-API module that can load extensions.

    The standard library's ``sqlite3`` when this Python's build can, else
    ``pysqlite3.dbapi2``.

    Raises:
        RuntimeError: Neither is available.
    """
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3.connect
    try:
        import pysqlite3.dbapi2 as ext_sqlite3
    except ImportError as exc:
        raise RuntimeError(
            "sqlite_vec=True needs an SQLite driver that can load extensions: this Python's "
            "sqlite3 cannot and pysqlite3 is not installed (pip install pysqlite3-binary)"
        ) from exc
    connect: Callable[..., SqliteConnection] = ext_sqlite3.connect
    return connect
