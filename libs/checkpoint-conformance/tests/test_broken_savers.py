"""The suite must fail against deliberately broken savers, through both entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from langgraph.checkpoint.base import CheckpointTuple, RunnableConfig
from langgraph.checkpoint.conformance import ProgressCallbacks, checkpointer_test, validate
from langgraph.checkpoint.memory import InMemorySaver


class LosesWrites(InMemorySaver):
    """(a) put_writes silently drops everything."""

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        return None

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        return None


class WrongOrder(InMemorySaver):
    """(b) list returns oldest first."""

    def list(self, config: Any, **kwargs: Any) -> Iterator[CheckpointTuple]:  # type: ignore[override]
        limit = kwargs.pop("limit", None)
        items = list(super().list(config, **kwargs))[::-1]
        return iter(items[:limit] if limit is not None else items)

    async def alist(self, config: Any, **kwargs: Any) -> AsyncIterator[CheckpointTuple]:  # type: ignore[override]
        for item in self.list(config, **kwargs):
            yield item


class LeaksThreads(InMemorySaver):
    """(c) get_tuple without checkpoint_id returns the newest checkpoint of ANY thread."""

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        if config["configurable"].get("checkpoint_id"):
            return super().get_tuple(config)
        ns = config["configurable"].get("checkpoint_ns", "")
        newest = None
        for thread_id, namespaces in self.storage.items():
            for cid in namespaces.get(ns, {}):
                if newest is None or cid > newest[1]:
                    newest = (thread_id, cid)
        if newest is None:
            return None
        return self._load(newest[0], ns, newest[1])

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)


class HalfStores(InMemorySaver):
    """(d) when a value cannot be serialized, stores the checkpoint without it, then raises."""

    def put(
        self, config: RunnableConfig, checkpoint: Any, metadata: Any, new_versions: Any
    ) -> RunnableConfig:
        try:
            return super().put(config, checkpoint, metadata, new_versions)
        except TypeError as exc:
            good = {}
            for k, v in checkpoint["channel_values"].items():
                try:
                    self.serde.dumps_typed(v)
                    good[k] = v
                except TypeError:
                    pass
            partial = {**checkpoint, "channel_values": good}
            super().put(
                config, partial, metadata, {k: v for k, v in new_versions.items() if k in good}
            )
            raise TypeError(f"{exc} (thread {config['configurable']['thread_id']})") from exc

    async def aput(
        self, config: RunnableConfig, checkpoint: Any, metadata: Any, new_versions: Any
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)


BROKEN = {
    "loses_writes": (LosesWrites, "put_writes", "test_put_writes_basic"),
    "wrong_order": (WrongOrder, "list", "test_list_ordering"),
    "leaks_threads": (LeaksThreads, "get_tuple", "test_get_tuple_latest_per_thread"),
    "half_stores": (HalfStores, "put", "test_put_unserializable_value_nothing_stored"),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", sorted(BROKEN))
async def test_validate_reports_broken_saver(kind: str) -> None:
    cls, capability, test_name = BROKEN[kind]

    @checkpointer_test(name=f"broken-{kind}")
    async def factory() -> AsyncIterator[InMemorySaver]:
        yield cls()

    report = await validate(factory, progress=ProgressCallbacks.quiet())
    result = report.results[capability]
    assert result.detected and result.passed is False, report.to_dict()
    assert any(f.startswith(test_name + ":") for f in result.failures), result.failures
    assert not report.passed_all()


def test_pytest_entry_point_fails_on_broken_savers(tmp_path: Path) -> None:
    """Run the pytest base class in a subprocess (strict asyncio mode) on every broken saver."""
    here = Path(__file__).resolve()
    lines = [
        "import pytest",
        "from langgraph.checkpoint.conformance import CheckpointerConformance",
        "import importlib.util",
        f"spec = importlib.util.spec_from_file_location('broken', {str(here)!r})",
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)",
    ]
    for kind, (cls, _, _) in BROKEN.items():
        lines += [
            f"class Test_{kind}(CheckpointerConformance):",
            "    @pytest.fixture",
            "    def saver(self):",
            f"        yield mod.{cls.__name__}()",
        ]
    (tmp_path / "test_generated.py").write_text("\n".join(lines) + "\n")
    (tmp_path / "pytest.ini").write_text(
        textwrap.dedent(
            """\
            [pytest]
            asyncio_mode = strict
            asyncio_default_fixture_loop_scope = function
            filterwarnings = error
            """
        )
    )
    junit = tmp_path / "junit.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "-k",
            " or ".join(t for _, _, t in BROKEN.values()),
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    failed: set[str] = set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}")
    for kind, (_, _, test_name) in BROKEN.items():
        for mode in ("sync", "async"):
            assert f"Test_{kind}::{test_name}_{mode}" in failed, (kind, mode, sorted(failed))
