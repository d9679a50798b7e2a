"""Sans-I/O codec shared by the SQL savers: checkpoints <-> row parameters.

No function here touches a connection; every backend (SQLite, Postgres) does its own I/O
and calls these pure functions, so the storage format and its rules live in one place.

Stable API (used by ``langgraph-checkpoint-sqlite`` and ``langgraph-checkpoint-postgres``):

Typed values
    :func:`pack_typed` / :func:`unpack_typed` turn a serializer's ``(type_tag, payload)``
    pair into one ``bytes`` value (one tag byte for the common tags) and back.

Keys
    :func:`id_key` / :func:`id_from_key`: a canonical lowercase UUID string becomes its
    16 bytes (same order as the text form); anything else stays text.
    :func:`version_key`: a compact, exact key for a channel version (the 50-character
    ``"0000...0003.0.8389001177040688"`` scheme becomes ~11 bytes).

Checkpoints
    :func:`encode_checkpoint` returns an :class:`EncodedCheckpoint`: the ``body`` (one
    bytes value: the checkpoint without its channel values, versions stored once, small
    scalar values inline), the ``blobs`` to insert-if-absent under
    ``(channel, version_key)``, ``maybe_blobs`` (values of channels without a new
    version whose blob may be missing: insert them only if absent, encoding them with
    :func:`encode_value`) and the ``elements`` of content-addressed lists.
    :func:`body_refs` lists the blob keys and element hashes a body needs;
    :func:`decode_checkpoint` rebuilds the ``Checkpoint`` from a body and those values.

    Content-addressed lists: a channel value of exact type ``list`` with at least
    :data:`LIST_MIN` elements, not all scalars, is stored as the sequence of its
    elements' 16-byte BLAKE2b hashes (:data:`HASH_SIZE`). Each element is serialized on
    its own with the saver's serializer and stored once per thread (insert-if-absent),
    so a growing chat history costs the new messages plus 16 bytes per element, not the
    whole list again. With an encrypting serializer the hash is computed over the
    element's *plaintext* serialization (keyed with ``hash_key``) so that equal
    elements still deduplicate, and only elements the store does not hold yet are
    encrypted (:class:`ElementRef.data` is None until :func:`encode_value` is called).

Writes
    :func:`encode_writes` returns ``(rows, upsert)``: one ``(task_key, idx, channel,
    task_path, value)`` row per write with the index rule of ``WRITES_IDX_MAP``, and
    whether the rows replace existing ones (every write is a special channel) or are
    inserted only if absent. :func:`decode_write` rebuilds a ``PendingWrite``.

Metadata
    :func:`dumps_metadata` -> compact JSON text (``SerializationError`` naming the key
    when a value is not JSON-representable); :func:`loads_metadata`.

Listing
    :func:`plan_list` validates and normalises the arguments of ``list()`` into a
    :class:`ListPlan`: the conditions a backend can translate to SQL exactly
    (:class:`FilterCondition`) and a Python predicate for the rest; :func:`page_size`
    picks the page size of a streaming listing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import ormsgpack

from langgraph.checkpoint.base._filters import (
    compile_metadata_filter,
    is_operator_condition,
    validate_filter,
)
from langgraph.checkpoint.errors import (
    DeserializationError,
    InvalidConfigError,
    SerializationError,
)

__all__ = [
    "BODY_FORMAT",
    "HASH_SIZE",
    "MIN_ID",
    "INLINE_MAX",
    "LIST_MIN",
    "ElementRef",
    "EncodedCheckpoint",
    "ListCache",
    "FilterCondition",
    "ListPlan",
    "BodyPlan",
    "plan_body",
    "build_checkpoint",
    "blob_keys",
    "body_channels",
    "body_lists",
    "body_refs",
    "join_plain",
    "msgpack_list",
    "split_hashes",
    "decode_checkpoint",
    "decode_write",
    "decode_writes",
    "dumps_metadata",
    "element_hash",
    "encode_checkpoint",
    "encode_value",
    "encode_writes",
    "id_floor",
    "id_from_key",
    "id_key",
    "ordered_id_from_key",
    "ordered_id_key",
    "loads_metadata",
    "pack_typed",
    "page_size",
    "parse_body",
    "plan_list",
    "unpack_typed",
    "version_key",
]

Typed = tuple[str, bytes]
Dumps = Callable[[Any], Typed]
Loads = Callable[[Typed], Any]
BlobKey = tuple[str, Any]

BODY_FORMAT = 1
"""Version of the body layout written by :func:`encode_checkpoint`."""
HASH_SIZE = 16
"""Bytes of an element hash (BLAKE2b digest size)."""
LIST_MIN = 2
"""Minimum length of a list value stored as content-addressed elements."""
INLINE_MAX = 96
"""Scalars (None/bool/int/float/str) whose packed form is at most this many bytes are
stored inline in the body instead of as a blob row."""

# ----------------------------------------------------------------------------- typed values

_TAGS = ("msgpack", "json", "null", "empty", "bytes", "bytearray", "pickle", "str")
_TAG_CODE = {t: i + 1 for i, t in enumerate(_TAGS)}
_CODE_TAG = {i + 1: t for i, t in enumerate(_TAGS)}
_CODE_HEAD = {c: bytes((c,)) for c in _CODE_TAG}


def pack_typed(typed: Typed) -> bytes:
    """One bytes value for a ``(type_tag, payload)`` pair.

    Common tags take one byte; any other tag is stored as ``0, len, tag``.
    """
    tag, payload = typed
    code = _TAG_CODE.get(tag)
    if code is not None:
        return _CODE_HEAD[code] + payload
    raw = tag.encode()
    if len(raw) > 255:
        raise SerializationError(f"serializer type tag too long ({len(raw)} bytes): {tag!r}")
    return b"\x00" + bytes((len(raw),)) + raw + payload


def unpack_typed(data: bytes) -> Typed:
    """Inverse of :func:`pack_typed`."""
    if not data:
        raise DeserializationError("empty stored value (no type tag)")
    code = data[0]
    if code:
        tag = _CODE_TAG.get(code)
        if tag is None:
            raise DeserializationError(f"stored value has an unknown type code {code}")
        return tag, data[1:]
    n = data[1]
    return data[2 : 2 + n].decode(), data[2 + n :]


def encode_value(value: Any, dumps: Dumps) -> bytes:
    """Serialize one value with the saver's serializer and pack it."""
    return pack_typed(dumps(value))


# ----------------------------------------------------------------------------- keys


_HEX = frozenset("0123456789abcdef")


def id_key(value: str) -> bytes | str:
    """Storage key of a checkpoint or task id: 16 bytes for a canonical UUID, else text.

    The bytes of a UUID sort exactly like its canonical (lowercase) text.
    """
    if (
        len(value) == 36
        and value[8] == "-"
        and value[13] == "-"
        and value[18] == "-"
        and value[23] == "-"
    ):
        compact = value[:8] + value[9:13] + value[14:18] + value[19:23] + value[24:]
        if _HEX.issuperset(compact):
            return bytes.fromhex(compact)
    return value


def id_from_key(key: bytes | str) -> str:
    """Inverse of :func:`id_key`."""
    if isinstance(key, bytes):
        h = key.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return key


MIN_ID = "00000000-0000-0000-0000-000000000000"
_MAX_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff"
_HYPHENS = frozenset((8, 13, 18, 23))
_HEX_DIGITS = "0123456789abcdef"
_HEX_SET = frozenset(_HEX_DIGITS)


def _fits(position: int, char: str) -> bool:
    """Whether ``char`` may stand at ``position`` of a canonical UUID text."""
    return char == "-" if position in _HYPHENS else char in _HEX_SET


def id_floor(value: str) -> str:
    """The greatest canonical UUID text not above ``value`` (which is ``>= MIN_ID``)."""
    k = 0
    limit = min(len(value), 36)
    while k < limit and _fits(k, value[k]):
        k += 1
    if k == 36:
        return value[:36]
    if k < len(value):  # value[k] does not fit at position k
        char = value[k]
        if k in _HYPHENS:
            if char > "-":
                return value[:k] + _MAX_ID[k:]
        elif char > "f":
            return value[:k] + _MAX_ID[k:]
        elif "9" < char < "a":
            return value[:k] + "9" + _MAX_ID[k + 1 :]
    # value[:k] is followed by nothing or by a character below every one allowed there:
    # the floor is below the prefix, so decrement its last non-zero hex digit
    j = k - 1
    while j in _HYPHENS or value[j] == "0":
        j -= 1  # j >= 0: value >= MIN_ID
    digit = _HEX_DIGITS[_HEX_DIGITS.index(value[j]) - 1]
    return value[:j] + digit + _MAX_ID[j + 1 :]


def ordered_id_key(checkpoint_id: str) -> bytes:
    """A checkpoint id as bytes whose byte order is the ids' code point order.

    A canonical (lowercase) UUID is ``0x01`` and its 16 bytes; an id below the smallest
    UUID text :data:`MIN_ID` is ``0x00`` and its UTF-8; any other id is ``0x01``, the 16
    bytes of the greatest canonical UUID text not above it (:func:`id_floor`), then its
    UTF-8. A UUID's key is then a proper prefix of the keys of the ids it is the floor of,
    which sort among themselves by their UTF-8, and ids with different floors sort by
    their floors.
    """
    key = id_key(checkpoint_id)
    if type(key) is bytes:
        return b"\x01" + key
    raw = checkpoint_id.encode("utf-8", "surrogatepass")
    if checkpoint_id < MIN_ID:
        return b"\x00" + raw
    floor = id_floor(checkpoint_id)
    return b"\x01" + bytes.fromhex(floor.replace("-", "")) + raw


def ordered_id_from_key(raw: bytes) -> str:
    """Inverse of :func:`ordered_id_key`."""
    if len(raw) == 17 and raw[0] == 1:
        h = raw.hex()
        return f"{h[2:10]}-{h[10:14]}-{h[14:18]}-{h[18:22]}-{h[22:]}"
    return raw[1 if raw[0] == 0 else 17 :].decode("utf-8", "surrogatepass")


_SCHEME = re.compile(r"(\d{32})\.(\d\.\d+(?:e-\d+)?)\Z")


_ENCODED: dict[str, Any] = {}


def _enc_version(version: Any) -> Any:
    if isinstance(version, str):
        enc = _ENCODED.get(version)
        if enc is not None:
            return list(enc) if type(enc) is tuple else enc
        enc = version
        m = _SCHEME.match(version)
        if m is not None:
            i = int(m.group(1))
            frac = float(m.group(2))
            if i < 2**63 and f"{i:032}.{frac:016}" == version:
                enc = (i, frac)
        if len(_ENCODED) > 65536:
            _ENCODED.clear()
        _ENCODED[version] = enc
        return list(enc) if type(enc) is tuple else enc
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        raise SerializationError(f"channel version {version!r} is not a str, int or float")
    return version


_DECODED: dict[tuple[int, float], str] = {}


def _dec_version(encoded: Any) -> Any:
    if isinstance(encoded, list):
        key = (encoded[0], encoded[1])
        text = _DECODED.get(key)
        if text is None:
            if len(_DECODED) > 65536:
                _DECODED.clear()
            text = _DECODED[key] = f"{key[0]:032}.{key[1]:016}"
        return text
    return encoded


def _enc_ts(ts: Any) -> Any:
    # "2026-11-21T06:51:13.124825+00:00" -> [seconds, microseconds] when exact
    if isinstance(ts, str) and len(ts) == 32 and ts.endswith("+00:00") and ts[10] == "T":
        try:
            parsed = datetime.fromisoformat(ts)
        except ValueError:
            return ts
        if parsed.microsecond and parsed.isoformat() == ts:
            delta = parsed - _EPOCH
            return [delta.days * 86400 + delta.seconds, delta.microseconds]
    return ts


def _dec_ts(ts: Any) -> Any:
    if isinstance(ts, list):
        return (_EPOCH + timedelta(seconds=ts[0], microseconds=ts[1])).isoformat()
    return ts


def version_key(version: Any) -> Any:
    """Compact exact key of a channel version (bytes for the string scheme)."""
    enc = _enc_version(version)
    if isinstance(enc, list):
        return ormsgpack.packb(enc)
    return enc


# ----------------------------------------------------------------------------- checkpoints


@dataclass(slots=True)
class ElementRef:
    """One element of a content-addressed list."""

    hash: bytes
    value: Any
    """The element (None when ``data`` is set and the element came from a cache)."""
    data: bytes | None
    """Packed bytes to store; None when they must be produced with :func:`encode_value`
    (encrypting serializer: only done for elements the store lacks)."""


@dataclass(slots=True)
class EncodedCheckpoint:
    """Row parameters of one checkpoint (see the module docstring)."""

    body: bytes
    blobs: list[tuple[str, Any, bytes]] = field(default_factory=list)
    maybe_blobs: list[tuple[str, Any, Any]] = field(default_factory=list)
    elements: list[ElementRef] = field(default_factory=list)


_SCALARS = (str, int, float, bool, type(None))
_IMMUTABLE = frozenset((str, int, float, bool, bytes, type(None)))
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def element_hash(plain: bytes, hash_key: bytes = b"") -> bytes:
    """The 16-byte BLAKE2b hash of an element's packed plaintext serialization."""
    return hashlib.blake2b(plain, digest_size=HASH_SIZE, key=hash_key).digest()


def _is_addressable(value: Any) -> bool:
    if type(value) is not list or len(value) < LIST_MIN:
        return False
    return not all(isinstance(v, _SCALARS) for v in value)


def encode_checkpoint(
    checkpoint: Mapping[str, Any],
    new_versions: Mapping[str, Any],
    dumps: Dumps,
    *,
    hash_dumps: Dumps | None = None,
    hash_key: bytes = b"",
    list_cache: ListCache | None = None,
    scope: Any = None,
) -> EncodedCheckpoint:
    """Turn a checkpoint into row parameters (see the module docstring).

    Args:
        checkpoint: the checkpoint passed to ``put``.
        new_versions: channels whose value changed (their blobs are written).
        dumps: the saver's ``serde.dumps_typed``.
        hash_dumps: plaintext serializer used to hash list elements when ``dumps``
            encrypts (then element bytes are produced lazily); None = ``dumps``.
        hash_key: BLAKE2b key of element hashes (use a per-store secret with
            encryption).
        list_cache: encodings of the lists of earlier puts (see :class:`ListCache`),
            owned by one saver; ``scope`` names the thread and namespace of this put in
            it. Elements of a list whose encoding starts with the cached one are not
            serialized and hashed again.
    """
    try:
        values: Mapping[str, Any] = checkpoint["channel_values"]
        versions: Mapping[str, Any] = checkpoint["channel_versions"]
        seen: Mapping[str, Mapping[str, Any]] = checkpoint["versions_seen"]
    except (KeyError, TypeError) as exc:
        raise InvalidConfigError(f"put: malformed checkpoint, missing {exc}") from exc
    table: list[Any] = []
    index: dict[Any, int] = {}

    def vref(version: Any) -> int:
        key = (type(version), version)
        pos = index.get(key)
        if pos is None:
            pos = index[key] = len(table)
            table.append(_enc_version(version))
        return pos

    cv: list[Any] = []
    chan_pos: dict[str, int] = {}
    for ch, ver in versions.items():
        chan_pos[ch] = len(cv) // 2
        cv.append(ch)
        cv.append(vref(ver))
    vs: dict[str, list[Any]] = {}
    for node, node_versions in seen.items():
        flat: list[Any] = []
        for ch, ver in node_versions.items():
            flat.append(chan_pos.get(ch, ch))
            flat.append(vref(ver))
        vs[node] = flat

    out = EncodedCheckpoint(body=b"")
    inline: list[Any] = []
    blob_chans: list[Any] = []
    lists: list[Any] = []
    lazy = hash_dumps is not None
    hdumps = hash_dumps or dumps
    packer = plain_packer(hdumps)
    for ch, value in values.items():
        pos = chan_pos.get(ch)
        ref: Any = ch if pos is None else pos
        try:
            if pos is None or isinstance(value, _SCALARS):
                packed = pack_typed(dumps(value))
                if pos is None or len(packed) <= INLINE_MAX:
                    inline.append(ref)
                    inline.append(packed)
                    continue
            elif _is_addressable(value):
                fast = None
                if packer is not None:
                    key = (scope, ch)
                    fast = _encode_list_fast(value, packer, hash_key, lazy, list_cache, key)
                if fast is not None:
                    refs, joined = fast
                else:
                    refs = []
                    for elem in value:
                        plain = pack_typed(hdumps(elem))
                        h = element_hash(plain, hash_key)
                        refs.append(ElementRef(h, elem, None if lazy else plain))
                    joined = b"".join([r.hash for r in refs])
                out.elements.extend(refs)
                lists.append(ref)
                lists.append(joined)
                continue
            else:
                packed = b""
            version = versions[ch]
            blob_chans.append(ref)
            if ch in new_versions:
                out.blobs.append((ch, version_key(version), packed or pack_typed(dumps(value))))
            else:
                out.maybe_blobs.append((ch, version_key(version), value))
        except SerializationError as exc:
            raise SerializationError(
                f"channel {ch!r} of checkpoint {checkpoint.get('id')!r}: {exc}",
                path=f"channel_values.{ch}" + (f".{exc.path}" if exc.path else ""),
            ) from exc
    extras = {
        k: v
        for k, v in checkpoint.items()
        if k not in ("v", "id", "ts", "channel_values", "channel_versions", "versions_seen")
        and k != "updated_channels"
    }
    body = [
        BODY_FORMAT,
        checkpoint.get("v"),
        _enc_ts(checkpoint.get("ts")),
        table,
        cv,
        vs,
        _enc_updated(checkpoint.get("updated_channels"), chan_pos),
        inline,
        blob_chans,
        lists,
        pack_typed(dumps(extras)) if extras else None,
    ]
    try:
        out.body = ormsgpack.packb(body)
    except (TypeError, ormsgpack.MsgpackEncodeError) as exc:
        raise SerializationError(
            f"checkpoint {checkpoint.get('id')!r}: field not encodable: {exc}"
        ) from exc
    return out


_NOT_MSGPACK = frozenset((type(None), bytes, bytearray))
"""Element types the default serializer tags other than ``"msgpack"``."""


@functools.lru_cache(maxsize=1)
def _default_serializer() -> tuple[Any, Any]:
    from langgraph.checkpoint.serde._encode import ENCODE_OPTIONS, msgpack_default
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    pack = functools.partial(ormsgpack.packb, default=msgpack_default, option=ENCODE_OPTIONS)
    return JsonPlusSerializer, pack


def plain_packer(dumps: Dumps) -> Callable[[Any], bytes] | None:
    """A function giving the exact ``"msgpack"`` payload ``dumps`` writes, if known.

    Only for the ``dumps_typed`` of the default ``JsonPlusSerializer`` itself (not a
    subclass, which may encode differently): for a value of any type but
    :data:`_NOT_MSGPACK` it returns ``("msgpack", packer(value))``.
    """
    owner = getattr(dumps, "__self__", None)
    if owner is None:
        return None
    cls, pack = _default_serializer()
    if type(owner) is not cls or getattr(dumps, "__func__", None) is not cls.dumps_typed:
        return None
    packer: Callable[[Any], bytes] = pack
    return packer


@dataclass(slots=True)
class _CachedList:
    body: bytes  # the list's msgpack encoding without the array header
    refs: list[ElementRef]
    hashes: bytes  # the refs' hashes, concatenated


class ListCache:
    """The latest encoding of each content-addressed list a saver wrote, by scope/channel.

    A list that grows (a chat history) is mostly the list of the previous put: when the
    msgpack encoding of the new list starts with the cached encoding, its first elements
    encode to the same bytes (msgpack values are self-delimiting), so their hashes and
    packed bytes are reused and only the new elements are serialized and hashed. The
    comparison is on bytes, so an element changed in place is detected and encoded
    again. Bounded by ``max_bytes`` of cached encodings (least recently used first out);
    safe to share between threads.
    """

    def __init__(self, max_bytes: int = 32 << 20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Any, _CachedList] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> _CachedList | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Any, item: _CachedList) -> None:
        cost = 2 * len(item.body)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= 2 * len(old.body)
            if cost > self.max_bytes:
                return
            self._items[key] = item
            self._size += cost
            while self._size > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._size -= 2 * len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def _encode_list_fast(
    value: list[Any],
    packer: Callable[[Any], bytes],
    hash_key: bytes,
    lazy: bool,
    cache: ListCache | None,
    key: Any,
) -> tuple[list[ElementRef], bytes] | None:
    """Element refs of ``value`` and their concatenated hashes, with one encoder call
    per new element (None: fall back).

    Same hashes and bytes as the per-element path: the default serializer tags every
    element ``"msgpack"`` with ``packer``'s payload (checked by type first).
    """
    if not _NOT_MSGPACK.isdisjoint(map(type, value)):
        return None
    try:
        whole = packer(value)
    except (TypeError, ormsgpack.MsgpackEncodeError):
        return None  # the per-element path names the element that fails
    body = whole[len(_array_header(len(value))) :]
    cached = cache.get(key) if cache is not None else None
    keep: list[ElementRef] = []  # cached refs: value None, data set unless lazy
    kept = b""
    if cached is not None and len(cached.refs) <= len(value) and body.startswith(cached.body):
        keep = cached.refs
        kept = cached.hashes
    if lazy:  # bytes are produced later from the value: refs carry the caller's objects
        refs = [ElementRef(r.hash, v, None) for r, v in zip(keep, value, strict=False)]
    else:
        refs = list(keep)
    fresh: list[ElementRef] = []
    blake2b = hashlib.blake2b
    for elem in value[len(keep) :]:
        plain = b"\x01" + packer(elem)
        h = blake2b(plain, digest_size=HASH_SIZE, key=hash_key).digest()
        refs.append(ElementRef(h, elem, None if lazy else plain))
        fresh.append(ElementRef(h, None, None if lazy else plain))
    joined = kept + b"".join([r.hash for r in fresh]) if fresh else kept
    if cache is not None:
        cache.put(key, _CachedList(body, [*keep, *fresh], joined))
    return refs, joined


def _enc_updated(updated: Any, chan_pos: Mapping[str, int]) -> Any:
    if isinstance(updated, list):
        return [chan_pos.get(ch, ch) if isinstance(ch, str) else ch for ch in updated]
    return updated


def parse_body(body: bytes | list[Any]) -> list[Any]:
    """Decode a body once; the result can be passed to :func:`body_refs`,
    :func:`body_channels` and :func:`decode_checkpoint` instead of the bytes."""
    if isinstance(body, list):
        return body
    try:
        parts = ormsgpack.unpackb(body)
    except Exception as exc:  # noqa: BLE001 - any decoder failure means corrupt data
        raise DeserializationError(f"corrupt checkpoint body: {exc}") from exc
    if not isinstance(parts, list) or not parts or parts[0] != BODY_FORMAT:
        raise DeserializationError("checkpoint body has an unknown format")
    return parts


def body_refs(body: bytes | list[Any]) -> tuple[list[BlobKey], list[bytes]]:
    """The ``(channel, version_key)`` blob keys and element hashes a body refers to."""
    parts = parse_body(body)
    keys = blob_keys(parts)
    hashes: list[bytes] = []
    for raw in parts[9][1::2]:
        hashes.extend(raw[j : j + HASH_SIZE] for j in range(0, len(raw), HASH_SIZE))
    return keys, hashes


def blob_keys(body: bytes | list[Any]) -> list[BlobKey]:
    """The ``(channel, version_key)`` keys of the blobs a body refers to."""
    parts = parse_body(body)
    table, cv, blob_chans = parts[3], parts[4], parts[8]
    keys: list[BlobKey] = []
    for ref in blob_chans:
        pos = ref * 2
        enc = table[cv[pos + 1]]
        keys.append((cv[pos], ormsgpack.packb(enc) if isinstance(enc, list) else enc))
    return keys


def body_channels(body: bytes | list[Any]) -> set[str]:
    """Channels whose value is stored with this checkpoint (inline, blob or list)."""
    parts = parse_body(body)
    names = parts[4][0::2]
    out: set[str] = set()
    for refs in (parts[7][0::2], parts[8], parts[9][0::2]):
        out.update(names[r] if isinstance(r, int) else r for r in refs)
    return out


def body_lists(body: bytes | list[Any]) -> list[tuple[str, bytes]]:
    """``(channel, raw)`` of every content-addressed list: ``raw`` is the concatenation
    of its element hashes (split it with :func:`split_hashes`)."""
    parts = parse_body(body)
    names = parts[4][0::2]
    lists = parts[9]
    return [
        (names[lists[i]] if isinstance(lists[i], int) else lists[i], lists[i + 1])
        for i in range(0, len(lists), 2)
    ]


def split_hashes(raw: bytes) -> list[bytes]:
    """The element hashes of a list reference."""
    return [raw[j : j + HASH_SIZE] for j in range(0, len(raw), HASH_SIZE)]


def join_plain(packed: Sequence[bytes]) -> tuple[bytes, list[int]] | None:
    """Concatenated msgpack payloads of packed elements and their end offsets.

    None unless every element is a plain ``"msgpack"`` value. ``payload[:ends[k-1]]``
    holds the first ``k`` elements; :func:`msgpack_list` turns it into a list value.
    """
    ends: list[int] = []
    pos = 0
    for p in packed:
        if p[0] != 1:
            return None
        pos += len(p) - 1
        ends.append(pos)
    return b"".join([p[1:] for p in packed]), ends


def msgpack_list(count: int, payload: bytes) -> bytes:
    """A msgpack array of ``count`` already-encoded items (see :func:`join_plain`)."""
    return _array_header(count) + payload


def _array_header(n: int) -> bytes:
    if n < 16:
        return bytes((0x90 | n,))
    if n < 65536:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def _loads_many(packed: Sequence[bytes], loads: Loads) -> list[Any]:
    """Decode packed values; the plain msgpack ones in a single call."""
    out: list[Any] = [None] * len(packed)
    plain: list[int] = []
    for i, p in enumerate(packed):
        if p[0] == 1:
            plain.append(i)
        else:
            out[i] = loads(unpack_typed(p))
    if len(plain) == 1:
        i = plain[0]
        out[i] = loads(("msgpack", packed[i][1:]))
    elif plain:
        joined = _array_header(len(plain)) + b"".join([packed[i][1:] for i in plain])
        decoded = loads(("msgpack", joined))
        if type(decoded) is list and len(decoded) == len(plain):
            for i, v in zip(plain, decoded, strict=True):
                out[i] = v
        else:  # pragma: no cover - a serializer that post-processes lists
            for i in plain:
                out[i] = loads(("msgpack", packed[i][1:]))
    return out


def decode_writes(rows: Iterable[Sequence[Any]], loads: Loads) -> list[tuple[str, str, Any]]:
    """``PendingWrite`` tuples from stored ``(task_key, channel, value)`` rows."""
    rows = list(rows)
    values = _loads_many([r[2] for r in rows], loads)
    return [(id_from_key(r[0]), r[1], v) for r, v in zip(rows, values, strict=True)]


def _decode_list(packed: list[bytes], loads: Loads) -> list[Any]:
    if all(p[0] == 1 for p in packed):  # every element is plain "msgpack"
        joined = _array_header(len(packed)) + b"".join([p[1:] for p in packed])
        result = loads(("msgpack", joined))
        if type(result) is list:
            return result
    return [loads(unpack_typed(p)) for p in packed]


def decode_checkpoint(
    checkpoint_id: str,
    body: bytes | list[Any],
    blobs: Mapping[BlobKey, bytes],
    elements: Mapping[bytes, bytes],
    loads: Loads,
    lists: Mapping[bytes, bytes] | None = None,
) -> dict[str, Any]:
    """Rebuild a ``Checkpoint`` dict from its body and the values it refers to.

    ``lists`` may map a list reference (see :func:`body_lists`) to its ready msgpack
    array (:func:`msgpack_list`), skipping per-element work. A referenced blob that is
    absent leaves its channel out (the channel is empty); a missing list element raises
    :class:`DeserializationError`.
    """
    parts = parse_body(body)
    table = [_dec_version(v) for v in parts[3]]
    cv = parts[4]
    names = cv[0::2]
    channel_versions = {cv[i]: table[cv[i + 1]] for i in range(0, len(cv), 2)}
    versions_seen = {
        node: {
            (names[flat[i]] if isinstance(flat[i], int) else flat[i]): table[flat[i + 1]]
            for i in range(0, len(flat), 2)
        }
        for node, flat in parts[5].items()
    }
    values: dict[str, Any] = {}
    inline = parts[7]
    pending: list[tuple[str, bytes]] = []
    for i in range(0, len(inline), 2):
        ref = inline[i]
        pending.append((names[ref] if isinstance(ref, int) else ref, inline[i + 1]))
    for key in blob_keys(parts):
        data = blobs.get(key)
        if data is not None:
            pending.append((key[0], data))
    for (ch, _), value in zip(pending, _loads_many([p for _, p in pending], loads), strict=True):
        values[ch] = value
    ready_lists = lists
    list_refs = parts[9]
    for i in range(0, len(list_refs), 2):
        ref = list_refs[i]
        ch = names[ref] if isinstance(ref, int) else ref
        raw = list_refs[i + 1]
        ready = ready_lists.get(raw) if ready_lists else None
        if ready is not None:
            values[ch] = loads(("msgpack", ready))
            continue
        try:
            packed = [elements[raw[j : j + HASH_SIZE]] for j in range(0, len(raw), HASH_SIZE)]
        except KeyError as exc:
            raise DeserializationError(
                f"checkpoint {checkpoint_id!r}: channel {ch!r} refers to a missing list "
                "element (storage damaged)"
            ) from exc
        values[ch] = _decode_list(packed, loads)
    checkpoint: dict[str, Any] = {
        "v": parts[1],
        "id": checkpoint_id,
        "ts": _dec_ts(parts[2]),
        "channel_values": values,
        "channel_versions": channel_versions,
        "versions_seen": versions_seen,
        "updated_channels": (
            [names[u] if isinstance(u, int) else u for u in parts[6]]
            if isinstance(parts[6], list)
            else parts[6]
        ),
    }
    if parts[10] is not None:
        checkpoint.update(loads(unpack_typed(parts[10])))
    return checkpoint


@dataclass(slots=True)
class BodyPlan:
    """A parsed body with everything but the values decoded (see :func:`plan_body`).

    Immutable in use: :func:`build_checkpoint` copies the mutable parts, so one plan can
    be cached (keyed by the body bytes) and reused.
    """

    v: Any
    ts: Any
    channel_versions: dict[str, Any]
    versions_seen: dict[str, dict[str, Any]]
    updated_channels: Any
    inline: list[tuple[str, bytes]]
    blob_keys: list[BlobKey]
    lists: list[tuple[str, bytes]]
    extras: bytes | None
    scalars: Any = None
    """Decoded inline values, filled by the first :func:`build_checkpoint`: a tuple when
    every one is an immutable scalar (then shared by later builds), False otherwise."""


def plan_body(body: bytes | list[Any]) -> BodyPlan:
    """Decode the value-independent part of a body once (additive fast path of
    :func:`decode_checkpoint`; same result through :func:`build_checkpoint`)."""
    parts = parse_body(body)
    table = [_dec_version(v) for v in parts[3]]
    cv = parts[4]
    names = cv[0::2]
    channel_versions = {cv[i]: table[cv[i + 1]] for i in range(0, len(cv), 2)}
    versions_seen = {
        node: {
            (names[flat[i]] if isinstance(flat[i], int) else flat[i]): table[flat[i + 1]]
            for i in range(0, len(flat), 2)
        }
        for node, flat in parts[5].items()
    }
    inline = parts[7]
    list_refs = parts[9]
    updated = parts[6]
    return BodyPlan(
        parts[1],
        _dec_ts(parts[2]),
        channel_versions,
        versions_seen,
        (
            tuple(names[u] if isinstance(u, int) else u for u in updated)
            if isinstance(updated, list)
            else updated
        ),
        [
            (names[inline[i]] if isinstance(inline[i], int) else inline[i], inline[i + 1])
            for i in range(0, len(inline), 2)
        ],
        blob_keys(parts) if parts[8] else [],
        [
            (
                names[list_refs[i]] if isinstance(list_refs[i], int) else list_refs[i],
                list_refs[i + 1],
            )
            for i in range(0, len(list_refs), 2)
        ],
        parts[10],
    )


def build_checkpoint(
    plan: BodyPlan,
    checkpoint_id: str,
    blobs: Mapping[BlobKey, bytes],
    elements: Mapping[bytes, bytes],
    loads: Loads,
    lists: Mapping[bytes, bytes] | None = None,
    writes: Sequence[Sequence[Any]] = (),
    task_id: Callable[[Any], str] = id_from_key,
    decoded: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    """:func:`decode_checkpoint` from a :class:`BodyPlan`, decoding the checkpoint's
    values and its ``(task_key, channel, value)`` write rows (as :func:`decode_writes`;
    ``task_id`` turns a stored task key into its id) with one serializer call for all
    the plain msgpack values. ``decoded`` may map a list channel to its value, already
    decoded (a fresh object the result takes ownership of). Returns
    ``(checkpoint, pending_writes)``."""
    chunks: list[bytes] = []  # msgpack payloads of the plain values, in order
    plain: list[int] = []  # their positions in results
    scalars = plan.scalars
    chans: list[str] = [ch for ch, _ in plan.inline]
    if type(scalars) is tuple:
        results: list[Any] = list(scalars)
    else:
        results = []
        for _, p in plan.inline:
            if p[0] == 1:
                plain.append(len(results))
                chunks.append(p[1:])
                results.append(None)
            else:
                results.append(loads(unpack_typed(p)))
    for key in plan.blob_keys:
        data = blobs.get(key)
        if data is not None:
            chans.append(key[0])
            if data[0] == 1:
                plain.append(len(results))
                chunks.append(data[1:])
                results.append(None)
            else:
                results.append(loads(unpack_typed(data)))
    for ch, raw in plan.lists:
        chans.append(ch)
        if decoded:
            value = decoded.get(ch)
            if value is not None:
                results.append(value)
                continue
        ready = lists.get(raw) if lists else None
        if ready is None:
            try:
                elems = [elements[raw[j : j + HASH_SIZE]] for j in range(0, len(raw), HASH_SIZE)]
            except KeyError as exc:
                raise DeserializationError(
                    f"checkpoint {checkpoint_id!r}: channel {ch!r} refers to a missing list "
                    "element (storage damaged)"
                ) from exc
            if not all(p[0] == 1 for p in elems):
                results.append(_decode_list(elems, loads))
                continue
            ready = _array_header(len(elems)) + b"".join([p[1:] for p in elems])
        plain.append(len(results))
        chunks.append(ready)
        results.append(None)
    n = len(results)
    for w in writes:
        data = w[2]
        if data[0] == 1:
            plain.append(len(results))
            chunks.append(data[1:])
            results.append(None)
        else:
            results.append(loads(unpack_typed(data)))
    if len(plain) == 1:
        results[plain[0]] = loads(("msgpack", chunks[0]))
    elif plain:
        decoded = loads(("msgpack", _array_header(len(chunks)) + b"".join(chunks)))
        if type(decoded) is list and len(decoded) == len(plain):
            for i, v in zip(plain, decoded, strict=True):
                results[i] = v
        else:  # pragma: no cover - a serializer that post-processes lists
            for i, c in zip(plain, chunks, strict=True):
                results[i] = loads(("msgpack", c))
    if scalars is None:
        head = results[: len(plan.inline)]
        plan.scalars = tuple(head) if all(type(v) in _IMMUTABLE for v in head) else False
    values = dict(zip(chans, results, strict=False))
    updated = plan.updated_channels
    checkpoint: dict[str, Any] = {
        "v": plan.v,
        "id": checkpoint_id,
        "ts": plan.ts,
        "channel_values": values,
        "channel_versions": plan.channel_versions.copy(),
        "versions_seen": {k: v.copy() for k, v in plan.versions_seen.items()},
        "updated_channels": list(updated) if isinstance(updated, tuple) else updated,
    }
    if plan.extras is not None:
        checkpoint.update(loads(unpack_typed(plan.extras)))
    pending = [(task_id(w[0]), w[1], v) for w, v in zip(writes, results[n:], strict=True)]
    return checkpoint, pending


# ----------------------------------------------------------------------------- writes

WriteRow = tuple[bytes | str, int, str, str, bytes]


def encode_writes(
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
    dumps: Dumps,
    idx_map: Mapping[str, int],
) -> tuple[list[WriteRow], bool]:
    """Rows ``(task_key, idx, channel, task_path, value)`` and the conflict rule.

    ``idx`` is ``idx_map[channel]`` for special channels, else the position. The second
    item is True when every write targets a special channel (rows replace existing ones),
    False when rows are inserted only if absent (first stored value wins).
    """
    task_key = id_key(str(task_id))
    rows: list[WriteRow] = []
    for i, (channel, value) in enumerate(writes):
        try:
            packed = pack_typed(dumps(value))
        except SerializationError as exc:
            raise SerializationError(
                f"write {i} to channel {channel!r} of task {task_id!r}: {exc}", path=exc.path
            ) from exc
        rows.append((task_key, idx_map.get(channel, i), channel, task_path, packed))
    upsert = bool(writes) and all(ch in idx_map for ch, _ in writes)
    return rows, upsert


def decode_write(task_key: bytes | str, channel: str, value: bytes, loads: Loads) -> Any:
    """A ``PendingWrite`` tuple from a stored row."""
    return (id_from_key(task_key), channel, loads(unpack_typed(value)))


# ----------------------------------------------------------------------------- metadata


def dumps_metadata(metadata: Mapping[str, Any]) -> str:
    """Compact JSON text of metadata; :class:`SerializationError` names a bad key."""
    try:
        return json.dumps(metadata, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        for key, value in metadata.items():
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as inner:
                raise SerializationError(
                    f"metadata key {key!r} is not JSON-representable ({inner})", path=str(key)
                ) from exc
        raise SerializationError(f"metadata is not JSON-representable ({exc})") from exc


def loads_metadata(text: str | bytes | None) -> dict[str, Any]:
    """Inverse of :func:`dumps_metadata` (``None`` -> ``{}``)."""
    if text is None:
        return {}
    result = json.loads(text)
    return result if isinstance(result, dict) else {}


# ----------------------------------------------------------------------------- listing


@dataclass(frozen=True, slots=True)
class FilterCondition:
    """One metadata condition a backend can evaluate exactly in SQL.

    ``key`` is a top-level metadata key (never dotted); ``op`` is one of ``$eq``, ``$ne``,
    ``$gt``, ``$gte``, ``$lt``, ``$lte``; ``kind`` is the JSON type the value must have:
    ``"null"``, ``"bool"``, ``"number"`` or ``"str"``. ``$ne`` also matches a missing key.
    """

    key: str
    op: str
    value: Any
    kind: str


@dataclass(slots=True)
class ListPlan:
    """Normalised arguments of ``list()``."""

    thread_id: str | None
    checkpoint_ns: str | None
    checkpoint_id: str | None
    before_id: str | None
    limit: int | None
    conditions: list[FilterCondition]
    residual: Callable[[Mapping[str, Any]], bool] | None
    """Python predicate for the conditions that were not translated, or None."""


_INT64 = 2**63


def _sql_kind(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number" if -_INT64 <= value < _INT64 else None
    if isinstance(value, float):
        return "number" if math.isfinite(value) else None
    if isinstance(value, str):
        return "str"
    return None


def _translate(key: str, condition: Any) -> list[FilterCondition] | None:
    if "." in key or '"' in key or "\\" in key:
        return None
    if is_operator_condition(condition):
        out = []
        for op, operand in condition.items():
            kind = _sql_kind(operand)
            if kind is None:
                return None
            out.append(FilterCondition(key, op, operand, kind))
        return out
    kind = _sql_kind(condition)
    if kind is None:
        return None
    return [FilterCondition(key, "$eq", condition, kind)]


def plan_list(
    config: Mapping[str, Any] | None,
    *,
    filter: Mapping[str, Any] | None = None,  # noqa: A002 - public API name
    before: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> ListPlan:
    """Validate ``list()`` arguments; split the filter into SQL and Python parts."""
    validate_filter(filter)
    thread_id: str | None = None
    ns: str | None = None
    checkpoint_id: str | None = None
    if config is not None:
        configurable = config.get("configurable")
        if not isinstance(configurable, Mapping):
            raise InvalidConfigError(f"list: config has no 'configurable' mapping ({config!r})")
        raw_thread = configurable.get("thread_id")
        if raw_thread is not None and raw_thread != "":
            thread_id = str(raw_thread)
        if "checkpoint_ns" in configurable and configurable["checkpoint_ns"] is not None:
            ns = str(configurable["checkpoint_ns"])
        checkpoint_id = configurable.get("checkpoint_id") or None
    before_id = None
    if before is not None:
        before_id = (before.get("configurable") or {}).get("checkpoint_id") or None
    conditions: list[FilterCondition] = []
    residual: dict[str, Any] = {}
    for key, condition in (filter or {}).items():
        translated = _translate(key, condition)
        if translated is None:
            residual[key] = condition
        else:
            conditions.extend(translated)
    return ListPlan(
        thread_id,
        ns,
        checkpoint_id,
        before_id,
        limit,
        conditions,
        compile_metadata_filter(residual) if residual else None,
    )


def page_size(plan: ListPlan, produced: int, *, default: int = 64, maximum: int = 256) -> int:
    """Rows to fetch for the next page of a streaming listing.

    With a limit and no Python-side filter, exactly the rows still needed; otherwise
    pages grow from ``default`` to ``maximum``.
    """
    if plan.limit is not None and plan.residual is None:
        return max(1, min(plan.limit - produced, maximum))
    return min(maximum, max(default, produced))


def chunked(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
