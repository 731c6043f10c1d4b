"""Content-addressed blobs beside the log: bytes written once, named by their sha256.

An event never carries large bytes; it carries the blob's hash (an image a run showed its agents
is :class:`~troupe_es.events.vision.ImageRef`). Every backend keeps blobs in a table of its own
(``troupe_blobs`` on SQLite and PostgreSQL, append-only by trigger like the events table):
:meth:`~troupe_es.store.base.EventStore.put_blob` is idempotent (the same bytes give the same
hash and write nothing new), :meth:`~troupe_es.store.base.EventStore.get_blob` checks the bytes
still hash to their name, so a blob changed behind the store's back is reported, never used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from troupe_es import limits
from troupe_es.errors import CorruptBlobError, StoreError


@dataclass(frozen=True, slots=True)
class Blob:
    """Stored bytes and what they are."""

    sha256: str
    media_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def blob_hash(data: bytes) -> str:
    """The name of ``data`` in the blob table: its sha256, in hex."""
    return hashlib.sha256(data).hexdigest()


def check_new_blob(data: bytes, media_type: str) -> str:
    """The hash of bytes about to be stored; :class:`StoreError` when they cannot be (not bytes,
    empty, larger than :data:`~troupe_es.limits.MAX_BLOB_BYTES`, or a media type that is no
    ``type/subtype`` name)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise StoreError(f"a blob must be bytes, got {type(data).__name__}")
    size = len(data)
    if size == 0:
        raise StoreError("a blob cannot be empty")
    if size > limits.MAX_BLOB_BYTES:
        raise StoreError(f"a blob of {size} bytes is larger than the store allows ({limits.MAX_BLOB_BYTES})")
    if (not isinstance(media_type, str) or media_type.count("/") != 1 or len(media_type) > 100
            or not media_type.isascii() or any(c.isspace() or ord(c) < 32 for c in media_type)):
        raise StoreError(f"invalid blob media type {media_type!r}: expected e.g. image/png")
    return blob_hash(bytes(data))


def checked_blob(sha256: str, media_type: str, data: bytes) -> Blob:
    """A blob read back, once its bytes are known to still hash to its name."""
    data = bytes(data)
    if blob_hash(data) != sha256:
        raise CorruptBlobError(f"blob {sha256[:12]} no longer matches its hash: it was changed in the store")
    return Blob(sha256, media_type, data)


def valid_hash(sha256: str) -> bool:
    """Whether ``sha256`` can name a blob (64 lower-case hex digits)."""
    return isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)
