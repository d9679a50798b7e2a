"""The store's documentation examples are run, so they cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _store_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## Store\n") :]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_store_examples_run(request: pytest.FixtureRequest) -> None:
    blocks = _store_blocks()
    assert len(blocks) >= 3
    for block in blocks:
        if "pysqlite3" in block:
            request.getfixturevalue("pysqlite3_dbapi2")  # the sqlite-vec example imports it
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102


@pytest.mark.parametrize("module", ["langgraph.store.sqlite", "langgraph.store.sqlite.aio"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), raise_on_error=False)
    assert result.attempted > 0
    assert result.failed == 0
