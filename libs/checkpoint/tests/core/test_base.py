import asyncio
from typing import Any

import pytest

from langgraph.checkpoint.base import (
    EXCLUDED_METADATA_KEYS,
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    CheckpointTuple,
    copy_checkpoint,
    create_checkpoint,
    empty_checkpoint,
    get_checkpoint_id,
    get_checkpoint_metadata,
    get_serializable_checkpoint_metadata,
    next_string_version,
)
from langgraph.checkpoint.errors import NotSupportedError
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer


class Bare(BaseCheckpointSaver[int]):
    pass


CFG = {"configurable": {"thread_id": "t", "checkpoint_ns": "", "checkpoint_id": "c"}}

SYNC_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("get_tuple", (CFG,), {}),
    ("put", (CFG, empty_checkpoint(), {}, {}), {}),
    ("put_writes", (CFG, [], "task"), {}),
    ("delete_thread", ("t",), {}),
    ("delete_for_runs", (["r"],), {}),
    ("copy_thread", ("a", "b"), {}),
    ("prune", (["t"],), {}),
]


@pytest.mark.parametrize(("method", "args", "kwargs"), SYNC_CALLS, ids=[c[0] for c in SYNC_CALLS])
def test_unimplemented_sync_method_names_saver_and_method(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(NotSupportedError, match=f"Bare does not implement {method}") as info:
        getattr(Bare(), method)(*args, **kwargs)
    assert isinstance(info.value, NotImplementedError)


def test_unimplemented_list_raises_on_iteration() -> None:
    with pytest.raises(NotSupportedError, match="Bare does not implement list"):
        list(Bare().list(None))


@pytest.mark.parametrize(("method", "args", "kwargs"), SYNC_CALLS, ids=[c[0] for c in SYNC_CALLS])
async def test_unimplemented_async_method_names_saver_and_method(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    with pytest.raises(NotSupportedError, match=f"Bare does not implement a{method}"):
        await getattr(Bare(), "a" + method)(*args, **kwargs)


async def test_unimplemented_alist() -> None:
    with pytest.raises(NotSupportedError, match="Bare does not implement alist"):
        async for _ in Bare().alist(None):
            pass


def test_get_uses_get_tuple() -> None:
    cp = empty_checkpoint()

    class One(BaseCheckpointSaver[int]):
        def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
            return CheckpointTuple(config, cp, {}) if config["configurable"].get("x") else None

    saver = One()
    assert saver.get({"configurable": {"x": 1}}) is cp
    assert saver.get({"configurable": {}}) is None
    assert asyncio.run(Bare().aget_delta_channel_history(config=CFG, channels=[])) == {}


def test_default_serde_and_int_versions() -> None:
    saver = Bare()
    assert isinstance(saver.serde, JsonPlusSerializer)
    assert saver.get_next_version(None, None) == 1
    assert saver.get_next_version(1, None) == 2
    assert saver.config_specs == []


def test_next_string_version_orders_lexically() -> None:
    versions = [next_string_version(None)]
    for _ in range(12):
        versions.append(next_string_version(versions[-1]))
    assert versions == sorted(versions)
    assert versions[0].startswith("0" * 31 + "1.")
    assert next_string_version(7).startswith("0" * 31 + "8.")
    assert len(versions[0].split(".", 1)[0]) == 32


def test_metadata_merge_rules() -> None:
    config = {
        "metadata": {"run_id": "r1", "obj": object(), "step": 99},
        "configurable": {
            "thread_id": "t",
            "user_id": "u\x00x",
            "__secret": "no",
            "n": 3,
            "f": 1.5,
            "b": True,
            "checkpoint_ns": "",
        },
    }
    merged = get_checkpoint_metadata(config, {"source": "loop", "step": 1, "note": "a\x00b"})  # type: ignore[typeddict-unknown-key]
    assert merged == {
        "source": "loop",
        "step": 1,
        "note": "ab",
        "run_id": "r1",
        "user_id": "ux",
        "n": 3,
        "f": 1.5,
        "b": True,
    }
    assert "thread_id" in EXCLUDED_METADATA_KEYS
    ser = get_serializable_checkpoint_metadata({}, {"writes": {}, "step": 1})  # type: ignore[typeddict-unknown-key]
    assert ser == {"step": 1}


def test_checkpoint_helpers() -> None:
    cp = empty_checkpoint()
    cp["channel_values"]["a"] = 1
    cp["versions_seen"]["node"] = {"a": 1}
    copied = copy_checkpoint(cp)
    copied["channel_values"]["a"] = 2
    copied["versions_seen"]["node"]["a"] = 2
    assert cp["channel_values"]["a"] == 1
    assert cp["versions_seen"]["node"]["a"] == 1
    assert get_checkpoint_id({"configurable": {"checkpoint_id": "x"}}) == "x"
    assert WRITES_IDX_MAP == {
        "__error__": -1,
        "__scheduled__": -2,
        "__interrupt__": -3,
        "__resume__": -4,
    }
    created = create_checkpoint(cp, None, 3)
    assert created["channel_values"] == {"a": 1}
    assert created["id"].split("-")[3] == "8003"
