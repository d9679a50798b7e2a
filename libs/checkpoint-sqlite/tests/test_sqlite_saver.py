"""SQLite-specific behaviour: factories, policy, encryption, storage, errors, migrations."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import logging
import os
import pathlib
import shutil
import sqlite3
import threading
from typing import Any

import pytest

from langgraph.checkpoint.errors import StorageError
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite import _sql as q
from langgraph.checkpoint.sqlite._migrate import migrate
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

FIXTURES = pathlib.Path(__file__).with_name("fixtures")
_spec = importlib.util.spec_from_file_location(
    "_sqlite_helpers", pathlib.Path(__file__).with_name("_sqlite_helpers.py")
)
assert _spec is not None and _spec.loader is not None
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
Chat = _helpers.Chat


def _fill(saver: SqliteSaver, chat: Chat, steps: int) -> list[str]:
    ids = []
    for _ in range(steps):
        config, checkpoint, metadata, versions = chat.next()
        saved = saver.put(config, checkpoint, metadata, versions)
        saver.put_writes(saved, [("messages", [chat.message(chat.step)]), ("counter", 1)], "t1")
        chat.committed(saved)
        ids.append(saved["configurable"]["checkpoint_id"])
    return ids


def test_from_conn_string_direct_and_with(db_path: str) -> None:
    saver = SqliteSaver.from_conn_string(db_path)
    _fill(saver, Chat("a"), 3)
    saver.close()
    saver.close()  # idempotent
    with SqliteSaver.from_conn_string(db_path) as again:
        tup = again.get_tuple({"configurable": {"thread_id": "a"}})
        assert tup is not None and len(tup.checkpoint["channel_values"]["messages"]) == 3
    with pytest.raises(sqlite3.ProgrammingError):
        again.conn.execute("SELECT 1")


def test_unclosed_factory_saver_is_collected_quietly(db_path: str) -> None:
    saver = SqliteSaver.from_conn_string(db_path)
    saver.setup()
    del saver  # __del__ closes the connection: no ResourceWarning (warnings are errors)


def test_allowlist_copy_leaves_the_connection_to_the_original(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        _fill(saver, Chat("a"), 1)
        copy = saver.with_allowlist([("mymodule", "Thing")])
        assert copy is not saver and copy.conn is saver.conn
        copy.close()
        del copy  # neither close() nor __del__ of the copy closes the shared connection
        gc.collect()
        assert saver.get_tuple({"configurable": {"thread_id": "a"}}) is not None
    with pytest.raises(sqlite3.ProgrammingError):
        saver.conn.execute("SELECT 1")


async def test_async_allowlist_copy_leaves_the_connection_to_the_original(db_path: str) -> None:
    async with AsyncSqliteSaver.from_conn_string(db_path) as saver:
        copy = saver.with_allowlist([("mymodule", "Thing")])
        assert copy is not saver and copy.conn is saver.conn
        await copy.aclose()
        del copy
        gc.collect()
        assert await saver.aget_tuple({"configurable": {"thread_id": "a"}}) is None
    assert saver.conn._connection is None


def test_connection_policy(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path, busy_timeout=2.5) as saver:
        saver.setup()
        conn = saver.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
        assert saver.is_setup


def test_default_connection_settings_work(db_path: str) -> None:
    conn = sqlite3.connect(db_path)  # isolation_level "" and check_same_thread=True
    try:
        saver = SqliteSaver(conn)
        _fill(saver, Chat("a"), 2)
        assert not conn.in_transaction
        assert asyncio.run(saver.aget_tuple({"configurable": {"thread_id": "a"}})) is not None
    finally:
        conn.close()


def test_encryption_covers_values_and_writes(db_path: str) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=b"k" * 16)
    secret = "TOP-SECRET-PAYLOAD"
    with SqliteSaver.from_conn_string(db_path, serde=serde) as saver:
        chat = Chat("enc")
        chat.message = lambda i: {"id": str(i), "content": f"{secret} {i} " * 5}  # type: ignore[method-assign]
        _fill(saver, chat, 5)
        config, checkpoint, metadata, versions = chat.next()
        checkpoint["channel_values"]["counter"] = secret + "-scalar"
        checkpoint["channel_values"]["doc"] = {"text": secret + "-blob"}
        checkpoint["channel_versions"]["doc"] = chat.version
        versions["doc"] = chat.version
        saved = saver.put(config, checkpoint, metadata, versions)
        saver.put_writes(saved, [("out", secret + "-write")], "t9")
        tup = saver.get_tuple(saved)
        assert tup is not None
        assert tup.checkpoint["channel_values"]["doc"] == {"text": secret + "-blob"}
        assert tup.pending_writes == [("t9", "out", secret + "-write")]
        rows = saver.conn.execute("SELECT count(*) FROM lg_elements").fetchone()[0]
        assert rows == 6  # elements deduplicated despite random nonces
        saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = pathlib.Path(db_path).read_bytes()
    assert secret.encode() not in raw


def test_element_hashes_keyed_by_the_encryption_key(db_path: str) -> None:
    import hashlib

    from langgraph.checkpoint.base import _codec as codec

    serde = EncryptedSerializer.from_pycryptodome_aes(key=b"k" * 16)
    chat = Chat("keyed")
    with SqliteSaver.from_conn_string(db_path, serde=serde) as saver:
        _fill(saver, chat, 4)
        db_key = bytes(saver.conn.execute(q.GET_STATE).fetchone()[1])
        stored = {bytes(r[0]) for r in saver.conn.execute("SELECT hash FROM lg_elements")}
        got = saver.get_tuple({"configurable": {"thread_id": "keyed", "checkpoint_ns": ""}})
        assert got is not None and got.checkpoint["channel_values"]["messages"] == chat.messages
    assert serde.hash_key is not None
    mixed = hashlib.blake2b(db_key, key=serde.hash_key, digest_size=32).digest()
    plain = [codec.pack_typed(serde.serde.dumps_typed(m)) for m in chat.messages]
    assert stored == {codec.element_hash(p, mixed) for p in plain}
    # the database's own key alone (in the same file) confirms no guessed message
    assert not stored & {codec.element_hash(p, db_key) for p in plain}


def test_storage_growth_is_bounded(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        chat = Chat("grow", size=400)
        _fill(saver, chat, 20)
        conn = saver.conn

        def used() -> int:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            return int((pages - free) * conn.execute("PRAGMA page_size").fetchone()[0])

        before = used()
        _fill(saver, chat, 100)
        per_step = (used() - before) / 100
        # each step adds one 400-byte message (+ its write) and a 16-byte reference per
        # element; a full copy of the history would cost ~ 60 * 400 = 24 KB per step
        assert per_step < 4 * 400 + 16 * 120, per_step


def test_get_latest_does_bounded_work(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        chat = Chat("h")
        statements: list[str] = []
        _fill(saver, chat, 5)
        saver.engine.clear_caches()
        saver.conn.set_trace_callback(statements.append)
        saver.get_tuple({"configurable": {"thread_id": "h"}})
        short = len(statements)
        _fill(saver, chat, 200)
        saver.engine.clear_caches()
        statements.clear()
        saver.get_tuple({"configurable": {"thread_id": "h"}})
        saver.conn.set_trace_callback(None)
        assert len(statements) <= short + 1


def test_gc_after_prune_and_delete_for_runs(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        chat = Chat("p")
        _fill(saver, chat, 10)
        saver.prune(["p"], strategy="keep_latest", keep=2)
        conn = saver.conn
        assert conn.execute("SELECT count(*) FROM lg_checkpoints").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM lg_elements").fetchone()[0] == 10
        saver.delete_for_runs(["run-0", "run-1", "run-2"])
        assert conn.execute("SELECT count(*) FROM lg_checkpoints").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM lg_elements").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM lg_writes").fetchone()[0] == 0


def test_cache_invalidated_by_other_connection(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as one, SqliteSaver.from_conn_string(db_path) as two:
        _fill(one, Chat("x"), 3)
        assert one.get_tuple({"configurable": {"thread_id": "x"}}) is not None
        two.delete_thread("x")
        assert one.get_tuple({"configurable": {"thread_id": "x"}}) is None
        chat = Chat("x")
        chat.message = lambda i: {"id": "other", "content": str(i)}  # type: ignore[method-assign]
        _fill(two, chat, 2)
        tup = one.get_tuple({"configurable": {"thread_id": "x"}})
        assert tup is not None and tup.checkpoint["channel_values"]["messages"][0]["id"] == "other"


def test_corrupt_or_foreign_file_raises_storage_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 200)
    with SqliteSaver.from_conn_string(str(path)) as saver:
        with pytest.raises(StorageError, match="junk.db") as info:
            saver.get_tuple({"configurable": {"thread_id": "a"}})
        assert isinstance(info.value.__cause__, sqlite3.DatabaseError)


def test_read_only_database(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        _fill(saver, Chat("ro"), 2)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        saver = SqliteSaver(conn)
        assert saver.get_tuple({"configurable": {"thread_id": "ro"}}) is not None
        with pytest.raises(StorageError, match="put"):
            _fill(saver, Chat("other"), 1)
    finally:
        conn.close()


def test_full_disk_stores_nothing_half_way(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        chat = Chat("full")
        _fill(saver, chat, 2)
        pages = saver.conn.execute("PRAGMA page_count").fetchone()[0]
        saver.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
        config, checkpoint, metadata, versions = chat.next()
        checkpoint["channel_values"]["messages"] = [
            {"blob": os.urandom(300).hex()} for _ in range(40)
        ]
        with pytest.raises(StorageError, match="full"):
            saver.put(config, checkpoint, metadata, versions)
        assert len(list(saver.list({"configurable": {"thread_id": "full"}}))) == 2
        assert saver.conn.execute("SELECT count(*) FROM lg_elements").fetchone()[0] == 2


def test_migrations_idempotent_and_versioned(db_path: str) -> None:
    conn = sqlite3.connect(db_path)
    try:
        migrate(conn)
        migrate(conn)
        versions = [r[0] for r in conn.execute("SELECT version FROM lg_schema ORDER BY 1")]
        assert versions == list(range(1, len(q.MIGRATIONS) + 1))
    finally:
        conn.close()


def test_upgrade_from_version_1_fixture(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "schema_v1.db", path)
    with SqliteSaver.from_conn_string(str(path)) as saver:
        tup = saver.get_tuple({"configurable": {"thread_id": "fixture"}})
        assert tup is not None
        assert len(tup.checkpoint["channel_values"]["messages"]) == 3
        assert tup.pending_writes == [("t1", "messages", [{"id": "w"}])]
        conn = saver.conn
        assert conn.execute("SELECT max(version) FROM lg_schema").fetchone()[0] == len(q.MIGRATIONS)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "lg_checkpoints_run_id" in names
        assert [t.metadata["run_id"] for t in saver.list(None, filter={"run_id": "r1"})] == ["r1"]


def test_setup_logs_migration_progress(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Upgrading logs the version found and each migration applied; a current database
    logs nothing."""
    caplog.set_level(logging.INFO, logger="langgraph.checkpoint.sqlite")
    path = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "schema_v1.db", path)
    with SqliteSaver.from_conn_string(str(path)) as saver:
        saver.setup()
    target = len(q.MIGRATIONS)
    got = [r.getMessage() for r in caplog.records if r.name == "langgraph.checkpoint.sqlite"]
    assert got[0] == f"setup: database at version 1, migrating to {target}"
    assert [int(m.split()[3]) for m in got[1:]] == list(range(2, target + 1))
    assert all(m.split()[5] == str(target) and m.endswith("s") for m in got[1:])
    caplog.clear()
    with SqliteSaver.from_conn_string(str(path)) as saver:
        saver.setup()
    assert [r for r in caplog.records if r.name == "langgraph.checkpoint.sqlite"] == []


async def test_async_saver_sync_bridge_and_refusal(db_path: str) -> None:
    async with AsyncSqliteSaver.from_conn_string(db_path) as saver:
        chat = Chat("bridge")
        config, checkpoint, metadata, versions = chat.next()
        saved = await saver.aput(config, checkpoint, metadata, versions)
        with pytest.raises(asyncio.InvalidStateError, match="own thread"):
            saver.get_tuple(saved)
        got = await asyncio.to_thread(saver.get_tuple, saved)
        assert got is not None and got.checkpoint["id"] == checkpoint["id"]
        listed = await asyncio.to_thread(lambda: list(saver.list(None)))
        assert len(listed) == 1


def test_async_factory_usable_directly(db_path: str) -> None:
    async def main() -> None:
        saver = AsyncSqliteSaver.from_conn_string(db_path)
        try:
            assert await saver.aget_tuple({"configurable": {"thread_id": "z"}}) is None
        finally:
            await saver.aclose()

    asyncio.run(main())


def test_many_threads_share_one_saver(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        errors: list[BaseException] = []

        def work(i: int) -> None:
            try:
                _fill(saver, Chat(f"t{i}"), 10)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert len(list(saver.list(None))) == 80


MIXED_IDS = [
    "1ef00000-0000-6000-8000-000000000001",
    "abc",
    "f0000000-0000-6000-8000-000000000001",
    "0",
    "zzz",
    "1ef00000-0000-6000-8000-000000000001x",
    "1EF00000-0000-6000-8000-000000000002",
    "1ef0000",
    "\u00e9t\u00e9",
]


def _put_ids(saver: SqliteSaver, thread: str, ids: list[str]) -> None:
    from langgraph.checkpoint.base import empty_checkpoint

    for i, cid in enumerate(ids):
        cp = dict(empty_checkpoint())
        cp["id"] = cid
        cp["channel_values"] = {"n": i}
        cp["channel_versions"] = {"n": i + 1}
        parent = ids[i - 1] if i else None
        config: dict[str, Any] = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
        if parent is not None:
            config["configurable"]["checkpoint_id"] = parent
        saved = saver.put(config, cp, {"i": i}, {"n": i + 1})  # type: ignore[arg-type]
        saver.put_writes(saved, [("w", cid)], f"task-{i}")


def _check_string_order(listed: list[Any], ids: list[str], latest: Any) -> None:
    assert [t.checkpoint["id"] for t in listed] == sorted(ids, reverse=True)
    assert latest is not None and latest.checkpoint["id"] == max(ids)
    for t in listed:
        i = ids.index(t.checkpoint["id"])
        assert t.checkpoint["channel_values"] == {"n": i}
        assert t.pending_writes == [(f"task-{i}", "w", ids[i])]
        parent = t.parent_config["configurable"]["checkpoint_id"] if t.parent_config else None
        assert parent == (ids[i - 1] if i else None)


def test_mixed_checkpoint_ids_list_in_string_order(db_path: str) -> None:
    """UUIDs and other ids in one thread order, page and pick "latest" like strings."""
    with SqliteSaver.from_conn_string(db_path) as saver:
        _put_ids(saver, "mixed", MIXED_IDS)
        cfg = {"configurable": {"thread_id": "mixed"}}
        _check_string_order(list(saver.list(cfg)), MIXED_IDS, saver.get_tuple(cfg))
        for before in ("abc", "1ef00000-0000-6000-8000-000000000001", "1ef0000"):
            got = [
                t.checkpoint["id"]
                for t in saver.list(cfg, before={"configurable": {"checkpoint_id": before}})
            ]
            assert got == sorted((i for i in MIXED_IDS if i < before), reverse=True)
        assert [t.checkpoint["id"] for t in saver.list(cfg, limit=3)] == sorted(
            MIXED_IDS, reverse=True
        )[:3]


async def test_async_mixed_checkpoint_ids_list_in_string_order(db_path: str) -> None:
    with SqliteSaver.from_conn_string(db_path) as saver:
        _put_ids(saver, "mixed", MIXED_IDS)
    async with AsyncSqliteSaver.from_conn_string(db_path) as asaver:
        cfg = {"configurable": {"thread_id": "mixed"}}
        listed = [t async for t in asaver.alist(cfg)]
        _check_string_order(listed, MIXED_IDS, await asaver.aget_tuple(cfg))


def test_version_2_checkpoint_ids_upgrade_to_ordered_keys(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database written by schema version 2 (UUIDs as 16 bytes, other ids as text)
    upgrades in place and then lists in string order."""
    from langgraph.checkpoint.base import _codec as codec

    saved = list(q.MIGRATIONS)
    with monkeypatch.context() as patch:  # the version-2 saver: old key forms, 2 migrations
        patch.setattr(q, "MIGRATIONS", saved[:2])
        patch.setattr(codec, "ordered_id_key", codec.id_key)
        patch.setattr(codec, "ordered_id_from_key", codec.id_from_key)
        with SqliteSaver.from_conn_string(db_path) as old:
            _put_ids(old, "mixed", MIXED_IDS)
            kinds = {r[0] for r in old.conn.execute("SELECT typeof(cid) FROM lg_checkpoints")}
            assert kinds == {"blob", "text"}
            # what version 2 got wrong: every text id sorted before every UUID
            assert (
                old.get_tuple({"configurable": {"thread_id": "mixed"}}).checkpoint[  # type: ignore[union-attr]
                    "id"
                ]
                == "f0000000-0000-6000-8000-000000000001"
            )
    with SqliteSaver.from_conn_string(db_path) as saver:
        cfg = {"configurable": {"thread_id": "mixed"}}
        _check_string_order(list(saver.list(cfg)), MIXED_IDS, saver.get_tuple(cfg))
        version = saver.conn.execute("SELECT max(version) FROM lg_schema").fetchone()[0]
        assert version == len(q.MIGRATIONS) == 3
        stored = [r[0] for r in saver.conn.execute("SELECT cid FROM lg_checkpoints")]
        assert sorted(stored) == sorted(codec.ordered_id_key(i) for i in MIXED_IDS)


MIXED_TASKS = [
    "task-b",
    "1ef00000-0000-6000-8000-000000000001",
    "A",
    "f0000000-0000-6000-8000-000000000001",
    "1EF00000-0000-6000-8000-000000000001",
]


async def test_pending_writes_of_mixed_task_ids_sort_by_task_then_idx(db_path: str) -> None:
    """Writes come back by (task id string, idx) even when UUID task ids (stored as blobs)
    and other ids (text) share a checkpoint."""
    from langgraph.checkpoint.base import empty_checkpoint

    expected = sorted((t, i) for t in MIXED_TASKS for i in range(2))
    with SqliteSaver.from_conn_string(db_path) as saver:
        cp = dict(empty_checkpoint())
        saved = saver.put({"configurable": {"thread_id": "t", "checkpoint_ns": ""}}, cp, {}, {})  # type: ignore[arg-type]
        for task in MIXED_TASKS:
            saver.put_writes(saved, [("c", (task, 0)), ("c", (task, 1))], task)
        got = saver.get_tuple(saved)
        assert got is not None
        assert [w[2] for w in got.pending_writes or []] == expected
        listed = list(saver.list({"configurable": {"thread_id": "t"}}))
        assert [w[2] for w in listed[0].pending_writes or []] == expected
    async with AsyncSqliteSaver.from_conn_string(db_path) as asaver:
        got = await asaver.aget_tuple(saved)
        assert got is not None
        assert [w[2] for w in got.pending_writes or []] == expected
