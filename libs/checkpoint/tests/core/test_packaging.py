import pathlib
import subprocess
import sys

import langgraph.checkpoint.base as base

ROOT = pathlib.Path(__file__).resolve().parents[4]


def test_imported_core_is_the_workspace_copy() -> None:
    path = pathlib.Path(base.__file__).resolve()
    assert path.is_relative_to(ROOT / "libs" / "checkpoint"), path


def test_namespace_packages_have_no_init() -> None:
    for lib in (ROOT / "libs").iterdir():
        for forbidden in (
            "langgraph/__init__.py",
            "langgraph/checkpoint/__init__.py",
            "langgraph/store/__init__.py",
        ):
            assert not (lib / forbidden).exists(), lib / forbidden


def test_core_imports_no_driver_and_no_langchain() -> None:
    code = (
        "import sys\n"
        "import langgraph.checkpoint.base, langgraph.checkpoint.memory\n"
        "import langgraph.checkpoint.serde.jsonplus, langgraph.checkpoint.serde.encrypted\n"
        "import langgraph.store.base, langgraph.store.memory\n"
        "bad = [m for m in ('langchain_core', 'psycopg', 'sqlite3', 'aiosqlite', 'Crypto', 'numpy', 'pydantic')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
