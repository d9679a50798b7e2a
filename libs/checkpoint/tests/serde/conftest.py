from __future__ import annotations

import math
from typing import Any

import pytest


def assert_same(a: Any, b: Any, path: str = "value") -> None:
    """Assert ``a`` and ``b`` are equal AND of the same type, recursively."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
        return
    if isinstance(a, float):
        assert a == b and math.copysign(1, a) == math.copysign(1, b), path
        return
    if type(a).__module__ == "numpy" and type(a).__name__ == "ndarray":
        import numpy as np

        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), path
        return
    if isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), path
        for key in a:
            assert type(key) is type(next(k for k in b if k == key)), f"{path} key {key!r}"
            assert_same(a[key], b[key], f"{path}[{key!r}]")
        if type(a) is dict:
            return
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
        if type(a) in (list, tuple):
            return
    if type(a).__name__ == "Decimal":
        assert str(a) == str(b), path
        return
    assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(name="assert_same")
def _assert_same_fixture() -> Any:
    return assert_same
