"""Embedding adapters and field-path helpers for semantic search in stores.

``langchain_core`` is never imported here. :class:`Embeddings` is a small abstract base
whose ``isinstance`` check also accepts any object with ``embed_documents`` and
``embed_query`` methods (so LangChain ``Embeddings`` instances pass as they are).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

__all__ = [
    "AEmbeddingsFunc",
    "Embeddings",
    "EmbeddingsFunc",
    "EmbeddingsLambda",
    "ensure_embeddings",
    "get_text_at_path",
    "tokenize_path",
]

EmbeddingsFunc = Callable[[Sequence[str]], list[list[float]]]
"""A synchronous function turning texts into vectors."""

AEmbeddingsFunc = Callable[[Sequence[str]], Awaitable[list[list[float]]]]
"""An asynchronous function turning texts into vectors."""


class Embeddings(ABC):
    """Interface of an embedding model (compatible with LangChain's ``Embeddings``).

    Subclasses implement :meth:`embed_documents` and :meth:`embed_query`; the async
    variants default to running those in the default executor. Any object exposing
    callable ``embed_documents`` and ``embed_query`` counts as an instance.
    """

    @abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed several texts."""

    @abstractmethod
    def embed_query(self, text: str) -> list[float]:
        """Embed one query text."""

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed several texts asynchronously (executor by default)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        """Embed one query text asynchronously (executor by default)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.embed_query, text)

    @classmethod
    def __subclasshook__(cls, other: type) -> bool:
        if cls is Embeddings:
            return all(
                callable(getattr(other, m, None)) for m in ("embed_documents", "embed_query")
            )
        return NotImplemented  # type: ignore[no-any-return]


class _DuckEmbeddings(Embeddings):
    """Adds default async methods to a duck-typed embeddings object that lacks them."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return list(self.inner.embed_documents(texts))

    def embed_query(self, text: str) -> list[float]:
        return list(self.inner.embed_query(text))


class EmbeddingsLambda(Embeddings):
    """Wrap a plain function as an :class:`Embeddings` object.

    A coroutine function (or an object with an async ``__call__``) becomes the async
    implementation, and then the sync methods raise ``ValueError``. A sync function
    serves both; the async methods run it in the default executor.

    Args:
        func: ``texts -> vectors``, sync or async.
    """

    def __init__(self, func: EmbeddingsFunc | AEmbeddingsFunc) -> None:
        if func is None:
            raise ValueError("EmbeddingsLambda needs an embedding function, got None")
        self.func = func
        self.is_async = _is_async_callable(func)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed several texts with the wrapped sync function."""
        if self.is_async:
            raise ValueError(
                "This embedding function is async; use aembed_documents / the async store API "
                "(aput, asearch), or pass a sync function."
            )
        return self.func(texts)  # type: ignore[return-value]

    def embed_query(self, text: str) -> list[float]:
        """Embed one query text (first vector of ``embed_documents([text])``)."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed several texts; awaits the function if it is async."""
        if not self.is_async:
            return await super().aembed_documents(texts)
        result = self.func(texts)
        return await result  # type: ignore[no-any-return, misc]

    async def aembed_query(self, text: str) -> list[float]:
        """Embed one query text asynchronously."""
        return (await self.aembed_documents([text]))[0]


def _is_async_callable(func: Any) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004
    return call is not None and not inspect.isfunction(func) and inspect.iscoroutinefunction(call)


def ensure_embeddings(embed: Any) -> Embeddings:
    """Turn the ``IndexConfig["embed"]`` value into an :class:`Embeddings` object.

    Args:
        embed: An embeddings object (ours or LangChain's), a sync or async function
            ``texts -> vectors``, or a ``"provider:model"`` string (needs ``langchain``).

    Returns:
        An object with ``embed_documents``/``embed_query`` and their async twins.

    Raises:
        ValueError: ``embed`` is ``None``, unusable, or a string without ``langchain``.
    """
    if embed is None:
        raise ValueError("IndexConfig 'embed' is required for semantic search, got None")
    if isinstance(embed, str):
        try:
            from langchain.embeddings import init_embeddings  # type: ignore[import-not-found]
        except ImportError as exc:
            raise ValueError(
                f"Embedding provider string {embed!r} needs the 'langchain' package "
                "(pip install langchain) or pass an Embeddings object or a function instead."
            ) from exc
        return ensure_embeddings(init_embeddings(embed))
    if isinstance(embed, Embeddings):
        if all(callable(getattr(embed, m, None)) for m in ("aembed_documents", "aembed_query")):
            return embed
        return _DuckEmbeddings(embed)
    if callable(embed):
        return EmbeddingsLambda(embed)
    raise ValueError(
        f"IndexConfig 'embed' must be an Embeddings object, a function or a "
        f"'provider:model' string, got {type(embed).__name__}"
    )


def tokenize_path(path: str) -> list[str]:
    """Split a field path into tokens.

    ``.`` separates fields, ``[...]`` is an index token (``[0]``, ``[-1]``, ``[*]``) and
    ``{...}`` a multi-field token; brackets nest.

    Example:
        >>> tokenize_path("a.b[*].c")
        ['a', 'b', '[*]', 'c']
        >>> tokenize_path("authors[0].name")
        ['authors', '[0]', 'name']
    """
    if not path:
        return []
    tokens: list[str] = []
    cur: list[str] = []
    i, n = 0, len(path)
    while i < n:
        ch = path[i]
        if ch in "[{":
            if cur:
                tokens.append("".join(cur))
                cur = []
            close = "]" if ch == "[" else "}"
            depth, j = 0, i
            while j < n:
                if path[j] == ch:
                    depth += 1
                elif path[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            tokens.append(path[i : j + 1])
            i = j + 1
        elif ch == ".":
            if cur:
                tokens.append("".join(cur))
                cur = []
            i += 1
        else:
            cur.append(ch)
            i += 1
    if cur:
        tokens.append("".join(cur))
    return tokens


def _to_text(x: Any) -> list[str]:
    if x is None:
        return []
    if isinstance(x, (str, int, float, bool)):
        return [str(x)]
    if isinstance(x, (list, dict)):
        return [json.dumps(x, sort_keys=True, ensure_ascii=False)]
    return [str(x)]


def get_text_at_path(obj: Any, path: str | list[str]) -> list[str]:
    """Texts found at a field path of a document (see :func:`tokenize_path`).

    ``""`` / ``"$"`` yield the whole document as sorted-key JSON. Missing fields and
    ``None`` yield nothing.

    Example:
        >>> get_text_at_path({"a": [{"t": "x"}, {"t": "y"}]}, "a[*].t")
        ['x', 'y']
    """
    if not path or path == "$" or path == ["$"]:
        return [json.dumps(obj, sort_keys=True, ensure_ascii=False)]
    tokens = tokenize_path(path) if isinstance(path, str) else path
    return _extract(obj, tokens, 0)


def _extract(obj: Any, tokens: list[str], pos: int) -> list[str]:
    if pos >= len(tokens):
        return _to_text(obj)
    token = tokens[pos]
    if token.startswith("[") and token.endswith("]"):
        if not isinstance(obj, list):
            return []
        inner = token[1:-1]
        if inner == "*":
            out: list[str] = []
            for el in obj:
                out.extend(_extract(el, tokens, pos + 1))
            return out
        try:
            idx = int(inner)
        except ValueError:
            return []
        if -len(obj) <= idx < len(obj):
            return _extract(obj[idx], tokens, pos + 1)
        return []
    if token.startswith("{") and token.endswith("}"):
        if not isinstance(obj, dict):
            return []
        out = []
        for field in _split_top_level(token[1:-1]):
            sub = tokenize_path(field.strip())
            if sub:
                out.extend(_extract(obj, sub + tokens[pos + 1 :], 0))
        return out
    if token == "*":
        values = (
            list(obj.values()) if isinstance(obj, dict) else obj if isinstance(obj, list) else []
        )
        out = []
        for v in values:
            out.extend(_extract(v, tokens, pos + 1))
        return out
    if isinstance(obj, dict) and token in obj:
        return _extract(obj[token], tokens, pos + 1)
    return []


def _split_top_level(s: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in s:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        parts.append("".join(cur))
    return parts
