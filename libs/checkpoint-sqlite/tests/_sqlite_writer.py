"""Child process of the fault tests: writes checkpoints in a loop and reports commits.

    python _sqlite_writer.py DB_PATH THREAD_ID STEPS [SHARED_THREAD]

Prints ``<thread_id> <checkpoint_id> <step>`` after each put + put_writes returned.
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from _sqlite_helpers import Chat  # noqa: E402

from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: E402


def main() -> None:
    path, thread_id, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    chats = [Chat(thread_id)]
    if len(sys.argv) > 4:
        chats.append(Chat(sys.argv[4]))
    with SqliteSaver.from_conn_string(path) as saver:
        for _ in range(steps):
            for chat in chats:
                config, checkpoint, metadata, versions = chat.next()
                saved = saver.put(config, checkpoint, metadata, versions)
                saver.put_writes(saved, [("messages", [chat.message(chat.step)])], "task")
                chat.committed(saved)
                print(chat.thread_id, saved["configurable"]["checkpoint_id"], chat.step - 1)
                sys.stdout.flush()


if __name__ == "__main__":
    main()
