"""The pure parts of memory: the hybrid score, cleanup strategies, the forgetting curve, and
bad configuration reported as one line naming the field."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cli.helpers import troupe
from tests.memory.helpers import scenario
from troupe_es.commands.memory.decide import decide_memory, victims
from troupe_es.commands.memory.maintain import decayed
from troupe_es.commands.memory.retrieval import Weights, score
from troupe_es.domain import AgentState
from troupe_es.domain.memory import MemoryBook, StoredMemory
from troupe_es.embeddings import Embeddings
from troupe_es.events import ActionTaken, MemoryForgotten, MemoryPressureWarned, MemoryStored
from troupe_es.scenario.model import MemorySpec

NOW = "2026-03-02T09:00:00+00:00"


def mem(i: int, text: str, importance: int = 5, at: str = "2026-03-01T09:00:00+00:00", kind: str = "episodic",
        recalls: int = 0) -> StoredMemory:
    return StoredMemory(f"A:m{i}", kind, text, importance, at, at, recalls)


def ranked(memories, query, weights=Weights()):
    hasher = Embeddings().get("hash")
    return score(memories, hasher.embed([m.text for m in memories]), hasher.embed([query])[0], NOW, weights)[:5]


def test_of_two_equally_relevant_memories_the_newer_scores_higher():
    old = mem(0, "the train leaves at six", at="2026-03-01T09:00:00+00:00")
    new = mem(1, "the train leaves at six", at="2026-03-02T08:00:00+00:00")
    best = ranked([old, new], "when does the train leave")
    assert [s.memory.id for s in best] == ["A:m1", "A:m0"]
    assert best[0].relevance == best[1].relevance and best[0].recency > best[1].recency
    assert best[1].recency == pytest.approx(0.995 ** 24, abs=1e-6)  # 24 simulated hours since last access


def test_importance_and_weights_behave_as_configured():
    dull = mem(0, "coffee machine is broken", importance=2)
    vital = mem(1, "fire drill on friday", importance=9)
    topical = mem(2, "the coffee machine on floor two is broken again", importance=1)
    assert ranked([dull, vital], "anything")[0].memory.id == "A:m1"  # importance wins when nothing is relevant
    by_relevance = ranked([dull, vital, topical], "coffee machine broken", Weights(0, 0, 1))
    assert by_relevance[-1].memory.id == "A:m1"
    by_importance = ranked([dull, vital, topical], "coffee machine broken", Weights(0, 1, 0))
    assert [s.memory.id for s in by_importance] == ["A:m1", "A:m0", "A:m2"]
    s = by_importance[0]
    assert s.total == pytest.approx(s.importance) and s.importance == 0.9


def test_cleanup_strategies_pick_different_victims():
    spec = MemorySpec(max_episodic_memory_size=2)
    items = [mem(0, "a", importance=9, at="2026-03-01T09:00:00+00:00"),
             StoredMemory("A:m1", "episodic", "b", 1, "2026-03-01T10:00:00+00:00", "2026-03-01T10:00:00+00:00"),
             StoredMemory("A:m2", "episodic", "c", 5, "2026-03-01T11:00:00+00:00", "2026-03-01T08:00:00+00:00"),
             mem(3, "semantic fact", kind="semantic", at="2026-03-01T07:00:00+00:00")]
    assert victims(items, 1, "fifo", NOW, spec) == ["A:m0"]
    assert victims(items, 1, "age", NOW, spec) == ["A:m2"]  # accessed longest ago
    assert victims(items, 1, "relevance", NOW, spec) == ["A:m1"]  # least important
    assert "A:m3" not in victims(items, 3, "fifo", NOW, spec)  # only episodic memories count


def test_room_is_made_before_storing_and_pressure_is_warned_once():
    spec = MemorySpec(max_episodic_memory_size=3)
    agent = AgentState(name="A", persona={}, book=MemoryBook(items=(mem(0, "x"), mem(1, "y")), stored=2))
    turn = [ActionTaken(agent="A", action="TALK", content="hello", index=0),
            ActionTaken(agent="A", action="THINK", content="hmm", index=1)]
    events = decide_memory(agent, turn, 4, NOW, spec)
    assert [type(e) for e in events] == [MemoryForgotten, MemoryStored, MemoryStored, MemoryPressureWarned]
    assert events[0].memory_ids == ["A:m0"] and [e.memory_id for e in events[1:3]] == ["A:m2", "A:m3"]
    assert events[1].text == "I said: hello" and events[1].importance == 4


def test_the_forgetting_curve_spares_rehearsed_and_important_memories():
    spec = MemorySpec(forgetting_curve=True, stability_hours=8, forgetting_threshold=0.05)
    agent = AgentState(name="A", persona={}, book=MemoryBook(items=(
        mem(0, "trivial", importance=1), mem(1, "vital", importance=10), mem(2, "rehearsed", importance=1, recalls=30))))
    assert decayed(agent, spec, NOW) == ["A:m0"]
    assert decayed(agent, MemorySpec(stability_hours=2), NOW) == []  # off by default


@pytest.mark.parametrize(("memory", "message"), [
    ({"max_episodic_memory_size": -5}, "memory.max_episodic_memory_size: input should be greater than or equal to 1"),
    ({"memory_cleanup_strategy": "lru"}, "memory.memory_cleanup_strategy: input should be 'fifo', 'age' or 'relevance'"),
    ({"recency_weight": "heavy"}, "memory.recency_weight: input should be a valid number"),
    ({"personas": {"Zed": {"retrieval_top_k": 2}}}, "memory.personas.Zed: unknown agent 'Zed'"),
])
def test_bad_memory_configuration_is_one_line_naming_the_field(tmp_path, memory, message):
    path = scenario(tmp_path, memory=memory, script=[{"run": 1}])
    res = troupe("run", path, store="memory://")
    assert res.code == 1 and message in res.err and len(res.err.strip().splitlines()) == 1, res.err


def test_per_persona_settings_override_the_scenarios():
    spec = MemorySpec.model_validate({"max_episodic_memory_size": 100, "personas": {"Ana": {"max_episodic_memory_size": 5}}})
    assert spec.for_agent("Ana").max_episodic_memory_size == 5 and spec.for_agent("Ben").max_episodic_memory_size == 100


def test_the_default_embedder_is_offline_and_deterministic():
    a = Embeddings().get("wordllama")
    b = Embeddings().get("wordllama")
    texts = ["The code for the safe is 4417", "Lunch is at noon", "What is the code of the safe?"]
    va, vb = a.inner.embed(texts), b.inner.embed(texts)  # two loads of the model
    assert np.array_equal(va, vb) and va.shape == (3, 256)
    assert np.array_equal(a.embed(texts), va.astype(np.float32))  # the cache serves the same vectors
    assert np.allclose(np.linalg.norm(va, axis=1), 1.0)
    assert va[2] @ va[0] > va[2] @ va[1]  # the question is nearer the fact it asks about
