"""``list`` decodes each list element once per page and shares it only within the call.

The checkpoints of one ``list()`` call may share the elements of their lists (each has
its own list object); nothing is shared with another call or with ``get_tuple`` results,
and every listed value equals what a fresh ``get_tuple`` of that checkpoint returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from langgraph.checkpoint.base import CheckpointTuple, empty_checkpoint
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

KEY = b"k" * 32
Put = tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]


def _msg(i: int) -> dict[str, Any]:
    return {"role": "user" if i % 2 else "ai", "content": f"m{i}", "meta": {"i": i, "tags": [i]}}


def _history() -> Iterator[Put]:
    """``put`` arguments: two threads (one with a subgraph namespace), growing lists, a
    branch whose list is not a prefix of the others, and non-dict elements."""
    for thread, ns, steps in (("a", "", 12), ("b", "", 5), ("a", "sub:1", 4)):
        msgs: list[Any] = []
        parent: str | None = None
        for step in range(steps):
            msgs = [*msgs, _msg(step)]
            if step == 2:
                msgs.append(dt.datetime(2024, 1, step + 1, tzinfo=dt.timezone.utc))
            if step == 3:
                msgs.append(b"raw\x00bytes")
            if thread == "a" and ns == "" and step == 8:  # rewrite history: not a prefix
                msgs = [_msg(100), *msgs[3:]]
            cp = dict(empty_checkpoint())
            cp["channel_values"] = {"messages": msgs, "other": [step, {"s": step}], "n": step}
            cp["channel_versions"] = {"messages": step + 1, "other": step + 1, "n": step + 1}
            configurable = {"thread_id": thread, "checkpoint_ns": ns}
            if parent is not None:
                configurable["checkpoint_id"] = parent
            yield (
                {"configurable": configurable},
                cp,
                {"source": "loop", "step": step},
                dict(cp["channel_versions"]),
            )
            parent = cp["id"]


def _lists(tuples: list[CheckpointTuple]) -> list[list[Any]]:
    return [v for t in tuples for v in t.checkpoint["channel_values"].values() if type(v) is list]


def _element_ids(tuples: list[CheckpointTuple]) -> set[int]:
    out: set[int] = set()
    for lst in _lists(tuples):
        for e in lst:
            if isinstance(e, dict):
                out.add(id(e))
                out.update(id(v) for v in e.values() if isinstance(v, (dict, list)))
    return out


def _check(listed: list[CheckpointTuple], fresh: list[CheckpointTuple | None]) -> None:
    assert len(listed) == 21
    assert {(t.config["configurable"]["thread_id"], t.config["configurable"]["checkpoint_ns"])
            for t in listed} == {("a", ""), ("b", ""), ("a", "sub:1")}  # fmt: skip
    for got, want in zip(listed, fresh, strict=True):
        assert want is not None
        assert got.checkpoint == want.checkpoint
        assert got.metadata == want.metadata
        assert got.parent_config == want.parent_config
        assert got.pending_writes == want.pending_writes
    lists = _lists(listed)
    assert len({id(v) for v in lists}) == len(lists)  # every checkpoint has its own lists


def _check_calls(
    first: list[CheckpointTuple], second: list[CheckpointTuple], fresh: list[Any]
) -> None:
    assert second == first[: len(second)]
    ids = _element_ids(first)
    assert ids and not ids & _element_ids(second)
    assert not ids & _element_ids([t for t in fresh if t is not None])
    # mutating what one call returned changes nothing for another call
    first[0].checkpoint["channel_values"]["messages"][0]["content"] = "changed"
    assert second[0].checkpoint["channel_values"]["messages"][0]["content"] != "changed"


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_list_shares_elements_only_within_a_call(
    pg_uri: str, pg_schema: str, encrypted: bool
) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=KEY) if encrypted else None
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema, serde=serde) as saver:
        saver.setup()
        for cfg, cp, meta, versions in _history():
            saved = saver.put(cfg, cp, meta, versions)  # type: ignore[arg-type]
            saver.put_writes(saved, [("messages", [_msg(7)]), ("n", 1)], "task-1")
        for limit in (None, 7):  # one page; several pages
            first = list(saver.list(None))
            second = list(saver.list(None, limit=limit))
            fresh = [saver.get_tuple(t.config) for t in first]
            _check(first, fresh)
            _check_calls(first, second, fresh)
            # same thread, same page: an unchanged element is decoded once and shared
            a = list(saver.list({"configurable": {"thread_id": "b"}}))
            m0 = [t.checkpoint["channel_values"]["messages"][0] for t in a]
            assert len(m0) == 5 and all(m == _msg(0) for m in m0)
            # (the oldest holds one message: too short to be stored as a list)
            assert all(m is m0[0] for m in m0[:4])
            assert len({id(t.checkpoint["channel_values"]["messages"]) for t in a}) == 5
        after = list(saver.list(None))
        assert after[0].checkpoint["channel_values"]["messages"][0]["content"] != "changed"


async def test_alist_shares_elements_only_within_a_call(pg_uri: str, pg_schema: str) -> None:
    serde = EncryptedSerializer.from_pycryptodome_aes(key=KEY)
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        async with AsyncPostgresSaver.from_conn_string(
            pg_uri, schema=pg_schema + "e", serde=serde
        ) as enc:
            await enc.setup()
            for target in (saver, enc):
                for cfg, cp, meta, versions in _history():
                    saved = await target.aput(cfg, cp, meta, versions)  # type: ignore[arg-type]
                    await target.aput_writes(saved, [("messages", [_msg(7)])], "task-1")
                first = [t async for t in target.alist(None)]
                second = [t async for t in target.alist(None, limit=9)]
                fresh = [await target.aget_tuple(t.config) for t in first]
                _check(first, fresh)
                _check_calls(first, second, fresh)
