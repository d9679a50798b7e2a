"""Unusual values: large blobs, non-ASCII and NUL in identifiers and metadata."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check, collect, ids_of
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    generate_config,
    generate_metadata,
    put_test_checkpoint,
)

PUT, GET, LIST, PW = Capability.PUT, Capability.GET_TUPLE, Capability.LIST, Capability.PUT_WRITES

TEN_MB = 10 * 1024 * 1024


@check(PUT, GET, spec=False)
async def test_put_large_bytes_value(saver: Any) -> None:
    blob = bytes(range(256)) * (TEN_MB // 256)
    stored = await put_test_checkpoint(saver, generate_config(), channel_values={"blob": blob})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    got = tup.checkpoint["channel_values"].get("blob")
    assert isinstance(got, bytes) and len(got) == len(blob), type(got)
    assert got == blob, "10 MB bytes value changed on the way"


@check(PUT, GET, spec=False)
async def test_put_large_str_value(saver: Any) -> None:
    text = ("ä€😀x" * (TEN_MB // 16))[: TEN_MB // 2] + "end"
    stored = await put_test_checkpoint(saver, generate_config(), channel_values={"text": text})
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    got = tup.checkpoint["channel_values"].get("text")
    assert isinstance(got, str) and got == text, "large str value changed on the way"


@check(PW, PUT, GET, spec=False)
async def test_put_writes_large_value(saver: Any) -> None:
    blob = b"\x00\xff" * (TEN_MB // 2)
    stored = await put_test_checkpoint(saver, generate_config())
    await saver.aput_writes(stored, [("blob", blob)], "task-1")
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.pending_writes == [("task-1", "blob", blob)]


async def _roundtrip_ids(saver: Any, thread: str, ns: str) -> None:
    stored = await put_test_checkpoint(
        saver, generate_config(thread, checkpoint_ns=ns), channel_values={"v": thread + ns}
    )
    assert stored["configurable"]["thread_id"] == thread
    assert stored["configurable"]["checkpoint_ns"] == ns
    await saver.aput_writes(stored, [("w", ns)], "task-" + thread)
    tup = await saver.aget_tuple(generate_config(thread, checkpoint_ns=ns))
    assert tup is not None, f"latest of thread {thread!r} ns {ns!r} not found"
    assert tup.config["configurable"]["thread_id"] == thread
    assert tup.config["configurable"]["checkpoint_ns"] == ns
    assert tup.checkpoint["channel_values"] == {"v": thread + ns}
    assert tup.pending_writes == [("task-" + thread, "w", ns)], tup.pending_writes
    listed = await collect(saver.alist(generate_config(thread, checkpoint_ns=ns)))
    assert ids_of(listed) == [stored["configurable"]["checkpoint_id"]]
    assert listed[0].config["configurable"]["thread_id"] == thread


@check(PUT, GET, LIST, PW, spec=False)
async def test_non_ascii_thread_id_and_namespace(saver: Any) -> None:
    suffix = uuid.uuid4().hex[:8]
    await _roundtrip_ids(saver, f"スレッド-ü-😀-{suffix}", "子:ñ|node:é")
    # a near-identical ASCII thread must stay separate
    assert await saver.aget_tuple(generate_config(f"スレッド-u-😀-{suffix}")) is None


@check(PUT, GET, LIST, PW, spec=False)
async def test_nul_in_thread_id_and_namespace(saver: Any) -> None:
    suffix = uuid.uuid4().hex[:8]
    await _roundtrip_ids(saver, f"nul\x00thread-{suffix}", "ns\x00child")
    assert await saver.aget_tuple(generate_config(f"nul-{suffix}")) is None
    assert await saver.aget_tuple(generate_config(f"nulthread-{suffix}")) is None


@check(PUT, GET, LIST, spec=False)
async def test_metadata_non_ascii_and_nul(saver: Any) -> None:
    thread = str(uuid.uuid4())
    md = generate_metadata(
        title="naïve ☃ 日本語 😀", with_nul="a\x00b\x00", nested={"deep": "x\x00y"}
    )
    stored = await put_test_checkpoint(saver, generate_config(thread), metadata=md)
    tup = await saver.aget_tuple(stored)
    assert tup is not None
    assert tup.metadata["title"] == "naïve ☃ 日本語 😀", tup.metadata
    assert tup.metadata["with_nul"] == "ab", (
        f"NUL characters are stripped from metadata strings: {tup.metadata['with_nul']!r}"
    )
    nested = tup.metadata["nested"]["deep"]
    assert nested in ("x\x00y", "xy"), nested
    got = await collect(
        saver.alist({"configurable": {"thread_id": thread}}, filter={"title": "naïve ☃ 日本語 😀"})
    )
    assert ids_of(got) == [stored["configurable"]["checkpoint_id"]]


@check(PUT, GET, spec=False)
async def test_non_ascii_and_nul_channel_values(saver: Any) -> None:
    values = {"text": "zero\x00byte ☃", "ключ": ["😀", "\u2028", "\x00"], "b": b"\x00\x01"}
    stored = await put_test_checkpoint(saver, generate_config(), channel_values=values)
    tup = await saver.aget_tuple(stored)
    assert tup is not None and tup.checkpoint["channel_values"] == values
