"""Checks of ``get_delta_channel_history`` (beta)."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.spec._delta_fixtures import build_delta_chain, put_step
from langgraph.checkpoint.conformance.test_utils import generate_config
from langgraph.checkpoint.serde.types import _DeltaSnapshot

DELTA = Capability.DELTA_CHANNEL_HISTORY
PUT, PW = Capability.PUT, Capability.PUT_WRITES


def _values(entry: Any) -> list[Any]:
    return [w[2] for w in entry["writes"]]


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, _DeltaSnapshot) else value


async def _history(saver: Any, config: Any, channels: list[str]) -> Any:
    return await saver.aget_delta_channel_history(config=config, channels=channels)


@check(DELTA, PUT, PW)
async def test_history_returns_writes_oldest_first(saver: Any) -> None:
    chain = await build_delta_chain(saver, snapshots_at_steps=(0,), total_steps=5)
    result = await _history(saver, chain[4], ["messages"])
    assert _values(result["messages"]) == [1, 2, 3], result


@check(DELTA, PUT, PW)
async def test_history_seed_is_nearest_snapshot(saver: Any) -> None:
    chain = await build_delta_chain(saver, snapshots_at_steps=(0, 3), total_steps=6)
    entry = (await _history(saver, chain[5], ["messages"]))["messages"]
    assert "seed" in entry, entry
    assert _unwrap(entry["seed"]) == 3, entry
    assert _values(entry) == [4], entry


@check(DELTA, PUT, PW)
async def test_history_excludes_target_pending_writes(saver: Any) -> None:
    chain = await build_delta_chain(saver, snapshots_at_steps=(0,), total_steps=4)
    await saver.aput_writes(chain[3], [("messages", "extra")], str(uuid.uuid4()))
    entry = (await _history(saver, chain[3], ["messages"]))["messages"]
    assert "extra" not in _values(entry), entry
    assert _values(entry) == [1, 2], entry


@check(DELTA, PUT, PW)
async def test_history_multi_channel(saver: Any) -> None:
    config = generate_config()
    chain = []
    for step in range(5):
        values: dict[str, Any] = {}
        if step == 1:
            values["a"] = _DeltaSnapshot(1)
        if step == 3:
            values["b"] = _DeltaSnapshot(3)
        config = await put_step(saver, config, step, values)
        await saver.aput_writes(config, [("a", step), ("b", step)], str(uuid.uuid4()))
        chain.append(config)
    result = await _history(saver, chain[4], ["a", "b"])
    assert _values(result["a"]) == [1, 2, 3], result
    assert _values(result["b"]) == [3], result
    assert _unwrap(result["a"].get("seed")) == 1 and _unwrap(result["b"].get("seed")) == 3


@check(DELTA, PUT, PW)
async def test_history_empty_channels_returns_empty(saver: Any) -> None:
    chain = await build_delta_chain(saver, total_steps=2)
    assert dict(await _history(saver, chain[1], [])) == {}


@check(DELTA, PUT, PW)
async def test_history_walk_to_root_no_seed(saver: Any) -> None:
    chain = await build_delta_chain(saver, snapshots_at_steps=(), total_steps=4)
    entry = (await _history(saver, chain[3], ["messages"]))["messages"]
    assert "seed" not in entry, entry
    assert _values(entry) == [0, 1, 2], entry


@check(DELTA, PUT, PW)
async def test_history_migration_plain_value_as_seed(saver: Any) -> None:
    config = generate_config()
    chain = []
    for step in range(4):
        values = {"messages": [10, 20, 30]} if step == 1 else {}
        config = await put_step(saver, config, step, values)
        if step == 2:
            await saver.aput_writes(config, [("messages", 2)], str(uuid.uuid4()))
        chain.append(config)
    entry = (await _history(saver, chain[3], ["messages"]))["messages"]
    assert _unwrap(entry.get("seed")) == [10, 20, 30], entry
    assert _values(entry) == [2], entry


@check(DELTA, PUT, PW)
async def test_history_seed_ancestor_own_writes_are_replayed(saver: Any) -> None:
    config = generate_config()
    chain = []
    stored_values = {0: {"messages": [10]}, 1: {"messages": [10, 20]}}
    for step in range(4):
        config = await put_step(saver, config, step, stored_values.get(step, {}))
        await saver.aput_writes(config, [("messages", f"w{step}")], str(uuid.uuid4()))
        chain.append(config)
    entry = (await _history(saver, chain[3], ["messages"]))["messages"]
    assert _unwrap(entry.get("seed")) == [10, 20], entry
    assert _values(entry) == ["w1", "w2"], entry
