"""Abstract long-term memory store: data types, operations and :class:`BaseStore`.

A store keeps JSON-like documents (``dict`` values) under a ``key`` inside a hierarchical
``namespace`` (a tuple of string labels). Every store implements two primitives,
:meth:`BaseStore.batch` and :meth:`BaseStore.abatch`, which execute a list of operations
(:class:`GetOp`, :class:`SearchOp`, :class:`PutOp`, :class:`ListNamespacesOp`); the
convenience methods (``get``, ``search``, ``put``, ``delete``, ``list_namespaces``, ``list``
and their ``a``-prefixed async twins) build one operation each.

Example:
    >>> from langgraph.store.memory import InMemoryStore
    >>> store = InMemoryStore()
    >>> store.put(("users", "42"), "prefs", {"theme": "dark"})
    >>> store.get(("users", "42"), "prefs").value
    {'theme': 'dark'}
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, NamedTuple, TypedDict

from langgraph.store.base.embed import (
    AEmbeddingsFunc,
    Embeddings,
    EmbeddingsFunc,
    EmbeddingsLambda,
    ensure_embeddings,
    get_text_at_path,
    tokenize_path,
)

__all__ = [
    "AEmbeddingsFunc",
    "BaseStore",
    "Embeddings",
    "EmbeddingsFunc",
    "EmbeddingsLambda",
    "GetOp",
    "IndexConfig",
    "InvalidNamespaceError",
    "Item",
    "ListNamespacesOp",
    "MatchCondition",
    "NOT_PROVIDED",
    "NamespaceMatchType",
    "NamespacePath",
    "NotProvided",
    "Op",
    "PutOp",
    "Result",
    "SearchItem",
    "SearchOp",
    "TTLConfig",
    "ensure_embeddings",
    "get_text_at_path",
    "tokenize_path",
]

_List = builtins.list  # ``list`` is a method name on BaseStore


class NotProvided:
    """Type of the :data:`NOT_PROVIDED` sentinel ("argument not given"); falsy."""

    __slots__ = ()

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_PROVIDED = NotProvided()
"""Marks an argument the caller left out (distinct from an explicit ``None``)."""


class InvalidNamespaceError(ValueError):
    """A namespace is empty, holds a non-string/empty/dotted label, or uses a reserved root."""


def _parse_dt(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class Item:
    """A stored document with its location and timestamps.

    Args:
        value: The document (a dict).
        key: Identifier, unique within the namespace.
        namespace: The namespace labels (a list is turned into a tuple).
        created_at: When the key was first written (``datetime`` or ISO string).
        updated_at: When the value was last written (``datetime`` or ISO string).
    """

    __slots__ = ("value", "key", "namespace", "created_at", "updated_at")

    def __init__(
        self,
        *,
        value: dict[str, Any],
        key: str,
        namespace: tuple[str, ...],
        created_at: datetime | str,
        updated_at: datetime | str,
    ) -> None:
        self.value = value
        self.key = key
        self.namespace = tuple(namespace)
        self.created_at = _parse_dt(created_at)
        self.updated_at = _parse_dt(updated_at)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Item):
            return False
        return (
            self.value == other.value
            and self.key == other.key
            and self.namespace == other.namespace
            and self.created_at == other.created_at
            and self.updated_at == other.updated_at
        )

    def __hash__(self) -> int:
        return hash((self.namespace, self.key))

    def dict(self) -> dict[str, Any]:
        """Plain-dict form: namespace as a list, timestamps as ISO strings."""
        return {
            "namespace": _List(self.namespace),
            "key": self.key,
            "value": self.value,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.dict().items())
        return f"{type(self).__name__}({fields})"


class SearchItem(Item):
    """An :class:`Item` returned by a search, with its relevance ``score``.

    ``score`` is the cosine similarity to the query (the best among the item's indexed
    fields), or ``None`` when the search had no query or the item has no vectors.
    """

    __slots__ = ("score",)

    def __init__(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        created_at: datetime | str,
        updated_at: datetime | str,
        score: float | None = None,
    ) -> None:
        super().__init__(
            value=value,
            key=key,
            namespace=namespace,
            created_at=created_at,
            updated_at=updated_at,
        )
        self.score = score

    def dict(self) -> dict[str, Any]:
        """Plain-dict form including ``score``."""
        result = super().dict()
        result["score"] = self.score
        return result


class GetOp(NamedTuple):
    """Fetch one item by namespace and key. Result: :class:`Item` or ``None``."""

    namespace: tuple[str, ...]
    key: str
    refresh_ttl: bool = True


class SearchOp(NamedTuple):
    """Find items under a namespace prefix. Result: ``list[SearchItem]``.

    Attributes:
        namespace_prefix: Label-wise prefix; ``()`` searches everything.
        filter: Conditions on the value (see ``langgraph.store.base._filters``).
        limit: Maximum number of items.
        offset: Items to skip first.
        query: Natural-language query for semantic ranking (needs an index config).
        refresh_ttl: Whether returned items get their TTL renewed.
    """

    namespace_prefix: tuple[str, ...]
    filter: dict[str, Any] | None = None
    limit: int = 10
    offset: int = 0
    query: str | None = None
    refresh_ttl: bool = True


NamespacePath = tuple[str | Literal["*"], ...]
"""Namespace labels where ``"*"`` matches any one label."""

NamespaceMatchType = Literal["prefix", "suffix"]


class MatchCondition(NamedTuple):
    """A namespace pattern: ``path`` matched from the start or from the end."""

    match_type: NamespaceMatchType
    path: NamespacePath


class ListNamespacesOp(NamedTuple):
    """List distinct namespaces. Result: ``list[tuple[str, ...]]``, sorted.

    Attributes:
        match_conditions: Conditions that must all hold.
        max_depth: Truncate namespaces to this many labels (then de-duplicate).
        limit: Maximum number of namespaces.
        offset: Namespaces to skip first.
    """

    match_conditions: tuple[MatchCondition, ...] | None = None
    max_depth: int | None = None
    limit: int = 100
    offset: int = 0


class PutOp(NamedTuple):
    """Store (``value`` dict) or delete (``value=None``) one item. Result: ``None``.

    Attributes:
        namespace: Where to write.
        key: Item key.
        value: The document, or ``None`` to delete.
        index: ``None`` = the store's configured fields, ``False`` = do not embed,
            or a list of field paths to embed.
        ttl: Minutes before the item expires (``None`` = never).
    """

    namespace: tuple[str, ...]
    key: str
    value: dict[str, Any] | None
    index: Literal[False] | _List[str] | None = None  # type: ignore[assignment]
    ttl: float | None = None


Op = GetOp | SearchOp | PutOp | ListNamespacesOp
Result = Item | _List[Item] | _List[SearchItem] | _List[tuple[str, ...]] | None


class IndexConfig(TypedDict, total=False):
    """Semantic-search configuration of a store.

    Keys:
        dims: Vector size produced by ``embed``.
        embed: Embeddings object, sync/async function ``texts -> vectors``, or a
            ``"provider:model"`` string.
        fields: Field paths to embed; default ``["$"]`` (the whole document).
    """

    dims: int
    embed: Embeddings | EmbeddingsFunc | AEmbeddingsFunc | str
    fields: _List[str] | None


class TTLConfig(TypedDict, total=False):
    """Time-to-live configuration of a store.

    Keys:
        refresh_on_read: Default for ``refresh_ttl`` on reads (``True`` if absent).
        default_ttl: Minutes applied to puts that do not pass ``ttl``.
        sweep_interval_minutes: Period of the background sweeper.
        omit_expired: Hide expired-but-unswept items (always true for InMemoryStore).
    """

    refresh_on_read: bool
    default_ttl: float | None
    sweep_interval_minutes: int | None
    omit_expired: bool


RESERVED_ROOT = "langgraph"


def _validate_namespace(namespace: tuple[str, ...]) -> None:
    if not namespace:
        raise InvalidNamespaceError("Namespace cannot be empty.")
    for label in namespace:
        if not isinstance(label, str):
            raise InvalidNamespaceError(
                f"Invalid namespace label {label!r} in {namespace!r}: labels must be strings, "
                f"got {type(label).__name__}."
            )
        if not label:
            raise InvalidNamespaceError(
                f"Invalid namespace label in {namespace!r}: labels cannot be empty strings."
            )
        if "." in label:
            raise InvalidNamespaceError(
                f"Invalid namespace label {label!r} in {namespace!r}: labels cannot contain '.'."
            )
    if namespace[0] == RESERVED_ROOT:
        raise InvalidNamespaceError(
            f"Invalid namespace {namespace!r}: the root label {RESERVED_ROOT!r} is reserved."
        )


class BaseStore(ABC):
    """Abstract key/value store with hierarchical namespaces.

    Subclasses implement :meth:`batch` and :meth:`abatch`; everything else is built on
    them. ``supports_ttl`` tells whether ``put(..., ttl=...)`` is honoured.
    """

    supports_ttl: bool = False
    ttl_config: TTLConfig | None = None

    @abstractmethod
    def batch(self, ops: Iterable[Op]) -> _List[Result]:
        """Execute operations synchronously; results are in input order.

        Reads in a batch never observe the batch's own writes.
        """

    @abstractmethod
    async def abatch(self, ops: Iterable[Op]) -> _List[Result]:
        """Execute operations asynchronously; results are in input order."""

    # -- one operation of the async API ------------------------------------------------

    async def _arun_op(self, op: Op) -> Result:
        """Run the one operation of an async method (``AsyncBatchedBaseStore`` queues it)."""
        return (await self.abatch([op]))[0]

    # -- resolution helpers -------------------------------------------------------------

    def _refresh(self, refresh_ttl: bool | None) -> bool:
        if refresh_ttl is not None:
            return refresh_ttl
        if self.ttl_config is not None:
            return self.ttl_config.get("refresh_on_read", True)
        return True

    def _put_op(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        index: Literal[False] | _List[str] | None,
        ttl: float | None | NotProvided,
    ) -> PutOp:
        _validate_namespace(namespace)
        if ttl not in (NOT_PROVIDED, None) and not self.supports_ttl:
            raise NotImplementedError(
                f"TTL is not supported by {type(self).__name__}; "
                "omit ttl or use a store with supports_ttl=True."
            )
        if isinstance(ttl, NotProvided):
            ttl = self.ttl_config.get("default_ttl") if self.ttl_config else None
        return PutOp(tuple(namespace), str(key), value, index=index, ttl=ttl)

    @staticmethod
    def _list_ns_op(
        prefix: NamespacePath | None,
        suffix: NamespacePath | None,
        max_depth: int | None,
        limit: int,
        offset: int,
    ) -> ListNamespacesOp:
        conditions: _List[MatchCondition] = []
        if prefix:
            conditions.append(MatchCondition(match_type="prefix", path=tuple(prefix)))
        if suffix:
            conditions.append(MatchCondition(match_type="suffix", path=tuple(suffix)))
        return ListNamespacesOp(
            match_conditions=tuple(conditions), max_depth=max_depth, limit=limit, offset=offset
        )

    # -- sync API -----------------------------------------------------------------------

    def get(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """Fetch one item.

        Args:
            namespace: The item's namespace.
            key: The item's key.
            refresh_ttl: Renew the item's TTL (default: the store's ``refresh_on_read``).

        Returns:
            The item, or ``None`` if absent (or expired).
        """
        op = GetOp(tuple(namespace), str(key), self._refresh(refresh_ttl))
        return self.batch([op])[0]  # type: ignore[return-value]

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
        """Find items under a namespace prefix, optionally filtered and ranked.

        Args:
            namespace_prefix: Label-wise prefix (``()`` = all namespaces).
            query: Semantic query; ignored by stores without an index config.
            filter: Conditions on the value: equality, nested partial match, or
                ``{"field": {"$gt": 3}}`` with ``$eq $ne $gt $gte $lt $lte``.
            limit: Maximum number of results.
            offset: Results to skip.
            refresh_ttl: Renew the TTL of returned items.

        Returns:
            Matching items; with a query, sorted by descending ``score``.

        Raises:
            InvalidFilterError: The filter uses an unknown operator.
        """
        op = SearchOp(
            tuple(namespace_prefix), filter, limit, offset, query, self._refresh(refresh_ttl)
        )
        return self.batch([op])[0]  # type: ignore[return-value]

    def put(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        index: Literal[False] | _List[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """Store or replace an item.

        Args:
            namespace: Non-empty tuple of non-empty labels without ``"."``.
            key: Item key (converted with ``str``).
            value: The document.
            index: ``None`` = configured fields, ``False`` = no embedding, or paths.
            ttl: Minutes to live; omitted = the store's ``default_ttl``; ``None`` = never.

        Raises:
            InvalidNamespaceError: The namespace is invalid.
            NotImplementedError: ``ttl`` given to a store without TTL support.
        """
        self.batch([self._put_op(namespace, key, value, index, ttl)])

    def delete(self, namespace: tuple[str, ...], key: str) -> None:
        """Delete an item (no error if absent)."""
        self.batch([PutOp(tuple(namespace), str(key), None)])

    def list_namespaces(
        self,
        *,
        prefix: NamespacePath | None = None,
        suffix: NamespacePath | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> _List[tuple[str, ...]]:
        """List distinct namespaces, sorted, optionally matched and truncated.

        Args:
            prefix: Leading labels to match (``"*"`` = any one label).
            suffix: Trailing labels to match.
            max_depth: Truncate to this many labels, then de-duplicate.
            limit: Maximum number of namespaces.
            offset: Namespaces to skip.
        """
        op = self._list_ns_op(prefix, suffix, max_depth, limit, offset)
        return self.batch([op])[0]  # type: ignore[return-value]

    # -- async API ----------------------------------------------------------------------

    async def aget(
        self, namespace: tuple[str, ...], key: str, *, refresh_ttl: bool | None = None
    ) -> Item | None:
        """Async :meth:`get`."""
        op = GetOp(tuple(namespace), str(key), self._refresh(refresh_ttl))
        return await self._arun_op(op)  # type: ignore[return-value]

    async def asearch(
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
        """Async :meth:`search`."""
        op = SearchOp(
            tuple(namespace_prefix), filter, limit, offset, query, self._refresh(refresh_ttl)
        )
        return await self._arun_op(op)  # type: ignore[return-value]

    async def aput(
        self,
        namespace: tuple[str, ...],
        key: str,
        value: dict[str, Any],
        index: Literal[False] | _List[str] | None = None,
        *,
        ttl: float | None | NotProvided = NOT_PROVIDED,
    ) -> None:
        """Async :meth:`put`."""
        await self._arun_op(self._put_op(namespace, key, value, index, ttl))

    async def adelete(self, namespace: tuple[str, ...], key: str) -> None:
        """Async :meth:`delete`."""
        await self._arun_op(PutOp(tuple(namespace), str(key), None))

    async def alist_namespaces(
        self,
        *,
        prefix: NamespacePath | None = None,
        suffix: NamespacePath | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> _List[tuple[str, ...]]:
        """Async :meth:`list_namespaces`."""
        op = self._list_ns_op(prefix, suffix, max_depth, limit, offset)
        return await self._arun_op(op)  # type: ignore[return-value]

    # -- list (extension: not in upstream LangGraph) -------------------------------------

    _LIST_PAGE = 200

    def list(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Items of exactly one namespace (not its sub-namespaces), in store order.

        The base implementation pages through :meth:`search`; stores may override it.

        Args:
            namespace: The namespace to list.
            limit: Maximum number of items (``None`` = all).
            offset: Items to skip.
            refresh_ttl: Renew the TTL of returned items.
        """
        pages = _NamespacePages(tuple(namespace), offset, limit, self._LIST_PAGE)
        while not pages.done:
            pages.add(
                self.search(pages.ns, limit=pages.size, offset=pages.start, refresh_ttl=refresh_ttl)
            )
        return pages.items

    async def alist(
        self,
        namespace: tuple[str, ...],
        *,
        limit: int | None = None,
        offset: int = 0,
        refresh_ttl: bool | None = None,
    ) -> _List[Item]:
        """Async :meth:`list`."""
        pages = _NamespacePages(tuple(namespace), offset, limit, self._LIST_PAGE)
        while not pages.done:
            pages.add(
                await self.asearch(
                    pages.ns, limit=pages.size, offset=pages.start, refresh_ttl=refresh_ttl
                )
            )
        return pages.items


class _NamespacePages:
    """The items of exactly one namespace, gathered from pages of a prefix search.

    ``start`` is the offset of the next page to search; ``done`` tells that ``items`` is
    complete: ``limit`` items were kept, or a short page ended the search.
    """

    def __init__(self, ns: tuple[str, ...], offset: int, limit: int | None, size: int) -> None:
        self.ns = ns
        self.offset = offset
        self.limit = limit
        self.size = size
        self.items: _List[Item] = []
        self.skipped = 0
        self.start = 0
        self.done = False

    def _full(self) -> bool:
        return self.limit is not None and len(self.items) >= self.limit

    def add(self, page: _List[SearchItem]) -> None:
        """Keep the page's items of ``ns`` past ``offset``; move ``start`` on."""
        for item in page:
            if item.namespace != self.ns:
                continue
            if self.skipped < self.offset:
                self.skipped += 1
                continue
            if self._full():
                break
            self.items.append(item)
        self.start += len(page)
        self.done = self._full() or len(page) < self.size
