"""Differential checks: the same operations against the saver and an ``InMemorySaver``."""

from __future__ import annotations

import random
import uuid
from typing import Any

from langgraph.checkpoint.conformance._registry import check, collect, ids_of
from langgraph.checkpoint.conformance.capabilities import Capability
from langgraph.checkpoint.conformance.test_utils import (
    assert_tuple_equal,
    generate_checkpoint,
    generate_config,
)
from langgraph.checkpoint.memory import InMemorySaver

PUT, GET, LIST, PW = Capability.PUT, Capability.GET_TUPLE, Capability.LIST, Capability.PUT_WRITES
DEL, RUNS, COPY, PRUNE = (
    Capability.DELETE_THREAD,
    Capability.DELETE_FOR_RUNS,
    Capability.COPY_THREAD,
    Capability.PRUNE,
)

NAMESPACES = ("", "child:1")
SOURCES = ("input", "loop", "update", "fork")


class Scenario:
    """Random but reproducible puts and writes applied to both savers."""

    def __init__(self, seed: int, saver: Any, reference: Any) -> None:
        self.rng = random.Random(seed)
        self.saver = saver
        self.reference = reference
        self.marker = str(uuid.uuid4())
        self.threads = [f"ref-{self.marker[:8]}-{i}" for i in range(3)]
        self.latest: dict[tuple[str, str], dict[str, Any]] = {}
        self.versions: dict[tuple[str, str], dict[str, int]] = {}
        self.values: dict[tuple[str, str], dict[str, Any]] = {}
        self.stored: list[dict[str, Any]] = []
        self.step = 0

    def _value(self) -> Any:
        r = self.rng
        return r.choice(
            [
                r.randint(-5, 5),
                f"s{r.randint(0, 9)}",
                [r.randint(0, 3)] * r.randint(0, 3),
                {"k": r.random() < 0.5},
                None,
                2.5,
            ]
        )

    async def both(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        a = await getattr(self.saver, method)(*args, **kwargs)
        b = await getattr(self.reference, method)(*args, **kwargs)
        return a, b

    async def put(self) -> None:
        rng = self.rng
        thread, ns = rng.choice(self.threads), rng.choice(NAMESPACES)
        key = (thread, ns)
        versions = self.versions.setdefault(key, {})
        values = self.values.setdefault(key, {})
        new_versions: dict[str, int] = {}
        for channel in rng.sample(["a", "b", "c"], rng.randint(0, 3)):
            versions[channel] = versions.get(channel, 0) + 1
            new_versions[channel] = versions[channel]
            if rng.random() < 0.15:
                values.pop(channel, None)
            else:
                values[channel] = self._value()
        self.step += 1
        md = {
            "source": rng.choice(SOURCES),
            "step": self.step,
            "parents": {},
            "score": rng.randint(0, 5),
            "nested": {"a": rng.randint(0, 2)},
            "marker": self.marker,
            "run_id": f"run-{rng.randint(0, 3)}-{self.marker[:8]}",
        }
        config = self.latest.get(key) or generate_config(thread, checkpoint_ns=ns)
        cp = generate_checkpoint(
            channel_values=dict(values),
            channel_versions=dict(versions),
            versions_seen={"node": dict(versions)},
        )
        got, _ = await self.both("aput", config, cp, md, new_versions)
        self.latest[key] = got
        self.stored.append(got)

    async def put_writes(self) -> None:
        if not self.stored:
            return
        rng = self.rng
        target = rng.choice(self.stored)
        task = f"task-{rng.randint(0, 2)}"
        if rng.random() < 0.2:
            writes = [(rng.choice(["__error__", "__interrupt__"]), self._value())]
        else:
            writes = [(rng.choice(["x", "y"]), self._value()) for _ in range(rng.randint(1, 3))]
        await self.both("aput_writes", target, writes, task)

    async def run(self, ops: int) -> None:
        for _ in range(ops):
            await (self.put() if self.rng.random() < 0.6 else self.put_writes())

    async def compare(self) -> None:
        for cfg in self.stored:
            got, want = await self.both("aget_tuple", cfg)
            assert (got is None) == (want is None), f"get_tuple({cfg}) presence differs"
            if got is not None:
                assert_tuple_equal(got, want)
        for thread in self.threads:
            for ns in NAMESPACES:
                latest, want = await self.both(
                    "aget_tuple", generate_config(thread, checkpoint_ns=ns)
                )
                assert (latest is None) == (want is None), f"latest of {thread}/{ns!r} differs"
                if latest is not None:
                    assert_tuple_equal(latest, want)
                await self.compare_lists(generate_config(thread, checkpoint_ns=ns), ordered=True)
            await self.compare_lists({"configurable": {"thread_id": thread}}, ordered=False)
        got_all = await collect(self.saver.alist(None, filter={"marker": self.marker}))
        want_all = await collect(self.reference.alist(None, filter={"marker": self.marker}))
        assert sorted(ids_of(got_all)) == sorted(ids_of(want_all)), "list(None) differs"

    async def compare_lists(self, config: dict[str, Any], *, ordered: bool) -> None:
        filters: list[dict[str, Any] | None] = [
            None,
            {"source": "loop"},
            {"score": {"$gte": 3}},
            {"nested.a": 1},
            {"nested": {"a": 2}, "source": "input"},
            {"score": {"$ne": 2, "$lt": 5}},
        ]
        for flt in filters:
            for limit in (None, 2):
                got = await collect(self.saver.alist(config, filter=flt, limit=limit))
                want = await collect(self.reference.alist(config, filter=flt, limit=limit))
                if ordered or limit is None:
                    g = ids_of(got) if ordered else sorted(ids_of(got))
                    w = ids_of(want) if ordered else sorted(ids_of(want))
                    assert g == w, f"list({config}, filter={flt}, limit={limit}): {g} != {w}"
                    by_id = {t.checkpoint["id"]: t for t in want}
                    for t in got:
                        assert_tuple_equal(t, by_id[t.checkpoint["id"]])
                else:
                    assert len(got) == len(want), (len(got), len(want))
        ids = ids_of(await collect(self.reference.alist(config)))
        if ordered and len(ids) > 2:
            before = {"configurable": {**config["configurable"], "checkpoint_id": ids[1]}}
            got_ids = ids_of(await collect(self.saver.alist(config, before=before)))
            assert got_ids == ids[2:], f"before={ids[1]}: {got_ids} != {ids[2:]}"


@check(LIST, PUT, GET, PW, spec=False)
async def test_reference_random_scenario(saver: Any) -> None:
    for seed in (1, 2):
        scenario = Scenario(seed, saver, InMemorySaver())
        await scenario.run(40)
        await scenario.compare()


async def _maintenance(saver: Any, op: str, seed: int) -> None:
    scenario = Scenario(seed, saver, InMemorySaver())
    await scenario.run(30)
    t0, t1, t2 = scenario.threads
    if op == "delete_thread":
        await scenario.both("adelete_thread", t0)
    elif op == "delete_for_runs":
        await scenario.both("adelete_for_runs", [f"run-1-{scenario.marker[:8]}"])
    elif op == "copy_thread":
        target = f"copy-{scenario.marker}"
        await scenario.both("acopy_thread", t0, target)
        scenario.threads.append(target)
        scenario.stored += [
            {"configurable": {**c["configurable"], "thread_id": target}}
            for c in scenario.stored
            if c["configurable"]["thread_id"] == t0
        ]
    else:
        await scenario.both("aprune", [t0, t1], strategy="keep_latest")
        await scenario.both("aprune", [t2], strategy="delete")
    await scenario.compare()


@check(DEL, PUT, GET, LIST, PW, spec=False)
async def test_reference_delete_thread(saver: Any) -> None:
    await _maintenance(saver, "delete_thread", 3)


@check(RUNS, PUT, GET, LIST, PW, spec=False)
async def test_reference_delete_for_runs(saver: Any) -> None:
    await _maintenance(saver, "delete_for_runs", 4)


@check(COPY, PUT, GET, LIST, PW, spec=False)
async def test_reference_copy_thread(saver: Any) -> None:
    await _maintenance(saver, "copy_thread", 5)


@check(PRUNE, PUT, GET, LIST, PW, spec=False)
async def test_reference_prune(saver: Any) -> None:
    await _maintenance(saver, "prune", 6)
