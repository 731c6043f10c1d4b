"""Both completion caches check a recorded completion before reusing it, on every backend."""

from __future__ import annotations

import pytest

from tests.llm.test_modes_and_hashes import ask, ctx
from tests.tamper import tamper
from troupe_es.llm import LLMGateway, LogScanCache, MockProvider
from troupe_es.projections.llm_cache import cache_for_store

FORGED = "FORGED ANSWER"
CACHES = {"log-scan": LogScanCache, "projection": cache_for_store}


def _forge(store, position: int, old: str) -> None:
    """Edit the payload at ``position`` behind the store's back (hashes left as they were)."""
    if store.url == "memory://":
        rows = store._raw_rows()
        rows[position - 1] = rows[position - 1]._replace(payload=rows[position - 1].payload.replace(old, FORGED))
        return
    tamper(store.engine.url, ("UPDATE troupe_events SET payload = replace(payload, :old, :new) WHERE position = :p",
                              {"old": old, "new": FORGED, "p": position}))


@pytest.mark.parametrize("kind", sorted(CACHES))
def test_a_forged_completion_is_a_miss_recorded_in_the_new_run(store, kind):
    provider = MockProvider()
    question = ask("Would you pay more for organic oats?")
    answer = LLMGateway(store, provider, cache=CACHES[kind](store)).chat(question, ctx("r1", 0)).text
    position = next(r.position for r in store.iter_rows(types=["LLMCallCompleted"]))
    _forge(store, position, answer[10:30])
    gateway = LLMGateway(store, provider, cache=CACHES[kind](store))
    result = gateway.chat(question, ctx("r2", 0))
    assert result.text == answer and result.cache_status == "miss" and provider.calls == 2
    assert (gateway.stats.hits, gateway.stats.misses) == (0, 1)
    rejected = [r for r in store.read(run_id="r2") if r.type == "CacheEntryRejected"]
    assert len(rejected) == 1 and rejected[0].event.position == position
    assert rejected[0].event.request_key == result.request_key and rejected[0].event.call_id == "turn-0"
    assert rejected[0].event.reason == "content hash does not match the payload (payload or metadata changed)"
    assert [r.type for r in store.read(run_id="r2")] == ["LLMCallRequested", "CacheEntryRejected",
                                                          "LLMCallCompleted"]
    again = gateway.chat(question, ctx("r2", 1))  # this process now holds the fresh answer
    assert again.text == answer and again.cache_status == "hit" and provider.calls == 2
