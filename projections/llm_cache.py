"""The LLM cache: request key → recorded completion, a stored projection over the log.

Hot keys live in an in-memory LRU (``max_size`` entries, evictions counted); misses fall back to
an index of request keys kept beside the log (a table in SQL stores, updated together with its
checkpoint in one transaction; a dict for the in-memory store). The index catches up from the
log when the cache is opened; completions made through this cache afterwards are ``put`` into
the LRU directly, so a miss costs one indexed lookup (plus a catch-up from the log once entries
have been evicted from the LRU since the last one).
Delivering an event twice changes nothing: the first completion of a key wins, unless it fails
its integrity check when read (its row was changed behind the store's back): then it is a miss,
reported to the gateway, and forgotten, so a completion of the key recorded later (the one the
provider is asked for instead) takes its place at the next catch-up.
"""

from __future__ import annotations

import json
import threading
from typing import Protocol

from troupe_es.events import LLMCallCompleted
from troupe_es.llm.cache import CacheStats, CompletionLRU, RejectedEntry, trusted_completion
from troupe_es.errors import CorruptEventError
from troupe_es.store.base import EventStore
from troupe_es.store.ddl import upsert
from troupe_es.store.schema import checkpoints

NAME = "llm_cache"


class KeyIndex(Protocol):
    """Request key → position of its first completion, with the position indexed up to."""

    checkpoint: int

    def add(self, pairs: list[tuple[str, int]], start: int, checkpoint: int) -> None: ...

    def replace(self, pairs: list[tuple[str, int]], checkpoint: int) -> None: ...

    def find(self, key: str) -> int | None: ...

    def forget(self, key: str) -> None: ...


class _DictIndex:
    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.checkpoint = 0

    def add(self, pairs: list[tuple[str, int]], start: int, checkpoint: int) -> None:
        for key, position in pairs:
            self.keys.setdefault(key, position)
        if self.checkpoint >= start:
            self.checkpoint = max(self.checkpoint, checkpoint)

    def replace(self, pairs: list[tuple[str, int]], checkpoint: int) -> None:
        self.keys.clear()
        self.checkpoint = 0
        self.add(pairs, 0, checkpoint)

    def find(self, key: str) -> int | None:
        return self.keys.get(key)

    def forget(self, key: str) -> None:
        self.keys.pop(key, None)


class _SqlIndex:
    """The request keys in a table beside the log. Its invariant: every completion at or before
    the checkpoint is indexed. Writers (runs catching up, rebuilds) take the projection's lock
    (SQLite's write lock; a PostgreSQL advisory lock), so concurrent ones never collide."""

    def __init__(self, store: EventStore) -> None:
        from sqlalchemy import BigInteger, Column, MetaData, String, Table, bindparam, select

        from troupe_es.store.sql import SqlEventStore

        assert isinstance(store, SqlEventStore)
        self.store = store
        self.table = Table(f"troupe_proj_{NAME}", MetaData(), Column("request_key", String(64), primary_key=True),
                           Column("position", BigInteger, nullable=False))
        store.ensure_tables(self.table)
        self.checkpoint = store.load_checkpoint(NAME)
        self._find = select(self.table.c.position).where(self.table.c.request_key == bindparam("key"))

    def add(self, pairs: list[tuple[str, int]], start: int, checkpoint: int) -> None:
        """Index the keys of completions after ``start`` up to ``checkpoint``. The checkpoint
        only moves forward, and only when nothing was lost since ``start`` was read (a rebuild
        in between may have left the index at an earlier position: the next catch-up fills in)."""
        from sqlalchemy import select

        with self.store.transaction(lock=f"troupe_proj_{NAME}") as conn:
            stored = conn.execute(select(checkpoints.c.position).where(checkpoints.c.name == NAME)).scalar() or 0
            self._insert(conn, pairs)
            if stored >= start and checkpoint > stored:
                upsert(conn, checkpoints, {"name": NAME, "position": checkpoint}, keys=("name",))
                stored = checkpoint
        self.checkpoint = stored

    def replace(self, pairs: list[tuple[str, int]], checkpoint: int) -> None:
        """The whole index at once (a rebuild): other processes see the old one or the new one."""
        with self.store.transaction(lock=f"troupe_proj_{NAME}") as conn:
            conn.execute(self.table.delete())
            self._insert(conn, pairs)
            upsert(conn, checkpoints, {"name": NAME, "position": checkpoint}, keys=("name",))
        self.checkpoint = checkpoint

    def _insert(self, conn, pairs: list[tuple[str, int]]) -> None:  # noqa: ANN001
        if pairs:  # the first completion of a key wins
            upsert(conn, self.table, [{"request_key": k, "position": p} for k, p in pairs],
                   keys=("request_key",), update=False)

    def find(self, key: str) -> int | None:
        with self.store.engine.connect() as conn:
            value = conn.execute(self._find, {"key": key}).scalar()
        return int(value) if value is not None else None

    def forget(self, key: str) -> None:
        """Drop a key whose completion failed its integrity check (a later one may take its place)."""
        with self.store.transaction(lock=f"troupe_proj_{NAME}") as conn:
            conn.execute(self.table.delete().where(self.table.c.request_key == key))


class LLMCacheProjection:
    """The content-hashed completion cache the gateway consults in ``cache`` mode (implements
    :class:`troupe_es.llm.CompletionCache`)."""

    name = NAME

    def __init__(self, store: EventStore, *, max_size: int = 10_000, catch_up: bool = True,
                 index: KeyIndex | None = None) -> None:
        self.store = store
        self.max_size = max_size
        self.stats = CacheStats()
        self.skipped: list[CorruptEventError] = []
        """Completions that could not be indexed (an undecodable row), reported, not fatal."""
        self._lru = CompletionLRU(max_size, self.stats)
        self._lock = threading.Lock()  # the LRU and the counters: held for no I/O
        self._catching_up = threading.Lock()  # one catch-up (index writer) at a time
        if index is None:
            index = _SqlIndex(store) if hasattr(store, "engine") else _DictIndex()
        self._index = index
        self._stale = False  # entries left the LRU that the index may not have yet
        if catch_up:
            self.catch_up()  # once: completions recorded from now on by this process arrive through put()

    def catch_up(self) -> int:
        """Index completions recorded since the checkpoint; returns how many rows were read."""
        with self._catching_up:
            with self._lock:
                evictions = self.stats.evictions
            start = self._index.checkpoint
            upto = self.store.last_position()
            pairs: list[tuple[str, int]] = []
            if upto > start:
                pairs = self._keys(start, upto)
                self._index.add(pairs, start, upto)
            with self._lock:
                if self.stats.evictions == evictions:  # nothing left the LRU meanwhile
                    self._stale = False
            return len(pairs)

    def rebuild(self) -> int:
        """Re-index the whole log, replacing the index in one transaction."""
        with self._catching_up:
            upto = self.store.last_position()
            pairs = self._keys(0, upto)
            self._index.replace(pairs, upto)
            with self._lock:
                self._lru.clear()
                self._stale = False
            return len(pairs)

    def _keys(self, start: int, upto: int) -> list[tuple[str, int]]:
        """(request key, position) of every completion in ``start+1..upto``; an undecodable row
        goes to :attr:`skipped` (its calls are simply not served from the cache)."""
        pairs: list[tuple[str, int]] = []
        report = self.skipped.append
        for row in self.store.iter_rows(types=["LLMCallCompleted"], from_position=start + 1,
                                        until_position=upto, batch_size=5000, on_corrupt=report):
            try:
                key = json.loads(row.payload)["request_key"]
                if not isinstance(key, str):
                    raise TypeError(f"request_key is {type(key).__name__}, not a string")
            except (ValueError, LookupError, TypeError) as exc:
                report(CorruptEventError(f"event at position {row.position} ({row.type}) cannot be decoded: "
                                         f"{exc}", position=row.position, type=row.type, run_id=row.run_id))
                continue
            pairs.append((key, row.position))
        return pairs

    def get(self, key: str) -> LLMCallCompleted | RejectedEntry | None:
        with self._lock:
            hit = self._lru.hit(key)
            if hit is not None:
                return hit
            stale = self._stale
        position = self._index.find(key)  # no lock held: concurrent look-ups overlap
        if position is None and stale:
            self.catch_up()
            position = self._index.find(key)
        if position is None:
            with self._lock:
                self.stats.misses += 1
            return None
        completion = trusted_completion(self.store, key, position)
        with self._lock:
            if isinstance(completion, RejectedEntry):  # changed behind the store's back: a miss
                self.stats.misses += 1
            else:
                self._remember(key, completion)
                self.stats.hits += 1
        if isinstance(completion, RejectedEntry):
            self._index.forget(key)
        return completion

    def put(self, key: str, completion: LLMCallCompleted) -> None:
        with self._lock:
            self._remember(key, completion)

    def _remember(self, key: str, completion: LLMCallCompleted) -> None:
        if self._lru.remember(key, completion):
            self._stale = True  # entries left the LRU that the index may not have yet


def cache_for_store(store: EventStore, *, max_size: int = 10_000, catch_up: bool = True) -> LLMCacheProjection:
    """The LLM cache projection of a store (caught up with the log unless ``catch_up=False``)."""
    return LLMCacheProjection(store, max_size=max_size, catch_up=catch_up)
