"""Connection policy of the SQLite saver and store, written down in one place.

* **WAL** (``journal_mode=WAL``) for file databases: readers never block the writer and
  the writer never blocks readers; several processes can share the file.
* **synchronous=NORMAL** in WAL mode: a commit is atomic and the database can never be
  corrupted by a crash; on *power loss* (not a process crash) the last transactions
  committed before the loss may be rolled back. Pass ``synchronous="FULL"`` to trade
  write speed for that last bit of durability.
* **busy_timeout** (default 5 s): a writer waits for another process's write lock
  instead of failing at once with "database is locked".
* **BEGIN IMMEDIATE** for every write: the write lock is taken up front, so a write
  transaction never fails half-way on a lock upgrade; every saver call is one
  transaction (all of it or nothing).
* Reads run inside a (deferred) ``BEGIN`` ... ``COMMIT`` so that a call reading several
  tables sees one snapshot; a read answered by a single statement (``get_tuple`` with
  warm caches) skips it, since one statement is already a consistent snapshot.
* The saver manages its own transactions and works with a connection opened with default
  settings (``isolation_level=""``); for use from several OS threads open it with
  ``check_same_thread=False`` - the saver serializes calls with a lock.
* ``:memory:`` (and other non-file) databases keep their default journal mode.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "apply_policy",
    "database_path",
    "begin_write",
    "begin_read",
    "commit",
    "rollback",
]

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds a writer waits for another connection's lock."""


def database_path(conn: sqlite3.Connection) -> str:
    """File path of the main database ("" for ``:memory:`` and temporary databases)."""
    for row in conn.execute("PRAGMA database_list").fetchall():
        if row[1] == "main":
            return str(row[2] or "")
    return ""


def apply_policy(
    conn: sqlite3.Connection,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    synchronous: str = "NORMAL",
) -> str:
    """Configure ``conn`` per the module policy; return the database file path."""
    if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    if conn.in_transaction:
        conn.commit()
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    path = database_path(conn)
    if path:
        _switch_to_wal(conn, busy_timeout)
        conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    return path


def _switch_to_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Put a file database in WAL mode, waiting up to ``busy_timeout`` for other processes.

    Switching the journal mode needs the file to itself: when several processes open a new
    database at once, all but one get "database is locked" without SQLite's busy handler
    waiting, so the switch is retried here (one of them wins; the others then find WAL).
    """
    deadline = time.monotonic() + busy_timeout
    delay = 0.002
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except conn.OperationalError as exc:  # the driver's own class (pysqlite3 has its own)
            message = str(exc)
            if "readonly" in message or "read-only" in message:
                return  # a read-only file cannot switch mode; reads still work
            if "locked" not in message and "busy" not in message:
                raise
            if time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _autocommit_false(conn: Any) -> bool:
    # Python >= 3.12 "autocommit=False" mode: a transaction is always open
    return getattr(conn, "autocommit", None) is False


def begin_write(conn: sqlite3.Connection) -> None:
    """Open a write transaction holding the write lock (``BEGIN IMMEDIATE``)."""
    if conn.in_transaction:
        if _autocommit_false(conn):
            conn.commit()
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            return
        conn.commit()  # the caller's pending work: committed, like any other driver call
    conn.execute("BEGIN IMMEDIATE")


def begin_read(conn: sqlite3.Connection) -> None:
    """Open a read snapshot (deferred ``BEGIN``)."""
    if conn.in_transaction:
        return
    conn.execute("BEGIN")


def commit(conn: sqlite3.Connection) -> None:
    """Commit the current transaction, if any."""
    if conn.in_transaction:
        conn.commit()


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the current transaction, if any (never raises)."""
    try:
        if conn.in_transaction:
            conn.rollback()
    except conn.Error:  # the driver's own class (pysqlite3 has its own)
        pass
