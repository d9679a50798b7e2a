"""Lifecycle of a store's background TTL sweeper, shared by every store we ship.

A store owns the *sweep* (one call that deletes expired items and returns how many);
these classes own the *loop*: start once, sweep every period, log failures without
dying, stop on request. :class:`ThreadSweeper` serves sync stores (a daemon thread),
:class:`TaskSweeper` async ones (an asyncio task on the running loop).
:class:`ThreadSweeping` and :class:`TaskSweeping` give a store the public
``start_ttl_sweeper`` / ``stop_ttl_sweeper`` methods on top of them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable

from langgraph.store.base import TTLConfig

__all__ = [
    "TaskSweeper",
    "TaskSweeping",
    "ThreadSweeper",
    "ThreadSweeping",
    "sweep_interval_seconds",
]

logger = logging.getLogger("langgraph.store")

DEFAULT_SWEEP_MINUTES = 5.0


def sweep_interval_seconds(ttl: TTLConfig | None, minutes: float | None) -> float:
    """Sweeper period: the argument, else ``sweep_interval_minutes``, else 5 minutes."""
    if minutes is None and ttl:
        minutes = ttl.get("sweep_interval_minutes")
    return float(minutes if minutes is not None else DEFAULT_SWEEP_MINUTES) * 60.0


def _report(removed: int) -> None:
    if removed:
        logger.info("store TTL sweeper removed %d expired items", removed)


_Running = tuple[threading.Thread, threading.Event, "concurrent.futures.Future[None]"]


class ThreadSweeper:
    """Calls ``sweep`` every period seconds from a daemon thread.

    Args:
        sweep: Deletes expired items now; returns how many.
        name: The thread's name.
    """

    def __init__(self, sweep: Callable[[], int], *, name: str = "ttl-sweeper") -> None:
        self._sweep = sweep
        self._name = name
        self._running: _Running | None = None

    def start(self, period: float | None) -> concurrent.futures.Future[None]:
        """Start the thread, or return the running one's future.

        Args:
            period: Seconds between sweeps (the first after one period); ``None`` means
                the store has no TTL: nothing starts and the future is already done.

        Returns:
            A future that completes when the sweeper stops; cancelling it stops the sweeper.
        """
        if self._running is not None and not self._running[2].done():
            return self._running[2]
        fut: concurrent.futures.Future[None] = concurrent.futures.Future()
        if period is None:
            fut.set_result(None)
            return fut
        stop = threading.Event()
        fut.add_done_callback(lambda _: stop.set())

        def loop() -> None:
            while not stop.wait(period):
                try:
                    _report(self._sweep())
                except Exception:
                    logger.exception("store TTL sweep failed")
            if not fut.done():
                with contextlib.suppress(concurrent.futures.InvalidStateError):  # cancelled
                    fut.set_result(None)

        thread = threading.Thread(target=loop, name=self._name, daemon=True)
        self._running = (thread, stop, fut)
        thread.start()
        return fut

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the thread to stop and wait up to ``timeout`` seconds (``None``: until it has).

        Returns:
            ``True`` if no sweeper is left running.
        """
        running, self._running = self._running, None
        if running is None:
            return True
        thread, stop, _ = running
        stop.set()
        if thread is not threading.current_thread():
            thread.join(timeout)
        if thread.is_alive():
            self._running = running
            return False
        return True


class TaskSweeper:
    """Awaits ``sweep`` every period seconds in an asyncio task on the running loop.

    Args:
        sweep: Coroutine function deleting expired items now; returns how many.
        name: The task's name.
    """

    def __init__(self, sweep: Callable[[], Awaitable[int]], *, name: str = "ttl_sweeper") -> None:
        self._sweep = sweep
        self._name = name
        self._task: asyncio.Task[None] | None = None

    async def start(self, period: float | None) -> asyncio.Task[None]:
        """Start the task, or return the running one.

        Args:
            period: Seconds between sweeps (the first after one period); ``None`` means
                the store has no TTL: the returned task is already finished.
        """
        if self._task is not None and not self._task.done():
            return self._task
        if period is None:
            done = asyncio.create_task(asyncio.sleep(0), name=self._name)
            await done
            return done

        async def run() -> None:
            while True:
                await asyncio.sleep(period)
                try:
                    _report(await self._sweep())
                except Exception:
                    logger.exception("store TTL sweep failed")

        self._task = asyncio.create_task(run(), name=self._name)
        return self._task

    async def stop(self, timeout: float | None = None) -> bool:
        """Cancel the task and wait up to ``timeout`` seconds (``None``: until it has ended).

        Returns:
            ``True`` if no sweeper is left running.
        """
        task, self._task = self._task, None
        if task is None or task.done():
            return True
        task.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except asyncio.CancelledError:
            pass
        except asyncio.TimeoutError:
            self._task = task
            return False
        return task.done()

    def cancel_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel the task from any thread (for ``__del__``); a closed loop is ignored."""
        task = self._task
        if task is not None and not task.done():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)


class ThreadSweeping:
    """Mixin: ``start_ttl_sweeper`` / ``stop_ttl_sweeper`` of a sync store.

    The store sets ``_sweeper`` (a :class:`ThreadSweeper` of its ``sweep_ttl``) and
    ``ttl_config``.
    """

    ttl_config: TTLConfig | None
    _sweeper: ThreadSweeper

    def start_ttl_sweeper(
        self, sweep_interval_minutes: float | None = None
    ) -> concurrent.futures.Future[None]:
        """Run ``sweep_ttl`` periodically in a daemon thread named ``ttl-sweeper``.

        Args:
            sweep_interval_minutes: Period; default ``ttl_config["sweep_interval_minutes"]``
                or 5. The first sweep happens after one period.

        Returns:
            A future that completes when the sweeper stops (cancelling it stops the
            sweeper). Without a ``ttl`` config nothing is started and the future is done.
        """
        period = sweep_interval_seconds(self.ttl_config, sweep_interval_minutes)
        return self._sweeper.start(period if self.ttl_config else None)

    def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the sweeper thread.

        Args:
            timeout: Seconds to wait for it to finish (``None`` = until it has).

        Returns:
            ``True`` if no sweeper is left running.
        """
        return self._sweeper.stop(timeout)


class TaskSweeping:
    """Mixin: ``start_ttl_sweeper`` / ``stop_ttl_sweeper`` of an asyncio store.

    The store sets ``_sweeper`` (a :class:`TaskSweeper` of its ``asweep_ttl``) and
    ``ttl_config``.
    """

    ttl_config: TTLConfig | None
    _sweeper: TaskSweeper

    async def start_ttl_sweeper(
        self, sweep_interval_minutes: float | None = None
    ) -> asyncio.Task[None]:
        """Start a task named ``ttl_sweeper`` that calls ``asweep_ttl`` periodically.

        Args:
            sweep_interval_minutes: Period; default ``ttl_config["sweep_interval_minutes"]``
                or 5. The first sweep happens after one period.

        Returns:
            The task (the running one if already started; an already finished task when
            there is no ``ttl`` config).
        """
        period = sweep_interval_seconds(self.ttl_config, sweep_interval_minutes)
        return await self._sweeper.start(period if self.ttl_config else None)

    async def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        """Stop the sweeper task.

        Args:
            timeout: Seconds to wait for it to finish (``None`` = until it has).

        Returns:
            ``True`` if no sweeper is left running.
        """
        return await self._sweeper.stop(timeout)
