"""Postgres-specific row encoding on top of the shared codec, without I/O.

Bodies
    The codec's body holds every content-addressed list as the concatenation of its
    element hashes; the row also needs them in the ``hashes`` column (reads join list
    elements and garbage collection checks references with it). :func:`strip_lists`
    stores them once: in the body each list's hashes are replaced by their count, and
    :func:`restore_lists` puts them back from the ``hashes`` column. Bodies written
    before this (full hashes in the body) read back unchanged.

Task ids
    :func:`task_key` stores a canonical UUID task id as its 16 bytes and any other id as
    its UTF-8 bytes (a 16-byte one followed by ``0xFF``, which UTF-8 never contains, so
    the two never collide); :func:`task_from_key` is the inverse. Old rows (UTF-8 of any
    id) decode the same way unless the id is a 16-byte string ending in ``0xFF``, which
    is not valid UTF-8.

Checkpoint ids
    :func:`id_key` stores a checkpoint id as ``bytea`` whose byte order is the code point
    order of the ids (how Postgres compares ``bytea`` and how the savers order ids): a
    canonical (lowercase) UUID as ``0x01`` and its 16 bytes; an id smaller than the
    smallest UUID text ``MIN_ID`` as ``0x00`` and its UTF-8; any other id as ``0x01``, the
    16 bytes of the greatest canonical UUID text not above it (its *floor*), then its
    UTF-8. A UUID's key is then a proper prefix of the keys of the ids it is the floor
    of, which sort among themselves by their UTF-8, and ids with different floors sort by
    their floors. :func:`id_from_key` is the inverse.

Pending writes
    One row per (checkpoint, task) holds every write of the task: :func:`pack_writes`
    frames each ``(idx, channel, value)`` as a big-endian ``int4`` idx, the ``int4``
    byte lengths of the channel and of the value, then the channel's UTF-8 and the value,
    in idx order. :func:`merge_writes` applies a later call to a stored row with the
    conflict rule of ``put_writes`` (insert-if-absent per idx, or replace when every
    write of the call targets a special channel).

Array parameters
    :class:`ByteaArray` marks a ``list[bytes]`` bound as ``bytea[]``; :class:`ByteaArrayDumper`
    (registered for it on psycopg's global adapters, which only this type uses) writes the
    binary array format in one pass instead of psycopg's generic per-element list dumper.
    Where the registration is not visible (a connection with its own copied adapter map),
    psycopg falls back to its list dumper: same value, only slower.

Chunked references
    A checkpoint row refers to its list elements through content-defined chunks, so a
    long list costs a few references per checkpoint instead of one per element.
    :func:`chunk_hashes` cuts the concatenated element hashes after an element whose
    hash ends with two zero bits once the chunk holds at least ``CHUNK_MIN`` hashes (at
    ``CHUNK_MAX`` regardless). A cut depends only on the hashes since the previous cut,
    so a list that grows keeps the chunks of its older versions, and an edit changes
    only the chunks around it. Each complete chunk is stored once per thread as an
    element (``lg_elements``) whose value is its hashes and whose hash is
    :func:`chunk_key` (BLAKE2b personalized with ``lg-chunk``, so it never equals an
    element's hash, which is not personalized); the row keeps the chunk keys (``chunks``) and the hashes after
    the last cut (``hashes``). Reads expand the chunks on the server.

Known elements
    :class:`KnownLists` remembers, per (thread, namespace), the element hashes and
    packed bytes of the last list read or written. Elements are content-addressed and
    immutable, so a read sends those hashes (``%(known)s``) and the server returns only
    the elements at positions that differ; :meth:`KnownLists.resolve` fills in the rest.

Decoding a ``list()`` page
    :func:`page_lists` decodes the list channels of a page's rows with a per-page memo
    (:data:`PageLists`) keyed by (thread, namespace, channel): an element already decoded
    for that key in the page (same hash at the same position of a common prefix; a list
    of an older checkpoint is usually a prefix of the newer one's) is reused, so each
    distinct element is decoded once per page. Every row gets its own list object; the
    memo lives only while the page is decoded, so nothing is shared with another call.
"""

from __future__ import annotations

import bisect
import hashlib
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ormsgpack
from psycopg.adapt import Dumper
from psycopg.pq import Format

from langgraph.checkpoint.base import _codec as codec
from langgraph.checkpoint.errors import DeserializationError

__all__ = [
    "ByteaArray",
    "ByteaArrayDumper",
    "Chunked",
    "blob_key",
    "KnownLists",
    "chunk_hashes",
    "chunk_key",
    "Lists",
    "PageLists",
    "merge_writes",
    "pack_writes",
    "page_lists",
    "id_floor",
    "id_from_key",
    "id_key",
    "ready_lists",
    "resolve",
    "restore_lists",
    "strip_lists",
    "task_from_key",
    "task_key",
    "unpack_writes",
]

HASH = codec.HASH_SIZE
CHUNK_MIN = 6
CHUNK_MAX = 64
_CHUNK_MASK = 3  # a cut after one hash in four, past CHUNK_MIN


def blob_key(ns: bytes, channel: bytes, version: bytes) -> bytes:
    """The ``lg_elements`` key of a channel value: the first 16 bytes of SHA-256 over
    ``lg-blob`` and the length-prefixed namespace and channel, then the version (all as
    stored). Values are addressed by name, like upstream's blobs: the first value
    written for a (thread, namespace, channel, version) is kept."""
    head = b"lg-blob" + _LEN(len(ns)) + ns + _LEN(len(channel)) + channel + version
    return hashlib.sha256(head).digest()[:HASH]


def chunk_key(value: bytes) -> bytes:
    """The ``lg_elements`` hash of a chunk of element hashes (see the module docstring)."""
    return hashlib.blake2b(value, digest_size=HASH, person=b"lg-chunk").digest()


def chunk_ends(hashes: bytes, start: int = 0) -> list[int]:
    """Where the complete chunks of ``hashes`` end, in element positions (scanning from
    position ``start``, which must be 0 or the end of a chunk)."""
    ends: list[int] = []
    for i in range(start, len(hashes) // HASH):
        size = i + 1 - start
        if size >= CHUNK_MAX or (
            size >= CHUNK_MIN and hashes[(i + 1) * HASH - 1] & _CHUNK_MASK == 0
        ):
            ends.append(i + 1)
            start = i + 1
    return ends


@dataclass(slots=True)
class Chunked:
    """A row's list references cut into chunks (see :func:`chunk_hashes`)."""

    ends: list[int]
    """Element position after each complete chunk."""
    keys: list[bytes]
    """Each chunk's ``lg_elements`` hash."""
    values: list[bytes]
    """Each chunk's hashes."""
    tail: bytes
    """The hashes after the last complete chunk."""

    row: bytes | None = None
    packed_ends: bytes | None = None

    def row_chunks(self) -> bytes:
        """The chunk keys as a row stores them."""
        if self.row is None:
            self.row = b"".join(self.keys)
        return self.row

    def byte_ends(self) -> bytes:
        """Where each chunk ends in the hashes, in bytes, as big-endian ``int4``s."""
        if self.packed_ends is None:
            self.packed_ends = struct.pack(f">{len(self.ends)}i", *(HASH * e for e in self.ends))
        return self.packed_ends


def chunk_hashes(hashes: bytes, prev: Chunked | None = None, shared: int = 0) -> Chunked:
    """Cut concatenated element hashes into content-defined chunks and a tail.

    ``prev``: the chunks of hashes whose first ``shared`` positions equal those of
    ``hashes``; its chunks that end within them are taken as they are (a cut depends
    only on the hashes since the previous cut), so only the rest is scanned and hashed.
    """
    ends: list[int] = []
    keys: list[bytes] = []
    values: list[bytes] = []
    start = 0
    if prev is not None and shared:
        held = bisect.bisect_right(prev.ends, shared)
        if held:
            ends = prev.ends[:held]
            keys = prev.keys[:held]
            values = prev.values[:held]
            start = ends[-1]
    new_ends = chunk_ends(hashes, start)
    for end in new_ends:
        value = hashes[start * HASH : end * HASH]
        values.append(value)
        keys.append(chunk_key(value))
        start = end
    return Chunked(ends + new_ends, keys, values, hashes[start * HASH :])


_LISTS = 9  # position of the list references in a body


def strip_lists(body: bytes, parts: list[Any] | None = None) -> tuple[bytes, bytes]:
    """``(body without list hashes, concatenated hashes)`` (see the module docstring).

    ``parts``: ``body`` already decoded (it is modified).
    """
    if parts is None:
        parts = ormsgpack.unpackb(body)
    lists = parts[_LISTS]
    if not lists:
        return body, b""
    chunks = []
    for i in range(1, len(lists), 2):
        raw = lists[i]
        chunks.append(raw)
        lists[i] = len(raw) // HASH
    return ormsgpack.packb(parts), b"".join(chunks)


def restore_lists(body: bytes, hashes: bytes) -> list[Any]:
    """The parsed body with its list hashes back (accepts old and stripped bodies)."""
    parts = codec.parse_body(body)
    lists = parts[_LISTS]
    if lists and type(lists[1]) is int:
        pos = 0
        for i in range(1, len(lists), 2):
            end = pos + lists[i] * HASH
            if end > len(hashes):
                raise DeserializationError("checkpoint list references are truncated")
            lists[i] = hashes[pos:end]
            pos = end
        if pos != len(hashes):
            raise DeserializationError("checkpoint list references do not match the body")
    return parts


_BYTEA_OID = 17
_BYTEA_ARRAY_OID = 1001
_ARRAY_HEAD = struct.Struct(">iiiii")
_EMPTY_ARRAY = struct.pack(">iii", 0, 0, _BYTEA_OID)
_LEN = struct.Struct(">i").pack


class ByteaArray(list[bytes]):
    """A list of ``bytes`` bound as a ``bytea[]`` parameter (no NULL elements)."""

    __slots__ = ()


class ByteaArrayDumper(Dumper):
    """Binary ``bytea[]`` of a :class:`ByteaArray` (one dimension, lower bound 1)."""

    format = Format.BINARY
    oid = _BYTEA_ARRAY_OID

    def dump(self, obj: list[bytes]) -> bytes:
        if not obj:
            return _EMPTY_ARRAY
        parts = [_ARRAY_HEAD.pack(1, 0, _BYTEA_OID, len(obj), 1)]
        for value in obj:
            parts.append(_LEN(len(value)))
            parts.append(value)
        return b"".join(parts)


_WRITE_HEAD = struct.Struct(">iII")

WriteEntry = tuple[int, bytes, bytes]
"""``(idx, channel as UTF-8, serialized value)`` of one pending write."""


def pack_writes(entries: list[WriteEntry]) -> bytes:
    """The ``data`` column of a writes row (``entries`` sorted by idx, unique idx)."""
    head = _WRITE_HEAD.pack
    return b"".join(
        b"".join((head(idx, len(channel), len(value)), channel, value))
        for idx, channel, value in entries
    )


def unpack_writes(data: bytes) -> list[WriteEntry]:
    """Inverse of :func:`pack_writes`.

    Raises:
        DeserializationError: the data is truncated (storage damaged).
    """
    out: list[WriteEntry] = []
    unpack = _WRITE_HEAD.unpack_from
    size = _WRITE_HEAD.size
    pos, end = 0, len(data)
    view = memoryview(data)
    while pos < end:
        if pos + size > end:
            raise DeserializationError("pending writes row is truncated")
        idx, n_channel, n_value = unpack(data, pos)
        pos += size
        stop = pos + n_channel + n_value
        if stop > end:
            raise DeserializationError("pending writes row is truncated")
        out.append((idx, bytes(view[pos : pos + n_channel]), bytes(view[pos + n_channel : stop])))
        pos = stop
    return out


def merge_writes(stored: bytes, entries: Iterable[WriteEntry], upsert: bool) -> bytes:
    """A stored writes row after another ``put_writes`` call of the same task.

    ``upsert``: the call's entries replace stored ones of the same idx; otherwise only
    entries at an idx not stored yet are added.
    """
    by_idx = {e[0]: e for e in unpack_writes(stored)}
    for entry in entries:
        if upsert or entry[0] not in by_idx:
            by_idx[entry[0]] = entry
    return pack_writes([by_idx[i] for i in sorted(by_idx)])


def task_key(task_id: str) -> bytes:
    """Stored form of a task id (see the module docstring)."""
    key = codec.id_key(task_id)
    if isinstance(key, bytes):
        return key
    raw = key.encode("utf-8", "surrogatepass")
    return raw + b"\xff" if len(raw) == HASH else raw


def task_from_key(raw: bytes) -> str:
    """Inverse of :func:`task_key`."""
    if len(raw) == HASH:
        return codec.id_from_key(raw)
    if len(raw) == HASH + 1 and raw[HASH] == 0xFF:
        raw = raw[:HASH]
    return raw.decode("utf-8", "surrogatepass")


MIN_ID = codec.MIN_ID
id_floor = codec.id_floor
id_key = codec.ordered_id_key
id_from_key = codec.ordered_id_from_key


@dataclass(slots=True)
class Lists:
    """Element hashes and packed values at every position of a row's lists."""

    hashes: bytes
    packed: list[bytes]
    payload: bytes | None = None
    """Concatenated msgpack payloads (every element plain), filled on demand."""
    ends: list[int] | None = None
    plain: bool | None = None
    cut: Chunked | None = None
    """``hashes`` cut into chunks, filled on demand."""
    nbytes: int | None = None

    def chunked(self) -> Chunked:
        if self.cut is None:
            self.cut = chunk_hashes(self.hashes)
        return self.cut

    def plain_payload(self) -> tuple[bytes, list[int]] | None:
        """``(payload, ends)`` when every element is a plain msgpack value."""
        if self.plain is None:
            joined = codec.join_plain(self.packed)
            self.plain = joined is not None
            if joined is not None:
                self.payload, self.ends = joined
        if self.plain and self.payload is not None and self.ends is not None:
            return self.payload, self.ends
        return None

    def size(self) -> int:
        if self.nbytes is None:
            self.nbytes = len(self.hashes) + sum(map(len, self.packed))
        return self.nbytes


class KnownLists:
    """Bounded per-(thread, namespace) memory of the last list elements seen."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._lists: dict[tuple[bytes, bytes], Lists] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, thread: bytes, ns: bytes) -> Lists | None:
        return self._lists.get((thread, ns))

    def remember(self, thread: bytes, ns: bytes, lists: Lists) -> None:
        """Keep ``lists`` unless it is a prefix of what is already known."""
        if not lists.hashes:
            return
        key = (thread, ns)
        with self._lock:
            old = self._lists.get(key)
            if old is not None:
                if old.hashes.startswith(lists.hashes):
                    return
                self._bytes -= old.size()
            size = lists.size()
            if self._bytes + size > self.max_bytes:
                self._lists.clear()
                self._bytes = 0
            self._lists[key] = lists
            self._bytes += size

    def forget_thread(self, thread: bytes) -> None:
        """Drop what is known of a thread (it was deleted)."""
        with self._lock:
            for key in [k for k in self._lists if k[0] == thread]:
                self._bytes -= self._lists.pop(key).size()

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()
            self._bytes = 0


def common_positions(hashes: bytes, other: bytes) -> int:
    """How many leading element hashes ``hashes`` and ``other`` have in common."""
    if hashes.startswith(other):
        return len(other) // HASH
    if other.startswith(hashes):
        return len(hashes) // HASH
    n = min(len(hashes), len(other)) // HASH
    for i in range(n):
        lo = i * HASH
        if hashes[lo : lo + HASH] != other[lo : lo + HASH]:
            return i
    return n


def resolve(
    checkpoint_id: str, hashes: bytes, elems: list[Any] | None, known: Lists | None
) -> Lists:
    """The elements of a row: from the server's ``elems`` and the ``known`` lists.

    Raises:
        DeserializationError: an element is missing (storage damaged).
    """
    n = len(hashes) // HASH
    if elems is None:
        if n == 0:
            return Lists(hashes, [])
        if known is None or not known.hashes.startswith(hashes):
            raise DeserializationError(
                f"checkpoint {checkpoint_id!r}: list elements were not returned"
            )
        if len(known.hashes) == len(hashes):
            return known
        out = Lists(hashes, known.packed[:n])
        full = known.plain_payload()
        if full is not None:
            payload, ends = full
            out.plain = True
            out.ends = ends[:n]
            out.payload = payload[: ends[n - 1]]
        return out
    kh = known.hashes if known is not None else b""
    kp = known.packed if known is not None else []
    packed: list[bytes] = []
    for i, value in enumerate(elems):
        if value is None:
            lo = i * HASH
            if i < len(kp) and kh[lo : lo + HASH] == hashes[lo : lo + HASH]:
                packed.append(kp[i])
                continue
            raise DeserializationError(
                f"checkpoint {checkpoint_id!r} refers to a missing list element "
                f"{hashes[lo : lo + HASH].hex()} (storage damaged)"
            )
        packed.append(value)
    return Lists(hashes, packed)


def ready_lists(raws: list[bytes], lists: Lists) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
    """``(ready, elements)`` for :func:`codec.build_checkpoint`: msgpack arrays of the
    plain lists by reference (``raws``: the lists' hashes, in body order), element
    bytes by hash for the others."""
    ready: dict[bytes, bytes] = {}
    elements: dict[bytes, bytes] = {}
    plain = lists.plain_payload()
    pos = 0
    for raw in raws:
        n = len(raw) // HASH
        if plain is not None:
            payload, ends = plain
            start = ends[pos - 1] if pos else 0
            end = ends[pos + n - 1] if n else start
            ready[raw] = codec.msgpack_list(n, payload[start:end])
        else:
            for j in range(n):
                elements[raw[j * HASH : (j + 1) * HASH]] = lists.packed[pos + j]
        pos += n
    return ready, elements


PageLists = dict[tuple[bytes, bytes, str], tuple[bytes, list[Any]]]
"""Per-page memo of :func:`page_lists`: key -> (element hashes, decoded elements)."""


def _common(a: bytes, b: bytes) -> int:
    """Number of leading element hashes ``a`` and ``b`` have in common."""
    if b.startswith(a):
        return len(a) // HASH
    m = min(len(a), len(b)) // HASH
    c = 0
    while c < m and a[c * HASH : (c + 1) * HASH] == b[c * HASH : (c + 1) * HASH]:
        c += 1
    return c


def _decode_each(packed: list[bytes], loads: Callable[[tuple[str, bytes]], Any]) -> list[Any]:
    return [loads(codec.unpack_typed(p)) for p in packed]


def page_lists(
    page: PageLists,
    thread: bytes,
    ns: bytes,
    channels: Iterable[tuple[str, bytes]],
    lists: Lists,
    loads: Callable[[tuple[str, bytes]], Any],
) -> dict[str, list[Any]]:
    """Decoded values of a row's list channels (``channels``: ``(channel, hashes)`` in
    body order, ``lists``: the row's elements), each a new list object whose elements
    may be shared with other rows of the same page (see the module docstring)."""
    out: dict[str, list[Any]] = {}
    plain = lists.plain_payload()
    pos = 0
    for ch, raw in channels:
        n = len(raw) // HASH
        key = (thread, ns, ch)
        got = page.get(key)
        if got is not None and got[0].startswith(raw):
            vals = got[1]
            out[ch] = vals[:n] if n < len(vals) else list(vals)
            pos += n
            continue
        c = _common(got[0], raw) if got is not None else 0
        new: list[Any] = []
        if c < n:
            if plain is not None:
                payload, ends = plain
                start = ends[pos + c - 1] if pos + c else 0
                decoded = loads(
                    ("msgpack", codec.msgpack_list(n - c, payload[start : ends[pos + n - 1]]))
                )
                if type(decoded) is list and len(decoded) == n - c:
                    new = decoded
                else:
                    new = _decode_each(lists.packed[pos + c : pos + n], loads)
            else:
                new = _decode_each(lists.packed[pos + c : pos + n], loads)
        vals = got[1][:c] + new if got is not None and c else new
        page[key] = (raw, vals)
        out[ch] = list(vals)
        pos += n
    return out
