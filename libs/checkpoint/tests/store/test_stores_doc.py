"""STORES.md's examples marked "Runs as written" are executed, so they cannot rot."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "STORES.md"
MARK = "# Runs as written"


def _runnable_blocks() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    return [block for block in blocks if block.startswith(MARK)]


def test_stores_doc_has_a_runnable_semantic_search_example() -> None:
    blocks = _runnable_blocks()
    assert any("query=" in block and "index=" in block for block in blocks)


def test_stores_doc_runnable_examples_run() -> None:
    for block in _runnable_blocks():
        namespace: dict[str, object] = {}
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own document
        assert "store" in namespace
