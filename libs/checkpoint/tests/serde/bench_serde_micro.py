"""Micro-benchmark of the serializers on the shared bench payload (not a test).

Run from the repo root, in our env or in one holding upstream LangGraph::

    LANGGRAPH_ALLOWED_MSGPACK_MODULES=ckpt_bench \
        uv run --no-sync python libs/checkpoint/tests/serde/bench_serde_micro.py
"""

from __future__ import annotations

import sys
import time

sys.path.insert(0, "/work/shared/bench")

import ckpt_bench  # noqa: E402

from langgraph.checkpoint.serde.encrypted import EncryptedSerializer  # noqa: E402
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer  # noqa: E402


def rate(fn: object, n: int) -> float:
    best = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()  # type: ignore[operator]
        best = max(best, n / (time.perf_counter() - t0))
    return best


def main() -> None:
    payload = ckpt_bench.serde_payload()
    for name, sd in (
        ("jsonplus", JsonPlusSerializer()),
        ("encrypted", EncryptedSerializer.from_pycryptodome_aes(key=b"0" * 16)),
    ):
        typed = sd.dumps_typed(payload)
        back = sd.loads_typed(typed)
        assert back["doc"].score == 0.75 and back["model"].value == 7, back
        n = 2000 if name == "jsonplus" else 500
        d = rate(lambda sd=sd: sd.dumps_typed(payload), n)
        ld = rate(lambda sd=sd, typed=typed: sd.loads_typed(typed), n)
        print(f"{name:10s} bytes={len(typed[1])} dumps={d:,.0f}/s loads={ld:,.0f}/s")


if __name__ == "__main__":
    main()
