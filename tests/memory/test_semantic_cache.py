"""The opt-in semantic LLM cache: a similar enough request reuses a recorded completion."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run, scenario


def _completions(store: str, run_id: str) -> list:
    return [r.event for r in events(store, run_id, "LLMCallCompleted")]


def test_a_similar_request_reuses_a_recorded_completion_and_replays(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory=None, script=[{"broadcast": "What would make you buy a new cereal?"},
                                                    {"run": 3}])
    first = run(path, store)
    exact = run(path, store, "--seed", "5")  # another seed: no exact key matches
    assert {c.cache_status for c in _completions(store, exact)} == {"miss"}
    reused = run(path, store, "--seed", "6", "--semantic-cache", "0.9")
    done = _completions(store, reused)
    semantic = [c for c in done if c.cache_status == "semantic"]
    assert semantic, [c.cache_status for c in done]
    earlier = {c.call_id: c for rid in (first, exact) for c in _completions(store, rid)}
    requested = {r.event.call_id: r.event for r in events(store, reused, "LLMCallRequested")}
    for c in semantic:
        assert c.similarity >= 0.9 and c.reused_call_id in earlier
        assert c.response_text == earlier[c.reused_call_id].response_text
        assert c.request_key == requested[c.call_id].request_key  # recorded under this call's own key
    res = troupe("replay", reused, "--verify", "--json", store=store)
    assert res.code == 0 and json.loads(res.out)["verified"], res.err


def test_the_semantic_cache_needs_the_cache(tmp_path):
    path = scenario(tmp_path, memory=None, script=[{"run": 1}])
    res = troupe("run", path, "--no-cache", "--semantic-cache", "0.9", store="memory://")
    assert res.code == 1 and "--semantic-cache needs the cache" in res.err and len(res.err.strip().splitlines()) == 1
