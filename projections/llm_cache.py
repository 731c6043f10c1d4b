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
from collections import OrderedDict

from troupe_es.events import LLMCallCompleted
from troupe_es.llm.cache import CacheStats, RejectedEntry, trusted_completion
from troupe_es.store.base import EventStore

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

    def forget(self, key: str) -> None:
        self.keys.pop(key, None)

    def reset(self) -> None:
        self.keys.clear()
        self.checkpoint = 0


class _SqlIndex:
    def __init__(self, store: EventStore) -> None:
        from sqlalchemy import BigInteger, Column, MetaData, String, Table, select

        from troupe_es.store.schema import checkpoints
        from troupe_es.store.sql import SqlEventStore

        assert isinstance(store, SqlEventStore)
        self.engine = store.engine
        self.dialect = store.dialect
        self.table = Table(f"troupe_proj_{NAME}", MetaData(), Column("request_key", String(64), primary_key=True),
                           Column("position", BigInteger, nullable=False))
        self.table.create(self.engine, checkfirst=True)
        self.checkpoints = checkpoints
        with self.engine.connect() as conn:
            value = conn.execute(select(checkpoints.c.position).where(checkpoints.c.name == NAME)).scalar()
        self.checkpoint = int(value or 0)
        from sqlalchemy import bindparam

        self._find = select(self.table.c.position).where(self.table.c.request_key == bindparam("key"))

    def _insert(self):  # noqa: ANN202
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert

    def add(self, pairs: list[tuple[str, int]], checkpoint: int) -> None:
        insert = self._insert()
        with self.engine.begin() as conn:
            if pairs:
                conn.execute(insert(self.table).on_conflict_do_nothing(index_elements=["request_key"]),
                             [{"request_key": k, "position": p} for k, p in pairs])
            conn.execute(self.checkpoints.delete().where(self.checkpoints.c.name == NAME))
            conn.execute(self.checkpoints.insert().values(name=NAME, position=checkpoint))
        self.checkpoint = checkpoint

    def find(self, key: str) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(self._find, {"key": key}).scalar()
        return int(value) if value is not None else None

    def forget(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.request_key == key))

    def reset(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete())
            conn.execute(self.checkpoints.delete().where(self.checkpoints.c.name == NAME))
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
        self._index = _SqlIndex(store) if hasattr(store, "engine") else _DictIndex()
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

    def get(self, key: str) -> LLMCallCompleted | RejectedEntry | None:
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
            completion = trusted_completion(self.store, key, position)
            if isinstance(completion, RejectedEntry):  # changed behind the store's back: a miss
                self._index.forget(key)
                self.stats.misses += 1
                return completion
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
