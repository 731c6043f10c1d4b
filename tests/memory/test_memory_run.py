"""Memory end to end on the mock LLM: bounded episodic memory, consolidation, reflection,
planted-fact recall, replay, parallel turns and time travel."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run, scenario
from troupe_es.domain import fold_state


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    """300 steps, at most 50 episodic memories an agent, consolidation every 20."""
    tmp = tmp_path_factory.mktemp("long")
    store = f"sqlite:///{tmp / 'events.db'}"
    path = scenario(tmp, memory={"embedder": "hash", "max_episodic_memory_size": 50,
                                 "consolidation_threshold": 20, "reflection_threshold": 60},
                    script=[{"broadcast": "Welcome. The budget is 4,000 euros and the launch is on May 3."},
                            {"run": 300}])
    return store, run(path, store)


def test_episodic_memory_never_exceeds_its_limit_and_every_forgotten_one_is_recorded(long_run):
    store, run_id = long_run
    held: dict[str, set[str]] = {}
    stored: dict[str, set[str]] = {}
    forgotten: set[str] = set()
    kinds: dict[str, str] = {}
    for rec in events(store, run_id, "MemoryStored", "MemoryForgotten"):
        e = rec.event
        if e.type == "MemoryStored":
            kinds[e.memory_id] = e.kind
            stored.setdefault(e.agent, set()).add(e.memory_id)
            held.setdefault(e.agent, set()).add(e.memory_id)
        else:
            assert set(e.memory_ids) <= held[e.agent]  # only what is held is forgotten
            held[e.agent] -= set(e.memory_ids)
            forgotten |= set(e.memory_ids)
        for ids in held.values():
            assert sum(kinds[i] == "episodic" for i in ids) <= 50
    final = fold_state(events(store, run_id))
    for agent, ids in stored.items():
        book = final.agents[agent].book
        assert sum(1 for m in book.items if m.kind == "episodic") == 50
        assert {m.id for m in book.items} | (ids & forgotten) == ids  # every stored one is held or forgotten
        assert book.forgotten == len(ids & forgotten) > 500


def test_consolidation_fires_at_its_threshold_and_keeps_names_and_numbers(long_run):
    store, run_id = long_run
    stored_since: dict[str, int] = {}
    fired = 0
    by_id = {}
    for rec in events(store, run_id, "MemoryStored", "MemoryConsolidated", "StepCompleted"):
        e = rec.event
        if e.type == "MemoryStored":
            by_id[e.memory_id] = e
            if e.kind == "episodic":
                stored_since[e.agent] = stored_since.get(e.agent, 0) + 1
        elif e.type == "MemoryConsolidated":
            assert stored_since[e.agent] >= 20 and len(e.source_ids) == 20
            assert [by_id[i].kind for i in e.memory_ids] == ["semantic"]
            stored_since[e.agent] = 0
            fired += 1
        else:  # at the end of every step nobody is left at or above the threshold
            assert all(n < 20 for n in stored_since.values())
    assert fired > 20
    first = next(r.event for r in events(store, run_id, "MemoryConsolidated"))
    summary = by_id[first.memory_ids[0]].text
    assert "4,000" in summary and "May" in summary


def test_reflections_cite_memories_the_agent_held(long_run):
    store, run_id = long_run
    held: dict[str, set[str]] = {}
    reflections = 0
    for rec in events(store, run_id, "MemoryStored", "MemoryForgotten", "ReflectionSynthesized"):
        e = rec.event
        if e.type == "MemoryStored":
            held.setdefault(e.agent, set()).add(e.memory_id)
        elif e.type == "MemoryForgotten":
            held[e.agent] -= set(e.memory_ids)
        else:
            assert e.cited_ids and set(e.cited_ids) <= held[e.agent] and e.memory_id in held[e.agent]
            reflections += 1
    assert reflections > 5
    calls = [r.event for r in events(store, run_id, "LLMCallRequested") if r.event.purpose == "reflection"]
    assert len(calls) <= 3 * reflections


def test_a_fact_planted_early_is_recalled_many_steps_later(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory={}, script=[
        {"tell": {"to": "Ana", "text": "The code for the office safe is 4417. Remember it."}},
        {"run": 40},
        {"tell": {"to": "Ana", "text": "Ana, what is the code for the office safe?"}},
        {"run": 1}])
    run_id = run(path, store)
    planted = next(r.event for r in events(store, run_id, "MemoryStored") if "4417" in r.event.text)
    assert planted.agent == "Ana" and planted.importance >= 5
    recalls = [r for r in events(store, run_id, "MemoriesRecalled") if r.event.agent == "Ana"]
    last = recalls[-1].event
    assert "what is the code" in last.query and planted.memory_id in last.memory_ids
    # recorded before the call it fed, in the same batch as that turn's request
    request = next(r for r in events(store, run_id, "LLMCallRequested")
                   if r.position > recalls[-1].position and r.event.agent == "Ana")
    assert "4417" in request.event.messages[-1]["content"]
    started = next(r.event for r in events(store, run_id, "RunStarted"))
    assert started.embedder["name"] == "wordllama" and started.embedder["version"]


def test_replay_verify_passes_and_parallel_turns_give_identical_hashes(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory={"embedder": "hash", "max_episodic_memory_size": 12,
                                      "consolidation_threshold": 6, "reflection_threshold": 20},
                    script=[{"broadcast": "The office moves to Dock 9 on Friday."}, {"run": 15}],
                    personas=[{"name": n, "age": 30 + i} for i, n in enumerate(["Ana", "Ben", "Cleo", "Dev"])])
    one = run(path, store, "--parallel", "1")
    eight = run(path, store, "--parallel", "8")
    hashes = [[r.content_hash for r in events(store, rid)] for rid in (one, eight)]
    assert hashes[0] == hashes[1]
    types = {r.event.type for r in events(store, one)}
    assert {"MemoriesRecalled", "MemoryForgotten", "MemoryConsolidated", "ReflectionSynthesized"} <= types
    res = troupe("replay", one, "--verify", "--json", store=store)
    assert res.code == 0, res.err
    assert json.loads(res.out)["verified"]
    at = next(r.position for r in events(store, one, "MemoryConsolidated"))
    fork = troupe("fork", one, "--at", str(at), "-q", store=store)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    inherited = [r.event.memory_id for r in events(store, one, "MemoryStored") if r.position <= at]
    child_stored = [r.event.memory_id for r in events(store, child, "MemoryStored")]
    assert child_stored[:len(inherited)] == inherited and len(child_stored) > len(inherited)
    assert troupe("replay", child, "--verify", store=store).code == 0


def test_state_at_a_position_shows_memory_as_it_was(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory={"embedder": "hash", "max_episodic_memory_size": 6},
                    script=[{"tell": {"to": "Ana", "text": "Lunch is at noon."}}, {"run": 6}])
    run_id = run(path, store)
    first = next(r for r in events(store, run_id, "MemoryStored") if r.event.agent == "Ana")
    early = json.loads(troupe("state", run_id, "--at", str(first.position), "--agent", "Ana", "--json",
                              store=store).out)
    late = json.loads(troupe("state", run_id, "--agent", "Ana", "--json", store=store).out)
    early_ids = [m["id"] for m in early["book"]["items"]]
    late_ids = [m["id"] for m in late["book"]["items"]]
    assert early_ids == [first.event.memory_id]
    assert first.event.memory_id not in late_ids and len(late_ids) >= 6


def test_api_embeddings_are_recorded_like_chat_calls_and_replayed(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory={"embedder": "openai", "embedding_model": "text-embedding-3-small",
                                      "max_episodic_memory_size": 10},
                    script=[{"tell": {"to": "Ana", "text": "The code for the safe is 4417."}}, {"run": 8}])
    one = run(path, store, "--no-cache")
    eight = run(path, store, "--no-cache", "--parallel", "8")
    assert [r.content_hash for r in events(store, one)] == [r.content_hash for r in events(store, eight)]
    records = events(store, one)
    embeds = [r for r in records if r.event.type == "LLMCallRequested" and r.event.purpose == "embedding"]
    assert embeds and all(r.event.model == "text-embedding-3-small" for r in embeds)
    texts = {m["content"] for r in embeds for m in r.event.messages}
    assert len(texts) == sum(len(r.event.messages) for r in embeds)  # every text is embedded once
    for recall in (r for r in records if r.event.type == "MemoriesRecalled"):
        stored = {r.event.memory_id: r.event.text for r in records
                  if r.event.type == "MemoryStored" and r.position < recall.position}
        assert {stored[i] for i in recall.event.memory_ids} <= texts  # embedded before it was recalled
    started = next(r.event for r in records if r.event.type == "RunStarted")
    assert started.embedder == {"name": "openai", "version": "text-embedding-3-small"}
    res = troupe("replay", one, "--verify", "--json", store=store)
    assert res.code == 0 and json.loads(res.out)["verified"], res.err


def test_a_memory_run_stopped_by_its_budget_resumes_and_replays_verified(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory={"embedder": "openai", "max_episodic_memory_size": 10,
                                      "consolidation_threshold": 6},
                    script=[{"tell": {"to": "Ana", "text": "The code for the safe is 4417."}}, {"run": 12}])
    stopped = troupe("run", path, "-q", "--budget-tokens", "6000", store=store)
    run_id = stopped.out.strip().splitlines()[-1]
    assert events(store, run_id, "RunInterrupted")
    embedded_before = len([r for r in events(store, run_id, "LLMCallRequested") if r.event.purpose == "embedding"])
    resumed = troupe("resume", run_id, "-q", store=store)
    assert resumed.code == 0, resumed.err
    requests = [r.event for r in events(store, run_id, "LLMCallRequested") if r.event.purpose == "embedding"]
    texts = [m["content"] for e in requests for m in e.messages]
    assert len(requests) > embedded_before and len(texts) == len(set(texts))  # nothing paid for twice
    assert len(events(store, run_id, "StepCompleted")) == 12
    res = troupe("replay", run_id, "--verify", "--json", store=store)
    assert res.code == 0 and json.loads(res.out)["verified"], res.out + res.err
