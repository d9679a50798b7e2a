"""What running unprepared costs a Postgres saver, per call (as behind PgBouncer).

Three savers, each in its own schema, run the bench's step workload (50 threads x 20
steps) in shuffled order, step by step: prepared statements (the default), unprepared
calling the functions ``setup()`` stores, and unprepared sending the statements (as when
the functions are missing). Prints the mean time of ``put``, of each ``put_writes`` and of
a ``get_tuple`` of the latest checkpoint.

    uv run --no-sync python bench/pg_unprepared.py [--dsn DSN]
"""

import argparse
import pathlib
import random
import sys
import time
from contextlib import ExitStack

import psycopg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from workloads import DEFAULT_PG_DSN, PgSchema, build_steps, latest_cfg  # noqa: E402

from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--dsn", default=DEFAULT_PG_DSN)
args = parser.parse_args()
clock = time.perf_counter
kinds = {"prepared": (True, None), "functions": (False, None), "statements": (False, False)}
with ExitStack() as stack:
    savers = {}
    for kind, (prepare, routines) in kinds.items():
        schema = stack.enter_context(PgSchema(psycopg, args.dsn, f"unprep_{kind}"))
        saver = stack.enter_context(PostgresSaver.from_conn_string(schema.dsn, prepare=prepare))
        saver.setup()
        if routines is False:
            saver._routines = False  # as if setup() had not stored the functions
        savers[kind] = saver
    calls = {
        kind: build_steps(s, [f"t{i}" for i in range(50)], 20)[0] for kind, s in savers.items()
    }
    spent = {kind: [0.0, 0.0, 0.0] for kind in savers}
    n = len(calls["prepared"])
    for i in range(n):
        for kind in random.sample(list(savers), len(savers)):
            saver = savers[kind]
            config, checkpoint, metadata, new_versions, task_writes = calls[kind][i]
            t0 = clock()
            saved = saver.put(config, checkpoint, metadata, new_versions)
            t1 = clock()
            for values, task_id in task_writes:
                saver.put_writes(saved, values, task_id, "")
            t2 = clock()
            saver.get_tuple(latest_cfg(config["configurable"]["thread_id"]))
            t3 = clock()
            acc = spent[kind]
            acc[0] += t1 - t0
            acc[1] += (t2 - t1) / len(task_writes)
            acc[2] += t3 - t2
    for kind, (put, writes, get) in spent.items():
        print(
            f"{kind:10}  put {put / n * 1e3:.2f} ms  put_writes {writes / n * 1e3:.2f} ms"
            f"  get_tuple {get / n * 1e3:.2f} ms"
        )
