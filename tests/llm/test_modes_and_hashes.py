"""Live, cache and replay share content hashes; the kernel's fallback cache; embeddings; concurrency."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from pydantic import BaseModel, ConfigDict

from troupe_es.projections.llm_audit import usage_by_run
from troupe_es.projections.llm_cache import cache_for_store
from tests.llm.conftest import FAST_RETRY, openai_gateway
from troupe_es.errors import InvalidOutputError, ProviderError, ReplayDivergenceError
from troupe_es.llm import CallContext, ChatRequest, LLMGateway, LogScanCache, MockProvider, RetryPolicy
from troupe_es.llm.mock_server import serve_in_thread

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


class Opinion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stance: str
    score: int


def ask(text: str) -> ChatRequest:
    return ChatRequest(model="gpt-4o-mini", parameters={"temperature": 0.7},
                       messages=[{"role": "system", "content": "You are Oscar, an architect.\nInterests: bikes"},
                                 {"role": "user", "content": text}])


def ctx(run: str, n: int, seed: int = 7) -> CallContext:
    return CallContext(run_id=run, seed=seed, call_id=f"turn-{n}", agent="Oscar", step=n, sim_time=T0)


def session(gateway: LLMGateway, run: str) -> list:
    """The same three calls (two chats and an embedding) as any run of this simulation makes."""
    results = [gateway.chat(ask("Would you pay more for organic oats?"), ctx(run, 0), output_model=Opinion),
               gateway.chat(ask("And for a recyclable box?"), ctx(run, 1), output_model=Opinion)]
    results.append(gateway.embed(["organic oats", "recyclable box"], ctx(run, 2)))
    return results


def hashes(store, run: str) -> list[tuple[str, str]]:
    return [(r.type, r.content_hash) for r in store.read(run_id=run)]


def test_live_cached_and_replayed_runs_share_content_hashes(store, server):
    live = openai_gateway(store, server.base_url, mode="live")
    first = session(live, "live")
    live.close()
    sent = server.request_count
    assert sent == 3 and server.counters.embeddings == 1

    cached = openai_gateway(store, server.base_url)  # cache mode, the kernel's fallback cache
    second = session(cached, "cached")
    cached.close()
    assert server.request_count == sent  # zero HTTP requests
    assert [r.cache_status for r in second[:2]] == ["hit", "hit"] and cached.stats.hits == 3

    replay = LLMGateway(store, None, mode="replay", replay_of="live", identity=live.identity)  # no RunStarted
    third = session(replay, "replayed")
    assert [r.cache_status for r in third[:2]] == ["replay", "replay"]
    assert first[0].parsed == second[0].parsed == third[0].parsed and first[2] == second[2] == third[2]

    assert hashes(store, "live") == hashes(store, "cached") == hashes(store, "replayed")
    assert len(hashes(store, "live")) == 6
    statuses = [r.event.cache_status for r in store.read(types=["LLMCallCompleted"])]
    assert statuses == ["miss"] * 3 + ["hit"] * 3 + ["replay"] * 3  # volatile, so outside the hashes

    usage = usage_by_run(store)
    assert usage["live"].calls == 3 and usage["live"].cache_hits == 0 and usage["live"].tokens > 0
    assert usage["cached"].cache_hits == 3 and usage["cached"].tokens == 0
    assert usage["cached"].cost_saved_usd == pytest.approx(usage["live"].cost_usd) and usage["live"].cost_usd > 0


def test_embeddings_through_the_sdk_are_normalised_and_deterministic(store, server):
    gateway = openai_gateway(store, server.base_url, mode="live")
    a, b = gateway.embed(["oat milk", "oat milk"], ctx("e", 0)), gateway.embed(["oat milk"], ctx("e", 1))
    assert len(a) == 2 and len(a[0]) == 256 and a[0] == a[1] == b[0]
    assert math.isclose(math.sqrt(sum(v * v for v in a[0])), 1.0, rel_tol=1e-5)
    completed = [r.event for r in store.read(run_id="e", types=["LLMCallCompleted"])]
    assert completed[0].parsed == a and completed[0].input_tokens > 0 and completed[0].cost_usd is not None
    gateway.close()


def test_failed_embeddings_are_retried_then_recorded(store):
    with serve_in_thread(error_rate=1.0, error_kinds=("503",)) as srv:
        gateway = openai_gateway(store, srv.base_url, retry=RetryPolicy(max_attempts=3, base_delay_s=0.001))
        with pytest.raises(ProviderError, match="^openai call turn-0 failed: HTTP 503$"):
            gateway.embed(["anything"], ctx("f", 0))
        assert srv.counters.embeddings == 3
        requested, failed = [r.event for r in store.read(run_id="f")]
        assert requested.purpose == "embedding" and failed.type == "LLMCallFailed"
        assert [a.status_code for a in failed.attempt_errors] == [503, 503, 503]
        gateway.close()


def test_the_fallback_cache_is_bounded_and_finds_evicted_keys_in_the_log(store):
    provider = MockProvider()
    gateway = LLMGateway(store, provider, max_cache_size=2)
    assert isinstance(gateway.cache, LogScanCache)
    for i in range(4):
        gateway.chat(ask(f"question {i}"), ctx("a", i))
    assert (gateway.stats.misses, gateway.stats.evictions, provider.calls) == (4, 2, 4)
    again = gateway.chat(ask("question 0"), ctx("a", 9))  # evicted from the LRU, found in the log
    assert again.cache_status == "hit" and provider.calls == 4 and gateway.stats.hits == 1
    fresh = LLMGateway(store, provider)  # a new process: everything comes from the log
    assert all(fresh.chat(ask(f"question {i}"), ctx("b", i)).cache_status == "hit" for i in range(4))
    assert provider.calls == 4
    live = LLMGateway(store, provider, mode="live")
    assert live.cache is None and live.chat(ask("question 0"), ctx("c", 0)).cache_status == "miss"
    assert provider.calls == 5


def test_parallel_calls_recorded_in_call_order_match_a_sequential_run(store):
    def run(name: str, workers: int) -> None:
        gateway = LLMGateway(store, MockProvider(latency_ms=5, error_rate=0.3), mode="live", retry=FAST_RETRY,
                             max_concurrency=4)
        buffers: dict[int, list] = {}

        def call(i: int) -> None:
            buffers[i] = []
            gateway.chat(ask(f"topic number {i}"), ctx(name, i), output_model=Opinion, record=buffers[i].extend)

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(call, range(12)))
        for i in range(12):
            store.append(name, buffers[i])

    run("parallel", 8)
    run("sequential", 1)
    assert hashes(store, "parallel") == hashes(store, "sequential")
    attempts = [r.event.attempts for r in store.read(run_id="parallel", types=["LLMCallCompleted"])]
    assert len(attempts) == 12 and max(attempts) > 1


def test_replay_reproduces_a_recorded_failure_and_diffs_divergent_calls(store):
    with serve_in_thread(malformed_rate=1.0) as srv:
        live = openai_gateway(store, srv.base_url, retry=RetryPolicy(max_output_retries=1))
        with pytest.raises(InvalidOutputError):
            live.chat(ask("Rate the box"), ctx("bad", 0), output_model=Opinion)
        live.close()
    replay = LLMGateway(store, None, mode="replay", replay_of="bad", identity=live.identity)
    with pytest.raises(InvalidOutputError, match="invalid structured output"):
        replay.chat(ask("Rate the box"), ctx("bad-replay", 0), output_model=Opinion)
    assert hashes(store, "bad-replay") == hashes(store, "bad")
    with pytest.raises(ReplayDivergenceError) as caught:
        replay.chat(ask("Rate the bag"), ctx("bad-replay", 1), output_model=Opinion)
    message = str(caught.value)
    assert "nearest recorded call: turn-0" in message
    assert "-[user] Rate the box" in message and "+[user] Rate the bag" in message
    failed = list(store.read(run_id="bad-replay"))[-1].event
    assert failed.type == "LLMCallFailed" and failed.error_type == "ReplayDivergenceError"


def test_cache_projection_and_fallback_cache_agree(store):
    provider = MockProvider()
    LLMGateway(store, provider, mode="live").chat(ask("shared"), ctx("x", 0))
    projection = LLMGateway(store, provider, cache=cache_for_store(store, max_size=1))
    fallback = LLMGateway(store, provider, max_cache_size=1)
    a = projection.chat(ask("shared"), ctx("y", 0))
    b = fallback.chat(ask("shared"), ctx("z", 0))
    assert a.cache_status == b.cache_status == "hit" and a.text == b.text and provider.calls == 1
    assert projection.stats.hits == fallback.stats.hits == 1
