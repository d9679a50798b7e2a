"""The saver's storage operations over one ``sqlite3.Connection``.

Every public method of :class:`Engine` is one complete unit of work (one transaction)
taking the raw ``sqlite3.Connection`` as first argument. The sync saver calls them
directly under its lock; the async saver runs them on aiosqlite's worker thread (one
hop per saver call). Encoding rules live in :mod:`langgraph.checkpoint.base._codec`.

The engine is assembled from cohesive parts:

* :mod:`._core`: state, transactions, error mapping, cache budget, setup, thread ids;
* :mod:`._values`: value lookups, list memos and decoded templates, checkpoint building;
* :mod:`._writes`: ``put`` and ``put_writes``;
* :mod:`._reads`: ``get_tuple``, ``list`` pages, the delta-channel history;
* :mod:`._maintenance`: ``delete_thread``, ``delete_for_runs``, ``copy_thread``,
  ``prune`` and garbage collection; :mod:`._migrate`: schema migrations.

Caches (bounded by ``cache_bytes``): thread name -> id (thread rows are never deleted),
element bytes by hash and blob bytes by key (both immutable once written), the row id of
recently written checkpoints, the newest list seen per channel (joined element bytes)
with its decoded templates (see :mod:`._values`), and the rows of the last ``get_tuple``
of each checkpoint (reused only while nothing was committed since). Every delete bumps
``lg_state.generation`` in its transaction; a connection that sees a new generation
drops its caches. Pure functions of immutable bytes (decoded body plans, id texts) are
cached by count, never invalidated.
"""

from __future__ import annotations

from langgraph.checkpoint.sqlite._maintenance import PRUNE_STRATEGIES, Maintenance
from langgraph.checkpoint.sqlite._migrate import migrate
from langgraph.checkpoint.sqlite._reads import Reads
from langgraph.checkpoint.sqlite._writes import Writes

__all__ = ["Engine", "PRUNE_STRATEGIES", "migrate"]


class Engine(Reads, Writes, Maintenance):
    """Storage operations shared by ``SqliteSaver`` and ``AsyncSqliteSaver``.

    Args:
        serde: the saver's serializer.
        busy_timeout: seconds to wait for another connection's write lock.
        synchronous: ``PRAGMA synchronous`` for file databases (see ``_policy``).
        cache_bytes: memory budget of the value caches.
    """
