"""Hand-written sync/async pairs used by the generated sync store core.

``_async.py`` is the single source; ``tools/gen_pgstore.py`` turns it into ``_sync.py`` by
renaming the names below (``aembed_queries`` -> ``embed_queries``, ``ALock`` -> ``Lock``,
...). Embedding calls differ between the two worlds (a thread per query vs ``gather``), so
they live here rather than being translated.
"""

from __future__ import annotations

import asyncio
from typing import Any

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
    "aembed_queries",
    "aembed_texts",
    "contextmanager",
    "embed_queries",
    "embed_texts",
]


async def aembed_queries(embeddings: Any, texts: list[str]) -> dict[str, list[float]]:
    """Embed each query text (concurrently)."""
    got = await asyncio.gather(*(embeddings.aembed_query(t) for t in texts))
    return {t: [float(x) for x in v] for t, v in zip(texts, got, strict=True)}


def embed_queries(embeddings: Any, texts: list[str]) -> dict[str, list[float]]:
    """Embed each query text."""
    return {t: [float(x) for x in embeddings.embed_query(t)] for t in texts}


async def aembed_texts(embeddings: Any, texts: list[str]) -> Any:
    """Embed documents in one call."""
    return await embeddings.aembed_documents(texts)


def embed_texts(embeddings: Any, texts: list[str]) -> Any:
    """Embed documents in one call."""
    return embeddings.embed_documents(texts)
