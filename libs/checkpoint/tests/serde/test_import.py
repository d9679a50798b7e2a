"""Importing the serializers pulls in no optional dependency."""

from __future__ import annotations

import os
import subprocess
import sys


def test_core_import_is_light() -> None:
    code = (
        "import sys\n"
        "import langgraph.checkpoint.serde, langgraph.checkpoint.serde.jsonplus\n"
        "import langgraph.checkpoint.serde.encrypted, langgraph.checkpoint.serde.base\n"
        "from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer\n"
        "s = JsonPlusSerializer(); s.loads_typed(s.dumps_typed({'a': (1, 2)}))\n"
        "heavy = [m for m in ('numpy', 'pydantic', 'langchain_core', 'Crypto') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
