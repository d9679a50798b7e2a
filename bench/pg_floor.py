"""The per-commit floor of a Postgres saver call on this machine.

Times 2,000 autocommit statements each: ``SELECT 1`` (a round trip), an insert into a
logged table (a round trip plus a durable commit: the WAL flush) and the same insert into
an unlogged table (no flush). A saver step is ``put`` plus two ``put_writes``: three
durable commits, so three times the logged insert is the least a step can take.

    uv run --no-sync python bench/pg_floor.py [--dsn DSN]
"""

import argparse
import pathlib
import sys
import time

import psycopg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from workloads import DEFAULT_PG_DSN, PgSchema  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--dsn", default=DEFAULT_PG_DSN)
args = parser.parse_args()
with PgSchema(psycopg, args.dsn, "floor") as schema:
    with psycopg.connect(schema.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE logged (x int)")
        conn.execute("CREATE UNLOGGED TABLE unlogged (x int)")
        statements = {
            "select 1": "SELECT 1",
            "logged insert": "INSERT INTO logged VALUES (1)",
            "unlogged insert": "INSERT INTO unlogged VALUES (1)",
        }
        for _round in range(2):
            for name, statement in statements.items():
                started = time.perf_counter()
                for _ in range(2000):
                    conn.execute(statement, prepare=True)
                elapsed = (time.perf_counter() - started) / 2000 * 1e6
                print(f"{name:16} {elapsed:6.0f} us", end="  ")
            print()
