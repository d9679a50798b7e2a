"""The README's Python examples are run, so they cannot rot."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[4]


def test_readme_quickstart_runs() -> None:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own document
