"""Hand-written sync/async pairs used by the generated sync store core.

``_async.py`` is the single source; ``tools/gen_pgstore.py`` turns it into ``_sync.py`` by
renaming the names below (``ALock`` -> ``Lock``, ...). Embedding (``aembed_queries`` /
``embed_queries``, ``aembed_rounds`` / ``embed_rounds``) is shared by every store and
lives in ``langgraph.store.base._support``.
"""

from __future__ import annotations

from langgraph.checkpoint.postgres._acompat import (
    AConnection,
    ACursor,
    ALock,
    APipeline,
    APool,
    Connection,
    Cursor,
    Lock,
    Pipeline,
    Pool,
    acontextmanager,
    contextmanager,
)

__all__ = [
    "AConnection",
    "ACursor",
    "ALock",
    "APipeline",
    "APool",
    "Connection",
    "Cursor",
    "Lock",
    "Pipeline",
    "Pool",
    "acontextmanager",
    "contextmanager",
]
