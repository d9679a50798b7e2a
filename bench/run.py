"""`make bench`: run bench/workloads.py on our implementation, optionally side by side with upstream.

    python bench/run.py [--compare-upstream] [--rounds N] [--quick] [--only serde,memory,...]
                        [--json OUT] [--pg-dsn DSN] [--rebuild-upstream]

Each (round, group, side) runs in a fresh subprocess: ``<python> bench/workloads.py --only
<group> --json <tmp>``, with the workspace python for "ours" and ``bench/.upstream-venv`` (built
once from PyPI) for "upstream".  Sides alternate per round (ABBA) so drift hits both; the table
shows the median over rounds and the spread ((max - min) / median).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORKLOADS = BENCH / "workloads.py"
UPSTREAM_VENV = BENCH / ".upstream-venv"
UPSTREAM_REQS = [
    "langgraph-checkpoint==4.3.2",
    "langgraph-checkpoint-sqlite==3.1.2",
    "langgraph-checkpoint-postgres==3.2.0",
    "psycopg[binary]",
    "psycopg-pool",
    "aiosqlite",
    "pycryptodome",
    "pydantic",
    "numpy",
]
GROUPS = ("serde", "memory", "store", "sqlite", "postgres")

# key -> (kind, value): "ratio" = ours/upstream vs value (direction from the metric),
# "abs" = our own value must reach value (higher is better).
TARGETS: dict[str, tuple[str, float]] = {
    "serde.jsonplus.dumps": ("ratio", 1.5),
    "serde.jsonplus.loads": ("ratio", 1.5),
    "serde.encrypted.dumps": ("ratio", 2.0),
    "serde.encrypted.loads": ("ratio", 2.0),
    "memory.step": ("ratio", 1.5),
    "store.memory.put": ("ratio", 2.0),
    "store.memory.get": ("ratio", 2.0),
    "store.memory.search_filter": ("ratio", 2.0),
    "store.memory.search_semantic": ("ratio", 2.0),
    "sqlite.step": ("ratio", 2.0),
    "sqlite_async.step": ("ratio", 2.0),
    "sqlite.get_tuple": ("ratio", 1.5),
    "sqlite_async.get_tuple": ("ratio", 2.0),
    "postgres.step": ("ratio", 1.5),
    "postgres_async.step": ("ratio", 1.5),
    "postgres.get_tuple": ("ratio", 1.3),
    "postgres_async.get_tuple": ("ratio", 1.3),
    "postgres.pool_scaling": ("abs", 1.0),
}
for _p in ("sqlite", "sqlite_async", "postgres", "postgres_async"):
    TARGETS[f"{_p}.list200"] = ("ratio", 3.0)
    TARGETS[f"{_p}.list10"] = ("ratio", 3.0)
    TARGETS[f"{_p}.bytes_per_ckpt"] = ("ratio", 0.25)

SPECIAL = ("check", "n/a", "error", "info")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- upstream venv


def find_uv() -> str:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        sys.exit("uv not found (neither on PATH nor .tools/bin/uv); run `make sync` first")
    return uv


def upstream_python(rebuild: bool) -> str:
    """Build bench/.upstream-venv once (cached; rebuilt when the requirement list changes)."""
    python = UPSTREAM_VENV / "bin" / "python"
    stamp = UPSTREAM_VENV / ".bench-requirements"
    wanted = "\n".join(UPSTREAM_REQS) + "\n"
    if not rebuild and python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    uv = find_uv()
    log(f"building {UPSTREAM_VENV} from PyPI: {' '.join(UPSTREAM_REQS)}")
    shutil.rmtree(UPSTREAM_VENV, ignore_errors=True)
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    with tempfile.TemporaryDirectory() as cwd:  # keep the workspace's uv config/sources out of it
        build(uv, cwd, env, python)
    stamp.write_text(wanted)
    return str(python)


def build(uv: str, cwd: str, env: dict[str, str], python: Path) -> None:
    try:
        subprocess.run(
            [uv, "venv", "--no-config", "--python", sys.executable, str(UPSTREAM_VENV)],
            check=True,
            cwd=cwd,
            env=env,
        )
        subprocess.run(
            [uv, "pip", "install", "--no-config", "--python", str(python), *UPSTREAM_REQS],
            check=True,
            cwd=cwd,
            env=env,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(UPSTREAM_VENV, ignore_errors=True)
        sys.exit(f"could not build {UPSTREAM_VENV} ({exc}); is PyPI reachable?")


# --------------------------------------------------------------------------- running


def run_side(python: str, side: str, group: str, quick: bool, dsn: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lg-bench-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [python, str(WORKLOADS), "--only", group, "--json", str(out), "--pg-dsn", dsn]
        if quick:
            cmd.append("--quick")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if side == "upstream":
            env.pop("VIRTUAL_ENV", None)
        else:
            # Measure the workspace sources even when the editable install is stale.
            env["PYTHONPATH"] = os.pathsep.join(workspace_libs())
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            rec = {"key": group, "metric": "error", "value": 0.0, "higher_better": True, "n": 0}
            rec["note"] = f"workloads.py exited with {proc.returncode}"
            return {"info": {}, "records": [rec], "wall_s": wall}
        data = json.loads(out.read_text())
    grp = data["groups"][0]
    return {"info": data["info"], "records": grp["records"], "wall_s": wall}


def workspace_libs() -> list[str]:
    return [str(p) for p in sorted((ROOT / "libs").iterdir()) if (p / "langgraph").is_dir()]


def spread(values: list[float]) -> float | None:
    med = statistics.median(values)
    if len(values) < 2:
        return None
    return (max(values) - min(values)) / med if med else 0.0


def summarize(runs: list[dict[str, Any]], sides: list[str]) -> list[dict[str, Any]]:
    """One row per (key, metric): per side median/spread over rounds, ratio, verdict."""
    order: list[tuple[str, str]] = []
    values: dict[tuple[str, str, str], list[float]] = {}
    meta: dict[tuple[str, str], dict[str, Any]] = {}
    # Row order: group order, then upstream's record order (complete even while some of our
    # backends are not written yet), then whatever only ours has.
    groups = list(dict.fromkeys(run["group"] for run in runs))
    for run in sorted(runs, key=lambda r: (groups.index(r["group"]), r["side"] != "upstream")):
        for rec in run["records"]:
            k = (rec["key"], rec["metric"])
            if k not in meta:
                order.append(k)
                meta[k] = rec
    for run in runs:
        for rec in run["records"]:
            values.setdefault((run["side"], rec["key"], rec["metric"]), []).append(rec["value"])
    rows = []
    for key, metric in order:
        rec = meta[(key, metric)]
        row: dict[str, Any] = {"key": key, "metric": metric, "higher_better": rec["higher_better"]}
        for side in sides:
            vals = values.get((side, key, metric))
            row[side] = statistics.median(vals) if vals else None
            row[f"{side}_spread"] = spread(vals) if vals else None
            row[f"{side}_values"] = vals
            if metric in SPECIAL and vals is not None:
                row[side] = min(vals)  # a check fails if it failed in any round
        if metric in SPECIAL:
            row["notes"] = sorted(
                {
                    f"{r['side']}: {x['note'].splitlines()[0] if x.get('note') else ''}"
                    for r in runs
                    for x in r["records"]
                    if (x["key"], x["metric"]) == (key, metric)
                    and (metric != "check" or x["value"] != 1)
                }
            )
            rows.append(row)
            continue
        ours, up = row.get("ours"), row.get("upstream")
        row["ratio"] = ours / up if ours is not None and up else None
        target = TARGETS.get(key)
        row["target"] = target
        row["verdict"] = verdict(row, target)
        rows.append(row)
    return rows


def verdict(row: dict[str, Any], target: tuple[str, float] | None) -> str:
    if target is None:
        return ""
    kind, goal = target
    if kind == "abs":
        value, noise = row.get("ours"), row.get("ours_spread") or 0.0
    else:
        value = row.get("ratio")
        noise = max(row.get("ours_spread") or 0.0, row.get("upstream_spread") or 0.0)
    if value is None:
        return "n/a"
    higher = row["higher_better"] if kind == "ratio" else True
    ok = value >= goal if higher else value <= goal
    # The verdict could flip within the run-to-run spread: flag it.
    unsure = value * (1 - noise) <= goal <= value * (1 + noise)
    return ("PASS" if ok else "FAIL") + ("?" if unsure else "")


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_target(row: dict[str, Any]) -> str:
    t = row.get("target")
    if not t:
        return ""
    kind, goal = t
    if kind == "abs":
        return f">={goal:g} abs"
    return f"{'>=' if row['higher_better'] else '<='}{goal:g}x"


def print_ceilings(rows: list[dict[str, Any]]) -> None:
    """How fast a step could be at most, relative to upstream's (``step_floor``)."""
    by_key = {row["key"]: row for row in rows if row["metric"] == "steps/s"}
    for prefix in ("postgres", "postgres_async"):
        floor, step = by_key.get(f"{prefix}.step_floor"), by_key.get(f"{prefix}.step")
        if not floor or not step or not step.get("upstream"):
            continue
        values = [floor[side] for side in ("ours", "upstream") if floor.get(side)]
        if not values:
            continue
        best = sum(values) / len(values)
        goal = TARGETS[f"{prefix}.step"][1]
        print(
            f"ceiling {prefix}.step: three bare durable inserts run at {best:,.0f} steps/s,"
            f" {best / step['upstream']:.2f}x upstream's step; no saver that commits each call"
            f" can go faster (target {goal:g}x)"
        )


def print_table(rows: list[dict[str, Any]], sides: list[str]) -> None:
    compare = "upstream" in sides
    head = ["workload", "metric", "ours", "sprd"]
    if compare:
        head += ["upstream", "sprd", "ours/up"]
    head += ["target", "result"]
    table = []
    for row in rows:
        if row["metric"] in SPECIAL:
            continue
        line = [row["key"], row["metric"], fmt(row.get("ours")), pct(row.get("ours_spread"))]
        if compare:
            ratio = row.get("ratio")
            line += [
                fmt(row.get("upstream")),
                pct(row.get("upstream_spread")),
                f"{ratio:.2f}x" if ratio is not None else "-",
            ]
            line += [fmt_target(row), row["verdict"]]
        else:
            t = row.get("target")
            line += [fmt_target(row), row["verdict"] if t and t[0] == "abs" else ""]
        table.append(line)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table, strict=False)]
    right = {2, 3, 4, 5, 6} if compare else {2, 3}

    def render(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        ).rstrip()

    print(render(head))
    print(render(["-" * w for w in widths]))
    for line in table:
        print(render(line))

    problems = []
    for row in rows:
        if row["metric"] == "check":
            for side in sides:
                if row.get(side) == 0.0:
                    problems.append(
                        f"CHECK FAILED [{side}] {row['key']}: {'; '.join(row['notes'])}"
                    )
        elif row["metric"] == "error":
            problems.append(f"ERROR {row['key']}: {'; '.join(row['notes'])}")
        elif row["metric"] == "info":
            problems.append(f"info {row['key']}: {'; '.join(row['notes'])}")
        elif row["metric"] == "n/a":
            problems.append(f"not available: {row['key']}: {'; '.join(row['notes'])}")
    if problems:
        print()
        for p in problems:
            print(p)
    verdicts = [
        r["verdict"] for r in rows if r.get("verdict") in ("PASS", "PASS?", "FAIL", "FAIL?")
    ]
    if verdicts:
        passed = sum(v.startswith("PASS") for v in verdicts)
        print(f"\ntargets: {passed}/{len(verdicts)} PASS ('?' = within the run-to-run spread)")


def pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare-upstream", action="store_true", help="also run upstream's release")
    ap.add_argument(
        "--rounds", type=int, default=None, help="rounds per side (default 2, --quick 1)"
    )
    ap.add_argument("--quick", action="store_true", help="smoke run with small sizes")
    ap.add_argument("--only", default=",".join(GROUPS), help="comma list of " + ",".join(GROUPS))
    ap.add_argument("--json", metavar="OUT", help="save raw runs and the summary here")
    ap.add_argument(
        "--pg-dsn",
        default=os.environ.get(
            "BENCH_PG_DSN", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
        ),
        help="admin DSN; each run creates and drops its own schema",
    )
    ap.add_argument("--rebuild-upstream", action="store_true", help="recreate bench/.upstream-venv")
    args = ap.parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        ap.error(f"unknown group(s) {bad}; choose from {','.join(GROUPS)}")
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 2)

    pythons = {"ours": sys.executable}
    if args.compare_upstream:
        pythons["upstream"] = upstream_python(args.rebuild_upstream)
    sides = list(pythons)

    started = time.perf_counter()
    runs: list[dict[str, Any]] = []
    infos: dict[str, Any] = {}
    for rnd in range(rounds):
        for group in groups:
            order = sides if rnd % 2 == 0 else sides[::-1]
            for side in order:
                log(f"[round {rnd + 1}/{rounds}] {group}: {side}")
                res = run_side(pythons[side], side, group, args.quick, args.pg_dsn)
                infos.setdefault(side, res["info"])
                runs.append({"side": side, "round": rnd, "group": group, **res})
    total = time.perf_counter() - started

    rows = summarize(runs, sides)
    print()
    mode = "quick" if args.quick else "full"
    print(f"bench: {mode}, {rounds} round(s), groups {','.join(groups)}, {total:.0f}s total")
    for side in sides:
        info = infos.get(side, {})
        pkgs = ", ".join(
            f"{k.removeprefix('langgraph-checkpoint') or 'core'} {v}"
            for k, v in info.items()
            if k.startswith("langgraph-checkpoint") and v
        )
        print(f"  {side:<8} {pythons[side]}  [{pkgs}]")
        where = info.get("langgraph.checkpoint.memory")
        if where:
            print(f"  {'':<8} langgraph.checkpoint.memory from {where}")
    print()
    print_table(rows, sides)
    print_ceilings(rows)

    if args.json:
        payload = {
            "machine": {
                "platform": platform.platform(),
                "nproc": os.cpu_count(),
                "python": sys.version.split()[0],
            },
            "args": vars(args),
            "rounds": rounds,
            "sides": {s: {"python": pythons[s], "info": infos.get(s)} for s in sides},
            "runs": runs,
            "summary": rows,
        }
        Path(args.json).write_text(json.dumps(payload, indent=1, default=str))
        print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
