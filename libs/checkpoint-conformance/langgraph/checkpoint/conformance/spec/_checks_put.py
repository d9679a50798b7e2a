"""Checks of ``put``: round trips, namespaces, parents and incremental channel values."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.conformance._registry import check
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
    version_prefix,
)

PUT = Capability.PUT
GET = Capability.GET_TUPLE


async def _put(
    saver: Any,
    config: dict[str, Any],
    values: dict[str, Any],
    *,
    versions: dict[str, Any] | None = None,
    new_versions: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    versions_seen: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    versions = versions if versions is not None else {k: 1 for k in values}
    cp = generate_checkpoint(
        channel_values=values, channel_versions=versions, versions_seen=versions_seen
    )
    stored: dict[str, Any] = await saver.aput(
        config,
        cp,
        metadata if metadata is not None else generate_metadata(),
        new_versions if new_versions is not None else dict(versions),
    )
    return stored


@check(PUT)
async def test_put_returns_config(saver: Any) -> None:
    config = generate_config()
    cp = generate_checkpoint()
    result = await saver.aput(config, cp, generate_metadata(), {})
    conf = result.get("configurable")
    assert isinstance(conf, dict), f"put returned {result!r} without 'configurable'"
    for key in ("thread_id", "checkpoint_ns", "checkpoint_id"):
        assert key in conf, f"put result lacks {key!r}: {result!r}"
    assert conf["checkpoint_id"] == cp["id"]
    assert conf["thread_id"] == config["configurable"]["thread_id"]


@check(PUT, GET)
async def test_put_roundtrip(saver: Any) -> None:
    stored = await _put(saver, generate_config(), {"msg": "hello"})
    tup = await saver.aget_tuple(stored)
    assert tup is not None, "checkpoint not found after put"
    assert tup.checkpoint["id"] == stored["configurable"]["checkpoint_id"]
    assert tup.checkpoint["channel_values"] == {"msg": "hello"}


@check(PUT, GET)
async def test_put_preserves_channel_values(saver: Any) -> None:
    values = {"s": "text", "i": 42, "l": [1, "two", 3.0], "d": {"k": {"nested": [1, 2]}}}
    stored = await _put(saver, generate_config(), values)
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.checkpoint["channel_values"] == values


@check(PUT, GET)
async def test_put_preserves_channel_versions(saver: Any) -> None:
    stored = await _put(saver, generate_config(), {"a": 1, "b": 2}, versions={"a": 1, "b": 2})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    got = {k: version_prefix(v) for k, v in tup.checkpoint["channel_versions"].items()}
    assert got == {"a": "1", "b": "2"}, got


@check(PUT, GET)
async def test_put_preserves_versions_seen(saver: Any) -> None:
    seen = {"node_a": {"x": 1}, "node_b": {"x": 2, "y": 1}, "__input__": {}}
    stored = await _put(saver, generate_config(), {}, versions_seen=seen, new_versions={})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert set(tup.checkpoint["versions_seen"]) == set(seen)


@check(PUT, GET)
async def test_put_preserves_metadata(saver: Any) -> None:
    md = generate_metadata(source="input", step=-1, custom="value")
    stored = await _put(saver, generate_config(), {}, metadata=md)
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.metadata["source"] == "input"
    assert tup.metadata["step"] == -1
    assert tup.metadata["custom"] == "value"


@check(PUT, GET)
async def test_put_root_namespace(saver: Any) -> None:
    stored = await _put(saver, generate_config(checkpoint_ns=""), {"a": 1})
    assert stored["configurable"].get("checkpoint_ns", "") == ""
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.config["configurable"].get("checkpoint_ns", "") == ""


@check(PUT, GET)
async def test_put_child_namespace(saver: Any) -> None:
    stored = await _put(saver, generate_config(checkpoint_ns="child:abc"), {"a": 1})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.config["configurable"]["checkpoint_ns"] == "child:abc"


@check(PUT, GET)
async def test_put_default_namespace(saver: Any) -> None:
    config = {
        "configurable": {
            "thread_id": generate_config()["configurable"]["thread_id"],
            "checkpoint_ns": "",
        }
    }
    stored = await _put(saver, config, {"a": 1})
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.checkpoint["channel_values"] == {"a": 1}


@check(PUT, GET)
async def test_put_multiple_checkpoints_same_thread(saver: Any) -> None:
    config = generate_config()
    stored = []
    for i in range(3):
        config = await _put(saver, config, {"i": i}, versions={"i": i + 1})
        stored.append(config)
    for i, cfg in enumerate(stored):
        tup = await saver.aget_tuple(cfg)
        assert tup is not None, f"checkpoint {i} missing"
        assert tup.checkpoint["id"] == cfg["configurable"]["checkpoint_id"]
        assert tup.checkpoint["channel_values"] == {"i": i}


@check(PUT, GET)
async def test_put_multiple_threads_isolated(saver: Any) -> None:
    s1 = await _put(saver, generate_config(), {"shared": "one"})
    s2 = await _put(saver, generate_config(), {"shared": "two"})
    t1, t2 = await saver.aget_tuple(s1), await saver.aget_tuple(s2)
    assert t1 is not None and t2 is not None
    assert t1.checkpoint["channel_values"] == {"shared": "one"}
    assert t2.checkpoint["channel_values"] == {"shared": "two"}


@check(PUT, GET)
async def test_put_parent_config(saver: Any) -> None:
    first = await _put(saver, generate_config(), {"a": 1})
    second = await _put(saver, first, {"a": 2}, versions={"a": 2})
    tup = await saver.aget_tuple(second)
    assert tup is not None and tup.parent_config is not None, "parent_config missing"
    assert (
        tup.parent_config["configurable"]["checkpoint_id"] == first["configurable"]["checkpoint_id"]
    )


@check(PUT, GET)
async def test_put_incremental_channel_update(saver: Any) -> None:
    first = await _put(saver, generate_config(), {"a": "a1", "b": "b1"})
    second = await _put(
        saver, first, {"a": "a2", "b": "b1"}, versions={"a": 2, "b": 1}, new_versions={"a": 2}
    )
    t2 = await saver.aget_tuple(second)
    assert t2 is not None
    assert t2.checkpoint["channel_values"] == {"a": "a2", "b": "b1"}
    t1 = await saver.aget_tuple(first)
    assert t1 is not None
    assert t1.checkpoint["channel_values"] == {"a": "a1", "b": "b1"}


@check(PUT, GET)
async def test_put_new_channel_added(saver: Any) -> None:
    first = await _put(saver, generate_config(), {"a": "a1"})
    second = await _put(
        saver, first, {"a": "a1", "b": "b1"}, versions={"a": 1, "b": 1}, new_versions={"b": 1}
    )
    tup = await saver.aget_tuple(second)
    assert tup is not None
    assert tup.checkpoint["channel_values"] == {"a": "a1", "b": "b1"}


@check(PUT, GET)
async def test_put_channel_removed(saver: Any) -> None:
    first = await _put(saver, generate_config(), {"a": "a1", "b": "b1"})
    second = await _put(saver, first, {"a": "a1"}, versions={"a": 1}, new_versions={})
    tup = await saver.aget_tuple(second)
    assert tup is not None
    assert "b" not in tup.checkpoint["channel_values"], tup.checkpoint["channel_values"]
    assert tup.checkpoint["channel_values"] == {"a": "a1"}


@check(PUT, GET)
async def test_put_preserves_run_id(saver: Any) -> None:
    stored = await _put(saver, generate_config(), {}, metadata=generate_metadata(run_id="run-7"))
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.metadata.get("run_id") == "run-7", tup and tup.metadata


@check(PUT, GET)
async def test_put_preserves_versions_seen_values(saver: Any) -> None:
    seen = {"node_a": {"x": 1, "y": 3}, "node_b": {"x": 2}}
    stored = await _put(saver, generate_config(), {}, versions_seen=seen, new_versions={})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    got = {
        n: {k: version_prefix(v) for k, v in vs.items()}
        for n, vs in tup.checkpoint["versions_seen"].items()
    }
    assert got == {"node_a": {"x": "1", "y": "3"}, "node_b": {"x": "2"}}, got


# ----------------------------------------------------------------------- beyond the spec


@check(PUT, GET, Capability.LIST, spec=False)
async def test_put_same_id_replaces(saver: Any) -> None:
    config = generate_config()
    cp = generate_checkpoint(channel_values={"a": 1}, channel_versions={"a": 1})
    await saver.aput(config, cp, generate_metadata(step=1, tag="old"), {"a": 1})
    stored = await saver.aput(config, cp, generate_metadata(step=1, tag="new"), {"a": 1})
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.metadata.get("tag") == "new", tup and tup.metadata
    listed = [t async for t in saver.alist(config)]
    assert len(listed) == 1, f"re-putting one id produced {len(listed)} checkpoints"


@check(PUT, GET, spec=False)
async def test_put_preserves_unknown_checkpoint_fields(saver: Any) -> None:
    cp = generate_checkpoint(channel_values={"a": 1}, channel_versions={"a": 1})
    cp["updated_channels"] = ["a"]
    cp["v"] = 4
    stored = await saver.aput(generate_config(), cp, generate_metadata(), {"a": 1})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.checkpoint["v"] == 4, "checkpoint 'v' must be stored verbatim"
    assert tup.checkpoint.get("updated_channels") == ["a"], tup.checkpoint
    assert tup.checkpoint["ts"] == cp["ts"], "ts must round-trip"
