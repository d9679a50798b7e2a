"""Serializer and cipher protocols, and the adapter for legacy untyped serializers."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = [
    "UntypedSerializerProtocol",
    "SerializerProtocol",
    "SerializerCompat",
    "maybe_add_typed_methods",
    "CipherProtocol",
]


class UntypedSerializerProtocol(Protocol):
    """Legacy serializer: plain ``bytes`` in and out, no type tag."""

    def dumps(self, obj: Any) -> bytes: ...

    def loads(self, data: bytes) -> Any: ...


@runtime_checkable
class SerializerProtocol(Protocol):
    """Serializer used by every saver: values become ``(type_tag, payload)`` pairs.

    Savers store the two parts side by side and hand the pair back unchanged.
    """

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]: ...

    def loads_typed(self, data: tuple[str, bytes]) -> Any: ...


class SerializerCompat(SerializerProtocol):
    """Adapts an :class:`UntypedSerializerProtocol` to :class:`SerializerProtocol`.

    The tag written is the value's class name; it is ignored when loading.

    Args:
        serde: The untyped serializer to wrap.
    """

    def __init__(self, serde: UntypedSerializerProtocol) -> None:
        self.serde = serde

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        """Serialize ``obj`` with the wrapped serializer."""
        return type(obj).__name__, self.serde.dumps(obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        """Deserialize the payload of ``data`` with the wrapped serializer."""
        return self.serde.loads(data[1])


def maybe_add_typed_methods(
    serde: SerializerProtocol | UntypedSerializerProtocol,
) -> SerializerProtocol:
    """Return ``serde`` if it is typed, else wrap it in :class:`SerializerCompat`."""
    if isinstance(serde, SerializerProtocol):
        return serde
    return SerializerCompat(serde)


class CipherProtocol(Protocol):
    """Symmetric authenticated cipher used by ``EncryptedSerializer``."""

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        """Encrypt ``plaintext``; return ``(cipher_name, ciphertext)``."""
        ...

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        """Decrypt ``ciphertext`` written by the cipher called ``ciphername``."""
        ...
