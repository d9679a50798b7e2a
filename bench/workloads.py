"""Benchmark workloads for the LangGraph persistence layer.

This file is run as a script by ``bench/run.py`` with the python of the environment under test
(the workspace venv for "ours", ``bench/.upstream-venv`` for "upstream"), so the very same code
measures both implementations.  It only imports public paths (``langgraph.checkpoint.*``,
``langgraph.store.*``) plus the database drivers.

    python bench/workloads.py --only serde,memory --json out.json [--quick]

Every workload group is a function ``group_<name>(mods, sizes, ctx)`` that receives the imported
modules (a ``types.SimpleNamespace``) and records results through ``ctx``; the saver and store
suites are shared by all backends.  A backend that cannot be imported (or whose module does not
define the class yet) is reported as "not available", not as an error.  Results (JSON) are a
list of records::

    {"key": "sqlite.step", "metric": "steps/s", "value": 1234.5, "higher_better": true,
     "n": 2000, "capped": false, "note": "..."}

plus ``check`` records (value 1 = pass, 0 = fail) so a fast but wrong implementation is visible,
``info``, ``n/a`` and ``error`` records.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import hashlib
import importlib
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

try:
    import pydantic
except ImportError:  # pragma: no cover
    pydantic = None

GROUPS = ("serde", "memory", "store", "sqlite", "postgres")
DEFAULT_PG_DSN = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"

FULL = {
    "serde_ops": 10_000,
    "serde_cap": 3.0,
    "threads": 50,
    "steps": 40,
    "step_cap": 20.0,
    "get_ops": 3000,
    "get_cap": 3.0,
    "hist": 200,
    "list_full_reps": 30,
    "list_cap": 4.0,
    "list10_reps": 500,
    "store_items": 10_000,
    "store_ops": 5000,
    "store_cap": 3.0,
    "search_ops": 300,
    "pool_workers": 16,
    "pool_steps": 10,
    "pool_cap": 10.0,
}
QUICK = {
    "serde_ops": 400,
    "serde_cap": 0.5,
    "threads": 8,
    "steps": 10,
    "step_cap": 3.0,
    "get_ops": 200,
    "get_cap": 0.5,
    "hist": 200,
    "list_full_reps": 3,
    "list_cap": 0.5,
    "list10_reps": 30,
    "store_items": 10_000,
    "store_ops": 500,
    "store_cap": 0.5,
    "search_ops": 20,
    "pool_workers": 16,
    "pool_steps": 2,
    "pool_cap": 2.0,
}


class NotAvailable(Exception):
    """The backend package (or a driver it needs) is not importable in this environment."""


# --------------------------------------------------------------------------- results


class Ctx:
    """Collects records and prints progress to stderr."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.records: list[dict[str, Any]] = []

    def progress(self, msg: str) -> None:
        print(f"    {msg}", file=sys.stderr, flush=True)

    def add(
        self,
        key: str,
        metric: str,
        value: float,
        *,
        higher_better: bool = True,
        n: int = 0,
        capped: bool = False,
        note: str = "",
    ) -> None:
        self.records.append(
            {
                "key": key,
                "metric": metric,
                "value": value,
                "higher_better": higher_better,
                "n": n,
                "capped": capped,
                "note": note,
            }
        )

    def rate(self, key: str, metric: str, done: int, elapsed: float, capped: bool) -> None:
        value = done / elapsed if elapsed > 0 else 0.0
        self.add(key, metric, value, n=done, capped=capped)
        self.progress(f"{key:<28} {value:12.1f} {metric}  (n={done}{', capped' if capped else ''})")

    def check(self, key: str, ok: bool, note: str = "") -> None:
        self.add(key, "check", 1.0 if ok else 0.0, n=1, note=note)
        if not ok:
            self.progress(f"CHECK FAILED {key}: {note}")

    def info(self, key: str, note: str) -> None:
        self.add(key, "info", 0.0, note=note)
        self.progress(f"{key:<28} {note}")

    def unavailable(self, key: str, why: str) -> None:
        self.add(key, "n/a", 0.0, note=why)
        self.progress(f"{key:<28} not available ({why})")

    def error(self, key: str, exc: BaseException) -> None:
        tb = traceback.format_exc(limit=6)
        self.add(key, "error", 0.0, note=f"{type(exc).__name__}: {exc}\n{tb}")
        self.progress(f"ERROR {key}: {type(exc).__name__}: {exc}")


STEP_REPS = 5  # repetitions of the (fast) in-memory step workload
BATCHES = 5  # slices of a repeatable loop; the fastest slice is reported
# The first calls of a statement on a connection, timed whole: PostgreSQL plans a prepared
# statement afresh for its first five executions (custom plans), and a costly estimate
# makes it JIT-compile each of them. Best-slice rates (BATCHES) never show that.
FIRST_CALLS = 5


class Loop:
    """Bookkeeping of a timed loop of ``n`` calls in ``batches`` slices, capped at ``cap`` s.

    ``rate`` = calls / s: over the whole loop when ``batches == 1`` (for loops whose calls are
    not alike, e.g. growing threads), else the rate of the fastest slice (repeatable operations:
    the best slice is the one least disturbed by the other tenants of the machine).
    """

    def __init__(self, n: int, cap: float, batches: int) -> None:
        gc.collect()
        self.n = n
        self.size = max(1, n // batches) if batches > 1 else n
        self.batches = batches
        self.done = 0
        self.best = 0.0
        self.start = time.perf_counter()
        self.deadline = self.start + cap
        self.capped = False

    def slices(self) -> Iterable[range]:
        while self.done < self.n and not self.capped:
            yield range(self.done, min(self.n, self.done + self.size))

    def over(self) -> bool:
        return time.perf_counter() > self.deadline

    def finish_slice(self, t0: float, count: int) -> None:
        t1 = time.perf_counter()
        self.done += count
        if count and t1 > t0:
            self.best = max(self.best, count / (t1 - t0))
        if self.done < self.n and t1 > self.deadline:
            self.capped = True

    def result(self) -> tuple[int, float, bool]:
        """(calls done, seconds such that calls / seconds is the reported rate, capped)."""
        if self.batches > 1 and self.best:
            return self.done, self.done / self.best, self.capped
        return self.done, time.perf_counter() - self.start, self.capped


def timed(
    fn: Callable[[int], Any], n: int, cap: float, batches: int = 1
) -> tuple[int, float, bool]:
    """Call ``fn(i)`` for i in range(n) (see Loop); returns (done, seconds, capped)."""
    loop = Loop(n, cap, batches)
    clock = time.perf_counter
    for rng in loop.slices():
        t0 = clock()
        count = 0
        for i in rng:
            fn(i)
            count += 1
            if (count & 7) == 0 and loop.over():
                break
        loop.finish_slice(t0, count)
    return loop.result()


async def atimed(
    fn: Callable[[int], Any], n: int, cap: float, batches: int = 1
) -> tuple[int, float, bool]:
    loop = Loop(n, cap, batches)
    clock = time.perf_counter
    for rng in loop.slices():
        t0 = clock()
        count = 0
        for i in rng:
            await fn(i)
            count += 1
            if (count & 7) == 0 and loop.over():
                break
        loop.finish_slice(t0, count)
    return loop.result()


# --------------------------------------------------------------------------- data

_WORDS = None


def _words() -> list[str]:
    global _WORDS
    if _WORDS is None:
        rng = random.Random(7)
        letters = "etaoinshrdlucmfwypvbgkqjxz"
        _WORDS = [
            "".join(rng.choice(letters[: rng.randint(8, 26)]) for _ in range(rng.randint(2, 10)))
            for _ in range(1500)
        ]
    return _WORDS


def sentence(rng: random.Random, chars: int) -> str:
    words = _words()
    out: list[str] = []
    size = 0
    while size < chars:
        w = rng.choice(words)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:chars]


def chat_message(i: int, thread: str = "t") -> dict[str, Any]:
    """A ~200-byte chat message dict (deterministic per (thread, i))."""
    rng = random.Random(f"{thread}:{i}")
    return {
        "type": "human" if i % 2 == 0 else "ai",
        "id": f"msg-{thread}-{i:05d}",
        "content": sentence(rng, 105),
        "meta": {"tokens": rng.randint(5, 400), "model": "bench-1"},
    }


@dataclasses.dataclass
class BenchDoc:
    title: str
    pages: int
    tags: list[str]


if pydantic is not None:

    class BenchModel(pydantic.BaseModel):
        name: str
        score: float
        labels: dict[str, int]

else:  # pragma: no cover - pydantic is installed on both sides
    BenchModel = None


def serde_classes() -> list[type]:
    return [BenchDoc] if BenchModel is None else [BenchDoc, BenchModel]


def serde_state() -> dict[str, Any]:
    """About 18 KB once serialized: 100 messages, nested dicts, datetime, UUID, dataclass, model."""
    rng = random.Random(11)
    state: dict[str, Any] = {
        "messages": [chat_message(i, "serde") for i in range(100)],
        "context": {
            "user": {"id": 42, "name": "Ada", "prefs": {"lang": "en", "tz": "UTC"}},
            "flags": [True, False, None],
            "scores": [rng.random() for _ in range(8)],
        },
        "created_at": dt.datetime(2026, 11, 21, 6, 51, 13, 124825, tzinfo=dt.timezone.utc),
        "request_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "doc": BenchDoc("Persistence", 12, ["a", "b", "c"]),
        "counter": 17,
        "status": "running",
    }
    if BenchModel is not None:
        state["model"] = BenchModel(name="bench", score=0.5, labels={"x": 1, "y": 2})
    return state


# ------------------------------------------------------------------ checkpoint step data

_last_tick = 0


def checkpoint_id() -> str:
    """Time-ordered UUID version 6 string, strictly increasing within the process."""
    global _last_tick
    tick = time.time_ns() // 100 + 0x01B21DD213814000
    tick = max(tick, _last_tick + 1)
    _last_tick = tick
    value = ((tick >> 12) & 0xFFFFFFFFFFFF) << 80
    value |= 0x6 << 76
    value |= (tick & 0xFFF) << 64
    value |= 0b10 << 62
    value |= random.getrandbits(62)
    return str(uuid.UUID(int=value))


class ThreadRun:
    """Builds the successive saver calls of one thread as the Pregel loop would issue them.

    A v4 checkpoint with 8 channels: ``messages`` (grows by one ~200-byte dict per step),
    ``counter``, ``status``, ``last_node``, ``score`` (every 5th step), ``context`` (step 0
    only), ``branch:to:agent`` / ``branch:to:tools`` (alternating).  One new version per
    step from ``saver.get_next_version(max(current), None)`` for the changed channels only.
    """

    def __init__(self, saver: Any, thread_id: str) -> None:
        self.saver = saver
        self.thread_id = thread_id
        self.step = 0
        self.messages: list[dict[str, Any]] = []
        self.values: dict[str, Any] = {}
        self.versions: dict[str, Any] = {}
        self.seen: dict[str, dict[str, Any]] = {"__input__": {}}
        self.last_id: str | None = None
        self.ids: list[str] = []

    def next_call(
        self,
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], list[Any]]:
        n = self.step
        self.step += 1
        msg = chat_message(n, self.thread_id)
        self.messages = [*self.messages, msg]
        node = "agent" if n % 2 == 0 else "tools"
        changed: dict[str, Any] = {
            "messages": self.messages,
            "counter": n,
            "last_node": node,
            f"branch:to:{'tools' if node == 'agent' else 'agent'}": None,
        }
        if n % 3 == 0:
            changed["status"] = "running" if n % 2 == 0 else "waiting"
        if n % 5 == 0:
            changed["score"] = round(0.1 * n, 3)
        if n == 0:
            changed["context"] = {"user_id": 42, "locale": "en-GB", "plan": "pro"}
        self.values.pop("branch:to:agent", None)
        self.values.pop("branch:to:tools", None)
        self.values.update(changed)
        current = max(self.versions.values()) if self.versions else None
        version = self.saver.get_next_version(current, None)
        new_versions = dict.fromkeys(changed, version)
        self.versions.update(new_versions)
        self.seen[node] = {
            k: self.versions[k] for k in ("messages", "counter") if k in self.versions
        }
        cid = checkpoint_id()
        checkpoint = {
            "v": 4,
            "id": cid,
            "ts": dt.datetime.now(dt.timezone.utc).isoformat(),
            "channel_values": dict(self.values),
            "channel_versions": dict(self.versions),
            "versions_seen": {k: dict(v) for k, v in self.seen.items()},
            "updated_channels": sorted(changed),
        }
        configurable: dict[str, Any] = {"thread_id": self.thread_id, "checkpoint_ns": ""}
        if self.last_id is not None:
            configurable["checkpoint_id"] = self.last_id
        config = {"configurable": configurable}
        metadata = {"source": "input" if n == 0 else "loop", "step": n - 1, "parents": {}}
        self.last_id = cid
        self.ids.append(cid)
        task_a = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{self.thread_id}:{n}:a"))
        task_b = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{self.thread_id}:{n}:b"))
        writes = [
            ([("messages", [msg]), ("counter", n)], task_a),
            ([("status", "ok"), (f"branch:to:{node}", None)], task_b),
        ]
        return config, checkpoint, metadata, new_versions, writes


def build_steps(saver: Any, thread_ids: list[str], steps: int) -> tuple[list[Any], list[ThreadRun]]:
    """Step-major call list: step 0 of every thread, then step 1, ..."""
    runs = [ThreadRun(saver, t) for t in thread_ids]
    calls = [run.next_call() for _ in range(steps) for run in runs]
    return calls, runs


def do_step(saver: Any, call: Any) -> None:
    config, checkpoint, metadata, new_versions, writes = call
    saved = saver.put(config, checkpoint, metadata, new_versions)
    for w, task_id in writes:
        saver.put_writes(saved, w, task_id, "")


async def ado_step(saver: Any, call: Any) -> None:
    config, checkpoint, metadata, new_versions, writes = call
    saved = await saver.aput(config, checkpoint, metadata, new_versions)
    for w, task_id in writes:
        await saver.aput_writes(saved, w, task_id, "")


def latest_cfg(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


# ------------------------------------------------------------------------------ saver suites


def record_storage(ctx: Ctx, prefix: str, size: int, checkpoints: int) -> None:
    per = size / checkpoints
    ctx.add(f"{prefix}.bytes_per_ckpt", "bytes", per, higher_better=False, n=checkpoints)
    ctx.progress(f"{prefix + '.bytes_per_ckpt':<28} {per:12.1f} bytes  ({size} / {checkpoints})")


def saver_suite(
    ctx: Ctx,
    prefix: str,
    saver: Any,
    sizes: dict[str, Any],
    storage: Callable[[], int] | None,
    warmup: Callable[[], Any] | None = None,
) -> None:
    """put+put_writes steps, storage, get_tuple latest, list full / limit=10 (sync saver).

    ``warmup``: a factory of throwaway savers; the step workload then runs ``STEP_REPS`` times
    (fresh saver each time, the last on ``saver``) and the fastest repetition is reported.
    Used for the in-memory saver, whose whole step workload takes only a few tenths of a second.
    """
    threads = [f"{prefix}-t{i}" for i in range(sizes["threads"])]
    best: tuple[int, float, bool] | None = None
    for rep in range(STEP_REPS if warmup else 1):
        last_rep = rep == (STEP_REPS if warmup else 1) - 1
        target = saver if last_rep or warmup is None else warmup()
        calls, runs = build_steps(target, threads, sizes["steps"])
        res = timed(lambda i, t=target, c=calls: do_step(t, c[i]), len(calls), sizes["step_cap"])
        for call in calls[res[0] :]:  # capped: finish untimed, so the data is the same
            do_step(target, call)
        if best is None or res[0] / res[1] > best[0] / best[1]:
            best = res
    done, el, capped = best
    ctx.rate(f"{prefix}.step", "steps/s", done, el, capped)
    last = runs[-1]
    tup = saver.get_tuple(latest_cfg(last.thread_id))
    ok = (
        tup is not None
        and tup.checkpoint["id"] == last.ids[-1]
        and len(tup.pending_writes or []) == 4
        and len(tup.checkpoint["channel_values"]["messages"]) == sizes["steps"]
    )
    ctx.check(f"{prefix}.step", ok, "latest id / 4 pending writes / message count")
    if storage is not None:
        record_storage(ctx, prefix, storage(), len(calls))

    done, el, capped = timed(
        lambda i: saver.get_tuple(latest_cfg(threads[i % len(threads)])),
        sizes["get_ops"],
        sizes["get_cap"],
        BATCHES,
    )
    ctx.rate(f"{prefix}.get_tuple", "ops/s", done, el, capped)
    tup = saver.get_tuple(latest_cfg(threads[0]))
    ctx.check(f"{prefix}.get_tuple", tup is not None and tup.checkpoint["id"] == runs[0].ids[-1])

    hist_thread = f"{prefix}-history"
    hcalls, hruns = build_steps(saver, [hist_thread], sizes["hist"])
    for call in hcalls:
        do_step(saver, call)
    cfg = latest_cfg(hist_thread)
    # the connection's first calls, whole (the server plans them afresh: see FIRST_CALLS)
    done, el, capped = timed(lambda i: list(saver.list(cfg)), FIRST_CALLS, sizes["list_cap"])
    ctx.rate(f"{prefix}.list200_first{FIRST_CALLS}", "lists/s", done, el, capped)
    done, el, capped = timed(
        lambda i: list(saver.list(cfg)), sizes["list_full_reps"], sizes["list_cap"], BATCHES
    )
    ctx.rate(f"{prefix}.list200", "lists/s", done, el, capped)
    items = list(saver.list(cfg))
    ctx.check(
        f"{prefix}.list200",
        len(items) == sizes["hist"] and items[0].checkpoint["id"] == hruns[0].ids[-1],
        f"got {len(items)} tuples",
    )
    done, el, capped = timed(
        lambda i: list(saver.list(cfg, limit=10)), sizes["list10_reps"], sizes["list_cap"], BATCHES
    )
    ctx.rate(f"{prefix}.list10", "lists/s", done, el, capped)
    items = list(saver.list(cfg, limit=10))
    ctx.check(f"{prefix}.list10", [t.checkpoint["id"] for t in items] == hruns[0].ids[::-1][:10])


async def asaver_suite(
    ctx: Ctx, prefix: str, saver: Any, sizes: dict[str, Any], storage: Callable[[], int] | None
) -> None:
    """The same as saver_suite through the async API."""
    threads = [f"{prefix}-t{i}" for i in range(sizes["threads"])]
    calls, runs = build_steps(saver, threads, sizes["steps"])
    done, el, capped = await atimed(
        lambda i: ado_step(saver, calls[i]), len(calls), sizes["step_cap"]
    )
    for call in calls[done:]:  # capped: finish untimed, so the data is the same
        await ado_step(saver, call)
    ctx.rate(f"{prefix}.step", "steps/s", done, el, capped)
    last = runs[-1]
    tup = await saver.aget_tuple(latest_cfg(last.thread_id))
    ok = (
        tup is not None
        and tup.checkpoint["id"] == last.ids[-1]
        and len(tup.pending_writes or []) == 4
        and len(tup.checkpoint["channel_values"]["messages"]) == sizes["steps"]
    )
    ctx.check(f"{prefix}.step", ok, "latest id / 4 pending writes / message count")
    if storage is not None:
        record_storage(ctx, prefix, storage(), len(calls))

    done, el, capped = await atimed(
        lambda i: saver.aget_tuple(latest_cfg(threads[i % len(threads)])),
        sizes["get_ops"],
        sizes["get_cap"],
        BATCHES,
    )
    ctx.rate(f"{prefix}.get_tuple", "ops/s", done, el, capped)
    tup = await saver.aget_tuple(latest_cfg(threads[0]))
    ctx.check(f"{prefix}.get_tuple", tup is not None and tup.checkpoint["id"] == runs[0].ids[-1])

    hist_thread = f"{prefix}-history"
    hcalls, hruns = build_steps(saver, [hist_thread], sizes["hist"])
    for call in hcalls:
        await ado_step(saver, call)
    cfg = latest_cfg(hist_thread)

    async def collect(limit: int | None = None) -> list[Any]:
        return [t async for t in saver.alist(cfg, limit=limit)]

    done, el, capped = await atimed(lambda i: collect(), FIRST_CALLS, sizes["list_cap"])
    ctx.rate(f"{prefix}.list200_first{FIRST_CALLS}", "lists/s", done, el, capped)
    done, el, capped = await atimed(
        lambda i: collect(), sizes["list_full_reps"], sizes["list_cap"], BATCHES
    )
    ctx.rate(f"{prefix}.list200", "lists/s", done, el, capped)
    items = await collect()
    ctx.check(f"{prefix}.list200", len(items) == sizes["hist"], f"got {len(items)} tuples")
    done, el, capped = await atimed(
        lambda i: collect(10), sizes["list10_reps"], sizes["list_cap"], BATCHES
    )
    ctx.rate(f"{prefix}.list10", "lists/s", done, el, capped)
    items = await collect(10)
    ctx.check(f"{prefix}.list10", [t.checkpoint["id"] for t in items] == hruns[0].ids[::-1][:10])


# ------------------------------------------------------------------------------ store suite


def fake_embed(texts: Iterable[str], dims: int = 64) -> list[list[float]]:
    """Deterministic fake embedder: blake2b of the text spread over ``dims`` floats."""
    out = []
    for text in texts:
        digest = hashlib.blake2b(text.encode(), digest_size=64).digest()
        vec = [(digest[i % 64] ^ (i * 37 & 0xFF)) / 127.5 - 1.0 for i in range(dims)]
        out.append(vec)
    return out


def store_doc(i: int) -> dict[str, Any]:
    rng = random.Random(f"doc:{i}")
    return {
        "text": sentence(rng, 100),
        "category": f"c{i % 10}",
        "rank": i % 100,
        "meta": {"lang": "en" if i % 3 else "fr", "owner": f"u{i % 20}"},
    }


def store_ns(i: int) -> tuple[str, ...]:
    return ("bench", "users", f"u{i % 20}")


def fill_store(store: Any, put_op: Any, docs: list[Any], start: int, chunk: int = 500) -> None:
    """Untimed bulk load of ``docs[start:]`` through ``store.batch``."""
    for lo in range(start, len(docs), chunk):
        store.batch([put_op(*doc) for doc in docs[lo : lo + chunk]])


def store_suite(
    ctx: Ctx,
    prefix: str,
    sizes: dict[str, Any],
    put_op: Any,
    make_store: Callable[[bool], Any],
    put_reps: int = 1,
) -> None:
    """put / get / filtered search / semantic search on a ``store_items`` corpus.

    ``make_store(indexed)`` returns a fresh store (``indexed``: with an IndexConfig over the
    fake embedder) or raises NotAvailable.
    """
    n_items = sizes["store_items"]
    n_puts = min(n_items, sizes["store_ops"] * 2)
    docs = [(store_ns(i), f"k{i}", store_doc(i)) for i in range(n_items)]
    best: tuple[int, float, bool] | None = None
    for _ in range(put_reps):  # fresh store each time; the last one is used below
        store = make_store(False)
        res = timed(lambda i, st=store: st.put(*docs[i]), n_puts, sizes["store_cap"])
        if best is None or res[0] / res[1] > best[0] / best[1]:
            best = res
    done, el, capped = best
    ctx.rate(f"{prefix}.put", "ops/s", done, el, capped)
    fill_store(store, put_op, docs, res[0])

    rng = random.Random(3)
    keys = [rng.randrange(n_items) for _ in range(sizes["store_ops"])]
    done, el, capped = timed(
        lambda i: store.get(store_ns(keys[i]), f"k{keys[i]}"),
        len(keys),
        sizes["store_cap"],
        BATCHES,
    )
    ctx.rate(f"{prefix}.get", "ops/s", done, el, capped)
    item = store.get(store_ns(1234), "k1234")
    ctx.check(f"{prefix}.get", item is not None and item.value == store_doc(1234))

    flt = {"category": "c3", "rank": {"$gte": 90}}
    done, el, capped = timed(
        lambda i: store.search(("bench",), filter=flt, limit=10),
        sizes["search_ops"],
        sizes["store_cap"],
        BATCHES,
    )
    ctx.rate(f"{prefix}.search_filter", "ops/s", done, el, capped)
    res = store.search(("bench",), filter=flt, limit=200)
    ctx.check(
        f"{prefix}.search_filter",
        len(res) == n_items // 100 and all(r.value["rank"] == 93 for r in res),
        f"got {len(res)} items",
    )

    try:
        vstore = make_store(True)
    except NotAvailable as exc:
        ctx.unavailable(f"{prefix}.search_semantic", str(exc))
        return
    fill_store(vstore, put_op, docs, 0)
    queries = [sentence(random.Random(f"q{i}"), 40) for i in range(20)]
    done, el, capped = timed(
        lambda i: vstore.search(("bench",), query=queries[i % 20], limit=10),
        sizes["search_ops"],
        sizes["store_cap"],
        BATCHES,
    )
    ctx.rate(f"{prefix}.search_semantic", "ops/s", done, el, capped)
    # The document whose own text is the query must come first.
    target = store_doc(4321)["text"]
    res = vstore.search(("bench",), query=target, limit=3)
    ctx.check(
        f"{prefix}.search_semantic",
        bool(res) and res[0].key == "k4321" and res[0].score is not None,
        f"top hit {res[0].key if res else None}",
    )


def index_config() -> dict[str, Any]:
    return {"dims": 64, "embed": fake_embed, "fields": ["text"], "text_fields": ["text"]}


# --------------------------------------------------------------------------- groups


def need(*names: str) -> SimpleNamespace:
    """Import public modules, mapping ImportError to NotAvailable."""
    mods = {}
    for name in names:
        try:
            mods[name.replace(".", "_")] = importlib.import_module(name)
        except ImportError as exc:
            raise NotAvailable(f"{name}: {exc}") from exc
    return SimpleNamespace(**mods)


def part(ctx: Ctx, key: str, module: str, attr: str, fn: Callable[[Any], Any]) -> None:
    """Run one sub-workload whose backend may be missing (n/a), may fail (error) or run."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        ctx.unavailable(key, f"{module}: {exc}")
        return
    if not hasattr(mod, attr):  # e.g. an empty namespace package of a package being written
        ctx.unavailable(key, f"{module} has no {attr}")
        return
    try:
        fn(mod)
    except NotAvailable as exc:
        ctx.unavailable(key, str(exc))
    except Exception as exc:
        ctx.error(key, exc)


def group_serde(mods: SimpleNamespace, sizes: dict[str, Any], ctx: Ctx) -> None:
    classes = serde_classes()
    plain = mods.langgraph_checkpoint_serde_jsonplus.JsonPlusSerializer(
        allowed_msgpack_modules=classes
    )
    state = serde_state()
    serializers = [("serde.jsonplus", plain)]
    try:
        enc = mods.langgraph_checkpoint_serde_encrypted.EncryptedSerializer.from_pycryptodome_aes(
            plain, key=b"0" * 16
        )
        serializers.append(("serde.encrypted", enc))
    except ImportError as exc:
        ctx.unavailable("serde.encrypted", str(exc))
    for key, ser in serializers:
        blob = ser.dumps_typed(state)
        ctx.add(f"{key}.size", "bytes", len(blob[1]), higher_better=False, n=1)
        back = ser.loads_typed(blob)
        ok = back == state and type(back["doc"]) is BenchDoc
        if "model" in state:
            ok = ok and type(back["model"]) is type(state["model"])
        ctx.check(f"{key}.roundtrip", ok, "classes revived and values equal")
        done, el, capped = timed(
            lambda i, s=ser: s.dumps_typed(state), sizes["serde_ops"], sizes["serde_cap"], BATCHES
        )
        ctx.rate(f"{key}.dumps", "ops/s", done, el, capped)
        done, el, capped = timed(
            lambda i, s=ser, b=blob: s.loads_typed(b),
            sizes["serde_ops"],
            sizes["serde_cap"],
            BATCHES,
        )
        ctx.rate(f"{key}.loads", "ops/s", done, el, capped)


def group_memory(mods: SimpleNamespace, sizes: dict[str, Any], ctx: Ctx) -> None:
    InMemorySaver = mods.langgraph_checkpoint_memory.InMemorySaver
    saver_suite(ctx, "memory", InMemorySaver(), sizes, storage=None, warmup=InMemorySaver)


def group_store(mods: SimpleNamespace, sizes: dict[str, Any], ctx: Ctx) -> None:
    InMemoryStore = mods.langgraph_store_memory.InMemoryStore

    def make(indexed: bool) -> Any:
        return InMemoryStore(index=index_config()) if indexed else InMemoryStore()

    store_suite(ctx, "store.memory", sizes, mods.langgraph_store_base.PutOp, make, put_reps=3)


def sqlite_bytes(path: str) -> int:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


SQLITE_PRAGMAS = ("journal_mode", "synchronous")  # as left on the saver's connection


def group_sqlite(mods: SimpleNamespace, sizes: dict[str, Any], ctx: Ctx) -> None:
    tmp = tempfile.mkdtemp(prefix="lg-bench-")
    try:
        sqlite_parts(mods, sizes, ctx, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sqlite_parts(mods: SimpleNamespace, sizes: dict[str, Any], ctx: Ctx, tmp: str) -> None:
    path = os.path.join(tmp, "sync.db")

    def run_sync(mod: Any) -> None:
        conn = sqlite3.connect(path, check_same_thread=False)
        try:
            saver_suite(ctx, "sqlite", mod.SqliteSaver(conn), sizes, lambda: sqlite_bytes(path))
            pragmas = {p: conn.execute(f"PRAGMA {p}").fetchone()[0] for p in SQLITE_PRAGMAS}
            ctx.info("sqlite", " ".join(f"{k}={v}" for k, v in pragmas.items()))
        finally:
            conn.close()

    part(ctx, "sqlite", "langgraph.checkpoint.sqlite", "SqliteSaver", run_sync)

    apath = os.path.join(tmp, "async.db")

    async def arun(mod: Any) -> None:
        async with mod.AsyncSqliteSaver.from_conn_string(apath) as asaver:
            await asaver.setup()
            await asaver_suite(ctx, "sqlite_async", asaver, sizes, lambda: sqlite_bytes(apath))
            aconn = getattr(asaver, "conn", None)  # public attribute on both implementations
            if aconn is not None:
                pragmas = {}
                for p in SQLITE_PRAGMAS:
                    async with aconn.execute(f"PRAGMA {p}") as cur:
                        pragmas[p] = (await cur.fetchone())[0]
                ctx.info("sqlite_async", " ".join(f"{k}={v}" for k, v in pragmas.items()))

    part(
        ctx,
        "sqlite_async",
        "langgraph.checkpoint.sqlite.aio",
        "AsyncSqliteSaver",
        lambda m: asyncio.run(arun(m)),
    )

    conns: list[sqlite3.Connection] = []

    def run_store(store_mod: Any) -> None:
        def make(indexed: bool) -> Any:
            p = os.path.join(tmp, f"store{len(conns)}.db")
            c = sqlite3.connect(p, check_same_thread=False, isolation_level=None)
            conns.append(c)
            try:
                if indexed:
                    store = store_mod.SqliteStore(c, index=index_config())
                else:
                    store = store_mod.SqliteStore(c)
                store.setup()
            except Exception as exc:
                # sqlite-vec missing, or a python whose sqlite3 cannot load extensions
                if indexed and ("vec" in str(exc) or "extension" in str(exc)):
                    raise NotAvailable(f"vector search: {type(exc).__name__}: {exc}") from exc
                raise
            return store

        try:
            store_suite(ctx, "store.sqlite", sizes, mods.langgraph_store_base.PutOp, make)
            pragmas = {p: conns[0].execute(f"PRAGMA {p}").fetchone()[0] for p in SQLITE_PRAGMAS}
            ctx.info("store.sqlite", " ".join(f"{k}={v}" for k, v in pragmas.items()))
        finally:
            for c in conns:
                c.close()

    part(ctx, "store.sqlite", "langgraph.store.sqlite", "SqliteStore", run_store)


def pg_dsn_with_schema(dsn: str, schema: str) -> str:
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options=-csearch_path%3D{schema}"


class PgSchema:
    """A fresh schema for one saver/store, dropped at the end."""

    def __init__(self, psycopg: Any, dsn: str, name: str) -> None:
        self.psycopg = psycopg
        self.admin_dsn = dsn
        self.name = f"bench_{name}_{os.getpid()}_{random.getrandbits(24):06x}"
        self.dsn = pg_dsn_with_schema(dsn, self.name)

    def __enter__(self) -> PgSchema:
        with self.psycopg.connect(self.admin_dsn, autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
            c.execute(f'CREATE SCHEMA "{self.name}"')
        return self

    def total_bytes(self) -> int:
        """pg_total_relation_size (heap + TOAST + indexes) summed over the schema's tables."""
        with self.psycopg.connect(self.admin_dsn, autocommit=True) as c:
            row = c.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
                (self.name,),
            ).fetchone()
        return int(row[0])

    def __exit__(self, *exc: Any) -> None:
        with self.psycopg.connect(self.admin_dsn, autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def pg_kwargs(mods: SimpleNamespace) -> dict[str, Any]:
    return {"autocommit": True, "prepare_threshold": 0, "row_factory": mods.psycopg_rows.dict_row}


def pool_suite(ctx: Ctx, mods: SimpleNamespace, pg: Any, dsn: str, sizes: dict[str, Any]) -> None:
    """16 OS threads, each with its own thread_id, through one saver over a ConnectionPool."""
    workers = sizes["pool_workers"]
    with mods.psycopg_pool.ConnectionPool(
        dsn, min_size=workers, max_size=workers, kwargs=pg_kwargs(mods), open=True
    ) as pool:
        pool.wait()
        saver = pg.PostgresSaver(pool)
        saver.setup()

        def run(tag: str, n_workers: int) -> float:
            per_worker = [
                build_steps(saver, [f"pool-{tag}-w{w}"], sizes["pool_steps"])[0]
                for w in range(workers)
            ]
            deadline = time.perf_counter() + sizes["pool_cap"]
            counts = [0] * workers
            errors: list[BaseException] = []

            def work(ws: list[int]) -> None:
                try:
                    for w in ws:
                        for call in per_worker[w]:
                            do_step(saver, call)
                            counts[w] += 1
                            if time.perf_counter() > deadline:
                                return
                except BaseException as exc:  # reported below
                    errors.append(exc)

            groups = [[w] for w in range(workers)] if n_workers > 1 else [list(range(workers))]
            ts = [threading.Thread(target=work, args=(g,)) for g in groups]
            gc.collect()
            start = time.perf_counter()
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            elapsed = time.perf_counter() - start
            if errors:
                raise errors[0]
            done = sum(counts)
            ctx.rate(
                f"postgres.pool_{tag}",
                "steps/s",
                done,
                elapsed,
                done < workers * sizes["pool_steps"],
            )
            return done / elapsed

        serial = run("serial", 1)
        concurrent = run(f"{workers}threads", workers)
        ctx.add("postgres.pool_scaling", "x", concurrent / serial, n=workers)
        ctx.progress(
            f"{'postgres.pool_scaling':<28} {concurrent / serial:12.2f} x (16 threads vs 1)"
        )


FLOOR_PAYLOADS = (400, 150, 150)  # bytes: a checkpoint row, then two tasks' writes


def floor_suite(ctx: Ctx, psycopg: Any, dsn: str, sizes: dict[str, Any]) -> None:
    """The commit floor of a step: three autocommit inserts, nothing encoded.

    A saver that makes each call durable before it returns commits three times per step
    (``put``, two ``put_writes``); these three prepared, binary inserts of fixed rows are
    the least such a step costs through psycopg on this server and machine, whatever the
    saver. ``run.py`` reports how fast a step could be relative to upstream's.
    """
    steps = sizes["steps"] * sizes["threads"]  # as many as the step workload
    payloads = [os.urandom(size) for size in FLOOR_PAYLOADS]
    insert = "INSERT INTO floor (k, v) VALUES (%s, %s)"

    def keys(i: int) -> list[bytes]:
        return [i.to_bytes(8, "big") + j.to_bytes(8, "big") for j in range(3)]

    with PgSchema(psycopg, dsn, "floor") as sch:
        with psycopg.connect(sch.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE floor (k bytea PRIMARY KEY, v bytea NOT NULL)")
            cur = conn.cursor(binary=True)

            def step(i: int) -> None:
                for k, v in zip(keys(i), payloads, strict=True):
                    cur.execute(insert, (k, v), prepare=True)

            done, el, capped = timed(step, steps, sizes["step_cap"])
            ctx.rate("postgres.step_floor", "steps/s", done, el, capped)

        async def arun() -> tuple[int, float, bool]:
            async with await psycopg.AsyncConnection.connect(sch.dsn, autocommit=True) as aconn:
                await aconn.execute("TRUNCATE floor")
                acur = aconn.cursor(binary=True)

                async def astep(i: int) -> None:
                    for k, v in zip(keys(i), payloads, strict=True):
                        await acur.execute(insert, (k, v), prepare=True)

                return await atimed(astep, steps, sizes["step_cap"])

        done, el, capped = asyncio.run(arun())
        ctx.rate("postgres_async.step_floor", "steps/s", done, el, capped)


def group_postgres(mods: SimpleNamespace, sizes: dict[str, Any], ctx: Ctx, dsn: str) -> None:
    psycopg = mods.psycopg
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as c:
            c.execute("SELECT 1")
    except Exception as exc:
        ctx.unavailable("postgres", f"server not reachable: {exc}")
        return

    try:
        floor_suite(ctx, psycopg, dsn, sizes)
    except Exception as exc:
        ctx.error("postgres.step_floor", exc)

    def run_sync(mod: Any) -> None:
        with (
            PgSchema(psycopg, dsn, "sync") as sch,
            mod.PostgresSaver.from_conn_string(sch.dsn) as saver,
        ):
            saver.setup()
            saver_suite(ctx, "postgres", saver, sizes, storage=sch.total_bytes)

    part(ctx, "postgres", "langgraph.checkpoint.postgres", "PostgresSaver", run_sync)

    async def arun(mod: Any, sch: PgSchema) -> None:
        async with mod.AsyncPostgresSaver.from_conn_string(sch.dsn) as asaver:
            await asaver.setup()
            await asaver_suite(ctx, "postgres_async", asaver, sizes, storage=sch.total_bytes)

    def run_async(mod: Any) -> None:
        with PgSchema(psycopg, dsn, "async") as sch:
            asyncio.run(arun(mod, sch))

    part(
        ctx, "postgres_async", "langgraph.checkpoint.postgres.aio", "AsyncPostgresSaver", run_async
    )

    def run_unprepared(mod: Any) -> None:
        # as behind PgBouncer in transaction mode: nothing prepared on the server
        kwargs = dict(pg_kwargs(mods), prepare_threshold=None)
        with PgSchema(psycopg, dsn, "unprep") as sch, psycopg.connect(sch.dsn, **kwargs) as conn:
            try:
                saver = mod.PostgresSaver(conn, prepare=False)
            except TypeError:  # upstream has no such option: its connection decides
                saver = mod.PostgresSaver(conn)
            saver.setup()
            saver_suite(ctx, "postgres_unprepared", saver, sizes, storage=None)

    part(
        ctx, "postgres_unprepared", "langgraph.checkpoint.postgres", "PostgresSaver", run_unprepared
    )

    def run_pool(mod: Any) -> None:
        with PgSchema(psycopg, dsn, "pool") as sch:
            pool_suite(ctx, mods, mod, sch.dsn, sizes)

    part(ctx, "postgres.pool", "langgraph.checkpoint.postgres", "PostgresSaver", run_pool)

    def run_store(store_mod: Any) -> None:
        with (
            PgSchema(psycopg, dsn, "store") as sch,
            psycopg.connect(sch.dsn, **pg_kwargs(mods)) as conn,
        ):
            has_vector = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
            ).fetchone()

            def make(indexed: bool) -> Any:
                if not indexed:
                    store = store_mod.PostgresStore(conn)
                elif has_vector:
                    store = store_mod.PostgresStore(conn, index=index_config())
                else:
                    raise NotAvailable("pgvector extension not installed on the server")
                store.setup()
                return store

            store_suite(ctx, "store.postgres", sizes, mods.langgraph_store_base.PutOp, make)

    part(ctx, "store.postgres", "langgraph.store.postgres", "PostgresStore", run_store)


def load_group(group: str) -> SimpleNamespace:
    if group == "serde":
        return need("langgraph.checkpoint.serde.jsonplus", "langgraph.checkpoint.serde.encrypted")
    if group == "memory":
        return need("langgraph.checkpoint.memory")
    if group == "store":
        return need("langgraph.store.memory", "langgraph.store.base")
    if group == "sqlite":
        return need("langgraph.store.base")
    if group == "postgres":
        return need("psycopg", "psycopg.rows", "psycopg_pool", "langgraph.store.base")
    raise ValueError(f"unknown group {group!r}")


def run_group(group: str, sizes: dict[str, Any], dsn: str) -> dict[str, Any]:
    ctx = Ctx(group)
    start = time.perf_counter()
    try:
        mods = load_group(group)
    except NotAvailable as exc:
        ctx.unavailable(group, str(exc))
        return {"group": group, "records": ctx.records, "wall_s": 0.0}
    try:
        if group == "postgres":
            group_postgres(mods, sizes, ctx, dsn)
        else:
            {
                "serde": group_serde,
                "memory": group_memory,
                "store": group_store,
                "sqlite": group_sqlite,
            }[group](mods, sizes, ctx)
    except Exception as exc:
        ctx.error(group, exc)
    return {"group": group, "records": ctx.records, "wall_s": time.perf_counter() - start}


def implementation_info() -> dict[str, Any]:
    info: dict[str, Any] = {"python": sys.version.split()[0], "executable": sys.executable}
    try:
        import importlib.metadata as md

        for dist in (
            "langgraph-checkpoint",
            "langgraph-checkpoint-sqlite",
            "langgraph-checkpoint-postgres",
        ):
            try:
                info[dist] = md.version(dist)
            except md.PackageNotFoundError:
                info[dist] = None
        mod = importlib.import_module("langgraph.checkpoint.memory")
        info["langgraph.checkpoint.memory"] = getattr(mod, "__file__", None)
    except Exception as exc:  # informational only
        info["error"] = str(exc)
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(GROUPS), help="comma list of " + ",".join(GROUPS))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", metavar="OUT", help="write results here (default: stdout)")
    ap.add_argument("--pg-dsn", default=os.environ.get("BENCH_PG_DSN", DEFAULT_PG_DSN))
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    for g in groups:
        if g not in GROUPS:
            ap.error(f"unknown group {g!r}")
    out = {"info": implementation_info(), "quick": args.quick, "groups": []}
    for g in groups:
        out["groups"].append(run_group(g, sizes, args.pg_dsn))
    text = json.dumps(out, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
