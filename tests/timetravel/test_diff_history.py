"""The state diff, who-changed and the causation helpers, over runs built from real events."""

from __future__ import annotations

import pytest

from tests.timetravel.builders import NAMES, RunBuilder, append_run
from troupe_es.domain.diff import diff_states, is_empty
from troupe_es.errors import SimulationError
from troupe_es.events import PersonaChanged
from troupe_es.history import last_change
from troupe_es.snapshots import state_at, write_snapshots
from troupe_es.store import InMemoryEventStore
from troupe_es.timeline import causation_chain, llm_call_for, rows_before, run_bounds


@pytest.fixture
def run():
    store = InMemoryEventStore()
    builder = RunBuilder(agents=NAMES[:3], everyone=False)
    records = append_run(store, builder, steps=5, complete=False)
    records += store.append("run-a", [builder.new("agent/Lisa", PersonaChanged(
        agent="Lisa", persona={"name": "Lisa", "age": 26, "occupation": {"title": "Architect"}}))])
    records += store.append("run-a", builder.complete())
    return store, records


def _first(records, type_, **match):
    return next(r for r in records if r.type == type_ and all(getattr(r.event, k) == v for k, v in match.items()))


def test_diff_reports_fields_memory_personas_and_worlds(run):
    store, records = run
    last = records[-1].position
    change = _first(records, "CognitiveStateChanged", agent="Maria")
    before = state_at(store, "run-a", position=change.position - 1)
    after = state_at(store, "run-a", position=change.position)
    d = diff_states(before, after)
    fields = d["agents"]["Maria"]["fields"]
    assert d["from"] == change.position - 1 and d["to"] == change.position
    assert set(fields) == {k for k, v in change.event.payload().items() if v is not None and k != "agent"}
    assert d["agents"]["Maria"]["status"] == "changed" and list(d["agents"]) == ["Maria"]

    persona = diff_states(state_at(store, "run-a", position=last - 2), state_at(store, "run-a", position=last - 1))
    lisa = persona["agents"]["Lisa"]["fields"]
    assert lisa["persona.age"] == {"from": 25, "to": 26}
    assert lisa["persona.personality.traits"]["to"] is None

    whole = diff_states(state_at(store, "run-a", position=3), state_at(store, "run-a", position=last))
    assert whole["agents"]["Maria"]["status"] == "added"
    assert whole["run"]["status"] == {"from": "running", "to": "completed"}
    assert whole["worlds"]["Room"]["fields"]["step"] == {"from": 0, "to": 5}
    lisa_mem = whole["agents"]["Lisa"]["memory_added"]
    assert [m["text"] for m in lisa_mem][:2] == ["What would make you buy a new cereal?", "find a healthy cereal"]
    assert "accessible" in whole["agents"]["Maria"]["fields"]

    backwards = diff_states(state_at(store, "run-a", position=last), state_at(store, "run-a", position=20))
    assert backwards["agents"]["Lisa"]["memory_removed"] and not backwards["agents"]["Lisa"]["memory_added"]
    only = diff_states(state_at(store, "run-a", position=3), state_at(store, "run-a", position=last), agent="Oscar")
    assert list(only["agents"]) == ["Oscar"] and list(only["worlds"]) == ["Room"] and only["run"] == {}
    assert is_empty(diff_states(after, after))


@pytest.mark.parametrize("every", [None, 11])
def test_who_changed_finds_the_last_real_change(run, every):
    store, records = run
    if every:
        write_snapshots(store, "run-a", every=every)
    last = records[-1].position
    emotions = [r for r in records if r.type == "CognitiveStateChanged" and r.event.agent == "Oscar"
                and r.event.emotions is not None]
    cursor = emotions[-1].position + 5
    found = last_change(store, "run-a", "Oscar", "emotions", at=cursor)
    assert found.record.position == emotions[-1].position and found.after == emotions[-1].event.emotions
    assert found.before == (emotions[-2].event.emotions if len(emotions) > 1 else "")
    age = last_change(store, "run-a", "Lisa", "persona.age", at=last)
    assert age.record.type == "PersonaChanged" and (age.before, age.after) == (25, 26)
    joined = last_change(store, "run-a", "Lisa", "world", at=last)
    assert joined.record.type == "AgentJoinedWorld"
    reach = last_change(store, "run-a", "Maria", "accessible", at=last)
    assert reach.record.type in ("AccessibilityChanged", "RelationChanged", "AgentJoinedWorld")
    clock = last_change(store, "run-a", "Room", "clock", at=last)
    assert clock.record.type == "StepCompleted"
    assert last_change(store, "run-a", "Lisa", "feedback", at=5).record.type == "PersonaDefined"
    assert last_change(store, "run-a", "run", "seed", at=last).record.type == "RunStarted"
    with pytest.raises(SimulationError, match="no agent or world 'Bob'"):
        last_change(store, "run-a", "Bob", "emotions", at=last)
    with pytest.raises(SimulationError, match="unknown field 'mood'"):
        last_change(store, "run-a", "Lisa", "mood", at=last)


def test_causation_chain_and_llm_call_follow_real_links(run):
    store, records = run
    action = _first(records, "ActionTaken", agent="Oscar", action="TALK")
    chain = causation_chain(store, action)
    assert [r.type for r in chain] == ["ActionTaken", "LLMCallCompleted", "LLMCallRequested", "StepStarted"]
    assert chain[1].event_id == action.causation_id and chain[2].event_id == chain[1].causation_id
    request, completion = llm_call_for(store, action)
    assert request.event.agent == "Oscar" and request.event.messages[0]["role"] == "system"
    assert completion.causation_id == request.event_id
    assert llm_call_for(store, request) == (request, completion)
    assert llm_call_for(store, completion) == (request, completion)
    heard = _first(records, "StimulusPerceived", source="scenario")
    assert llm_call_for(store, heard) == (None, None)
    first, last = run_bounds(store, "run-a")
    assert (first, last) == (1, records[-1].position)
    assert [r.position for r in rows_before(store, "run-a", last, 3, first=first)] == [last - 3, last - 2, last - 1]
