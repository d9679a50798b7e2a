"""A database created by an older schema version upgrades in place and reads back.

The tables are created with the migrations as they were at an older version and filled
the way the saver of that version wrote them (version 7: full list hashes inside the
body, task ids as UTF-8 text; version 8: one pending-writes row per write, compact task
ids); ``setup()`` then applies the later migrations and every value, write and task id
must read back unchanged, with later writes merged by the ``put_writes`` conflict rule.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import ormsgpack
import psycopg
from lgpg_workers import config, make_checkpoint

from langgraph.checkpoint.base import WRITES_IDX_MAP
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.postgres import AsyncPostgresSaver, PostgresSaver, _rows
from langgraph.checkpoint.postgres._sql import MIGRATIONS, Statements

OLD_VERSION = 7
UUID_TASK = str(uuid.UUID(int=0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0))
TASK_16 = "sixteen-chars-id"  # exactly 16 bytes of UTF-8
TASKS = [UUID_TASK, TASK_16, "t1", "tâche-ünïcode"]


def _create_old_schema(
    conn: psycopg.Connection[Any], schema: str, old_version: int = OLD_VERSION
) -> None:
    stmts = Statements.build(schema)
    assert stmts.create_schema is not None
    with conn.transaction():
        conn.execute(stmts.create_schema)
        conn.execute(stmts.create_migrations)
        for version in range(old_version + 1):
            for statement in stmts.migrations[version]:
                conn.execute(statement)
            conn.execute(stmts.record_version, (version,))


def _write_old_rows(
    conn: psycopg.Connection[Any], schema: str, saver: PostgresSaver, with_writes: bool = True
) -> Any:
    """One checkpoint and its writes, stored exactly as the version-7 saver did."""
    values = {
        "messages": [{"role": "user", "text": "hi"}, {"role": "ai", "text": "hello"}],
        "doc": {"title": "a blob value", "body": "x" * 300},
        "n": 7,
    }
    cp, versions = make_checkpoint(saver, values, None)
    enc = codec.encode_checkpoint(cp, versions, saver.serde.dumps_typed)
    keys, hashes = codec.body_refs(enc.body)
    t = {
        name: psycopg.sql.Identifier(schema, name)
        for name in ("lg_checkpoints", "lg_blobs", "lg_elements", "lg_writes")
    }
    thread, ns = b"old-thread", b""
    with conn.transaction():
        for elem in enc.elements:
            conn.execute(
                psycopg.sql.SQL("INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING").format(
                    t["lg_elements"]
                ),
                (thread, elem.hash, elem.data),
            )
        for channel, key, packed in enc.blobs:
            conn.execute(
                psycopg.sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s)").format(t["lg_blobs"]),
                (
                    thread,
                    ns,
                    channel.encode(),
                    key if isinstance(key, bytes) else ormsgpack.packb(key),
                    packed,
                ),
            )
        conn.execute(
            psycopg.sql.SQL(
                "INSERT INTO {} VALUES (%s, %s, %s, NULL, %s, %s::bytea[], %s::bytea[], %s, %s::jsonb)"
            ).format(t["lg_checkpoints"]),
            (
                thread,
                ns,
                cp["id"],
                enc.body,  # the list hashes inside the body, as version 7 stored them
                [k[0].encode() for k in keys],
                [k[1] if isinstance(k[1], bytes) else ormsgpack.packb(k[1]) for k in keys],
                b"".join(hashes),
                '{"source": "input", "step": -1}',
            ),
        )
        for i, task in enumerate(TASKS if with_writes else []):
            conn.execute(
                psycopg.sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, 0, %s, '', %s)").format(
                    t["lg_writes"]
                ),
                (
                    thread,
                    ns,
                    cp["id"],
                    task.encode(),  # version 7: the UTF-8 text of every task id
                    b"out",
                    codec.encode_value(f"written by {i}", saver.serde.dumps_typed),
                ),
            )
    return cp, values


def test_version_7_database_upgrades_in_place(pg_uri: str, pg_schema: str) -> None:
    with psycopg.connect(pg_uri) as conn:
        _create_old_schema(conn, pg_schema)
        with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as old_saver:
            cp, values = _write_old_rows(conn, pg_schema, old_saver)

    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        with psycopg.connect(pg_uri) as conn:
            applied = conn.execute(
                psycopg.sql.SQL("SELECT max(v) FROM {}").format(
                    psycopg.sql.Identifier(pg_schema, "lg_migrations")
                )
            ).fetchone()
        assert applied == (len(MIGRATIONS) - 1,)
        assert len(MIGRATIONS) - 1 > OLD_VERSION

        expected_writes = sorted((task, "out", f"written by {i}") for i, task in enumerate(TASKS))
        got = saver.get_tuple(config("old-thread"))
        assert got is not None
        assert got.checkpoint["id"] == cp["id"]
        assert got.checkpoint["channel_values"] == values
        assert got.checkpoint["channel_versions"] == cp["channel_versions"]
        assert got.metadata == {"source": "input", "step": -1}
        assert sorted(got.pending_writes or []) == expected_writes
        listed = list(saver.list(config("old-thread")))
        assert [t.checkpoint["channel_values"] for t in listed] == [values]

        # writes re-sent after the upgrade match the converted rows: no duplicates
        for task in TASKS:
            saver.put_writes(config("old-thread", cp["id"]), [("out", "again")], task)
        got = saver.get_tuple(config("old-thread"))
        assert got is not None and sorted(got.pending_writes or []) == expected_writes

        # and the upgraded thread keeps growing normally, sharing the old elements
        new_values = dict(values, messages=[*values["messages"], {"role": "user", "text": "more"}])
        nxt, versions = make_checkpoint(saver, new_values, cp)
        saver.put(config("old-thread", cp["id"]), nxt, {"source": "loop", "step": 0}, versions)  # type: ignore[arg-type]
        latest = saver.get_tuple(config("old-thread"))
        assert (
            latest is not None
            and latest.checkpoint["channel_values"]["messages"] == (new_values["messages"])
        )
        old = saver.get_tuple(config("old-thread", cp["id"]))
        assert old is not None and old.checkpoint["channel_values"] == values
        saver.prune(["old-thread"], keep=1)
        assert [t.checkpoint["id"] for t in saver.list(config("old-thread"))] == [nxt["id"]]


def test_version_8_writes_become_one_row_per_task(pg_uri: str, pg_schema: str) -> None:
    """Version 9 groups the per-write rows of version 8 into one row per task."""
    v8_rows = [  # (task id, idx, channel, value) as the version-8 saver stored them
        (UUID_TASK, 0, "a", "a0"),
        (UUID_TASK, 1, "b", "b1"),
        (UUID_TASK, WRITES_IDX_MAP["__error__"], "__error__", "boom"),
        (TASK_16, 0, "a", "x"),
        ("t1", WRITES_IDX_MAP["__interrupt__"], "__interrupt__", "pause"),
    ]
    with psycopg.connect(pg_uri) as conn:
        _create_old_schema(conn, pg_schema, old_version=8)
        with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as old_saver:
            cp, values = _write_old_rows(conn, pg_schema, old_saver, with_writes=False)
            dumps = old_saver.serde.dumps_typed
        table = psycopg.sql.Identifier(pg_schema, "lg_writes")
        with conn.transaction():
            for task, idx, channel, value in v8_rows:
                conn.execute(
                    psycopg.sql.SQL(
                        "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    ).format(table),
                    (
                        b"old-thread",
                        b"",
                        cp["id"],
                        _rows.task_key(task),
                        idx,
                        channel.encode(),
                        "~path",
                        codec.encode_value(value, dumps),
                    ),
                )

    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        with psycopg.connect(pg_uri) as conn:
            rows = conn.execute(
                psycopg.sql.SQL("SELECT count(*), min(task_path) FROM {}").format(table)
            ).fetchone()
            pkey = conn.execute(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
                (pg_schema, "lg_writes_pkey"),
            ).fetchone()
        assert rows == (3, "~path")  # one row per task
        assert pkey == (1,)

        def pending() -> list[tuple[str, str, Any]]:
            got = saver.get_tuple(config("old-thread"))
            assert got is not None and got.checkpoint["channel_values"] == values
            return list(got.pending_writes or [])

        # ordered by (task id, idx), exactly as before the upgrade
        expected = [
            (task, channel, value)
            for task, _idx, channel, value in sorted(v8_rows, key=lambda r: (r[0], r[1]))
        ]
        assert pending() == expected

        cfg = config("old-thread", cp["id"])
        # a regular call keeps stored idx values and adds the new idx
        saver.put_writes(cfg, [("a", "new"), ("b", "new"), ("c", "c2")], UUID_TASK)
        # a call of special channels only replaces
        saver.put_writes(cfg, [("__error__", "boom again")], UUID_TASK)
        saver.put_writes(cfg, [("__interrupt__", "pause again")], "t1")
        got = [w for w in pending() if w[0] == UUID_TASK]
        assert got == [
            (UUID_TASK, "__error__", "boom again"),
            (UUID_TASK, "a", "a0"),
            (UUID_TASK, "b", "b1"),
            (UUID_TASK, "c", "c2"),
        ]
        assert [w for w in pending() if w[0] == "t1"] == [("t1", "__interrupt__", "pause again")]
        assert [w for w in pending() if w[0] == TASK_16] == [(TASK_16, "a", "x")]


def _setup_messages(caplog: Any) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "langgraph.checkpoint.postgres" and r.levelno == logging.INFO
    ]


def test_setup_logs_its_progress(pg_uri: str, pg_schema: str, caplog: Any) -> None:
    """Each applied migration is logged with its version and duration; an up-to-date
    schema logs nothing; an upgrade logs only the versions it applies."""
    last = len(MIGRATIONS) - 1
    caplog.set_level(logging.INFO, logger="langgraph.checkpoint.postgres")
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _setup_messages(caplog)
        assert messages[0] == f"setup: schema {pg_schema} at version -1, migrating to {last}"
        applied = [m for m in messages[1:] if m.startswith("setup: applied migration ")]
        assert [int(m.split()[3]) for m in applied] == list(range(last + 1))
        assert all(m.split()[5] == str(last) and m.endswith("s") for m in applied)
        caplog.clear()
        saver.setup()
        assert _setup_messages(caplog) == []

    old_schema = pg_schema + "_old"
    with psycopg.connect(pg_uri) as conn:
        _create_old_schema(conn, old_schema)
    caplog.clear()

    async def upgrade() -> None:
        async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=old_schema) as asaver:
            await asaver.setup()

    asyncio.run(upgrade())
    messages = _setup_messages(caplog)
    assert (
        messages[0] == f"setup: schema {old_schema} at version {OLD_VERSION}, migrating to {last}"
    )
    assert [int(m.split()[3]) for m in messages[1:]] == list(range(OLD_VERSION + 1, last + 1))
