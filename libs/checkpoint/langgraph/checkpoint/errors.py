"""Error hierarchy shared by every saver, serializer and store of this project.

Every error derives from :class:`CheckpointError` *and* from the builtin exception that
upstream code raises in the same situation (``ValueError``, ``TypeError``,
``NotImplementedError``), so existing ``except`` clauses keep working.
Messages name what was wrong: the thread, namespace, checkpoint, key or state path.
"""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "InvalidConfigError",
    "InvalidFilterError",
    "NotSupportedError",
    "SerializationError",
    "DeserializationError",
    "BlockedTypeError",
    "UnknownTypeTagError",
    "DecryptionError",
    "UnknownCipherError",
    "StorageError",
]


class CheckpointError(Exception):
    """Base class of every error raised by this project."""


class InvalidConfigError(CheckpointError, ValueError):
    """A config lacks a required key (``thread_id``, ``checkpoint_ns``, ``checkpoint_id``)
    or holds a value of the wrong type."""


class InvalidFilterError(CheckpointError, ValueError):
    """A metadata or store filter uses an unknown operator or an unusable key."""


class NotSupportedError(CheckpointError, NotImplementedError):
    """A saver or store does not implement the requested method."""


class SerializationError(CheckpointError, TypeError):
    """A value cannot be serialized faithfully. ``path`` locates it inside the value."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class DeserializationError(CheckpointError, ValueError):
    """Stored bytes cannot be decoded (corrupt, truncated or foreign data)."""


class BlockedTypeError(DeserializationError):
    """Stored data names a type that is not on the allowlist of the serializer."""

    def __init__(self, message: str, *, module: str = "", name: str = "") -> None:
        super().__init__(message)
        self.module = module
        self.name = name


class UnknownTypeTagError(DeserializationError, NotImplementedError):
    """A stored record carries a type tag this serializer does not know."""


class DecryptionError(DeserializationError):
    """Decryption failed: wrong key, or tampered or truncated ciphertext."""


class UnknownCipherError(DecryptionError):
    """A stored record was encrypted with a cipher this serializer does not know."""


class StorageError(CheckpointError):
    """The storage backend refused an operation (corrupt file, read-only, disk full, ...).
    The driver's exception is chained as ``__cause__``."""
