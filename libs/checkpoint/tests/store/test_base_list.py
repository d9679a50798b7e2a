"""``BaseStore.list`` / ``alist``: the base implementation that pages through ``search``."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

import pytest

from langgraph.store.base import BaseStore, Op, Result, SearchOp
from langgraph.store.memory import InMemoryStore

NS = ("docs",)


class PagedStore(BaseStore):
    """A store without its own ``list``: every call goes to an ``InMemoryStore`` batch."""

    _LIST_PAGE = 3

    def __init__(self, inner: InMemoryStore) -> None:
        self.inner = inner
        self.searches: builtins.list[tuple[int, int]] = []

    def _record(self, ops: builtins.list[Op]) -> None:
        self.searches += [(op.offset, op.limit) for op in ops if isinstance(op, SearchOp)]

    def batch(self, ops: Iterable[Op]) -> builtins.list[Result]:
        ops = builtins.list(ops)
        self._record(ops)
        return self.inner.batch(ops)

    async def abatch(self, ops: Iterable[Op]) -> builtins.list[Result]:
        ops = builtins.list(ops)
        self._record(ops)
        return await self.inner.abatch(ops)


@pytest.fixture
def store() -> PagedStore:
    inner = InMemoryStore()
    for i in range(8):
        inner.put(NS, f"k{i}", {"i": i})
        if i % 3 == 0:  # items of a sub-namespace interleaved in the prefix search
            inner.put((*NS, "sub"), f"s{i}", {"i": i})
    return PagedStore(inner)


def expected(store: PagedStore, offset: int, limit: int | None) -> builtins.list[str]:
    found = [i.key for i in store.inner.search(NS, limit=1000) if i.namespace == NS]
    return found[offset:] if limit is None else found[offset : offset + limit]


@pytest.mark.parametrize("offset", [0, 1, 2, 5, 7, 8, 20])
@pytest.mark.parametrize("limit", [None, 0, 1, 2, 3, 4, 8, 50])
async def test_list_pages_through_search(store: PagedStore, offset: int, limit: int | None) -> None:
    want = expected(store, offset, limit)
    assert [i.key for i in store.list(NS, limit=limit, offset=offset)] == want
    assert [i.key for i in await store.alist(NS, limit=limit, offset=offset)] == want
    assert all(i.namespace == NS for i in store.list(NS, limit=limit, offset=offset))


def test_list_stops_searching_once_full_or_at_a_short_page(store: PagedStore) -> None:
    store.list(NS, limit=2)
    assert store.searches == [(0, 3)]  # two items of NS in the first page: no second search
    store.searches.clear()
    store.list(NS)
    assert store.searches == [(0, 3), (3, 3), (6, 3), (9, 3)]  # 11 items: the 4th page is short
    store.searches.clear()
    assert store.list(("nothing",)) == []
    assert store.searches == [(0, 3)]
