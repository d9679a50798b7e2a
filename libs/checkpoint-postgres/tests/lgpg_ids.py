"""Checkpoint ids for the tests of the stored id form (``_rows.id_key``).

Random strings built from the characters around the boundaries of the canonical UUID
pattern, prefixes of UUIDs with a mutation, and explicit edge cases; plus a definition of
the floor of an id that does not share the saver's algorithm.
"""

from __future__ import annotations

import random
import uuid

MIN_ID = "00000000-0000-0000-0000-000000000000"
MAX_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff"
HYPHENS = (8, 13, 18, 23)
_ALLOWED = ["-" if i in HYPHENS else "0123456789abcdef" for i in range(36)]

# around '0'-'9', 'a'-'f' and '-', plus NUL, non-ASCII (2, 3, 4 UTF-8 bytes) and surrogates
BOUNDARY = [
    "\x00", ",", "-", ".", "/", "0", "1", "8", "9", ":", "@", "A", "F", "`",
    "a", "e", "f", "g", "z", "\x7f", "\u00e9", "\u20ac", "\U0001f600", "\ud800", "\udfff",
]  # fmt: skip
TEXT_SAFE = [c for c in BOUNDARY if c != "\x00" and not "\ud800" <= c <= "\udfff"]
"""The boundary characters Postgres ``text`` can hold (no NUL, no lone surrogate)."""

EDGE_IDS = [
    "",
    MIN_ID,
    MAX_ID,
    MIN_ID[:-1],  # a prefix: just below MIN_ID
    MIN_ID[:-1] + "/",  # below MIN_ID
    MIN_ID + "\x00",  # just above MIN_ID
    MIN_ID + "0",
    MIN_ID[:-1] + "1",
    "0000000",
    "00000000/",
    "00000000-",
    "00000000.",
    "00000000,",
    "000000000",
    "0" * 37,
    MAX_ID + "x",
    MAX_ID[:-1] + "g",
    "ffffffff-ffff-ffff-ffff-fffffffffffg",
    "g",
    "zzz",
    "1",
    "2",
    "10",
    "abc",
    "a",
    "9",
    "9:",
    "0000000:",
    "0000000@",
    "0000000A",
    "0000000`",
    "0000000g",
    "00000000-0000-0000-0000-00000000000g",
    "00000000-0000-0000-0000-00000000000:",
    "00000000-0000-0000-0000-00000000000/",
    "12345678-1234-1234-1234-123456789abc",
    "12345678-1234-1234-1234-123456789abc-suffix",
    "12345678-1234-1234-1234-123456789ABC",
    "12345678-1234-1234-1234-123456789ab",
    "12345678-1234-1234-1234",
    "12345678_1234-1234-1234-123456789abc",
    "12345678.1234-1234-1234-123456789abc",
    "12345678,1234-1234-1234-123456789abc",
    "1234567a-",
    "1234567a",
    "a0000000-",
    "a000000",
    "a/",
    "\u00e9t\u00e9",
    "\U0001f600",
    "1\u20ac",
    str(uuid.UUID(int=0x0123_4567_89AB_CDEF_0123_4567_89AB_CDEF)).upper(),
]


def text_safe(value: str) -> bool:
    """Whether Postgres ``text`` can hold ``value``."""
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


def canonical(value: str) -> bool:
    return len(value) == 36 and all(c in _ALLOWED[i] for i, c in enumerate(value))


def floor_by_search(value: str) -> str:
    """The greatest canonical UUID text ``<= value`` (``value >= MIN_ID``), chosen one
    character at a time: the largest character such that the smallest completion of the
    prefix is still ``<= value``."""
    prefix = ""
    for allowed in _ALLOWED:
        for char in reversed(allowed):
            candidate = prefix + char
            if candidate + MIN_ID[len(candidate) :] <= value:
                prefix = candidate
                break
        else:
            raise ValueError(f"{value!r} is below {MIN_ID!r}")
    return prefix


def random_id(rng: random.Random, chars: list[str] = BOUNDARY) -> str:
    """A random id: boundary characters, or a mutated prefix of a UUID with a tail."""
    r = rng.random()
    if r < 0.3:
        return "".join(rng.choice(chars) for _ in range(rng.randint(0, 40)))
    if r < 0.6:
        base = str(uuid.UUID(int=rng.getrandbits(128)))
    else:  # digits next to the boundaries, so that decrements and carries are exercised
        base = "".join("-" if i in HYPHENS else rng.choice("0019aaff") for i in range(36))
    out = list(base[: 36 if rng.random() < 0.3 else rng.randint(0, 36)])
    for _ in range(rng.choice((0, 1, 1, 2))):
        if out:
            out[rng.randrange(len(out))] = rng.choice(chars)
    tail = "".join(rng.choice(chars) for _ in range(rng.choice((0, 0, 1, 2, 3))))
    return "".join(out) + tail


def random_ids(seed: int, n: int, *, text_only: bool = False) -> list[str]:
    """``n`` random ids (``text_only``: ones Postgres ``text`` can hold) plus the edge cases."""
    rng = random.Random(seed)
    chars = TEXT_SAFE if text_only else BOUNDARY
    out = [random_id(rng, chars) for _ in range(n)] + list(EDGE_IDS)
    return [s for s in out if text_safe(s)] if text_only else out
