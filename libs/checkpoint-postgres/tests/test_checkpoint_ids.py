"""Checkpoint ids of any form order, page and read back like their strings.

Ids are stored in an order-preserving binary form (``_rows.id_key``): a thread whose ids
mix canonical UUIDs with other strings (short numbers, uppercase or suffixed UUIDs,
non-ASCII, NUL, lone surrogates) must list in exactly Python's string order, page with
``before`` of either kind, and return the greatest id as its latest checkpoint.
"""

from __future__ import annotations

import random
from typing import Any

import lgpg_ids
from lgpg_workers import config

from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.base.id import uuid6
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

THREAD = "mixed-ids"


def _ids() -> list[str]:
    """~150 distinct non-empty ids: UUIDs (time-ordered and random), edge cases, random
    strings; more than the first page of a listing (64)."""
    rng = random.Random(11)
    ids = [str(uuid6()) for _ in range(30)] + lgpg_ids.random_ids(5, 90)
    ids += ["x\x00y", "\ud800", "a\udfff", "1", "2", "10", "abc", "zzz"]
    out = list(dict.fromkeys(i for i in ids if i))
    rng.shuffle(out)  # put in an order unrelated to the id order
    return out


def _checkpoint(checkpoint_id: str, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    cp: dict[str, Any] = dict(empty_checkpoint())
    cp["id"] = checkpoint_id
    cp["v"] = 4
    cp["channel_values"] = {"n": n, "messages": [f"m{i}" for i in range(n % 5)]}
    versions = {"n": n + 1, "messages": n + 1}
    cp["channel_versions"] = versions
    return cp, versions


def _expected_parents(ids: list[str]) -> dict[str, str | None]:
    return {cid: ids[i - 1] if i else None for i, cid in enumerate(ids)}


def _check_listing(
    ids: list[str],
    listed: list[Any],
    before: dict[str, list[str]],
    latest: Any,
    pending: dict[str, Any],
) -> None:
    newest_first = sorted(ids, reverse=True)
    assert [t.checkpoint["id"] for t in listed] == newest_first
    assert [t.config["configurable"]["checkpoint_id"] for t in listed] == newest_first
    parents = _expected_parents(ids)
    for t in listed:
        cid = t.checkpoint["id"]
        parent = t.parent_config["configurable"]["checkpoint_id"] if t.parent_config else None
        assert parent == parents[cid]
    for bound, got in before.items():
        assert got == [i for i in newest_first if i < bound], bound
    assert latest is not None and latest.checkpoint["id"] == max(ids)
    for cid, got in pending.items():
        assert got is not None and got.checkpoint["id"] == cid
        assert got.checkpoint["channel_values"]["n"] == ids.index(cid)
        assert got.pending_writes == [("task", "out", ids.index(cid))]


def _bounds(ids: list[str]) -> list[str]:
    """``before`` ids of both kinds, stored or not."""
    uuids = [i for i in ids if lgpg_ids.canonical(i)]
    others = [i for i in ids if not lgpg_ids.canonical(i)]
    return [*uuids[:3], *others[:6], lgpg_ids.MIN_ID, "0", "zzzz", "abc", "1"]


def test_mixed_ids_sync(pg_uri: str, pg_schema: str) -> None:
    ids = _ids()
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        cfg = config(THREAD)
        for n, cid in enumerate(ids):
            cp, versions = _checkpoint(cid, n)
            cfg = saver.put(cfg, cp, {"step": n}, versions)  # type: ignore[arg-type]
            assert cfg["configurable"]["checkpoint_id"] == cid
            saver.put_writes(cfg, [("out", n)], "task")
            saver.put_writes(cfg, [("out", "again")], "task")  # merged: kept once
        listed = list(saver.list(config(THREAD)))
        before = {
            b: [t.checkpoint["id"] for t in saver.list(config(THREAD), before=config(THREAD, b))]
            for b in _bounds(ids)
        }
        pending = {cid: saver.get_tuple(config(THREAD, cid)) for cid in ids}
        _check_listing(ids, listed, before, saver.get_tuple(config(THREAD)), pending)
        # one checkpoint by id through list, and paging with a limit
        assert [t.checkpoint["id"] for t in saver.list(config(THREAD, ids[0]))] == [ids[0]]
        assert [t.checkpoint["id"] for t in saver.list(None, limit=5)] == sorted(ids)[::-1][:5]

        saver.copy_thread(THREAD, "copy")
        assert [t.checkpoint["id"] for t in saver.list(config("copy"))] == sorted(ids)[::-1]
        saver.prune([THREAD], keep=3)
        assert [t.checkpoint["id"] for t in saver.list(config(THREAD))] == sorted(ids)[::-1][:3]
        assert saver.get_tuple(config(THREAD, min(ids))) is None


async def test_mixed_ids_async(pg_uri: str, pg_schema: str) -> None:
    ids = _ids()
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        cfg = config(THREAD)
        for n, cid in enumerate(ids):
            cp, versions = _checkpoint(cid, n)
            cfg = await saver.aput(cfg, cp, {"step": n}, versions)  # type: ignore[arg-type]
            await saver.aput_writes(cfg, [("out", n)], "task")
            await saver.aput_writes(cfg, [("out", "again")], "task")
        listed = [t async for t in saver.alist(config(THREAD))]
        before: dict[str, list[str]] = {}
        for b in _bounds(ids):
            page = saver.alist(config(THREAD), before=config(THREAD, b))
            before[b] = [t.checkpoint["id"] async for t in page]
        pending = {cid: await saver.aget_tuple(config(THREAD, cid)) for cid in ids}
        latest = await saver.aget_tuple(config(THREAD))
        _check_listing(ids, listed, before, latest, pending)
        await saver.aprune([THREAD], keep=2)
        assert [t.checkpoint["id"] async for t in saver.alist(config(THREAD))] == sorted(ids)[::-1][
            :2
        ]
