"""A writer killed mid-loop, and several processes writing at once, never lose or corrupt
a committed checkpoint."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys

import pytest

from langgraph.checkpoint.sqlite import SqliteSaver

WRITER = pathlib.Path(__file__).with_name("_sqlite_writer.py")


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _verify(db_path: str, committed: list[tuple[str, str, int]]) -> None:
    assert committed
    with SqliteSaver.from_conn_string(db_path) as saver:
        for thread_id, checkpoint_id, step in committed:
            tup = saver.get_tuple(
                {
                    "configurable": {
                        "thread_id": thread_id,
                        "checkpoint_ns": "",
                        "checkpoint_id": checkpoint_id,
                    }
                }
            )
            assert tup is not None, (thread_id, checkpoint_id)
            messages = tup.checkpoint["channel_values"]["messages"]
            assert len(messages) == step + 1
            assert messages[-1]["id"] == f"{thread_id}-{step}"
            assert tup.checkpoint["channel_values"]["counter"] == step
            assert len(tup.pending_writes or []) == 1
        integrity = saver.conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert integrity == "ok"


@pytest.mark.slow
def test_sigkill_mid_write_loop_keeps_db_consistent(db_path: str) -> None:
    proc = _spawn(db_path, "killed", "100000")
    committed: list[tuple[str, str, int]] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            thread_id, checkpoint_id, step = line.split()
            committed.append((thread_id, checkpoint_id, int(step)))
            if len(committed) >= 150:
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()
    _verify(db_path, committed)
    with SqliteSaver.from_conn_string(db_path) as saver:
        latest = saver.get_tuple({"configurable": {"thread_id": "killed"}})
        assert latest is not None  # the writer may have committed after our last read


@pytest.mark.slow
def test_processes_racing_on_one_file(db_path: str) -> None:
    SqliteSaver.from_conn_string(db_path).close()
    procs = [_spawn(db_path, f"own-{i}", "25", f"shared-{i % 2}") for i in range(4)]
    committed: list[tuple[str, str, int]] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        for line in out.splitlines():
            thread_id, checkpoint_id, step = line.split()
            committed.append((thread_id, checkpoint_id, int(step)))
    assert len(committed) == 4 * 25 * 2
    # two processes write their own chain into each shared thread: check every chain
    _verify(db_path, committed)
    with SqliteSaver.from_conn_string(db_path) as saver:
        assert len(list(saver.list({"configurable": {"thread_id": "shared-0"}}))) == 50
