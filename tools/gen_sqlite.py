"""Generate the SQLite saver's sync shell from its async shell.

python tools/gen_sqlite.py           # rewrite the generated files
python tools/gen_sqlite.py --check   # exit 1 if they are out of date
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from unasync import main  # noqa: E402

PKG = ROOT / "libs/checkpoint-sqlite/langgraph/checkpoint/sqlite"

JOBS = [(PKG / "_ashell.py", PKG / "_shell.py")]

RENAMES = {
    "AsyncIterator": "Iterator",
    "AsyncRunner": "SyncRunner",
    "AsyncSaverShell": "SaverShell",
    "aget_tuple": "get_tuple",
    "alist": "list",
    "aput": "put",
    "aput_writes": "put_writes",
    "adelete_thread": "delete_thread",
    "adelete_for_runs": "delete_for_runs",
    "acopy_thread": "copy_thread",
    "aprune": "prune",
    "aget_delta_channel_history": "get_delta_channel_history",
    "_ashell.py": "_shell.py",
}

if __name__ == "__main__":
    sys.exit(main(JOBS, RENAMES, root=ROOT, generator="tools/gen_sqlite.py"))
