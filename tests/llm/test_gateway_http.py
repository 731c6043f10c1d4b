"""The gateway through the real openai client against the mock server over HTTP."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from troupe_es.projections.llm_cache import cache_for_store
from tests.llm.conftest import API_KEY, openai_gateway
from troupe_es.errors import BudgetExceededError, InvalidOutputError, ProviderError, ReplayDivergenceError
from troupe_es.llm import Budget, CallContext, ChatRequest, LLMGateway, RetryPolicy
from troupe_es.llm.mock_server import serve_in_thread


class Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    choice: str
    confidence: int
    reasons: list[str]


def ask(text: str, model: str = "gpt-4o-mini") -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "system", "content": "You are Lisa, a dietitian."},
                                              {"role": "user", "content": text}])


def ctx(n: int = 0, seed: int = 1, run: str = "r1") -> CallContext:
    return CallContext(run_id=run, seed=seed, call_id=f"call-{n}", agent="Lisa", step=n)


def test_structured_output_round_trip(store, server):
    gateway = openai_gateway(store, server.base_url)
    result = gateway.chat(ask("Is muesli better than cornflakes?"), ctx(), output_model=Verdict)
    assert isinstance(result.parsed, Verdict) and result.parsed.reasons
    assert result.cache_status == "miss" and result.input_tokens > 0 and result.cost_usd is not None
    events = list(store.read(run_id="r1"))
    assert [e.type for e in events] == ["LLMCallRequested", "LLMCallCompleted"]
    requested, completed = events[0].event, events[1].event
    assert requested.response_schema["additionalProperties"] is False
    assert requested.messages[1]["content"] == "Is muesli better than cornflakes?"
    assert completed.parsed["choice"] == result.parsed.choice and events[1].causation_id == events[0].event_id
    assert server.counters.chat == 1
    gateway.close()


def test_injected_429_and_500_are_retried_and_audited(sqlite_url):
    from troupe_es.projections.llm_audit import audit
    from troupe_es.store import open_store

    store = open_store(sqlite_url)
    with serve_in_thread(error_rate=0.3) as srv:
        gateway = openai_gateway(store, srv.base_url, max_concurrency=4)
        for i in range(20):
            gateway.chat(ask(f"question number {i}"), ctx(i), output_model=Verdict)
        assert srv.counters.errors > 0
        rows, totals = audit(store, "r1")
        assert rows.height == 20 and totals["failures"] == 0
        assert totals["attempts"] == 20 + srv.counters.errors
        assert rows["attempts"].max() > 1
        gateway.close()
    store.close()


def test_malformed_output_is_retried_with_feedback_then_recorded_as_failure(store):
    with serve_in_thread(malformed_rate=1.0) as srv:
        gateway = openai_gateway(store, srv.base_url, retry=RetryPolicy(max_output_retries=2))
        with pytest.raises(InvalidOutputError, match="^openai call call-0 failed: invalid structured output: "):
            gateway.chat(ask("Rate this cereal"), ctx(), output_model=Verdict)
        assert srv.counters.chat == 3
        failed = [e.event for e in store.read(run_id="r1")][-1]
        assert failed.type == "LLMCallFailed" and failed.error_type == "InvalidOutputError"
        assert len(failed.attempt_errors) == 3
        gateway.close()


def test_timeouts_are_retried_then_fail_cleanly(store):
    with serve_in_thread(latency_ms=1500) as srv:
        gateway = openai_gateway(store, srv.base_url, timeout_s=0.2,
                                 retry=RetryPolicy(max_attempts=2, base_delay_s=0.01))
        with pytest.raises(ProviderError, match="^openai call call-0 failed: "):
            gateway.chat(ask("slow"), ctx())
        failed = [e.event for e in store.read(run_id="r1")][-1]
        assert failed.type == "LLMCallFailed" and "timed out" in failed.attempt_errors[0].error
        assert failed.attempts == 2
        gateway.close()


def test_budget_stops_before_overspending(store, server):
    gateway = openai_gateway(store, server.base_url, budget=Budget(tokens=400))
    gateway.chat(ask("first, short"), ctx(0))
    with pytest.raises(BudgetExceededError, match="tokens budget"):
        for i in range(1, 10):
            gateway.chat(ask(f"another question {i} " * 20), ctx(i))
    types = [e.type for e in store.read(run_id="r1")]
    assert types[-3:] == ["LLMCallRequested", "LLMCallFailed", "BudgetExceeded"]
    assert server.counters.chat < 10
    gateway.close()


def test_cache_mode_reuses_completions_with_zero_http(store, server):
    first = openai_gateway(store, server.base_url, cache=cache_for_store(store))
    a = first.chat(ask("cache me"), ctx(0, run="r1"), output_model=Verdict)
    first.close()
    before = server.request_count
    second = openai_gateway(store, server.base_url, cache=cache_for_store(store))
    b = second.chat(ask("cache me"), ctx(0, run="r2"), output_model=Verdict)
    assert server.request_count == before and b.cache_status == "hit" and b.parsed == a.parsed
    c = second.chat(ask("cache me"), ctx(0, seed=2, run="r2"), output_model=Verdict)
    assert c.cache_status == "miss" and server.request_count == before + 1  # the seed is part of the key
    second.close()


def test_replay_answers_from_the_log_without_a_provider_and_hashes_match(store, server):
    live = openai_gateway(store, server.base_url, mode="live")
    live.chat(ask("one"), ctx(0), output_model=Verdict)
    live.chat(ask("two"), ctx(1), output_model=Verdict)
    live.close()
    replay = LLMGateway(store, None, mode="replay", replay_of="r1", identity=live.identity)  # no RunStarted here
    produced = []
    again = replay.chat(ask("two"), ctx(1), output_model=Verdict, record=produced.extend)
    replay.chat(ask("one"), ctx(0), output_model=Verdict, record=produced.extend)  # order does not matter
    assert again.cache_status == "replay"
    from troupe_es.store import InMemoryEventStore

    scratch = InMemoryEventStore()
    scratch.append("r1", produced)
    replayed = {r.event.call_id + r.type: r.content_hash for r in scratch.read()}
    recorded = {r.event.call_id + r.type: r.content_hash for r in store.read(run_id="r1")}
    assert replayed == recorded
    with pytest.raises(ReplayDivergenceError, match="never recorded.*nearest recorded call: call-"):
        replay.chat(ask("three, never asked"), ctx(2), output_model=Verdict, record=produced.extend)


def test_api_key_never_reaches_the_database(sqlite_url, server):
    from pathlib import Path

    from troupe_es.store import open_store

    store = open_store(sqlite_url)
    gateway = openai_gateway(store, server.base_url)
    gateway.chat(ask("keys?"), ctx())
    gateway.close()
    store.close()
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    blob = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert b"DO-NOT-LEAK" not in blob and API_KEY.encode() not in blob


def test_lru_evictions_are_counted_and_reach_the_audit(tmp_path):
    from tests.cli.helpers import troupe
    from troupe_es.store import open_store

    store = open_store(f"sqlite:///{tmp_path}/e.db")
    cache = cache_for_store(store, max_size=2)
    gateway = LLMGateway(store, __import__("troupe_es.llm", fromlist=["MockProvider"]).MockProvider(), cache=cache)
    for i in range(5):
        gateway.chat(ask(f"q{i}"), ctx(i))
    assert cache.stats.evictions == 3 and cache.stats.misses == 5
    assert gateway.chat(ask("q4"), ctx(9)).cache_status == "hit" and cache.stats.hits == 1
    assert gateway.chat(ask("q0"), ctx(10)).cache_status == "hit"  # evicted from the LRU, found in the index
    store.close()
    url = f"sqlite:///{tmp_path}/run.db"
    run_id = troupe("run", str(__import__("pathlib").Path(__file__).resolve().parents[2] / "examples" /
                                "focus_group.yaml"), "-q", store=url).out.strip()
    import json
    totals = json.loads(troupe("audit", run_id, "--format", "json", store=url).out)["totals"]
    assert totals["cache_evictions"] == 0 and totals["cache_misses"] == 9
