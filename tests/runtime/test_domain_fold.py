"""The pure fold from events to run state."""

from __future__ import annotations

from troupe_es.domain import MEMORY_WINDOW, RunState, fold_state
from troupe_es.events import (
    AccessibilityChanged,
    ActionTaken,
    CognitiveStateChanged,
    RelationChanged,
    RepetitionSuppressed,
    StimulusPerceived,
)

from tests.runtime.builders import state_with


def test_world_membership_and_accessibility():
    state, _ = state_with(("A", "B", "C"), everyone=False)
    room = state.worlds["Room"]
    assert room.members == ("A", "B", "C") and room.accessible_to("A") == ()
    state, _ = state_with(("A", "B", "C"), everyone=False,
                          extra=[AccessibilityChanged(world="Room", agents=["A", "C"])])
    assert state.worlds["Room"].accessible_to("A") == ("C",)
    state, _ = state_with(("A", "B", "C"), everyone=False,
                          extra=[RelationChanged(world="Room", between=["B", "A"], relation="colleagues")])
    assert state.worlds["Room"].relations == (("A", "B", "colleagues"),)
    assert state.worlds["Room"].accessible_to("B") == ("A",)


def test_stimuli_become_memory_and_goals_and_actions_mark_them_seen():
    state, _ = state_with(extra=[
        StimulusPerceived(agent="Lisa", kind="listen", content="Hello", source="Oscar"),
        StimulusPerceived(agent="Lisa", kind="internalize_goal", content="Find a cheap cereal"),
    ])
    lisa = state.agents["Lisa"]
    assert [m.kind for m in lisa.memory] == ["heard", "goal"]
    assert lisa.goals == ("Find a cheap cereal",)
    assert len(lisa.new_memories()) == 2
    state, _ = state_with(extra=[
        StimulusPerceived(agent="Lisa", kind="listen", content="Hello", source="Oscar"),
        ActionTaken(agent="Lisa", action="TALK", content="Hi Oscar", target="Oscar", index=0),
        ActionTaken(agent="Lisa", action="DONE", index=1),
    ])
    lisa = state.agents["Lisa"]
    assert lisa.new_memories() == () and lisa.turns == 1 and lisa.actions_taken == 2
    assert lisa.last_action("TALK", "Oscar") == "Hi Oscar"


def test_memory_window_is_bounded():
    extra = [StimulusPerceived(agent="Lisa", kind="listen", content=f"m{i}") for i in range(MEMORY_WINDOW + 10)]
    state, _ = state_with(extra=extra)
    lisa = state.agents["Lisa"]
    assert len(lisa.memory) == MEMORY_WINDOW and lisa.memory[-1].text == f"m{MEMORY_WINDOW + 9}"


def test_cognitive_changes_and_feedback():
    state, _ = state_with(extra=[
        CognitiveStateChanged(agent="Oscar", goals=["win"], emotions="calm"),
        RepetitionSuppressed(agent="Oscar", action="TALK", content="same", similarity=1.0),
    ])
    oscar = state.agents["Oscar"]
    assert oscar.goals == ("win",) and oscar.emotions == "calm" and oscar.attention == ""
    assert len(oscar.feedback) == 1


def test_state_round_trips_through_dict():
    state, _ = state_with(extra=[StimulusPerceived(agent="Lisa", kind="see", content="an ad"),
                                 RelationChanged(world="Room", between=["Lisa", "Oscar"], relation="friends")])
    again = RunState.from_dict(state.to_dict())
    assert again == state


def test_fold_is_pure_and_position_tracks_last_event():
    state, store = state_with()
    records = list(store.read(run_id="r1"))
    assert fold_state(records) == fold_state(records)
    assert state.position == records[-1].position
