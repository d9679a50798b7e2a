"""AES ciphers for :class:`~langgraph.checkpoint.serde.encrypted.EncryptedSerializer`.

:class:`AesEaxCipher` writes exactly what ``AES.new(key, AES.MODE_EAX)`` with
``encrypt_and_digest`` writes (framing ``nonce(16) || tag(16) || ciphertext``), so data
is interchangeable with LangGraph's serializer. It composes EAX from primitives that
pycryptodome runs in C, reusing per-key objects instead of building a fresh EAX cipher
(three CMACs and a CTR object) for every value:

* ``N' = OMAC0(nonce)``, ``H' = OMAC1(b"")`` (a per-key constant),
  ``C = CTR(N', P)``, ``C' = OMAC2(C)``, ``tag = N' ^ H' ^ C'``;
* CTR: the counter blocks ``N' + i`` are built by xoring a repeated high part with a
  slice of a precomputed table of low counters, then encrypted by one reused ECB
  object (parallel AES-NI); the keystream is xored in C;
* OMAC2: one reused CBC object per thread; chaining into a fresh MAC is done by
  xoring the previous chain value into the first block.

Other modes (``mode=`` or extra ``AES.new`` kwargs) use pycryptodome directly.
"""

from __future__ import annotations

import hmac
import os
import threading
from typing import Any

from Crypto.Util.strxor import strxor

from langgraph.checkpoint.errors import DecryptionError, UnknownCipherError

_BLOCK = 16
_MASK = (1 << 128) - 1
_R = 0x87
_LOW_BITS = 12
_TABLE_BLOCKS = 1 << _LOW_BITS
_COUNTERS = b"".join(i.to_bytes(16, "big") for i in range(_TABLE_BLOCKS))  # 64 KiB


def _int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def _bytes(i: int) -> bytes:
    return i.to_bytes(16, "big")


def _dbl(x: int) -> int:
    x <<= 1
    return (x & _MASK) ^ _R if x >> 128 else x


def element_hash_key(key: bytes) -> bytes:
    """The key of list-element hashes under an AES key: HMAC-SHA256 of a fixed label.

    Savers hash each list element's plaintext to store equal elements once; keyed by
    this, a hash tells nothing to whoever lacks the AES key (no guess can be confirmed).
    """
    return hmac.new(key, b"langgraph-checkpoint element hash", "sha256").digest()


class AesEaxCipher:
    """AES in EAX mode with a 16-byte nonce and tag, cipher name ``"aes"``.

    Args:
        key: 16, 24 or 32 bytes.
        AES: The ``Crypto.Cipher.AES`` module.
        nonce_factory: Returns a fresh 16-byte nonce (tests pin it).
    """

    name = "aes"

    def __init__(self, key: bytes, AES: Any, nonce_factory: Any = None) -> None:
        self._key = bytes(key)
        self.hash_key = element_hash_key(self._key)
        self._AES = AES
        self._nonce = nonce_factory or (lambda: os.urandom(16))
        self._ecb = AES.new(self._key, AES.MODE_ECB)
        enc = self._ecb.encrypt
        big_l = _int(enc(bytes(16)))
        self._k1 = _dbl(big_l)
        self._k2 = _dbl(self._k1)
        # E([t]) for the OMAC prefixes, and the full OMACt of an empty message
        self._p = [_int(enc(_bytes(t))) for t in range(3)]
        self._empty = [_int(enc(_bytes(t ^ self._k1))) for t in range(3)]
        self._local = threading.local()

    # ----------------------------------------------------------------- primitives

    def _omac(self, t: int, msg: bytes) -> int:
        n = len(msg)
        if n == 0:
            return self._empty[t]
        local = self._local
        cbc = getattr(local, "cbc", None)
        if cbc is None:
            cbc = local.cbc = self._AES.new(self._key, self._AES.MODE_CBC, iv=bytes(16))
            local.prev = 0
        full = (n - 1) // _BLOCK * _BLOCK
        last = msg[full:]
        if len(last) == _BLOCK:
            last_i = _int(last) ^ self._k1
        else:
            last_i = _int(last + b"\x80" + bytes(_BLOCK - 1 - len(last))) ^ self._k2
        chain = local.prev ^ self._p[t]  # undo the chaining left by the previous MAC
        if full:
            first = _bytes(_int(msg[:_BLOCK]) ^ chain)
            data = b"".join((first, msg[_BLOCK:full], _bytes(last_i)))
        else:
            data = _bytes(last_i ^ chain)
        out = _int(cbc.encrypt(data)[-_BLOCK:])
        local.prev = out
        return out

    @staticmethod
    def _counter_bytes(start: int, blocks: int) -> bytes:
        # counter block i = start + i: a constant high part xored with a slice of the
        # table of 12-bit counters (xor == add because the low 12 bits are cleared)
        parts = []
        prefix, low = start >> _LOW_BITS, start & (_TABLE_BLOCKS - 1)
        while blocks:
            take = min(blocks, _TABLE_BLOCKS - low)
            high = (prefix << _LOW_BITS).to_bytes(16, "big")
            parts.append(strxor(high * take, _COUNTERS[16 * low : 16 * (low + take)]))
            blocks -= take
            prefix += 1
            low = 0
        return b"".join(parts)

    def _ctr(self, n_prime: int, data: bytes) -> bytes:
        if not data:
            return b""
        blocks = -(-len(data) // _BLOCK)
        if n_prime + blocks > _MASK:  # a counter block would wrap around
            ctr = self._AES.new(
                self._key, self._AES.MODE_CTR, nonce=b"", initial_value=_bytes(n_prime)
            )
            return bytes(ctr.encrypt(data))
        stream = self._ecb.encrypt(self._counter_bytes(n_prime, blocks))
        return bytes(strxor(data, stream[: len(data)]))

    # ---------------------------------------------------------------- public API

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        """Encrypt and authenticate ``plaintext``; return ``("aes", framed bytes)``."""
        nonce = self._nonce()
        n_prime = self._omac(0, nonce)
        ct = self._ctr(n_prime, plaintext)
        tag = n_prime ^ self._empty[1] ^ self._omac(2, ct)
        return self.name, b"".join((nonce, _bytes(tag), ct))

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        """Verify and decrypt framed bytes written by :meth:`encrypt` (or LangGraph)."""
        if ciphername != self.name:
            raise UnknownCipherError(
                f"Unknown cipher {ciphername!r}: this serializer decrypts {self.name!r}"
            )
        if len(ciphertext) < 2 * _BLOCK:
            raise DecryptionError(
                f"Encrypted value is truncated: {len(ciphertext)} bytes, "
                "expected at least 32 (nonce and tag)"
            )
        nonce, tag, ct = ciphertext[:16], ciphertext[16:32], ciphertext[32:]
        n_prime = self._omac(0, nonce)
        expected = n_prime ^ self._empty[1] ^ self._omac(2, ct)
        if not hmac.compare_digest(_bytes(expected), tag):
            raise DecryptionError(
                "Decryption failed: authentication tag mismatch (wrong key, or the "
                "stored bytes were tampered with or truncated)"
            )
        return self._ctr(n_prime, ct)


class AesGenericCipher:
    """Any pycryptodome AEAD mode with ``nonce || tag || ciphertext`` framing.

    Args:
        key: AES key.
        AES: The ``Crypto.Cipher.AES`` module.
        kwargs: Passed to ``AES.new`` (must include ``mode``).
    """

    name = "aes"

    def __init__(self, key: bytes, AES: Any, **kwargs: Any) -> None:
        self._key = bytes(key)
        self.hash_key = element_hash_key(self._key)
        self._AES = AES
        self._kwargs = kwargs

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        """Encrypt and authenticate ``plaintext``."""
        cipher = self._AES.new(self._key, **self._kwargs)
        ct, tag = cipher.encrypt_and_digest(plaintext)
        return self.name, b"".join((cipher.nonce, tag, ct))

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        """Verify and decrypt bytes written by :meth:`encrypt`."""
        if ciphername != self.name:
            raise UnknownCipherError(
                f"Unknown cipher {ciphername!r}: this serializer decrypts {self.name!r}"
            )
        if len(ciphertext) < 2 * _BLOCK:
            raise DecryptionError(f"Encrypted value is truncated: {len(ciphertext)} bytes")
        kwargs = dict(self._kwargs)
        kwargs.setdefault("nonce", ciphertext[:16])
        cipher = self._AES.new(self._key, **kwargs)
        try:
            return bytes(cipher.decrypt_and_verify(ciphertext[32:], ciphertext[16:32]))
        except ValueError as exc:
            raise DecryptionError(
                f"Decryption failed (wrong key, or tampered or truncated data): {exc}"
            ) from exc
