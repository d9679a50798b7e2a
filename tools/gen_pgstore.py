"""Generate the sync Postgres store core from its async source.

python tools/gen_pgstore.py           # rewrite the generated file
python tools/gen_pgstore.py --check   # exit 1 if it is out of date

Source: ``langgraph/store/postgres/_async.py`` -> ``_sync.py``. The pairs whose meaning
differs between the two worlds live in ``langgraph/store/postgres/_acompat.py``.
"""

from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from unasync import HEADER, unasync_source  # noqa: E402

PKG = ROOT / "libs/checkpoint-postgres/langgraph/store/postgres"

JOBS = [(PKG / "_async.py", PKG / "_sync.py")]

RENAMES = {
    "_AsyncStoreCore": "_SyncStoreCore",
    "AsyncIterator": "Iterator",
    "AConnection": "Connection",
    "ACursor": "Cursor",
    "ALock": "Lock",
    "APipeline": "Pipeline",
    "APool": "Pool",
    "acontextmanager": "contextmanager",
    "aembed_queries": "embed_queries",
    "aembed_rounds": "embed_rounds",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "aclose": "close",
    "asetup": "setup",
    "abatch": "batch",
    "alist": "list",
    "asweep_ttl": "sweep_ttl",
    "_aopen": "_open",
    "_aconnection": "_connection",
    "_amigrate": "_migrate",
    "_avector_migrations": "_vector_migrations",
    "_ainspect": "_inspect",
    "_aexecute": "_execute",
    "_arun": "_run",
    "_aget": "_get",
    "_asearch": "_search",
    "_alist_namespaces": "_list_namespaces",
    "_aplan_vectors": "_plan_vectors",
    "_aput": "_put",
    "_aann": "_ann",
    "_astep": "_step",
    "AsyncPostgresStore": "PostgresStore",
    "aio": "base",
    "_async.py": "_sync.py",
}

GENERATOR = "tools/gen_pgstore.py"


def _ruff(args: list[str], text: str, target: pathlib.Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(target), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout:
        raise RuntimeError(f"ruff {args[0]} failed on generated {target}: {proc.stderr}")
    return proc.stdout


def generate(source: pathlib.Path, target: pathlib.Path) -> str:
    """The text of ``target``: renamed, imports re-sorted (renames change their order)."""
    header = HEADER.format(generator=GENERATOR, source=source.relative_to(ROOT).as_posix())
    text = header + unasync_source(source.read_text(), RENAMES)
    text = _ruff(["check", "--fix-only", "--exit-zero", "--select", "I"], text, target)
    return _ruff(["format"], text, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a target is out of date")
    args = parser.parse_args(argv)
    stale = 0
    for source, target in JOBS:
        text = generate(source, target)
        current = target.read_text() if target.exists() else None
        if current == text:
            continue
        if args.check:
            print(f"{target.relative_to(ROOT)} is out of date; run python {GENERATOR}")
            stale += 1
        else:
            target.write_text(text)
            print(f"wrote {target.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
