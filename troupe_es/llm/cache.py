"""The completion cache port, and the kernel's own fallback cache over the log.

The gateway consults a :class:`CompletionCache` in ``cache`` mode. The full projection
(``projections/llm_cache.py``, an LRU in front of an indexed side table with a checkpoint) is
wired in by the composition root; a gateway built without one uses :class:`LogScanCache`, which
keeps the same LRU in front of a dictionary of request key → log position, filled by reading the
log's ``LLMCallCompleted`` events from where it last stopped whenever a key is not known yet.

Both check a completion read from the log before reusing it (:func:`trusted_completion`): a row
whose content hash or chain link no longer matches was changed behind the store's back, so it
is a miss, returned as a :class:`RejectedEntry` that the gateway records in the new run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from troupe_es.events import LLMCallCompleted
from troupe_es.store.base import EventStore
from troupe_es.store.integrity import checked_row
from troupe_es.store.rows import decode_row


@dataclass
class CacheStats:
    """Hits, misses and LRU evictions since the cache was opened."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions}


@dataclass(frozen=True)
class RejectedEntry:
    """A recorded completion the cache refused to reuse: where it is and what did not match."""

    position: int
    reason: str


def trusted_completion(store: EventStore, key: str, position: int) -> LLMCallCompleted | RejectedEntry:
    """The completion of ``key`` stored at ``position``, if its row still matches its content
    hash and chain link (see :func:`troupe_es.store.integrity.checked_row`)."""
    row, problem = checked_row(store, position)
    if row is None or problem is not None:
        return RejectedEntry(position, problem or f"no event at position {position}")
    event = decode_row(row).event
    if not isinstance(event, LLMCallCompleted) or event.request_key != key:
        return RejectedEntry(position, f"position {position} holds no completion of this request")
    return event


class CompletionCache(Protocol):
    """Request key → a recorded completion (a projection over the log)."""

    stats: CacheStats

    def get(self, key: str) -> LLMCallCompleted | RejectedEntry | None:
        """The first recorded completion of ``key`` (a hit), None (a miss), or a
        :class:`RejectedEntry` when the recorded completion failed its integrity check (a miss;
        the entry is forgotten, so a later completion of the key can take its place)."""

    def put(self, key: str, completion: LLMCallCompleted) -> None:
        """Remember a completion just made (it is in the log too, or about to be)."""


class CompletionLRU:
    """The hot completions of a cache: at most ``max_size``, the least recently used evicted
    (hits and evictions counted in ``stats``). Not thread-safe: its cache holds its own lock."""

    def __init__(self, max_size: int, stats: CacheStats) -> None:
        self.max_size = max_size
        self.stats = stats
        self._items: OrderedDict[str, LLMCallCompleted] = OrderedDict()

    def hit(self, key: str) -> LLMCallCompleted | None:
        """The completion of ``key`` if it is hot (a hit, counted), else None (nothing counted)."""
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            self.stats.hits += 1
        return item

    def remember(self, key: str, completion: LLMCallCompleted, *, keep_first: bool = False) -> int:
        """Make ``completion`` the hot entry of ``key`` (``keep_first``: unless one is there
        already); returns how many entries were evicted to make room."""
        if keep_first:
            self._items.setdefault(key, completion)
        else:
            self._items[key] = completion
        self._items.move_to_end(key)
        evicted = 0
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)
            self.stats.evictions += 1
            evicted += 1
        return evicted

    def clear(self) -> None:
        self._items.clear()


class LogScanCache:
    """An LRU of ``max_size`` completions in front of a key → position map read from the log."""

    def __init__(self, store: EventStore, *, max_size: int = 10_000) -> None:
        self.store = store
        self.max_size = max(1, max_size)
        self.stats = CacheStats()
        self._lru = CompletionLRU(self.max_size, self.stats)
        self._positions: dict[str, int] = {}
        self._seen = 0
        self._lock = threading.Lock()

    def _catch_up(self) -> None:
        upto = self.store.last_position()
        if upto <= self._seen:
            return
        for rec in self.store.read(types=["LLMCallCompleted"], from_position=self._seen + 1, until_position=upto):
            self._positions.setdefault(rec.event.request_key, rec.position)  # type: ignore[attr-defined]
        self._seen = upto

    def get(self, key: str) -> LLMCallCompleted | RejectedEntry | None:
        with self._lock:
            hit = self._lru.hit(key)
            if hit is not None:
                return hit
            if key not in self._positions:
                self._catch_up()
            position = self._positions.get(key)
            if position is None:
                self.stats.misses += 1
                return None
            found = trusted_completion(self.store, key, position)
            if isinstance(found, RejectedEntry):
                del self._positions[key]
                self.stats.misses += 1
                return found
            self._lru.remember(key, found, keep_first=True)
            self.stats.hits += 1
            return found

    def put(self, key: str, completion: LLMCallCompleted) -> None:
        with self._lock:
            self._lru.remember(key, completion, keep_first=True)
