"""Emotional memory: mood-congruent recall (weight 0 keeps rankings) and emotional intensity
strengthening memories against the forgetting curve."""

from __future__ import annotations

import numpy as np
import pytest

from commands.emotions import mood_scores, stability_factor
from commands.memory.maintain import decayed
from commands.memory.retrieval import Weights, rank
from troupe_es.domain import AgentState, RunState, WorldState
from troupe_es.domain.emotions import EmotionState
from troupe_es.domain.memory import MemoryBook, StoredMemory
from troupe_es.scenario.model import MemorySpec

NOW = "2026-01-01T12:00:00+00:00"
AT = "2026-01-01T10:00:00+00:00"
ANGRY = (-0.8, 0.8, 0.6)
HAPPY = (0.8, 0.2, 0.3)


def memories() -> list[StoredMemory]:
    return [StoredMemory("A:m0", "episodic", "the quarrel", 5, AT, AT, pad=ANGRY),
            StoredMemory("A:m1", "episodic", "the party", 5, AT, AT, pad=HAPPY),
            StoredMemory("A:m2", "episodic", "before emotions", 5, AT, AT)]


def state(mood, weight: float | None) -> RunState:
    items = tuple(memories())
    agent = AgentState(name="A", persona={"name": "A"}, world="W", book=MemoryBook(items=items, stored=3),
                       emotion=EmotionState(*mood, at=NOW, changes=1))
    config = None if weight is None else {"mood_congruence": weight, "half_life": "2h"}
    return RunState(agents={"A": agent}, worlds={"W": WorldState(name="W", clock=NOW, members=("A",))},
                    emotions_config=config)


def ranked(s: RunState) -> list[str]:
    items = list(s.agents["A"].book.items)
    relevance = np.array([0.5, 0.5, 0.5])
    return [x.memory.id for x in rank(items, relevance, NOW, Weights(), 3, mood=mood_scores(s, "A", items))]


def test_a_mood_congruent_memory_ranks_first_when_the_weight_is_set():
    assert ranked(state(ANGRY, 1.0))[0] == "A:m0"
    assert ranked(state(HAPPY, 1.0))[0] == "A:m1"
    assert ranked(state(HAPPY, 1.0))[-1] == "A:m2"  # untagged memories get no mood term


def test_weight_zero_or_emotions_off_keeps_the_rankings_as_without_emotions():
    plain = [x.memory.id for x in rank(memories(), np.array([0.5, 0.5, 0.5]), NOW, Weights(), 3)]
    assert mood_scores(state(ANGRY, 0.0), "A", memories()) is None
    assert mood_scores(state(ANGRY, None), "A", memories()) is None
    assert ranked(state(ANGRY, 0.0)) == ranked(state(HAPPY, None)) == plain


def test_emotional_intensity_makes_a_memory_more_stable_in_the_forgetting_curve():
    s = state(ANGRY, 0.0)
    calm = StoredMemory("A:m3", "episodic", "calm", 5, AT, AT, pad=(0.0, 0.0, 0.0))
    assert stability_factor(s, calm) == 1.0
    assert stability_factor(s, memories()[0]) == pytest.approx(1 + np.linalg.norm(ANGRY) / np.sqrt(3))
    assert stability_factor(state(ANGRY, None), memories()[0]) == 1.0  # emotions off
    spec = MemorySpec(forgetting_curve=True, stability_hours=1.0, forgetting_threshold=0.2)
    agent = s.agents["A"]
    late = "2026-01-01T11:55:00+00:00"  # retention exp(-t/S) with t = 1.92 h, S = 1 h untagged
    gone_without = decayed(agent, spec, late)
    gone_with = decayed(agent, spec, late, s)
    assert set(gone_without) == {"A:m0", "A:m1", "A:m2"}
    assert gone_with == ["A:m2"]  # the emotional memories hold on
