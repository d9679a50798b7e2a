"""Plumbing shared by the public Postgres classes, sync and async, saver and store.

* :func:`connect_later`: the body of both savers' ``from_conn_string`` (a saver that owns
  its connection and opens it on first use);
* :func:`in_executor`: an async twin of a sync call, run in the loop's default executor.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["connect_later", "in_executor"]

T = TypeVar("T")


class _Connectable(Protocol):
    _conninfo: str | None
    _want_pipeline: bool
    _owns_conn: bool


S = TypeVar("S", bound=_Connectable)


def connect_later(cls: Callable[..., S], conn_string: str, pipeline: bool, **options: Any) -> S:
    """A saver built by ``cls(None, **options)`` that connects to ``conn_string`` on first use.

    The saver owns the connection (it closes it on exit or ``close``/``aclose``) and runs
    its statements through a pipeline of it when ``pipeline`` is true.
    """
    saver = cls(None, **options)
    saver._conninfo = conn_string
    saver._want_pipeline = pipeline
    saver._owns_conn = True
    return saver


async def in_executor(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in the running loop's default executor."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))
