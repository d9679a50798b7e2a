"""Shared fixtures of the SQLite package tests."""

from __future__ import annotations

import pathlib

import pytest


@pytest.fixture
def db_path(tmp_path: pathlib.Path) -> str:
    """Path of a fresh database file."""
    return str(tmp_path / "checkpoints.db")
