"""Where a Postgres saver step goes: client encoding, the put statement, the writes.

Runs the bench's step workload (50 threads x 40 steps) and times, per step, the client
side of ``put`` (``_put_params``: encoding and parameters), the ``put`` statement itself
and the two ``put_writes`` calls.

    uv run --no-sync python bench/pg_step_parts.py [--dsn DSN]
"""

import argparse
import pathlib
import sys
import time

import psycopg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from workloads import DEFAULT_PG_DSN, PgSchema, build_steps  # noqa: E402

from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--dsn", default=DEFAULT_PG_DSN)
args = parser.parse_args()
with PgSchema(psycopg, args.dsn, "parts") as schema:
    with PostgresSaver.from_conn_string(schema.dsn) as saver:
        saver.setup()
        calls, _ = build_steps(saver, [f"t{i}" for i in range(50)], 40)
        encode = statement = writes = 0.0
        for config, checkpoint, metadata, new_versions, task_writes in calls:
            t0 = time.perf_counter()
            params, saved = saver._put_params(config, checkpoint, metadata, new_versions)
            t1 = time.perf_counter()
            saver._fetch(saver._stmts.put, params)
            t2 = time.perf_counter()
            for values, task_id in task_writes:
                saver.put_writes(saved, values, task_id, "")
            t3 = time.perf_counter()
            encode += t1 - t0
            statement += t2 - t1
            writes += t3 - t2
        n = len(calls)
        print(
            f"per step: encode {encode / n * 1e6:.0f} us, put statement"
            f" {statement / n * 1e6:.0f} us, 2 put_writes {writes / n * 1e6:.0f} us"
        )
