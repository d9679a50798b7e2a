"""Time the Postgres saver's garbage collection on long threads.

Builds T threads of N steps each with the bench workload (a list growing by one message
per step, two pending writes per step) in a fresh schema, then times
``prune(keep=int(0.8 * N))`` (most checkpoints stay, so the collection has to tell every
element apart against many live checkpoints) and ``delete_thread`` of one thread.

    uv run --no-sync python bench/pg_prune.py [N] [T] [--dsn DSN]
"""

import argparse
import pathlib
import sys
import time

import psycopg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from workloads import DEFAULT_PG_DSN, PgSchema, build_steps, do_step  # noqa: E402

from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("n", nargs="?", type=int, default=1000, help="steps per thread (1000)")
parser.add_argument("t", nargs="?", type=int, default=1, help="threads (1)")
parser.add_argument("--dsn", default=DEFAULT_PG_DSN)
args = parser.parse_args()
threads = [f"t{i}" for i in range(args.t)]
with PgSchema(psycopg, args.dsn, "prune") as schema:
    with PostgresSaver.from_conn_string(schema.dsn) as saver:
        saver.setup()
        calls, _ = build_steps(saver, threads, args.n)
        started = time.perf_counter()
        for call in calls:
            do_step(saver, call)
        print(f"{len(calls)} steps in {time.perf_counter() - started:.1f}s")
        keep = int(args.n * 0.8)
        started = time.perf_counter()
        saver.prune(threads, keep=keep)
        print(
            f"prune keep {keep} of {args.n} in {args.t} thread(s): {time.perf_counter() - started:.2f}s"
        )
        started = time.perf_counter()
        saver.delete_thread(threads[0])
        print(f"delete_thread: {time.perf_counter() - started:.3f}s")
