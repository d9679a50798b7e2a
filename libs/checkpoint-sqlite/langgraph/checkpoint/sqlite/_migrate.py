"""Schema migrations of the SQLite saver (statements in :mod:`._sql`)."""

from __future__ import annotations

import logging
import sqlite3
import time

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._policy import begin_write, commit, rollback

__all__ = ["migrate"]

logger = logging.getLogger("langgraph.checkpoint.sqlite")


def _checkpoint_key(old: bytes | str | None) -> bytes | None:
    """A checkpoint id stored by schema version 2, in the form of version 3."""
    if old is None:
        return None
    if isinstance(old, str):
        return codec.ordered_id_key(old)
    if len(old) == 16:
        return codec.ordered_id_key(codec.id_from_key(bytes(old)))
    raise sqlite3.DatabaseError(f"unexpected stored checkpoint id {bytes(old)!r}")


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations, each in its own ``BEGIN IMMEDIATE`` transaction.

    Progress is logged at INFO (logger ``langgraph.checkpoint.sqlite``): the version found
    and each migration applied with its duration; an up-to-date database logs nothing.
    """
    target = len(q.MIGRATIONS)
    if conn.execute(q.HAS_SCHEMA_TABLE).fetchone():
        current = conn.execute(q.SCHEMA_VERSION).fetchone()[0]
        if current == target:
            return
        if current > target:
            raise sqlite3.DatabaseError(
                f"database schema version {current} is newer than this library ({target})"
            )
    # used by migration 3 (the version-2 forms of a checkpoint id: 16 UUID bytes, or text)
    conn.create_function("lg_checkpoint_key", 1, _checkpoint_key, deterministic=True)
    announced = False
    while True:
        started = time.monotonic()
        begin_write(conn)
        try:
            conn.execute(q.CREATE_SCHEMA_TABLE)
            current = conn.execute(q.SCHEMA_VERSION).fetchone()[0]
            if current >= target:
                commit(conn)
                return
            if not announced:
                logger.info("setup: database at version %d, migrating to %d", current, target)
                announced = True
            for statement in q.MIGRATIONS[current]:
                conn.execute(statement)
            conn.execute(q.RECORD_MIGRATION, (current + 1,))
            commit(conn)
        except BaseException:
            rollback(conn)
            raise
        logger.info(
            "setup: applied migration %d of %d in %.2fs",
            current + 1,
            target,
            time.monotonic() - started,
        )
