"""The package README's store example runs against each test server, as written."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
from psycopg import sql

README = Path(__file__).resolve().parents[2] / "README.md"


def _store_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("\n## Store\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_store_example_runs(pg_uri: str) -> None:
    blocks = _store_blocks()
    assert blocks, "README's Store section has no python example"
    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), {"uri": pg_uri})  # noqa: S102 - our own document
    finally:
        # the example uses the default schema of the session database: leave it clean
        with psycopg.connect(pg_uri, autocommit=True) as conn:
            for table in ("lg_store_vectors", "lg_store", "lg_store_migrations"):
                conn.execute(
                    sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table))
                )
