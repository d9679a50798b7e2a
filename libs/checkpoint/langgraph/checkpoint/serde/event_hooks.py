"""Process-wide listeners notified when the deserializer meets a noteworthy type.

Events are plain dicts (:class:`SerdeEvent`) with a ``kind`` of
``"msgpack_unregistered_allowed"`` (permissive mode revived a type nobody registered),
``"msgpack_blocked"`` (strict mode refused a type) or ``"msgpack_method_blocked"``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Literal

from typing_extensions import NotRequired, TypedDict

__all__ = [
    "SerdeEvent",
    "SerdeEventListener",
    "register_serde_event_listener",
    "emit_serde_event",
]

logger = logging.getLogger(__name__)


class SerdeEvent(TypedDict):
    """One notification from the msgpack deserializer."""

    kind: Literal["msgpack_unregistered_allowed", "msgpack_blocked", "msgpack_method_blocked"]
    module: str
    name: str
    method: NotRequired[str]


SerdeEventListener = Callable[[SerdeEvent], None]

_listeners: tuple[SerdeEventListener, ...] = ()
_lock = threading.Lock()


def register_serde_event_listener(listener: SerdeEventListener) -> Callable[[], None]:
    """Register ``listener`` for every future serde event.

    Args:
        listener: Called with each :class:`SerdeEvent`. Exceptions it raises are logged
            and swallowed.

    Returns:
        A callable that unregisters the listener (calling it twice is harmless).
    """
    global _listeners
    with _lock:
        _listeners = (*_listeners, listener)

    def unregister() -> None:
        global _listeners
        with _lock:
            items = list(_listeners)
            if listener in items:
                items.remove(listener)
                _listeners = tuple(items)

    return unregister


def emit_serde_event(event: SerdeEvent) -> None:
    """Deliver ``event`` to every registered listener, logging listener failures."""
    for listener in _listeners:
        try:
            listener(event)
        except Exception:
            logger.exception("serde event listener %r failed", listener)
