"""Where the Postgres saver's bytes per checkpoint go, table by table.

Runs the bench's step workload (50 threads x 40 steps by default) in a fresh schema,
then prints each table's heap, TOAST/free-space-map/visibility-map and index bytes per
checkpoint, each index's share, and the average stored size of each column.

    uv run --no-sync python bench/pg_bytes.py [--threads T] [--steps S] [--dsn DSN]
"""

import argparse
import pathlib
import sys

import psycopg
from psycopg import sql

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from workloads import DEFAULT_PG_DSN, PgSchema, build_steps, do_step  # noqa: E402

from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=50)
parser.add_argument("--steps", type=int, default=40)
parser.add_argument("--dsn", default=DEFAULT_PG_DSN)
args = parser.parse_args()
with PgSchema(psycopg, args.dsn, "bytes") as schema:
    with PostgresSaver.from_conn_string(schema.dsn) as saver:
        saver.setup()
        calls, _ = build_steps(saver, [f"postgres-t{i}" for i in range(args.threads)], args.steps)
        for call in calls:
            do_step(saver, call)
    n = len(calls)
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT c.oid::regclass::text, c.relname, pg_relation_size(c.oid),"
            " pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid),"
            " pg_indexes_size(c.oid)"
            " FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
            " WHERE s.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            (schema.name,),
        ).fetchall()
        total = 0
        for regclass, name, heap, other, indexes in tables:
            rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(regclass)))
            count = rows.fetchone()[0]  # type: ignore[index]
            print(
                f"{name:16} rows={count:6}  heap {heap / n:7.1f}  toast/fsm/vm {other / n:6.1f}"
                f"  indexes {indexes / n:6.1f}"
            )
            total += heap + other + indexes
            for index, size in conn.execute(
                "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)"
                " FROM pg_index WHERE indrelid = %s::regclass",
                (regclass,),
            ).fetchall():
                print(f"    {index.split('.')[-1]:40} {size / n:7.1f}")
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass"
                    " AND attnum > 0 AND NOT attisdropped",
                    (regclass,),
                ).fetchall()
            ]
            if count:
                sizes = conn.execute(
                    sql.SQL("SELECT {} FROM {}").format(
                        sql.SQL(", ").join(
                            sql.SQL("avg(pg_column_size({}))::int").format(sql.Identifier(c))
                            for c in columns
                        ),
                        sql.SQL(regclass),
                    )
                ).fetchone()
                print("    columns:", dict(zip(columns, sizes or (), strict=False)))
        print(f"total per checkpoint {total / n:.1f} bytes ({n} checkpoints)")
