"""A database created by an older schema version upgrades in place and reads back.

The tables are created with the migrations as they were at an older version and filled
the way the saver of that version wrote them (version 7: full list hashes inside the
body, task ids as UTF-8 text; version 8: one pending-writes row per write, compact task
ids; the version before ``IDS_VERSION``: checkpoint ids as text); ``setup()`` then applies the later migrations and every value, write and task id
must read back unchanged, with later writes merged by the ``put_writes`` conflict rule.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import lgpg_ids
import ormsgpack
import psycopg
import pytest
from lgpg_workers import config, make_checkpoint

from langgraph.checkpoint.base import WRITES_IDX_MAP
from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.postgres import AsyncPostgresSaver, PostgresSaver, _rows
from langgraph.checkpoint.postgres._sql import MIGRATIONS, Statements

OLD_VERSION = 7
IDS_VERSION = next(v for v, m in enumerate(MIGRATIONS) if "{id_key_fn}" in "".join(m))
"""The migration that stores checkpoint ids as ``_rows.id_key`` (found, not numbered)."""
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
        # channel values moved to lg_elements under the key the saver computes
        with psycopg.connect(pg_uri) as conn:
            row = conn.execute(
                psycopg.sql.SQL("SELECT brefs, to_regclass(%s) FROM {}").format(
                    psycopg.sql.Identifier(pg_schema, "lg_checkpoints")
                ),
                (f"{pg_schema}.lg_blobs",),
            ).fetchone()
        version = codec.version_key(cp["channel_versions"]["doc"])
        version = version if isinstance(version, bytes) else ormsgpack.packb(version)
        assert row == (_rows.blob_key(b"", b"doc", version), None)

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


FUNCTIONS_CREATED = "setup: created the functions of unprepared calls"


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
        assert messages[1 + len(applied) :] == [FUNCTIONS_CREATED]
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
    assert [int(m.split()[3]) for m in messages[1:-1]] == list(range(OLD_VERSION + 1, last + 1))
    assert messages[-1] == FUNCTIONS_CREATED


def _ids_table_rows(
    conn: psycopg.Connection[Any], schema: str, table: str, columns: str
) -> list[tuple[Any, ...]]:
    query = psycopg.sql.SQL("SELECT " + columns + " FROM {}").format(  # noqa: S608
        psycopg.sql.Identifier(schema, table)
    )
    return conn.execute(query).fetchall()


def test_checkpoint_ids_convert_like_id_key(pg_uri: str, pg_schema: str) -> None:
    """The migration's SQL gives every id exactly the bytes of ``_rows.id_key``."""
    ids = sorted(set(lgpg_ids.random_ids(7, 3000, text_only=True)))
    assert sum(map(lgpg_ids.canonical, ids)) > 100
    parents = [None, *ids[:-1]]
    threads = [f"t{i}".encode() for i in range(len(ids))]
    with psycopg.connect(pg_uri) as conn:
        _create_old_schema(conn, pg_schema, old_version=IDS_VERSION - 1)
        with conn.transaction():
            conn.execute(
                psycopg.sql.SQL(
                    "INSERT INTO {} (thread_id, checkpoint_ns, checkpoint_id, parent_id, body,"
                    " blob_channels, blob_versions, hashes, metadata)"
                    " SELECT t, '', i, p, '', '{{}}', '{{}}', '', '{{}}'"
                    " FROM unnest(%s::bytea[], %s::text[], %s::text[]) AS x(t, i, p)"
                ).format(psycopg.sql.Identifier(pg_schema, "lg_checkpoints")),
                (threads, ids, parents),
            )
            conn.execute(
                psycopg.sql.SQL(
                    "INSERT INTO {} (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path,"
                    " data) SELECT t, '', i, 'task', '', '' FROM unnest(%s::bytea[], %s::text[])"
                    " AS x(t, i)"
                ).format(psycopg.sql.Identifier(pg_schema, "lg_writes")),
                (threads, ids),
            )
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
    with psycopg.connect(pg_uri) as conn:
        got = _ids_table_rows(
            conn, pg_schema, "lg_checkpoints", "thread_id, checkpoint_id, parent_id"
        )
        # writes rows now refer to their checkpoint row (migration v14 joins them by
        # thread, namespace and converted id: a mismatch would add a placeholder row)
        writes = conn.execute(
            psycopg.sql.SQL(
                "SELECT c.thread_id, c.checkpoint_id FROM {} w JOIN {} c ON c.sid = w.sid"
            ).format(
                psycopg.sql.Identifier(pg_schema, "lg_writes"),
                psycopg.sql.Identifier(pg_schema, "lg_checkpoints"),
            )
        ).fetchall()
        functions = conn.execute(
            "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = %s",
            (pg_schema,),
        ).fetchall()
    # the migration's helper function is gone; the routines of unprepared calls remain
    assert sorted(f for (f,) in functions) == sorted(r.name for r in saver._stmts.routines)
    by_thread = {bytes(t): i for t, i in zip(threads, range(len(ids)), strict=True)}
    assert len(got) == len(writes) == len(ids)
    for thread, cid, parent in got:
        i = by_thread[bytes(thread)]
        assert bytes(cid) == _rows.id_key(ids[i]), ids[i]
        want = _rows.id_key(parents[i]) if parents[i] is not None else None
        assert (bytes(parent) if parent is not None else None) == want, parents[i]
    for thread, cid in writes:
        assert bytes(cid) == _rows.id_key(ids[by_thread[bytes(thread)]])


MIXED_IDS = [
    "1",
    "2",
    "abc",
    "00000000-0000-0000-0000-00000000000g",
    "zzz",
    "00000000-0000-0000-0000-000000000000",
    str(uuid.UUID(int=0xFEDC_BA98_7654_3210_FEDC_BA98_7654_3210)),
    str(uuid.UUID(int=0x0123_4567_89AB_CDEF_0123_4567_89AB_CDEF)),
    str(uuid.UUID(int=0x0123_4567_89AB_CDEF_0123_4567_89AB_CDEF)).upper(),
    str(uuid.UUID(int=0x0123_4567_89AB_CDEF_0123_4567_89AB_CDEF)) + "-x",
    "\u00e9t\u00e9",
]


def test_checkpoint_ids_of_every_form_read_back_after_the_upgrade(
    pg_uri: str, pg_schema: str
) -> None:
    """Checkpoints with canonical and other ids, written as the saver before
    ``IDS_VERSION`` stored them (ids as text), read back, list and page in string order."""
    thread, ns = "old-ids", ""
    values = {"messages": ["a", "b"], "doc": {"body": "x" * 300}}
    stored: list[tuple[dict[str, Any], dict[str, Any]]] = []
    with psycopg.connect(pg_uri) as conn:
        _create_old_schema(conn, pg_schema, old_version=IDS_VERSION - 1)
        t = {
            name: psycopg.sql.Identifier(pg_schema, name)
            for name in ("lg_checkpoints", "lg_blobs", "lg_elements", "lg_writes")
        }
        with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as old_saver:
            dumps = old_saver.serde.dumps_typed
            previous = None
            for n, cid in enumerate(MIXED_IDS):
                cp, versions = make_checkpoint(old_saver, dict(values, n=n), previous)
                cp["id"] = cid
                stored.append((cp, versions))
                previous = cp
        with conn.transaction():
            for n, (cp, versions) in enumerate(stored):
                enc = codec.encode_checkpoint(cp, versions, dumps)
                body, hashes = _rows.strip_lists(enc.body)
                keys = codec.blob_keys(codec.parse_body(enc.body))
                for elem in enc.elements:
                    conn.execute(
                        psycopg.sql.SQL(
                            "INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING"
                        ).format(t["lg_elements"]),
                        (thread.encode(), elem.hash, elem.data),
                    )
                for channel, key, packed in enc.blobs:
                    conn.execute(
                        psycopg.sql.SQL(
                            "INSERT INTO {} VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                        ).format(t["lg_blobs"]),
                        (thread.encode(), ns.encode(), channel.encode(), key, packed),
                    )
                conn.execute(
                    psycopg.sql.SQL(
                        "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s::bytea[], %s::bytea[],"
                        " %s, %s::jsonb)"
                    ).format(t["lg_checkpoints"]),
                    (
                        thread.encode(),
                        ns.encode(),
                        cp["id"],  # text, as before IDS_VERSION
                        MIXED_IDS[n - 1] if n else None,
                        body,
                        [k[0].encode() for k in keys],
                        [k[1] for k in keys],
                        hashes,
                        f'{{"step": {n}}}',
                    ),
                )
                for task in (UUID_TASK, "t1"):
                    conn.execute(
                        psycopg.sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s)").format(
                            t["lg_writes"]
                        ),
                        (
                            thread.encode(),
                            ns.encode(),
                            cp["id"],
                            _rows.task_key(task),
                            "",
                            _rows.pack_writes(
                                [(0, b"out", codec.encode_value(f"{task} {n}", dumps))]
                            ),
                        ),
                    )

    newest_first = sorted(MIXED_IDS, reverse=True)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        for n, cid in enumerate(MIXED_IDS):
            got = saver.get_tuple(config(thread, cid))
            assert got is not None and got.checkpoint["id"] == cid
            assert got.config["configurable"]["checkpoint_id"] == cid
            assert got.checkpoint["channel_values"] == dict(values, n=n)
            assert got.metadata == {"step": n}
            parent = (
                got.parent_config["configurable"]["checkpoint_id"] if got.parent_config else None
            )
            assert parent == (MIXED_IDS[n - 1] if n else None)
            assert got.pending_writes == [
                (UUID_TASK, "out", f"{UUID_TASK} {n}"),
                ("t1", "out", f"t1 {n}"),
            ]
        latest = saver.get_tuple(config(thread))
        assert latest is not None and latest.checkpoint["id"] == max(MIXED_IDS)
        assert [c.checkpoint["id"] for c in saver.list(config(thread))] == newest_first
        for bound in [*MIXED_IDS, "0", "3", "zz"]:
            listed = saver.list(config(thread), before=config(thread, bound))
            assert [c.checkpoint["id"] for c in listed] == [i for i in newest_first if i < bound]
        # pending writes re-sent to a converted row merge (no duplicate row)
        saver.put_writes(config(thread, "abc"), [("out", "again")], "t1")
        got = saver.get_tuple(config(thread, "abc"))
        assert (
            got is not None and ("t1", "out", f"t1 {MIXED_IDS.index('abc')}") in got.pending_writes
        )
        assert len(got.pending_writes or []) == 2
        # a new checkpoint after the upgrade, child of a non-canonical one, sharing elements
        cp, versions = make_checkpoint(saver, dict(values, n=99), stored[-1][0])
        saver.put(config(thread, "abc"), cp, {"step": 99}, versions)  # type: ignore[arg-type]
        got = saver.get_tuple(config(thread, cp["id"]))
        assert got is not None and got.checkpoint["channel_values"] == dict(values, n=99)
        assert got.parent_config is not None
        assert got.parent_config["configurable"]["checkpoint_id"] == "abc"
        assert [c.checkpoint["id"] for c in saver.list(config(thread))] == sorted(
            [*MIXED_IDS, cp["id"]], reverse=True
        )


def test_tables_not_set_up_name_the_fix(pg_uri: str, pg_schema: str) -> None:
    """Without setup(), or on tables of an older version, an operation fails with its
    own error plus a note saying to call setup()."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        with pytest.raises(psycopg.errors.UndefinedTable) as info:
            saver.get_tuple(config("t"))
        assert "call setup() once" in "\n".join(info.value.__notes__)
    with psycopg.connect(pg_uri) as conn:
        _create_old_schema(conn, pg_schema, IDS_VERSION)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        cp, versions = make_checkpoint(saver, {"messages": ["a", "b"]}, None)
        with pytest.raises(psycopg.errors.UndefinedColumn) as info:
            saver.put(config("t"), cp, {}, versions)  # type: ignore[arg-type]
        assert f"version {len(MIGRATIONS) - 1}" in "\n".join(info.value.__notes__)
        with pytest.raises(psycopg.errors.UndefinedColumn):
            list(saver.list(None))


async def test_async_tables_not_set_up_name_the_fix(pg_uri: str, pg_schema: str) -> None:
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        with pytest.raises(psycopg.errors.UndefinedTable) as info:
            await saver.aget_tuple(config("t"))
        assert "call setup() once" in "\n".join(info.value.__notes__)
