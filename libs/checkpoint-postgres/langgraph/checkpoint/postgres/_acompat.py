"""Hand-written sync/async pairs used by the generated sync saver.

The async saver (``_async.py``) is the single source; ``tools/gen_postgres.py`` turns it into
``_sync.py`` by renaming the names below (``ALock`` -> ``Lock``, ...). Constructs whose
meaning differs between the two drivers are defined here, not translated.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager, contextmanager

from psycopg import AsyncConnection, AsyncCursor, AsyncPipeline, Connection, Cursor, Pipeline
from psycopg_pool import AsyncConnectionPool, ConnectionPool

__all__ = [
    "ALock",
    "Lock",
    "AConnection",
    "Connection",
    "ACursor",
    "Cursor",
    "APipeline",
    "Pipeline",
    "APool",
    "Pool",
    "acontextmanager",
    "contextmanager",
]

ALock = asyncio.Lock
Lock = threading.Lock
AConnection = AsyncConnection
ACursor = AsyncCursor
APipeline = AsyncPipeline
APool = AsyncConnectionPool
Pool = ConnectionPool
acontextmanager = asynccontextmanager
_ = (Connection, Cursor, Pipeline, contextmanager)
