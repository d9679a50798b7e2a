"""Checkpoint rows refer to list elements by an 8-byte prefix of the element's hash.

A prefix must name one element of its thread: a put that would add a second element with
a taken prefix is refused (nothing stored, a clear error), a read that finds two elements
for one prefix fails instead of choosing, and the upgrade to the prefix form refuses a
database where two elements of a thread already share one.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from lgpg_workers import config
from psycopg import sql
from test_migrations import _create_old_schema

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.errors import DeserializationError, StorageError
from langgraph.checkpoint.postgres import AsyncPostgresSaver, PostgresSaver, _rows
from langgraph.checkpoint.postgres._sql import MIGRATIONS
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

PREFIX_VERSION = 11  # the migration that shortened the references


def _checkpoint(i: int, messages: list[Any]) -> dict[str, Any]:
    cp = dict(empty_checkpoint())
    cp["id"] = f"1ef00000-0000-6000-8000-{i:012x}"
    cp["v"] = 4
    cp["channel_values"] = {"messages": messages, "other": [{"k": i}, {"k": "same"}]}
    cp["channel_versions"] = {"messages": i + 1, "other": i + 1}
    return cp


def _put_chain(saver: PostgresSaver, thread: str, steps: int, per_step: int) -> list[Any]:
    messages: list[Any] = []
    parent = None
    for i in range(steps):
        messages = [*messages, *({"i": i, "j": j, "text": f"{i}-{j}"} for j in range(per_step))]
        cp = _checkpoint(i, messages)
        saver.put(config(thread, parent), cp, {"step": i}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        parent = cp["id"]
    return messages


def _full_hash(saver: PostgresSaver, value: Any) -> bytes:
    return codec.element_hash(codec.pack_typed(saver.serde.dumps_typed(value)))


def _add_element(uri: str, schema: str, thread: str, full: bytes) -> None:
    """Store an element the way no put would: under a hash of our choosing."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {} (thread_id, hash, value) VALUES (%s, %s, %s)").format(
                sql.Identifier(schema, "lg_elements")
            ),
            (thread.encode(), full, codec.pack_typed(("msgpack", b"\xa5alien"))),
        )


def _twin(full: bytes) -> bytes:
    """Another 16-byte hash with the same stored prefix."""
    return full[: _rows.HASH] + bytes(b ^ 0xFF for b in full[_rows.HASH :])


def test_rows_store_8_byte_prefixes_and_cold_reads_find_every_element(
    pg_uri: str, pg_schema: str
) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _put_chain(saver, "many", steps=6, per_step=60)
        with psycopg.connect(pg_uri) as conn:
            row = conn.execute(
                sql.SQL("SELECT length(hashes) FROM {} WHERE checkpoint_id = %s").format(
                    sql.Identifier(pg_schema, "lg_checkpoints")
                ),
                (_rows.id_key(_checkpoint(5, [])["id"]),),
            ).fetchone()
        assert row == ((len(messages) + 2) * _rows.HASH,)
    # a saver that knows nothing looks every element up by its prefix (360 of them: many
    # have bytes >= 0x80 right after the prefix, the edge of the range lookup)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        got = cold.get_tuple(config("many"))
        assert got is not None
        assert got.checkpoint["channel_values"]["messages"] == messages
        assert got.checkpoint["channel_values"]["other"] == [{"k": 5}, {"k": "same"}]
        listed = list(cold.list(config("many")))
        assert [len(t.checkpoint["channel_values"]["messages"]) for t in listed] == [
            60 * n for n in range(6, 0, -1)
        ]


async def test_async_cold_read_finds_every_element(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _put_chain(saver, "many-async", steps=3, per_step=100)
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        got = await cold.aget_tuple(config("many-async"))
        assert got is not None and got.checkpoint["channel_values"]["messages"] == messages


def test_put_refuses_an_element_whose_prefix_is_taken(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _put_chain(saver, "clash", steps=2, per_step=2)
        newcomer = {"text": "the next message"}
        full = _full_hash(saver, newcomer)
        _add_element(pg_uri, pg_schema, "clash", _twin(full))
        cp = _checkpoint(7, [*messages, newcomer])
        with pytest.raises(StorageError, match=r"thread 'clash'.*hash prefix"):
            saver.put(
                config("clash", _checkpoint(1, [])["id"]),
                cp,  # type: ignore[arg-type]
                {"step": 7},
                dict(cp["channel_versions"]),
            )
        # nothing was stored: not the checkpoint, not the element
        latest = saver.get_tuple(config("clash"))
        assert latest is not None and latest.checkpoint["id"] == _checkpoint(1, [])["id"]
        with psycopg.connect(pg_uri) as conn:
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE hash = %s").format(
                    sql.Identifier(pg_schema, "lg_elements")
                ),
                (full,),
            ).fetchone()
        assert count == (0,)
        # the thread stays usable for elements whose prefixes are free
        cp = _checkpoint(8, [*messages, {"text": "another message"}])
        saver.put(config("clash"), cp, {"step": 8}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        got = saver.get_tuple(config("clash"))
        assert got is not None and got.checkpoint["channel_values"] == cp["channel_values"]


async def test_async_put_refuses_an_element_whose_prefix_is_taken(
    pg_uri: str, pg_schema: str
) -> None:
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        newcomer = {"text": "clashing"}
        _add_element(pg_uri, pg_schema, "aclash", _twin(_full_hash(saver, newcomer)))  # type: ignore[arg-type]
        cp = _checkpoint(1, [newcomer, {"text": "fine"}])
        with pytest.raises(StorageError, match="nothing was stored"):
            await saver.aput(config("aclash"), cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        assert await saver.aget_tuple(config("aclash")) is None


def test_a_read_never_guesses_between_two_elements_of_one_prefix(
    pg_uri: str, pg_schema: str
) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        messages = _put_chain(saver, "damaged", steps=1, per_step=3)
        # storage damaged from outside: a second element for a referenced prefix
        _add_element(pg_uri, pg_schema, "damaged", _twin(_full_hash(saver, messages[1])))
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        with pytest.raises(DeserializationError, match="thread 'damaged'"):
            cold.get_tuple(config("damaged"))
        with pytest.raises(DeserializationError, match="hash prefix"):
            list(cold.list(config("damaged")))


def _write_v10_checkpoint(conn: psycopg.Connection[Any], schema: str, saver: PostgresSaver) -> Any:
    """A checkpoint as the version-10 saver stored it: full 16-byte hashes in the row."""
    cp = _checkpoint(3, [{"m": i} for i in range(5)])
    enc = codec.encode_checkpoint(cp, cp["channel_versions"], saver.serde.dumps_typed)
    body, full = _rows.strip_lists(enc.body)
    t = {n: sql.Identifier(schema, n) for n in ("lg_checkpoints", "lg_elements")}
    with conn.transaction():
        for elem in enc.elements:
            conn.execute(
                sql.SQL("INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT DO NOTHING").format(
                    t["lg_elements"]
                ),
                (b"v10", elem.hash, elem.data),
            )
        conn.execute(
            sql.SQL(
                "INSERT INTO {} VALUES (%s, '', %s, NULL, %s, '{{}}', '{{}}', %s, '{{}}'::jsonb)"
            ).format(t["lg_checkpoints"]),
            (b"v10", cp["id"], body, full),
        )
    return cp


def test_version_10_rows_upgrade_to_prefixes(pg_uri: str, pg_schema: str) -> None:
    assert len(MIGRATIONS) > PREFIX_VERSION
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        with psycopg.connect(pg_uri) as conn:
            _create_old_schema(conn, pg_schema, PREFIX_VERSION - 1)
            cp = _write_v10_checkpoint(conn, pg_schema, saver)
        saver.setup()
        got = saver.get_tuple(config("v10"))
        assert got is not None
        assert got.checkpoint["channel_values"] == cp["channel_values"]
        with psycopg.connect(pg_uri) as conn:
            row = conn.execute(
                sql.SQL("SELECT length(hashes) FROM {}").format(
                    sql.Identifier(pg_schema, "lg_checkpoints")
                )
            ).fetchone()
        assert row == (7 * _rows.HASH,)
        # the upgraded thread grows sharing its old elements, and prunes
        nxt = _checkpoint(4, [*cp["channel_values"]["messages"], {"m": 5}])
        saver.put(config("v10", cp["id"]), nxt, {}, dict(nxt["channel_versions"]))  # type: ignore[arg-type]
        saver.prune(["v10"], keep=1)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as cold:
        got = cold.get_tuple(config("v10"))
        assert got is not None and got.checkpoint["channel_values"] == nxt["channel_values"]


def test_upgrade_refuses_elements_sharing_a_prefix(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        with psycopg.connect(pg_uri) as conn:
            _create_old_schema(conn, pg_schema, PREFIX_VERSION - 1)
            cp = _write_v10_checkpoint(conn, pg_schema, saver)
        full = _full_hash(saver, cp["channel_values"]["messages"][2])
        _add_element(pg_uri, pg_schema, "v10", _twin(full))
        with pytest.raises(psycopg.Error, match="share their first 8 bytes"):
            saver.setup()
        with psycopg.connect(pg_uri) as conn:
            version = conn.execute(
                sql.SQL("SELECT max(v) FROM {}").format(sql.Identifier(pg_schema, "lg_migrations"))
            ).fetchone()
            hashes = conn.execute(
                sql.SQL("SELECT length(hashes) FROM {}").format(
                    sql.Identifier(pg_schema, "lg_checkpoints")
                )
            ).fetchone()
        assert version == (PREFIX_VERSION - 1,)
        assert hashes == (7 * codec.HASH_SIZE,)  # left as it was


def test_put_refuses_two_new_elements_sharing_a_prefix(
    pg_uri: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two elements of one put whose hashes differ only after the prefix."""
    real = codec.element_hash

    def colliding(plain: bytes, hash_key: bytes = b"") -> bytes:
        return b"\x00" * _rows.HASH + real(plain, hash_key)[_rows.HASH :]

    class Serde(JsonPlusSerializer):  # not the default class: elements hashed one by one
        pass

    monkeypatch.setattr(codec, "element_hash", colliding)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=Serde()) as saver:
        saver.setup()
        cp = _checkpoint(1, [{"a": 1}, {"b": 2}])
        with pytest.raises(StorageError, match="thread 'twins'"):
            saver.put(config("twins"), cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        assert saver.get_tuple(config("twins")) is None
