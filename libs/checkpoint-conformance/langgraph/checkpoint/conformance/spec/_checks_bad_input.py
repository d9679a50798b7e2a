"""Bad input: a named error (``ValueError``/``TypeError``) and nothing stored half-way."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

from langgraph.checkpoint.conformance._registry import check, collect, ids_of
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_checkpoint,
    generate_config,
    generate_metadata,
    put_test_checkpoint,
)

PUT, GET, LIST, PW = Capability.PUT, Capability.GET_TUPLE, Capability.LIST, Capability.PUT_WRITES


class Unserializable:
    """A local class no serializer knows."""


async def _expect_error(call: Awaitable[Any], *mentions: str) -> BaseException:
    """Await ``call``; it must raise a ValueError/TypeError naming one of ``mentions``."""
    try:
        await call
    except (ValueError, TypeError) as exc:
        text = str(exc)
        assert any(m in text for m in mentions), (
            f"{type(exc).__name__} message should name one of {mentions!r}: {text!r}"
        )
        return exc
    except Exception as exc:  # noqa: BLE001 - reported as a failure
        raise AssertionError(
            f"expected a ValueError/TypeError subclass, got {type(exc).__module__}."
            f"{type(exc).__name__}: {exc}"
        ) from exc
    raise AssertionError(f"no error raised; expected one naming {mentions!r}")


async def _nothing_stored(saver: Any, thread: str, marker: str | None = None) -> None:
    tup = await saver.aget_tuple(generate_config(thread))
    assert tup is None, f"a failed put left checkpoint {tup and tup.checkpoint['id']!r} behind"
    listed = await collect(saver.alist({"configurable": {"thread_id": thread}}))
    assert listed == [], f"a failed put left {ids_of(listed)} in list()"
    if marker is not None:
        across = await collect(saver.alist(None, filter={"marker": marker}))
        assert across == [], "a failed put is visible in list(None)"


@check(PUT, GET, LIST, spec=False)
async def test_put_missing_thread_id(saver: Any) -> None:
    marker = str(uuid.uuid4())
    config = {"configurable": {"checkpoint_ns": ""}}
    await _expect_error(
        saver.aput(config, generate_checkpoint(), generate_metadata(marker=marker), {}),
        "thread_id",
    )
    assert await collect(saver.alist(None, filter={"marker": marker})) == []


@check(PUT, GET, LIST, spec=False)
async def test_put_missing_checkpoint_ns(saver: Any) -> None:
    thread = str(uuid.uuid4())
    config = {"configurable": {"thread_id": thread}}
    await _expect_error(
        saver.aput(config, generate_checkpoint(), generate_metadata(), {}), "checkpoint_ns"
    )
    await _nothing_stored(saver, thread)


@check(GET, spec=False)
async def test_get_tuple_missing_thread_id(saver: Any) -> None:
    await _expect_error(saver.aget_tuple({"configurable": {"checkpoint_ns": ""}}), "thread_id")


@check(PW, PUT, GET, spec=False)
async def test_put_writes_missing_checkpoint_id(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoint(saver, generate_config(thread))
    await _expect_error(
        saver.aput_writes(generate_config(thread), [("ch", 1)], "task-1"), "checkpoint_id"
    )
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.pending_writes == [], tup and tup.pending_writes


@check(LIST, PUT, spec=False)
async def test_list_unknown_filter_operator(saver: Any) -> None:
    thread = str(uuid.uuid4())
    await put_test_checkpoint(saver, generate_config(thread))
    await _expect_error(
        collect(
            saver.alist({"configurable": {"thread_id": thread}}, filter={"step": {"$regex": 1}})
        ),
        "$regex",
    )


@check(PUT, GET, LIST, spec=False)
async def test_put_unserializable_value_nothing_stored(saver: Any) -> None:
    thread, marker = str(uuid.uuid4()), str(uuid.uuid4())
    channel = f"bad_channel_{marker[:8]}"
    cp = generate_checkpoint(
        channel_values={"good": "fine", channel: Unserializable()},
        channel_versions={"good": 1, channel: 1},
    )
    await _expect_error(
        saver.aput(
            generate_config(thread), cp, generate_metadata(marker=marker), {"good": 1, channel: 1}
        ),
        channel,
        thread,
    )
    await _nothing_stored(saver, thread, marker)


@check(PUT, GET, LIST, spec=False)
async def test_put_lambda_value_nothing_stored(saver: Any) -> None:
    thread = str(uuid.uuid4())
    channel = f"fn_{thread[:8]}"
    cp = generate_checkpoint(channel_values={channel: lambda: 1}, channel_versions={channel: 1})
    await _expect_error(
        saver.aput(generate_config(thread), cp, generate_metadata(), {channel: 1}),
        channel,
        thread,
    )
    await _nothing_stored(saver, thread)


@check(PUT, GET, LIST, spec=False)
async def test_put_unserializable_metadata_nothing_stored(saver: Any) -> None:
    thread = str(uuid.uuid4())
    key = f"bad_key_{thread[:8]}"
    md = generate_metadata()
    md[key] = Unserializable()
    await _expect_error(
        saver.aput(generate_config(thread), generate_checkpoint(), md, {}), key, thread
    )
    await _nothing_stored(saver, thread)


@check(PUT, GET, LIST, spec=False)
async def test_put_failure_keeps_previous_checkpoint(saver: Any) -> None:
    """A refused put on an existing thread leaves the previous latest intact."""
    thread = str(uuid.uuid4())
    first = await put_test_checkpoint(
        saver, generate_config(thread), channel_values={"good": "v1", "other": "o1"}
    )
    channel = f"bad_{thread[:8]}"
    cp = generate_checkpoint(
        channel_values={"good": "v2", "other": "o1", channel: Unserializable()},
        channel_versions={"good": 2, "other": 1, channel: 2},
    )
    await _expect_error(
        saver.aput(first, cp, generate_metadata(step=1), {"good": 2, channel: 2}),
        channel,
        thread,
    )
    tup = await saver.aget_tuple(generate_config(thread))
    assert tup is not None and tup.checkpoint["id"] == first["configurable"]["checkpoint_id"], (
        "the refused checkpoint became the latest"
    )
    assert tup.checkpoint["channel_values"] == {"good": "v1", "other": "o1"}
    assert len(await collect(saver.alist({"configurable": {"thread_id": thread}}))) == 1


@check(PW, PUT, GET, spec=False)
async def test_put_writes_unserializable_nothing_stored(saver: Any) -> None:
    thread = str(uuid.uuid4())
    stored = await put_test_checkpoint(saver, generate_config(thread))
    channel = f"bad_write_{thread[:8]}"
    await _expect_error(
        saver.aput_writes(stored, [("ok", 1), (channel, Unserializable())], "task-1"),
        channel,
        thread,
    )
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.pending_writes == [], (
        f"a refused put_writes stored {tup and tup.pending_writes!r}"
    )
