"""Cache look-ups run in parallel: no lock is held while the index or the log is queried.

The index below answers only once every looking-up thread is inside ``find`` at the same time,
which can happen only if none of them holds a lock the others need.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from troupe_es.llm import CallContext, ChatRequest, LLMGateway, MockProvider
from troupe_es.projections.llm_cache import LLMCacheProjection, _DictIndex

THREADS = 6


class BarrierIndex(_DictIndex):
    """The in-memory key index whose ``find`` waits until ``parties`` threads are in it at once."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=30)
        self.finds = 0
        self._count = threading.Lock()

    def find(self, key: str) -> int | None:
        with self._count:
            self.finds += 1
        self.barrier.wait()  # BrokenBarrierError if the look-ups were serialised
        return super().find(key)


def test_lookups_of_different_keys_proceed_concurrently(store):
    gateway = LLMGateway(store, MockProvider(), mode="live")
    keys = []
    for n in range(THREADS):
        request = ChatRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": f"question {n}"}])
        keys.append(gateway.chat(request, CallContext(run_id="seed-run", seed=1, call_id=f"c{n}")).request_key)
    keys.append("0" * 64)  # and one key nobody recorded
    index = BarrierIndex(len(keys))
    cache = LLMCacheProjection(store, index=index)
    assert index.checkpoint == store.last_position()

    with ThreadPoolExecutor(len(keys)) as pool:
        found = list(pool.map(cache.get, keys))
    assert index.finds == len(keys) and not index.barrier.broken
    assert [f.request_key for f in found[:-1]] == keys[:-1] and found[-1] is None
    assert cache.stats.hits == THREADS and cache.stats.misses == 1
    again = cache.get(keys[0])  # now from the LRU: no look-up at all
    assert again == found[0] and index.finds == len(keys) and cache.stats.hits == THREADS + 1
