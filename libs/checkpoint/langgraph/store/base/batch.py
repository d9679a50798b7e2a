"""Coalesce concurrent store calls into one ``abatch`` per event-loop tick.

:class:`AsyncBatchedBaseStore` is the base for async-native stores. Every ``aget`` /
``asearch`` / ``aput`` / ``adelete`` / ``alist_namespaces`` queues its operation; a
background task drains whatever is queued, de-duplicates it, runs one
:meth:`~langgraph.store.base.BaseStore.abatch`, and resolves each caller's future.
"""

from __future__ import annotations

import asyncio
import builtins
import weakref
from collections.abc import Iterable
from typing import Any, Literal

from langgraph.store.base import (
    NOT_PROVIDED,
    BaseStore,
    Item,
    NamespacePath,
    NotProvided,
    Op,
    PutOp,
    Result,
    SearchItem,
)

__all__ = ["AsyncBatchedBaseStore"]

_List = builtins.list
_Queue = asyncio.Queue[tuple["asyncio.Future[Result]", Op]]


class AsyncBatchedBaseStore(BaseStore):
    """Async store base that batches concurrent calls; subclasses implement ``abatch``.

    Must be created while an event loop is running (the loop is captured). The sync
    methods may be called from other threads; they block on the captured loop and raise
    :class:`asyncio.InvalidStateError` when called from the loop's own thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self._loop = asyncio.get_running_loop()
        self._aqueue: _Queue = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._ensure_task()

    def _ensure_task(self) -> None:
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(_run(self._aqueue, weakref.ref(self)))

    def __del__(self) -> None:
        task = getattr(self, "_task", None)
        if task is not None and not task.done():
            try:
                self._loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # loop already closed
                pass

    async def _submit(self, op: Op) -> Result:
        self._ensure_task()
        fut: asyncio.Future[Result] = self._loop.create_future()
        self._aqueue.put_nowait((fut, op))
        return await fut

    # -- async API: BaseStore's aget/asearch/aput/adelete/alist_namespaces queue here ----

    async def _arun_op(self, op: Op) -> Result:
        """Queue ``op`` instead of running a one-op :meth:`abatch`."""
        return await self._submit(op)

    # -- sync bridge --------------------------------------------------------------------

    def _check_thread(self, name: str) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if running is self._loop:
            raise asyncio.InvalidStateError(
                f"Synchronous {type(self).__name__}.{name}() was called from the event loop "
                f"thread the store is bound to; this would deadlock. Use the async method "
                f"(a{name}) instead, or call it from another thread."
            )

    def _block(self, name: str, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def batch(self, ops: Iterable[Op]) -> _List[Result]:
        """Run :meth:`abatch` on the store's loop and wait (not from the loop thread)."""
        self._check_thread("batch")
        return self._block("batch", self.abatch(_List(ops)))  # type: ignore[no-any-return]

    def get(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """Blocking :meth:`aget`."""
        self._check_thread("get")
        return self._block(  # type: ignore[no-any-return]
            "get", self.aget(namespace, key, refresh_ttl=refresh_ttl)
        )

    def search(
        self,
        namespace_prefix: tuple[str, ...],
        /,
        *,
        query: str | None = None,
        filter: dict[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[SearchItem]:
        """Blocking :meth:`asearch`."""
        self._check_thread("search")
        coro = self.asearch(
            namespace_prefix,
            query=query,
            filter=filter,
            limit=limit,
            offset=offset,
            refresh_ttl=refresh_ttl,
        )
        return self._block("search", coro)  # type: ignore[no-any-return]

    def put(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        index: Literal[False] | _List[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """Blocking :meth:`aput`."""
        self._check_thread("put")
        self._block("put", self.aput(namespace, key, value, index, ttl=ttl))

    def delete(self, namespace: tuple[str, ...], key: str) -> None:
        """Blocking :meth:`adelete`."""
        self._check_thread("delete")
        self._block("delete", self.adelete(namespace, key))

    def list_namespaces(
        self,
        *,
        prefix: NamespacePath | None = None,
        suffix: NamespacePath | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> _List[tuple[str, ...]]:
        """Blocking :meth:`alist_namespaces`."""
        self._check_thread("list_namespaces")
        coro = self.alist_namespaces(
            prefix=prefix, suffix=suffix, max_depth=max_depth, limit=limit, offset=offset
        )
        return self._block("list_namespaces", coro)  # type: ignore[no-any-return]


def _dedupe(
    ops: _List[Op],
) -> tuple[_List[Op], _List[int]]:
    """Unique ops and, for each input op, the index of the unique op serving it.

    Identical reads share one execution; puts to one ``(namespace, key)`` collapse into
    the last of them, placed where the first one was.
    """
    unique: _List[Op] = []
    where: _List[int] = []
    seen: dict[Any, int] = {}
    for op in ops:
        if isinstance(op, PutOp):
            ident: Any = ("put", op.namespace, op.key)
            pos = seen.get(ident)
            if pos is None:
                seen[ident] = len(unique)
                where.append(len(unique))
                unique.append(op)
            else:
                unique[pos] = op
                where.append(pos)
            continue
        try:
            ident = (type(op), _freeze(op))
            pos = seen.get(ident)
        except TypeError:
            ident, pos = None, None
        if pos is None:
            if ident is not None:
                seen[ident] = len(unique)
            where.append(len(unique))
            unique.append(op)
        else:
            where.append(pos)
    return unique, where


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    hash(value)
    return (type(value).__name__, value)


async def _run(queue: _Queue, store_ref: weakref.ReferenceType[AsyncBatchedBaseStore]) -> None:
    while True:
        first = await queue.get()
        taken = [first]
        while True:
            try:
                taken.append(queue.get_nowait())
            except asyncio.QueueEmpty:
                break
        taken = [(fut, op) for fut, op in taken if not fut.cancelled()]
        if not taken:
            continue
        store = store_ref()
        if store is None:
            for fut, _ in taken:
                fut.cancel()
            return
        ops = [op for _, op in taken]
        try:
            if len(ops) <= 1:
                results = await store.abatch(ops)
                mapping = [0]
            else:
                unique, mapping = _dedupe(ops)
                results = await store.abatch(unique)
        except Exception as exc:  # noqa: BLE001 - every caller gets the error
            for fut, _ in taken:
                if not fut.done():
                    fut.set_exception(exc)
        else:
            for (fut, _), pos in zip(taken, mapping, strict=False):
                if not fut.done():
                    fut.set_result(results[pos])
        finally:
            del store
