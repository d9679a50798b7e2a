"""List references in content-defined chunks (``_rows.chunk_hashes``, migration v12)."""

from __future__ import annotations

import os
import random
from typing import Any

import psycopg
import pytest
from psycopg import sql

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.errors import DeserializationError
from langgraph.checkpoint.postgres import PostgresSaver, _rows
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

H = _rows.HASH

# ------------------------------------------------------------------------------ cutting


def _hashes(n: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return rng.randbytes(n * H)


@pytest.mark.parametrize("n", [0, 1, 5, 6, 7, 40, 200, 1000])
def test_chunks_and_tail_concatenate_to_the_hashes(n: int) -> None:
    hashes = _hashes(n, n)
    cut = _rows.chunk_hashes(hashes)
    assert b"".join(cut.values) + cut.tail == hashes
    assert [len(v) // H for v in cut.values] == [
        b - a for a, b in zip([0, *cut.ends], cut.ends, strict=False)
    ]
    assert all(_rows.CHUNK_MIN <= len(v) // H <= _rows.CHUNK_MAX for v in cut.values)
    assert len(cut.tail) // H < _rows.CHUNK_MAX
    assert cut.keys == [_rows.chunk_key(v) for v in cut.values]
    assert cut.row_chunks() == b"".join(cut.keys)


def test_a_growing_list_keeps_the_chunks_of_its_older_versions() -> None:
    hashes = _hashes(300, 7)
    previous = _rows.chunk_hashes(b"")
    for n in range(1, 301):
        cut = _rows.chunk_hashes(hashes[: n * H])
        assert cut.keys[: len(previous.keys)] == previous.keys
        assert len(cut.keys) - len(previous.keys) in (0, 1)
        previous = cut
    assert len(previous.keys) > 300 // (_rows.CHUNK_MAX)  # it did cut, more than forced


def test_an_edit_changes_only_the_chunks_around_it() -> None:
    hashes = _hashes(400, 3)
    before = _rows.chunk_hashes(hashes)
    edited = hashes[: 200 * H] + os.urandom(H) + hashes[201 * H :]
    after = _rows.chunk_hashes(edited)
    same = set(before.keys) & set(after.keys)
    assert len(same) >= len(before.keys) - 3


def test_all_same_hashes_are_cut_at_the_maximum() -> None:
    cut = _rows.chunk_hashes(b"\x01" * H * 200)  # never a content cut (last bits not zero)
    assert cut.ends == [64, 128, 192]


@pytest.mark.parametrize("seed", range(6))
def test_cutting_from_an_earlier_cut_equals_cutting_from_scratch(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        old = _hashes(rng.randrange(0, 400), rng.randrange(1 << 30))
        shared = rng.randrange(0, len(old) // H + 1)
        new = old[: shared * H] + _hashes(rng.randrange(0, 200), rng.randrange(1 << 30))
        # the lists may still agree after ``shared``: any prefix they share will do
        got = _rows.chunk_hashes(new, _rows.chunk_hashes(old), shared)
        want = _rows.chunk_hashes(new)
        assert (got.ends, got.keys, got.values, got.tail) == (
            want.ends,
            want.keys,
            want.values,
            want.tail,
        )


def test_a_chunk_key_is_never_an_element_hash() -> None:
    value = _hashes(8, 1)
    assert _rows.chunk_key(value) != codec.element_hash(value)


# ------------------------------------------------------------------------------ savers


def _cp(n: int, messages: list[Any]) -> dict[str, Any]:
    cp = dict(empty_checkpoint())
    cp["v"] = 4
    cp["id"] = f"1ef00000-0000-6000-8000-{n:012d}"
    cp["channel_values"] = {"messages": messages, "n": n}
    cp["channel_versions"] = {"messages": n + 1, "n": n + 1}
    return cp


def _message(i: int) -> dict[str, Any]:
    return {"role": "user" if i % 2 else "ai", "content": f"message number {i}", "i": i}


def _grow(saver: PostgresSaver, thread: str, steps: int) -> list[dict[str, Any]]:
    cps: list[dict[str, Any]] = []
    parent: str | None = None
    for n in range(steps):
        cp = _cp(n, [_message(i) for i in range(n + 1)])
        cfg: dict[str, Any] = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
        if parent:
            cfg["configurable"]["checkpoint_id"] = parent
        saver.put(cfg, cp, {"step": n}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        parent = cp["id"]
        cps.append(cp)
    return cps


def _put_child(
    saver: PostgresSaver, thread: str, parent_id: str, cp: dict[str, Any]
) -> dict[str, Any]:
    """Put ``cp`` as a child of ``parent_id``; returns it."""
    cfg = {"configurable": {"thread_id": thread, "checkpoint_ns": "", "checkpoint_id": parent_id}}
    saver.put(cfg, cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
    return cp


def _put_fork(saver: PostgresSaver, thread: str, parent_id: str) -> dict[str, Any]:
    """Put a child of ``parent_id`` (the 30th checkpoint of a ``_grow`` thread) whose list
    is the parent's 30 messages and one new one."""
    return _put_child(
        saver, thread, parent_id, _cp(1000, [_message(i) for i in range(30)] + [_message(-1)])
    )


def _chunk_rows(pg_uri: str, schema: str, thread: str) -> list[tuple[bytes, bytes]]:
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        return conn.execute(
            sql.SQL(
                "SELECT checkpoint_id, chunks FROM {} WHERE thread_id = %s ORDER BY checkpoint_id"
            ).format(sql.Identifier(schema, "lg_checkpoints")),
            (thread.encode(),),
        ).fetchall()


def test_long_lists_are_stored_in_chunks_and_read_back(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        sent: list[int] = []
        fetch = saver._fetch

        def counting(stmt: Any, params: Any, **kw: Any) -> Any:
            if stmt is saver._stmts.put:
                sent.append(len(params["e_hash"]))
            return fetch(stmt, params, **kw)

        saver._fetch = counting  # type: ignore[method-assign]
        cps = _grow(saver, "long", 120)
    # (a one-message list is a plain channel value) then each put sends its new message
    # and at most one new chunk
    assert sent[:2] == [1, 2] and max(sent[2:]) <= 2 and sum(sent) > 120
    rows = _chunk_rows(pg_uri, pg_schema, "long")
    assert len(rows) == 120
    assert all(len(chunks) % H == 0 for _, chunks in rows)
    assert len(rows[-1][1]) // H >= 120 // (_rows.CHUNK_MIN + 8)  # most of the list chunked

    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as fresh:  # nothing known
        for cp in (cps[0], cps[5], cps[63], cps[-1]):
            cfg = {"configurable": {"thread_id": "long", "checkpoint_id": cp["id"]}}
            got = fresh.get_tuple(cfg)  # type: ignore[arg-type]
            assert got is not None
            assert got.checkpoint["channel_values"]["messages"] == cp["channel_values"]["messages"]
        listed = list(fresh.list({"configurable": {"thread_id": "long"}}))
        assert [t.checkpoint["id"] for t in listed] == [cp["id"] for cp in reversed(cps)]
        for t, cp in zip(listed, reversed(cps), strict=True):
            assert t.checkpoint["channel_values"]["messages"] == cp["channel_values"]["messages"]


async def test_async_long_lists_round_trip(pg_uri: str, pg_schema: str) -> None:
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        parent: str | None = None
        cps = []
        for n in range(80):
            cp = _cp(n, [_message(i) for i in range(n + 1)])
            cfg: dict[str, Any] = {"configurable": {"thread_id": "along", "checkpoint_ns": ""}}
            if parent:
                cfg["configurable"]["checkpoint_id"] = parent
            await saver.aput(cfg, cp, {}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
            parent = cp["id"]
            cps.append(cp)
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as fresh:
        got = await fresh.aget_tuple({"configurable": {"thread_id": "along"}})
        assert got is not None and got.checkpoint["id"] == cps[-1]["id"]
        assert got.checkpoint["channel_values"]["messages"] == [_message(i) for i in range(80)]
        listed = [t async for t in fresh.alist({"configurable": {"thread_id": "along"}})]
        assert [t.checkpoint["channel_values"]["messages"] for t in listed] == [
            cp["channel_values"]["messages"] for cp in reversed(cps)
        ]


def test_a_put_on_an_older_parent_and_after_pruning(pg_uri: str, pg_schema: str) -> None:
    """A fork (the parent is not what this saver last wrote), then garbage collection,
    which must keep the elements that only chunks refer to."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cps = _grow(saver, "fork", 60)
        forked = _put_fork(saver, "fork", cps[29]["id"])
        saver.prune(["fork"], strategy="keep_latest")
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(pg_schema, "lg_elements"))
            ).fetchone()
        cut = _rows.chunk_hashes(
            b"".join(
                codec.element_hash(codec.encode_value(m, saver.serde.dumps_typed))
                for m in forked["channel_values"]["messages"]
            )
        )
        # the kept checkpoint's 31 elements and its chunks; everything else collected
        assert count == (31 + len(cut.keys),)
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as fresh:
        got = fresh.get_tuple({"configurable": {"thread_id": "fork"}})
        assert got is not None and got.checkpoint["id"] == forked["id"]
        assert got.checkpoint["channel_values"]["messages"] == forked["channel_values"]["messages"]
        fresh.copy_thread("fork", "fork-copy")
        copy = fresh.get_tuple({"configurable": {"thread_id": "fork-copy"}})
        assert copy is not None
        assert copy.checkpoint["channel_values"] == got.checkpoint["channel_values"]


def test_a_row_written_before_chunks_is_a_parent(pg_uri: str, pg_schema: str) -> None:
    """Rows of version 11 keep every hash in ``hashes``; a child of one is stored whole
    (its put is refused once, then repeated with every element) and reads back."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cps = _grow(saver, "old", 30)
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            conn.execute(  # expand the chunks, as rows written before v12 are stored
                sql.SQL(
                    "UPDATE {c} c SET hashes = (SELECT coalesce(string_agg(e.value, ''::bytea"
                    " ORDER BY i), ''::bytea) FROM generate_series(0, length(c.chunks) / 16 - 1)"
                    " i JOIN {e} e ON e.thread_id = c.thread_id"
                    " AND e.hash = substr(c.chunks, 16 * i + 1, 16)) || c.hashes,"
                    " chunks = ''::bytea"
                ).format(
                    c=sql.Identifier(pg_schema, "lg_checkpoints"),
                    e=sql.Identifier(pg_schema, "lg_elements"),
                )
            )
        assert all(chunks == b"" for _, chunks in _chunk_rows(pg_uri, pg_schema, "old"))
        child = _put_child(saver, "old", cps[-1]["id"], _cp(30, [_message(i) for i in range(31)]))
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as fresh:
        for cp in (cps[10], child):
            got = fresh.get_tuple({"configurable": {"thread_id": "old", "checkpoint_id": cp["id"]}})
            assert got is not None
            assert got.checkpoint["channel_values"]["messages"] == cp["channel_values"]["messages"]


def test_a_message_repeated_after_a_long_history(pg_uri: str, pg_schema: str) -> None:
    """A new element equal to one the parent holds is sent again, and stored once."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cps = _grow(saver, "rep", 40)
        messages = [_message(i) for i in range(40)] + [_message(3), _message(0)]
        _put_child(saver, "rep", cps[-1]["id"], _cp(40, messages))
        with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as fresh:
            got = fresh.get_tuple({"configurable": {"thread_id": "rep"}})
            assert got is not None and got.checkpoint["channel_values"]["messages"] == messages
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        hashes = {
            bytes(r[0])
            for r in conn.execute(
                sql.SQL("SELECT hash FROM {} WHERE thread_id = %s").format(
                    sql.Identifier(pg_schema, "lg_elements")
                ),
                (b"rep",),
            ).fetchall()
        }
    plain = {codec.element_hash(codec.pack_typed(saver.serde.dumps_typed(m))) for m in messages}
    assert plain <= hashes


def test_a_missing_chunk_is_reported(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cps = _grow(saver, "damaged", 20)
        chunks = _chunk_rows(pg_uri, pg_schema, "damaged")[-1][1]
        assert chunks
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE hash = %s").format(
                    sql.Identifier(pg_schema, "lg_elements")
                ),
                (chunks[:H],),
            )
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as fresh:
        with pytest.raises(DeserializationError, match=r"missing chunk.*storage damaged") as info:
            fresh.get_tuple({"configurable": {"thread_id": "damaged"}})
        assert cps[-1]["id"] in str(info.value) and "'damaged'" in str(info.value)


@pytest.mark.parametrize("read", ["get_tuple", "list"])
def test_a_fork_read_by_a_saver_holding_the_longer_list(
    pg_uri: str, pg_schema: str, read: str
) -> None:
    """The server takes the chunks a saver holds from the hashes it sent: a fork whose
    chunks are a prefix of the held list's but whose tail differs reads back its own
    elements, not the held list's."""
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cps = _grow(saver, "fork-read", 100)
        fork = _put_fork(saver, "fork-read", cps[29]["id"])
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as reader:
        latest = {"configurable": {"thread_id": "fork-read", "checkpoint_id": cps[-1]["id"]}}
        assert reader.get_tuple(latest) is not None  # now it holds the 100-message list
        if read == "get_tuple":
            got = reader.get_tuple(
                {"configurable": {"thread_id": "fork-read", "checkpoint_id": fork["id"]}}
            )
        else:
            got = next(
                t
                for t in reader.list({"configurable": {"thread_id": "fork-read"}})
                if t.checkpoint["id"] == fork["id"]
            )
        assert got is not None
        assert got.checkpoint["channel_values"]["messages"] == fork["channel_values"]["messages"]
