"""Run every code generator of the repo in --check mode; exit non-zero on drift."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    failed = 0
    for gen in sorted((ROOT / "tools").glob("gen_*.py")):
        proc = subprocess.run([sys.executable, str(gen), "--check"], cwd=ROOT)
        if proc.returncode != 0:
            print(f"generated code is out of date: run `python {gen.relative_to(ROOT)}`")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
