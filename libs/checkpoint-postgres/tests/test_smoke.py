"""Basic round trips of PostgresSaver / AsyncPostgresSaver against a real server."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver


def _cp(msgs: list[Any]) -> dict[str, Any]:
    cp = dict(empty_checkpoint())
    cp["v"] = 4
    cp["channel_values"] = {"messages": msgs, "n": 3, "ctx": {"a": [1, 2]}}
    cp["channel_versions"] = {"messages": "00000000000000000000000000000001.0.5", "n": 1, "ctx": 1}
    return cp


def test_sync_roundtrip(pg_uri: str, pg_schema: str) -> None:
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        saver.setup()
        cp = _cp([{"role": "user", "content": "hi"}, {"role": "ai", "content": "yo"}])
        cfg = saver.put(
            {"configurable": {"thread_id": "t1", "checkpoint_ns": ""}},
            cp,  # type: ignore[arg-type]
            {"source": "input", "step": -1},
            dict(cp["channel_versions"]),
        )
        saver.put_writes(cfg, [("messages", ["x"]), ("__error__", "boom")], "task1", "p")
        got = saver.get_tuple({"configurable": {"thread_id": "t1"}})
        assert got is not None
        assert got.checkpoint["channel_values"] == cp["channel_values"]
        assert got.checkpoint["channel_versions"] == cp["channel_versions"]
        assert got.metadata == {"source": "input", "step": -1}
        assert got.pending_writes == [("task1", "__error__", "boom"), ("task1", "messages", ["x"])]
        assert [t.checkpoint["id"] for t in saver.list(None)] == [cp["id"]]
        assert list(saver.list(None, filter={"step": -1}))
        assert not list(saver.list(None, filter={"step": {"$gt": -1}}))
        saver.delete_thread("t1")
        assert saver.get_tuple({"configurable": {"thread_id": "t1"}}) is None


async def test_async_roundtrip(pg_uri: str, pg_schema: str) -> None:
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        cp = _cp([1, {"x": 2}])
        cfg = await saver.aput(
            {"configurable": {"thread_id": "t1", "checkpoint_ns": ""}},
            cp,  # type: ignore[arg-type]
            {"source": "input", "step": -1},
            dict(cp["channel_versions"]),
        )
        got = await saver.aget_tuple(cfg)
        assert got is not None and got.checkpoint["channel_values"] == cp["channel_values"]
        assert [t.config async for t in saver.alist(None)] == [cfg]


def test_allowlist_copy_shares_but_never_closes_the_connection(pg_uri: str, pg_schema: str) -> None:
    cfg = {"configurable": {"thread_id": "t-copy", "checkpoint_ns": ""}}
    cp = _cp([{"role": "user", "content": "hi"}, {"role": "ai", "content": "yo"}])
    with PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        saver.setup()
        saver.put(cfg, cp, {"step": 1}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        copy = saver.with_allowlist([("tests_smoke", "Thing")])
        assert copy is not saver and copy.conn is saver.conn
        assert copy.get_tuple(cfg) is not None
        copy.close()
        assert saver.conn is not None and not saver.conn.closed
        assert saver.get_tuple(cfg) is not None
    assert saver.conn is None
    # the original closed its connection: the copy opens (and owns) its own
    got = copy.get_tuple(cfg)
    assert got is not None and got.checkpoint["id"] == cp["id"]
    own = copy.conn
    assert own is not None and not own.closed
    copy.close()
    assert own.closed


async def test_async_allowlist_copy_never_closes_the_connection(
    pg_uri: str, pg_schema: str
) -> None:
    cfg = {"configurable": {"thread_id": "t-acopy", "checkpoint_ns": ""}}
    async with AsyncPostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver:
        await saver.setup()
        copy = saver.with_allowlist([("tests_smoke", "Thing")])
        assert copy is not saver
        await copy.aclose()
        assert saver.conn is not None and not saver.conn.closed
        assert await saver.aget_tuple(cfg) is None


def test_put_omits_what_the_parent_holds_and_recovers_when_it_is_gone(
    pg_uri: str, pg_schema: str
) -> None:
    """A child checkpoint sends only the list elements its parent lacks; when the parent
    was deleted by another saver meanwhile, the put is repeated with every element."""
    history = [{"role": "user", "content": f"m{i}"} for i in range(5)]
    statements: list[int] = []
    with (
        PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as saver,
        PostgresSaver.from_conn_string(pg_uri, schema=pg_schema) as other,
    ):
        saver.setup()
        fetch = saver._fetch

        def counting(stmt: Any, params: Any, **kw: Any) -> Any:
            if stmt is saver._stmts.put:  # list elements sent (not channel values, chunks)
                refs = params["brefs"] + params["chunks"]
                values = {refs[i : i + 16] for i in range(0, len(refs), 16)}
                statements.append(sum(1 for h in params["e_hash"] if h not in values))
            return fetch(stmt, params, **kw)

        saver._fetch = counting  # type: ignore[method-assign]
        cfg: dict[str, Any] = {"configurable": {"thread_id": "omit", "checkpoint_ns": ""}}
        previous: dict[str, Any] | None = None
        for n in range(3):
            history.append({"role": "ai", "content": f"reply {n}"})
            cp = _cp(list(history))
            cp["id"] = f"1ef00000-0000-6000-8000-00000000000{n}"
            if previous is not None:
                cfg = {"configurable": {**cfg["configurable"], "checkpoint_id": previous["id"]}}
            saver.put(cfg, cp, {"step": n}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
            previous = cp
        assert statements == [6, 1, 1]  # the whole list, then one new element per put

        other.delete_thread("omit")  # the parent of the next put is gone
        history.append({"role": "ai", "content": "after the deletion"})
        cp = _cp(list(history))
        cp["id"] = "1ef00000-0000-6000-8000-000000000009"
        cfg = {"configurable": {**cfg["configurable"], "checkpoint_id": previous["id"]}}
        saver.put(cfg, cp, {"step": 9}, dict(cp["channel_versions"]))  # type: ignore[arg-type]
        assert statements[3:] == [1, 9]  # refused without the parent, then everything
        got = other.get_tuple({"configurable": {"thread_id": "omit"}})
        assert got is not None and got.checkpoint["channel_values"]["messages"] == history
