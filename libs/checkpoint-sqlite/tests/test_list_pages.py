"""``ListPages``: the paging of ``list()`` shared by the SQLite savers (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from langgraph.checkpoint.errors import InvalidFilterError
from langgraph.checkpoint.sqlite._reads import ListPages

CONFIG = {"configurable": {"thread_id": "t"}}


def drain(pages: ListPages, rows: list[Any], cursor_every: int = 2) -> tuple[list[Any], list[int]]:
    """Serve ``rows`` like ``list_page`` would; return what was yielded and the sizes asked."""
    out: list[Any] = []
    sizes: list[int] = []
    start = 0
    while not pages.done:
        plan, after, size = pages.request()
        assert plan is pages.plan and after == (None if start == 0 else ("c", start))
        sizes.append(size)
        chunk = rows[start : start + min(size, cursor_every)]
        start += len(chunk)
        out += pages.take((chunk, ("c", start) if start < len(rows) else None))
    return out, sizes


@pytest.mark.parametrize("limit", [None, 1, 2, 3, 5, 9])
def test_yields_rows_up_to_the_limit(limit: int | None) -> None:
    rows = list(range(5))
    out, _ = drain(ListPages(CONFIG, filter=None, before=None, limit=limit), rows)
    assert out == (rows if limit is None else rows[:limit])


def test_asks_only_for_the_rows_still_needed() -> None:
    _, sizes = drain(ListPages(CONFIG, filter=None, before=None, limit=5), list(range(10)))
    assert sizes == [5, 3, 1]


@pytest.mark.parametrize("limit", [0, -1])
def test_no_page_for_a_non_positive_limit(limit: int) -> None:
    pages = ListPages(CONFIG, filter=None, before=None, limit=limit)
    assert pages.done


def test_validates_the_filter_at_once() -> None:
    with pytest.raises(InvalidFilterError, match="unknown filter operator"):
        ListPages(CONFIG, filter={"step": {"$nope": 1}}, before=None, limit=None)
