"""Authenticated encryption of serialized values.

``EncryptedSerializer`` wraps another serializer: the payload is encrypted and the
cipher name is appended to the type tag (``"msgpack+aes"``). Values whose tag has no
``+`` were written before encryption was switched on and are read as they are.
"""

from __future__ import annotations

import os
from typing import Any

from langgraph.checkpoint.errors import DecryptionError
from langgraph.checkpoint.serde.base import CipherProtocol, SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

__all__ = ["EncryptedSerializer"]

_KEY_ENV = "LANGGRAPH_AES_KEY"
_INSTALL_HINT = (
    "EncryptedSerializer.from_pycryptodome_aes() needs pycryptodome: "
    'pip install "langgraph-checkpoint[crypto]" (or pip install pycryptodome)'
)


class EncryptedSerializer(SerializerProtocol):
    """Serializer that encrypts the output of another serializer.

    Args:
        cipher: Encrypts and decrypts payloads; its name is stored in the tag.
        serde: The inner serializer (default: a new :class:`JsonPlusSerializer`).
    """

    def __init__(self, cipher: CipherProtocol, serde: SerializerProtocol | None = None) -> None:
        self.cipher = cipher
        self.serde: SerializerProtocol = serde if serde is not None else JsonPlusSerializer()

    @property
    def hash_key(self) -> bytes | None:
        """The secret that keys the savers' list-element hashes (None: the cipher has none).

        Savers store each list element once per thread under a hash of its plaintext;
        keyed with this, someone reading the database without the key cannot confirm a
        guessed element. The AES ciphers of :meth:`from_pycryptodome_aes` derive it from
        their key; a custom cipher may set a ``hash_key`` attribute (bytes, at most 64).
        """
        key = getattr(self.cipher, "hash_key", None)
        if key is None:
            return None
        if not isinstance(key, bytes | bytearray) or not 0 < len(key) <= 64:
            raise ValueError("a cipher's hash_key must be 1 to 64 bytes")
        return bytes(key)

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        """Serialize with the inner serializer, then encrypt: tag ``"<inner>+<cipher>"``."""
        tag, data = self.serde.dumps_typed(obj)
        name, ciphertext = self.cipher.encrypt(data)
        return f"{tag}+{name}", ciphertext

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        """Decrypt (when the tag names a cipher) and deserialize.

        Raises:
            DecryptionError: Wrong key, or tampered or truncated bytes.
            UnknownCipherError: The tag names a cipher this serializer does not use.
        """
        tag, payload = data
        if "+" not in tag:
            return self.serde.loads_typed(data)
        inner, _, name = tag.partition("+")
        try:
            plaintext = self.cipher.decrypt(name, payload)
        except DecryptionError:
            raise
        except Exception as exc:  # a third-party cipher's own error
            raise DecryptionError(f"Decryption with cipher {name!r} failed: {exc}") from exc
        return self.serde.loads_typed((inner, plaintext))

    def with_msgpack_allowlist(self, extra_allowlist: Any) -> EncryptedSerializer:
        """Return a serializer whose inner serializer also revives ``extra_allowlist``."""
        method = getattr(self.serde, "with_msgpack_allowlist", None)
        if method is None:
            return self
        inner = method(extra_allowlist)
        if inner is self.serde:
            return self
        return type(self)(self.cipher, inner)

    @classmethod
    def from_pycryptodome_aes(
        cls, serde: SerializerProtocol | None = None, **kwargs: Any
    ) -> EncryptedSerializer:
        """Build an AES serializer (EAX mode by default) using pycryptodome.

        Args:
            serde: The inner serializer (default: a new :class:`JsonPlusSerializer`).
            **kwargs: ``key`` (16, 24 or 32 bytes; default: the environment variable
                ``LANGGRAPH_AES_KEY``, UTF-8 encoded); anything else goes to
                ``Crypto.Cipher.AES.new`` (``mode`` defaults to ``AES.MODE_EAX``).

        Raises:
            ImportError: pycryptodome is not installed.
            ValueError: No key, or a key of the wrong length.
        """
        try:
            from Crypto.Cipher import AES
        except ImportError as exc:
            raise ImportError(_INSTALL_HINT) from exc
        from langgraph.checkpoint.serde._aes import AesEaxCipher, AesGenericCipher

        key = kwargs.pop("key", None)
        if key is None:
            raw = os.environ.get(_KEY_ENV)
            if raw is None:
                raise ValueError(f"No AES key: pass key=... or set {_KEY_ENV}")
            key = raw.encode("utf-8")
            if len(key) not in (16, 24, 32):
                raise ValueError(
                    f"{_KEY_ENV} must be 16, 24 or 32 bytes long (UTF-8), got {len(key)}"
                )
        elif isinstance(key, str):
            key = key.encode("utf-8")
        key = bytes(key)
        if len(key) not in (16, 24, 32):
            raise ValueError(f"AES key must be 16, 24 or 32 bytes long, got {len(key)}")
        mode = kwargs.setdefault("mode", AES.MODE_EAX)
        cipher: CipherProtocol
        if mode == AES.MODE_EAX and set(kwargs) == {"mode"}:
            cipher = AesEaxCipher(key, AES)
        else:
            cipher = AesGenericCipher(key, AES, **kwargs)
        return cls(cipher, serde)
