"""The LLM cache: request key → recorded completion, a stored projection over the log.

Hot keys live in an in-memory LRU (``max_size`` entries, evictions counted); misses fall back to
an index of request keys kept beside the log (a table in SQL stores, updated together with its
checkpoint in one transaction; a dict for the in-memory store). The index catches up from the
log when the cache is opened; completions made through this cache afterwards are ``put`` into
the LRU directly, so a miss costs one indexed lookup (plus a catch-up from the log once entries
have been evicted from the LRU since the last one).
Delivering an event twice changes nothing: the first completion of a key wins.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from troupe_es.events import LLMCallCompleted
from troupe_es.llm.cache import CacheStats
from troupe_es.store.base import EventStore
from troupe_es.store.rows import decode_row
from troupe_es.store.statements import DELETE_CHECKPOINT_SQL, INSERT_CHECKPOINT_SQL, sql

NAME = "llm_cache"


class _DictIndex:
    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.checkpoint = 0

    def add(self, pairs: list[tuple[str, int]], checkpoint: int) -> None:
        for key, position in pairs:
            self.keys.setdefault(key, position)
        self.checkpoint = checkpoint

    def find(self, key: str) -> int | None:
        return self.keys.get(key)

    def reset(self) -> None:
        self.keys.clear()
        self.checkpoint = 0


class _SqlIndex:
    """The index as a table beside the log, in plain SQL on the store's own connections."""

    TABLE = f"troupe_proj_{NAME}"

    def __init__(self, store: EventStore) -> None:
        self.store = store
        m = store.mark  # type: ignore[attr-defined]
        self._create = (f"CREATE TABLE IF NOT EXISTS {self.TABLE} (request_key VARCHAR(64) NOT NULL, "
                        "position BIGINT NOT NULL, PRIMARY KEY (request_key))")
        self._insert = (f"INSERT INTO {self.TABLE} (request_key, position) VALUES ({m}, {m}) "
                        "ON CONFLICT (request_key) DO NOTHING")
        self._find = f"SELECT position FROM {self.TABLE} WHERE request_key = {m}"
        with store.transaction(write=True, lock_events=False) as conn:  # type: ignore[attr-defined]
            conn.cursor().execute(self._create)
        self.checkpoint = store.load_checkpoint(NAME)

    def add(self, pairs: list[tuple[str, int]], checkpoint: int) -> None:
        m = self.store.mark  # type: ignore[attr-defined]
        with self.store.transaction(write=True, lock_events=False) as conn:  # type: ignore[attr-defined]
            cursor = conn.cursor()
            if pairs:
                cursor.executemany(self._insert, pairs)
            cursor.execute(sql(DELETE_CHECKPOINT_SQL, m), [NAME])
            cursor.execute(sql(INSERT_CHECKPOINT_SQL, m), [NAME, checkpoint])
        self.checkpoint = checkpoint

    def find(self, key: str) -> int | None:
        with self.store.transaction() as conn:  # type: ignore[attr-defined]
            cursor = conn.cursor()
            cursor.execute(self._find, [key])
            found = cursor.fetchone()
        return int(found[0]) if found is not None else None

    def reset(self) -> None:
        m = self.store.mark  # type: ignore[attr-defined]
        with self.store.transaction(write=True, lock_events=False) as conn:  # type: ignore[attr-defined]
            cursor = conn.cursor()
            cursor.execute(f"DELETE FROM {self.TABLE}")
            cursor.execute(sql(DELETE_CHECKPOINT_SQL, m), [NAME])
        self.checkpoint = 0


class LLMCacheProjection:
    """The content-hashed completion cache the gateway consults in ``cache`` mode (implements
    :class:`troupe_es.llm.CompletionCache`)."""

    name = NAME

    def __init__(self, store: EventStore, *, max_size: int = 10_000) -> None:
        self.store = store
        self.max_size = max_size
        self.stats = CacheStats()
        self._lru: OrderedDict[str, LLMCallCompleted] = OrderedDict()
        self._lock = threading.Lock()
        self._index = _SqlIndex(store) if hasattr(store, "transaction") else _DictIndex()
        self._stale = False  # entries left the LRU that the index may not have yet
        self.catch_up()  # once: completions recorded from now on by this process arrive through put()

    def catch_up(self) -> int:
        """Index completions recorded since the checkpoint; returns how many rows were read."""
        pairs: list[tuple[str, int]] = []
        start = self._index.checkpoint
        upto = self.store.last_position()
        if upto <= start:
            return 0
        for row in self.store.iter_rows(types=["LLMCallCompleted"], from_position=start + 1,
                                        until_position=upto, batch_size=5000):
            pairs.append((json.loads(row.payload)["request_key"], row.position))
        self._index.add(pairs, upto)
        self._stale = False
        return len(pairs)

    def rebuild(self) -> int:
        """Reset and re-index the whole log."""
        with self._lock:
            self._index.reset()
            self._lru.clear()
            return self.catch_up()

    def get(self, key: str) -> LLMCallCompleted | None:
        with self._lock:
            hit = self._lru.get(key)
            if hit is not None:
                self._lru.move_to_end(key)
                self.stats.hits += 1
                return hit
            position = self._index.find(key)
            if position is None and self._stale:
                self.catch_up()
                position = self._index.find(key)
            if position is None:
                self.stats.misses += 1
                return None
            row = next(self.store.iter_rows(from_position=position, until_position=position))
            completion = decode_row(row).event
            assert isinstance(completion, LLMCallCompleted)
            self._remember(key, completion)
            self.stats.hits += 1
            return completion

    def put(self, key: str, completion: LLMCallCompleted) -> None:
        with self._lock:
            self._remember(key, completion)

    def _remember(self, key: str, completion: LLMCallCompleted) -> None:
        self._lru[key] = completion
        self._lru.move_to_end(key)
        while len(self._lru) > self.max_size:
            self._lru.popitem(last=False)
            self.stats.evictions += 1
            self._stale = True


def cache_for_store(store: EventStore, *, max_size: int = 10_000) -> LLMCacheProjection:
    """The LLM cache projection of a store."""
    return LLMCacheProjection(store, max_size=max_size)
