"""How the client side of a Postgres ``put`` grows with a thread's history.

Runs one thread of the bench's step workload for 600 steps (its message list grows by
one per step) and prints, per 100 steps, the median time of ``_put_params`` (encoding
and parameters, before the statement is sent) and of the whole ``put``.

    uv run --no-sync python bench/pg_put_history.py [--dsn DSN] [--steps N]
"""

import argparse
import pathlib
import statistics
import sys
import time

import psycopg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from workloads import DEFAULT_PG_DSN, PgSchema, build_steps  # noqa: E402

from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--dsn", default=DEFAULT_PG_DSN)
parser.add_argument("--steps", type=int, default=600)
args = parser.parse_args()
clock = time.perf_counter
with PgSchema(psycopg, args.dsn, "history") as schema:
    with PostgresSaver.from_conn_string(schema.dsn) as saver:
        saver.setup()
        calls, _ = build_steps(saver, ["history"], args.steps)
        encode: dict[int, list[float]] = {}
        whole: dict[int, list[float]] = {}
        params = saver._put_params
        spent: list[float] = []

        def timed_params(*a: object, **kw: object) -> object:
            t0 = clock()
            try:
                return params(*a, **kw)  # type: ignore[arg-type]
            finally:
                spent.append(clock() - t0)

        saver._put_params = timed_params  # type: ignore[method-assign]
        for i, (config, checkpoint, metadata, new_versions, _writes) in enumerate(calls):
            spent.clear()
            t0 = clock()
            saver.put(config, checkpoint, metadata, new_versions)
            whole.setdefault(i // 100, []).append(clock() - t0)
            encode.setdefault(i // 100, []).append(sum(spent))
        for block in sorted(encode):
            print(
                f"messages {block * 100:4d}-{block * 100 + 99:<4d}"
                f"  _put_params {statistics.median(encode[block]) * 1e6:5.0f} us"
                f"  put {statistics.median(whole[block]) * 1e6:5.0f} us"
            )
