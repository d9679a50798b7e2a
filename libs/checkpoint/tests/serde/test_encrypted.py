"""EncryptedSerializer: AES-EAX compatible with LangGraph's framing."""

from __future__ import annotations

import builtins
import datetime as dt
import os
import sys
from typing import Any

import pytest

from langgraph.checkpoint.errors import DecryptionError, UnknownCipherError
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

KEY = b"0123456789abcdef"
# AES.new(KEY, MODE_EAX, nonce=bytes(range(16))).encrypt_and_digest(msgpack {"a": 1}),
# framed nonce || tag || ciphertext as LangGraph stores it.
FIXTURE = bytes.fromhex("000102030405060708090a0b0c0d0e0fc7c2691f06468883b79bdb5f585259558ee5b0e7")


@pytest.fixture
def serde() -> EncryptedSerializer:
    return EncryptedSerializer.from_pycryptodome_aes(key=KEY)


@pytest.mark.parametrize(
    "value", [None, b"raw", bytearray(b"x"), {"a": (1, 2), "t": dt.date(2024, 1, 1)}, "x" * 100_000]
)
def test_roundtrip(serde: EncryptedSerializer, value: Any) -> None:
    tag, data = serde.dumps_typed(value)
    assert tag.endswith("+aes")
    assert serde.loads_typed((tag, data)) == value


def test_reads_fixture_and_writes_same_framing(serde: EncryptedSerializer) -> None:
    assert serde.loads_typed(("msgpack+aes", FIXTURE)) == {"a": 1}
    cipher: Any = serde.cipher
    cipher._nonce = lambda: bytes(range(16))
    assert serde.dumps_typed({"a": 1}) == ("msgpack+aes", FIXTURE)


def test_matches_pycryptodome_eax_for_many_lengths(serde: EncryptedSerializer) -> None:
    from Crypto.Cipher import AES

    for n in (0, 1, 15, 16, 17, 32, 33, 4095 * 16 + 3, 70_000):
        plain = os.urandom(n)
        _, blob = serde.cipher.encrypt(plain)
        ref = AES.new(KEY, AES.MODE_EAX, nonce=blob[:16])
        assert ref.decrypt_and_verify(blob[32:], blob[16:32]) == plain
        ref = AES.new(KEY, AES.MODE_EAX)
        ct, tag = ref.encrypt_and_digest(plain)
        assert serde.cipher.decrypt("aes", ref.nonce + tag + ct) == plain


def test_unencrypted_legacy_value_is_readable(serde: EncryptedSerializer) -> None:
    plain = JsonPlusSerializer().dumps_typed({"old": True})
    assert serde.loads_typed(plain) == {"old": True}


def test_wrong_key(serde: EncryptedSerializer) -> None:
    other = EncryptedSerializer.from_pycryptodome_aes(key=b"f" * 16)
    with pytest.raises(DecryptionError, match="wrong key"):
        other.loads_typed(serde.dumps_typed({"a": 1}))


def test_tampered_and_truncated(serde: EncryptedSerializer) -> None:
    tag, data = serde.dumps_typed({"a": 1})
    flipped = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(DecryptionError, match="tampered"):
        serde.loads_typed((tag, flipped))
    with pytest.raises(DecryptionError, match="tampered"):
        serde.loads_typed((tag, data[:-1]))
    with pytest.raises(DecryptionError, match="truncated"):
        serde.loads_typed((tag, data[:20]))


def test_unknown_cipher(serde: EncryptedSerializer) -> None:
    with pytest.raises(UnknownCipherError, match="rot13"):
        serde.loads_typed(("msgpack+rot13", FIXTURE))


def test_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGGRAPH_AES_KEY", KEY.decode())
    serde = EncryptedSerializer.from_pycryptodome_aes()
    assert serde.loads_typed(("msgpack+aes", FIXTURE)) == {"a": 1}


@pytest.mark.parametrize("key", ["short", "x" * 17, "y" * 33])
def test_env_key_bad_length(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("LANGGRAPH_AES_KEY", key)
    with pytest.raises(ValueError, match="LANGGRAPH_AES_KEY"):
        EncryptedSerializer.from_pycryptodome_aes()


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANGGRAPH_AES_KEY", raising=False)
    with pytest.raises(ValueError, match="LANGGRAPH_AES_KEY"):
        EncryptedSerializer.from_pycryptodome_aes()


def test_bad_key_kwarg() -> None:
    with pytest.raises(ValueError, match="16, 24 or 32"):
        EncryptedSerializer.from_pycryptodome_aes(key=b"abc")


def test_other_mode_via_kwargs() -> None:
    from Crypto.Cipher import AES

    serde = EncryptedSerializer.from_pycryptodome_aes(key=KEY, mode=AES.MODE_GCM)
    typed = serde.dumps_typed([1, 2])
    assert serde.loads_typed(typed) == [1, 2]
    with pytest.raises(DecryptionError):
        serde.loads_typed((typed[0], typed[1][:-1] + b"\x00"))


def test_missing_pycryptodome(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "Crypto" or name.startswith("Crypto."):
            raise ImportError("No module named 'Crypto'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    for mod in [m for m in sys.modules if m == "Crypto" or m.startswith("Crypto.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(ImportError, match=r"langgraph-checkpoint\[crypto\]"):
        EncryptedSerializer.from_pycryptodome_aes(key=KEY)


def test_with_msgpack_allowlist_keeps_cipher(serde: EncryptedSerializer) -> None:
    import dataclasses

    @dataclasses.dataclass
    class Doc:
        v: int

    extended = serde.with_msgpack_allowlist([Doc])
    assert extended.cipher is serde.cipher
    assert extended.loads_typed(serde.dumps_typed(Doc(1))) == Doc(1)


class _Keyless:
    name = "plain-xor"

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        return self.name, bytes(b ^ 0x5A for b in plaintext)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        return bytes(b ^ 0x5A for b in ciphertext)


def test_hash_key_derived_from_the_aes_key() -> None:
    a = EncryptedSerializer.from_pycryptodome_aes(key=b"1" * 16)
    assert a.hash_key is not None and len(a.hash_key) == 32
    assert a.hash_key != b"1" * 16  # derived, never the AES key itself
    assert a.hash_key == EncryptedSerializer.from_pycryptodome_aes(key=b"1" * 16).hash_key
    assert a.hash_key != EncryptedSerializer.from_pycryptodome_aes(key=b"2" * 16).hash_key
    from Crypto.Cipher import AES

    gcm = EncryptedSerializer.from_pycryptodome_aes(key=b"1" * 16, mode=AES.MODE_GCM)
    assert gcm.hash_key == a.hash_key  # the key decides, not the mode
    assert a.with_msgpack_allowlist([dt.date]).hash_key == a.hash_key


def test_hash_key_of_custom_ciphers() -> None:
    assert EncryptedSerializer(_Keyless()).hash_key is None
    keyed = _Keyless()
    keyed.hash_key = b"s" * 64  # type: ignore[attr-defined]
    assert EncryptedSerializer(keyed).hash_key == b"s" * 64
    for bad in (b"", b"s" * 65, "text"):
        keyed.hash_key = bad  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match="hash_key"):
            _ = EncryptedSerializer(keyed).hash_key
