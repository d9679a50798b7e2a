"""Time the Postgres saver's row-converting migrations on a synthetic database.

Creates schema ``migbench`` at version 10 (with the test suite's ``_create_old_schema``),
fills it with N checkpoints and N pending-writes rows shaped like the bench workload's
(1,000 threads, UUID-like text ids, 20 list hashes and one channel value per checkpoint), then runs
``setup()``, which logs each migration's duration, and drops the schema.

    uv run --no-sync python bench/pg_migrations.py [N] [--dsn DSN]
"""

import argparse
import logging
import pathlib
import sys
import time

import psycopg
from psycopg import sql

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "libs/checkpoint-postgres/tests"))
from test_migrations import _create_old_schema  # noqa: E402 - found through sys.path

from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(message)s")
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("n", nargs="?", type=int, default=100_000, help="checkpoints (default 100000)")
parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
args = parser.parse_args()
dsn = args.dsn
schema = "migbench"
N = args.n
with psycopg.connect(dsn, autocommit=True) as c:
    c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
with psycopg.connect(dsn) as conn:
    _create_old_schema(conn, schema, 10)
    t0 = time.perf_counter()
    with conn.transaction():
        conn.execute(
            sql.SQL("""
        INSERT INTO {}.lg_checkpoints
        SELECT convert_to('thread-' || (g %% 1000), 'UTF8'), ''::bytea,
            lpad(to_hex(g), 8, '0') || '-0000-6000-8000-' || lpad(to_hex(g), 12, '0'),
            lpad(to_hex(g - 1), 8, '0') || '-0000-6000-8000-' || lpad(to_hex(g - 1), 12, '0'),
            decode(repeat('ab', 240), 'hex'), ARRAY[convert_to('context', 'UTF8')],
            ARRAY[decode(md5((g %% 1000)::text), 'hex')],
            decode(repeat(md5(g::text) || md5((g+1)::text), 10), 'hex'),
            '{{"source": "loop", "step": 1}}'::jsonb
        FROM generate_series(1, %s) g""").format(sql.Identifier(schema)),
            (N,),
        )
        conn.execute(
            sql.SQL("""
        INSERT INTO {}.lg_blobs
        SELECT convert_to('thread-' || g, 'UTF8'), ''::bytea, convert_to('context', 'UTF8'),
            decode(md5(g::text), 'hex'), decode(repeat('ef', 100), 'hex')
        FROM generate_series(0, 999) g""").format(sql.Identifier(schema))
        )
        conn.execute(
            sql.SQL("""
        INSERT INTO {}.lg_writes
        SELECT convert_to('thread-' || (g %% 1000), 'UTF8'), ''::bytea,
            lpad(to_hex(g), 8, '0') || '-0000-6000-8000-' || lpad(to_hex(g), 12, '0'),
            decode(md5(g::text), 'hex'), '', decode(repeat('cd', 130), 'hex')
        FROM generate_series(1, %s) g""").format(sql.Identifier(schema)),
            (N,),
        )
    print(f"filled {N} checkpoints + {N} writes rows in {time.perf_counter() - t0:.1f}s")
with PostgresSaver.from_conn_string(dsn, schema=schema) as s:
    t0 = time.perf_counter()
    s.setup()
    print(f"setup {time.perf_counter() - t0:.1f}s")
with psycopg.connect(dsn, autocommit=True) as c:
    c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
