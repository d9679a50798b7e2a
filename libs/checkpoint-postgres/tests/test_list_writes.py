"""A pending write whose value is a list of non-scalars keeps its elements in lg_elements.

A message a task writes and the next checkpoint then holds is stored once; everything
reads back as written (cold savers, encryption, merges, copies) and garbage collection
keeps what a write still refers to.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from lgpg_workers import config
from psycopg import sql
from test_hash_prefixes import _add_element, _full_hash, _twin

from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres import AsyncPostgresSaver, PostgresSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer


def _cp(i: int, messages: list[Any]) -> dict[str, Any]:
    cp = dict(empty_checkpoint())
    cp["id"] = f"1ef00000-0000-6000-8000-{i:012x}"
    cp["v"] = 4
    cp["channel_values"] = {"messages": messages, "n": i}
    cp["channel_versions"] = {"messages": i + 1, "n": i + 1}
    return cp


def _count(uri: str, schema: str, table: str, where: str = "TRUE") -> int:
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE " + where).format(  # noqa: S608 - test constants
                sql.Identifier(schema, table)
            )
        ).fetchone()
    assert row is not None
    return int(row[0])


def _chat(saver: PostgresSaver, thread: str, steps: int) -> list[Any]:
    """Each step: a checkpoint holding the history, then a task writing the next message."""
    messages: list[Any] = []
    parent = None
    for i in range(steps):
        cp = _cp(i, list(messages))
        saved = saver.put(config(thread, parent), cp, {"step": i}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        msg = {"role": "ai", "content": f"reply {i} " + "words " * 20}
        saver.put_writes(saved, [("messages", [msg]), ("n", i + 1)], f"task-{i}")
        messages.append(msg)
        parent = cp["id"]
    return messages


def test_a_written_message_is_stored_once(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _chat(saver, "once", steps=5)
        # every message: one element, shared by its write and the checkpoints after it
        assert _count(pg_uri, pg_schema, "lg_elements") == 5
        assert _count(pg_uri, pg_schema, "lg_writes", "length(refs) = 16") == 5
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        latest = cold.get_tuple(config("once"))
        assert latest is not None
        assert latest.checkpoint["channel_values"]["messages"] == messages[:4]
        assert latest.pending_writes == [
            ("task-4", "messages", [messages[4]]),
            ("task-4", "n", 5),
        ]
        listed = list(cold.list(config("once")))
        assert [t.pending_writes for t in listed][-1] == [
            ("task-0", "messages", [messages[0]]),
            ("task-0", "n", 1),
        ]


async def test_async_list_writes_round_trip(pg_uri: str, pg_schema: str) -> None:
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        cp = _cp(0, [])
        saved = await saver.aput(config("a"), cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        values: list[Any] = [{"x": 1}, None, "text", b"raw", [1, {"y": 2}], {"x": 1}]
        await saver.aput_writes(saved, [("items", values), ("other", [{"z": 0}])], "t1")
        await saver.aput_writes(saved, [("items", [{"q": 1}])], "t0")
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        got = await cold.aget_tuple(config("a"))
        assert got is not None
        assert got.pending_writes == [
            ("t0", "items", [{"q": 1}]),
            ("t1", "items", values),
            ("t1", "other", [{"z": 0}]),
        ]


def test_encrypted_list_writes(pg_uri: str, pg_schema: str) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=b"k" * 32)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=serde) as saver:
        saver.setup()
        messages = _chat(saver, "secret", steps=3)
        with psycopg.connect(pg_uri) as conn:
            values = [
                bytes(r[0])
                for r in conn.execute(
                    sql.SQL("SELECT value FROM {}").format(sql.Identifier(pg_schema, "lg_elements"))
                )
            ]
        assert len(values) == 3 and not any(b"reply" in v for v in values)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=serde) as cold:
        got = cold.get_tuple(config("secret"))
        assert got is not None
        assert got.pending_writes == [("task-2", "messages", [messages[2]]), ("task-2", "n", 3)]


def test_resent_and_merged_list_writes(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cp = _cp(0, [])
        saved = saver.put(config("m"), cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        first = [{"m": 1}, {"m": 2}]
        saver.put_writes(saved, [("messages", first), ("k", 1)], "task")
        # the same call again, and a later call with another value at idx 0: first wins
        saver.put_writes(saved, [("messages", first), ("k", 1)], "task")
        saver.put_writes(saved, [("messages", [{"m": 3}]), ("k", 2), ("extra", [{"e": 1}])], "task")
        # special channels replace
        saver.put_writes(saved, [("__interrupt__", [{"value": "ask"}])], "task")
        saver.put_writes(saved, [("__interrupt__", [{"value": "again"}])], "task")
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        got = cold.get_tuple(config("m"))
        assert got is not None
        assert got.pending_writes == [  # by idx: special channels first
            ("task", "__interrupt__", [{"value": "again"}]),
            ("task", "messages", first),
            ("task", "k", 1),
            ("task", "extra", [{"e": 1}]),
        ]


def test_gc_keeps_what_writes_refer_to(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _chat(saver, "gc", steps=4)
        # the message written for the last checkpoint is held by no checkpoint yet
        saver.prune(["gc"], keep=1)
        assert _count(pg_uri, pg_schema, "lg_checkpoints") == 1
        assert _count(pg_uri, pg_schema, "lg_writes") == 1
        # kept: messages 0-2 (the latest checkpoint's list) and 3 (its write)
        assert _count(pg_uri, pg_schema, "lg_elements") == 4
        saver.copy_thread("gc", "gc-copy")
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        for thread in ("gc", "gc-copy"):
            got = cold.get_tuple(config(thread))
            assert got is not None
            assert got.checkpoint["channel_values"]["messages"] == messages[:3]
            assert got.pending_writes == [
                ("task-3", "messages", [messages[3]]),
                ("task-3", "n", 4),
            ]
        cold.delete_thread("gc")
        assert _count(pg_uri, pg_schema, "lg_elements", "thread_id = 'gc'::bytea") == 0
        assert _count(pg_uri, pg_schema, "lg_elements") == 4


def test_a_taken_prefix_stores_the_write_whole(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cp = _cp(0, [])
        saved = saver.put(config("p"), cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        msg = {"role": "ai", "content": "collides"}
        _add_element(pg_uri, pg_schema, "p", _twin(_full_hash(saver, msg)))
        saver.put_writes(saved, [("messages", [msg])], "task")
        assert _count(pg_uri, pg_schema, "lg_writes", "length(refs) = 0") == 1
        assert _count(pg_uri, pg_schema, "lg_elements") == 1  # only the planted one
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        got = cold.get_tuple(config("p"))
        assert got is not None and got.pending_writes == [("task", "messages", [msg])]


def test_a_missing_write_element_is_an_error(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        _chat(saver, "lost", steps=1)
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(pg_schema, "lg_elements")))
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        with pytest.raises(Exception, match="missing list element"):
            cold.get_tuple(config("lost"))
