"""With an encrypting serializer no channel value or write reaches the database in clear.

Every column of every table of the saver's schema is read back raw and searched for
marker strings and numbers written as channel values (inline scalars, blobs,
content-addressed list elements) and as pending writes. Metadata and ids stay in clear
by design (see the package README), so they carry no markers here.
"""

from __future__ import annotations

import json
from typing import Any

import ormsgpack
import psycopg
import pytest
from lgpg_workers import config, make_checkpoint
from psycopg import sql

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import DecryptionError
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

KEY = b"k" * 32
SECRET_INT = 918_273_645
MARKERS = [b"ZEBRA", b"QUOKKA", b"OCELOT", b"WALRUS", b"IBEX"]
NEEDLES = [
    *MARKERS,
    str(SECRET_INT).encode(),
    ormsgpack.packb(SECRET_INT),
    SECRET_INT.to_bytes(4, "big"),
    SECRET_INT.to_bytes(4, "little"),
]


def _values() -> dict[str, Any]:
    return {
        "short": "ZEBRA",  # a plain string small enough to be stored inline
        "number": SECRET_INT,  # a plain int
        "long": "QUOKKA " * 40,  # a plain string stored as a value row
        "nested": {"deep": ["OCELOT", SECRET_INT]},
        "messages": [{"text": "WALRUS one"}, {"text": "WALRUS two"}, "IBEX"],
    }


def _writes() -> list[tuple[str, Any]]:
    return [("short", "ZEBRA"), ("number", SECRET_INT), ("messages", [{"text": "IBEX"}])]


def _flatten(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (list, tuple)):
        return b"\x00".join(_flatten(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value).encode()
    return str(value).encode()


def _scan(uri: str, schema: str) -> list[str]:
    """``table.column`` of every stored value holding a marker."""
    found: list[str] = []
    with psycopg.connect(uri) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).fetchall()
        ]
        assert {"lg_checkpoints", "lg_writes"} <= set(tables)
        rows_seen = 0
        for table in tables:
            cur = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table)))
            names = [d.name for d in cur.description or []]
            for row in cur.fetchall():
                rows_seen += 1
                for name, value in zip(names, row, strict=True):
                    raw = _flatten(value)
                    found.extend(f"{table}.{name}: {n!r}" for n in NEEDLES if n in raw)
        assert rows_seen > 5
    return found


def _assert_markers_visible_without_encryption(uri: str, schema: str) -> None:
    """The scan itself works: a plain saver's data shows every marker."""
    with PostgresSaver.from_conn_string(uri, schema=schema) as plain:
        plain.setup()
        cp, versions = make_checkpoint(plain, _values(), None)
        saved = plain.put(config("plain"), cp, {"source": "input"}, versions)  # type: ignore[arg-type]
        plain.put_writes(saved, _writes(), "task-1")
    hits = "\n".join(_scan(uri, schema))
    for marker in MARKERS:
        assert repr(marker) in hits


def test_no_plaintext_with_encrypted_serializer(pg_uri: str, pg_schema: str) -> None:
    _assert_markers_visible_without_encryption(pg_uri, pg_schema + "_plain")
    serde = EncryptedSerializer.from_pycryptodome_aes(key=KEY)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=serde) as saver:
        saver.setup()
        previous = None
        for step in range(3):  # several versions: blobs, shared elements, inline values
            values = _values()
            values["messages"] = [*values["messages"], {"text": f"WALRUS {step}"}]
            cp, versions = make_checkpoint(saver, values, previous)
            parent = previous["id"] if previous else None
            saved = saver.put(
                config("secret-thread", parent),
                cp,  # type: ignore[arg-type]
                {"source": "loop", "step": step},
                versions,
            )
            saver.put_writes(saved, _writes(), f"task-{step}")
            saver.put_writes(saved, [("__error__", "OCELOT failed")], f"task-{step}")
            previous = cp
        got = saver.get_tuple(config("secret-thread"))
        assert got is not None and got.checkpoint["channel_values"] == values
        assert ("task-2", "number", SECRET_INT) in (got.pending_writes or [])
    assert _scan(pg_uri, pg_schema) == []
    # and the data is unreadable without the key
    other = EncryptedSerializer.from_pycryptodome_aes(key=b"x" * 32)
    with (
        PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=other) as wrong,
        pytest.raises(DecryptionError),
    ):
        wrong.get_tuple(config("secret-thread"))


async def test_no_plaintext_with_encrypted_serializer_async(pg_uri: str, pg_schema: str) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=KEY)
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=serde) as saver:
        await saver.setup()
        cp, versions = make_checkpoint(saver, _values(), None)
        saved = await saver.aput(config("t"), cp, {"source": "input"}, versions)  # type: ignore[arg-type]
        await saver.aput_writes(saved, _writes(), "task")
        got = await saver.aget_tuple(config("t"))
        assert got is not None and got.checkpoint["channel_values"] == _values()
    assert _scan(pg_uri, pg_schema) == []


class _KeylessCipher:
    """The AES cipher without a ``hash_key`` (a custom cipher, or data from before)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        return self.inner.encrypt(plaintext)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        return self.inner.decrypt(ciphername, ciphertext)


def _stored_hashes(uri: str, schema: str) -> set[bytes]:
    with psycopg.connect(uri) as conn:
        rows = conn.execute(
            sql.SQL("SELECT hash FROM {}").format(sql.Identifier(schema, "lg_elements"))
        ).fetchall()
    return {bytes(r[0]) for r in rows}


def _put_chain(saver: Any, thread: str, lists: list[list[Any]]) -> None:
    previous = None
    for messages in lists:
        cp, versions = make_checkpoint(saver, {"messages": messages}, previous)
        parent = previous["id"] if previous else None
        saver.put(config(thread, parent), cp, {"source": "loop"}, versions)
        previous = cp


def test_element_hashes_are_keyed_by_the_encryption_key(pg_uri: str, pg_schema: str) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=KEY)
    assert serde.hash_key is not None and len(serde.hash_key) == 32
    messages = [{"text": f"WALRUS {i}"} for i in range(4)]
    plain = [codec.pack_typed(serde.serde.dumps_typed(m)) for m in messages]
    unkeyed = {codec.element_hash(p) for p in plain}
    keyed = {codec.element_hash(p, serde.hash_key) for p in plain}
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=serde) as saver:
        saver.setup()
        _put_chain(saver, "a", [messages[:3], messages])
    with PostgresSaver.from_conn_string(
        pg_uri, schema=pg_schema, serde=EncryptedSerializer.from_pycryptodome_aes(key=KEY)
    ) as again:  # another process with the same key computes the same hashes
        _put_chain(again, "b", [messages])
        got = again.get_tuple(config("a"))
        assert got is not None and got.checkpoint["channel_values"]["messages"] == messages
    stored = _stored_hashes(pg_uri, pg_schema)
    assert keyed <= stored
    assert not unkeyed & stored  # a guessed message cannot be confirmed without the key


def test_threads_written_with_unkeyed_hashes_continue(pg_uri: str, pg_schema: str) -> None:
    aes = EncryptedSerializer.from_pycryptodome_aes(key=KEY)
    keyless = EncryptedSerializer(_KeylessCipher(aes.cipher))
    assert keyless.hash_key is None
    messages = [{"text": f"IBEX {i}"} for i in range(6)]
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=keyless) as old:
        old.setup()
        _put_chain(old, "t", [messages[:2], messages[:4]])
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=aes) as new:
        latest = new.get_tuple(config("t"))
        assert latest is not None
        cp, versions = make_checkpoint(new, {"messages": messages}, latest.checkpoint)
        new.put(config("t", latest.checkpoint["id"]), cp, {"source": "loop"}, versions)  # type: ignore[arg-type]
        history = [t.checkpoint["channel_values"]["messages"] for t in new.list(config("t"))]
        assert history == [messages, messages[:4], messages[:2]]
        new.prune(["t"], keep=1)
        got = new.get_tuple(config("t"))
        assert got is not None and got.checkpoint["channel_values"]["messages"] == messages
    plain = [codec.pack_typed(aes.serde.dumps_typed(m)) for m in messages]
    assert {codec.element_hash(p, aes.hash_key) for p in plain} <= _stored_hashes(pg_uri, pg_schema)
