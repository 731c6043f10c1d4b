"""Turn decisions, deliveries, interventions and polls: pure functions on real states."""

from __future__ import annotations

from troupe_es.commands.deliver import deliveries
from troupe_es.commands.interventions import Intervention, due
from troupe_es.commands.poll import poll_model, tally
from troupe_es.commands.memory import MEMORY
from troupe_es.commands.turn import (
    PROMPT_MEMORY_ITEMS,
    CognitiveUpdate,
    TurnAction,
    TurnOutput,
    build_turn_messages,
    decide_turn,
)
from troupe_es.events import ActionTaken, CognitiveStateChanged, StimulusPerceived

from tests.runtime.builders import state_with


def _out(*actions, goals=(), attention="", emotions="", context=()):
    return TurnOutput(actions=[TurnAction(type=t, content=c, target=g) for t, c, g in actions],
                      cognitive_state=CognitiveUpdate(goals=list(goals), attention=attention,
                                                      emotions=emotions, context=list(context)))


def test_done_is_appended_and_actions_are_capped():
    state, _ = state_with()
    lisa = state.agents["Lisa"]
    events = decide_turn(lisa, _out(("THINK", "hmm", None), ("TALK", "hi", "Oscar")),
                         reachable=("Oscar",), members=("Lisa", "Oscar"), max_actions=15)
    assert [(e.action, e.index) for e in events] == [("THINK", 0), ("TALK", 1), ("DONE", 2)]
    words = ["apples", "budget", "cinema", "dragons", "elbows", "falcon", "gravel", "harbour", "igloo", "jazz"]
    many = _out(*[("THINK", f"{w} " * (i + 1), None) for i, w in enumerate(words)])
    capped = decide_turn(lisa, many, reachable=(), members=("Lisa",), max_actions=5)
    assert len(capped) == 5 and capped[-1].action == "DONE"


def test_nothing_follows_done_and_unreachable_target_becomes_everyone():
    state, _ = state_with(("Lisa", "Oscar"), everyone=False)
    lisa = state.agents["Lisa"]
    events = decide_turn(lisa, _out(("TALK", "hello?", "Ghost"), ("DONE", "", None), ("TALK", "late", None)),
                         reachable=(), members=("Lisa", "Oscar"), max_actions=15)
    assert [(e.action, e.target) for e in events] == [("TALK", None), ("DONE", None)]
    reach = decide_turn(lisa, _out(("REACH_OUT", "coffee?", "Oscar")), reachable=(),
                        members=("Lisa", "Oscar"), max_actions=15)
    assert reach[0].target == "Oscar"


def test_cognitive_state_change_only_lists_changed_fields():
    state, _ = state_with()
    events = decide_turn(state.agents["Lisa"], _out(("DONE", "", None), goals=["buy"], emotions="curious"),
                         reachable=(), members=(), max_actions=15)
    change = events[0]
    assert isinstance(change, CognitiveStateChanged)
    assert change.goals == ["buy"] and change.emotions == "curious" and change.attention is None


def test_repetition_guard_replaces_near_duplicate_with_done_and_feedback():
    state, _ = state_with(extra=[ActionTaken(agent="Lisa", action="TALK", content="I love oats with honey!",
                                             target="Oscar", index=0)])
    events = decide_turn(state.agents["Lisa"], _out(("TALK", "I love oats with honey", "Oscar"),
                                                    ("TALK", "something else", "Oscar")),
                         reachable=("Oscar",), members=("Lisa", "Oscar"), max_actions=15)
    kinds = [e.type for e in events]
    assert kinds == ["RepetitionSuppressed", "ActionTaken"]
    assert events[-1].action == "DONE" and events[0].similarity >= 0.9
    fresh = decide_turn(state.agents["Lisa"], _out(("TALK", "Actually, corn flakes are fine too", "Oscar")),
                        reachable=("Oscar",), members=("Lisa", "Oscar"), max_actions=15)
    assert [e.action for e in fresh] == ["TALK", "DONE"]


def test_talk_is_delivered_to_target_or_everyone_reachable():
    state, _ = state_with(("A", "B", "C"))
    out = deliveries(state, [ActionTaken(agent="A", action="TALK", content="hi B", target="B"),
                             ActionTaken(agent="C", action="TALK", content="hello all"),
                             ActionTaken(agent="B", action="THINK", content="private")])
    assert [i for _, _, i in out] == [0, 1, 1]
    assert [(s, e.agent, e.content, e.source) for s, e, _ in out] == [
        ("agent/B", "B", "hi B", "A"), ("agent/A", "A", "hello all", "C"), ("agent/B", "B", "hello all", "C")]


def test_reach_out_opens_a_channel_and_is_felt():
    state, _ = state_with(("A", "B"), everyone=False)
    out = deliveries(state, [ActionTaken(agent="A", action="REACH_OUT", content="lunch?", target="B")])
    assert [e.type for _, e, _ in out] == ["AccessibilityChanged", "StimulusPerceived"]
    assert out[1][1].kind == "socialize" and "A reached out" in out[1][1].content


def test_every_part_of_the_state_reaches_the_prompt():
    extra = [StimulusPerceived(agent="Lisa", kind="listen", content="Old news", source="Oscar"),
             ActionTaken(agent="Lisa", action="TALK", content="Noted.", index=0),
             StimulusPerceived(agent="Lisa", kind="see", content="A bright cereal box", source="world"),
             CognitiveStateChanged(agent="Lisa", goals=["save money"], attention="the price tag",
                                   emotions="skeptical", context=["supermarket aisle"], location="Aisle 5")]
    state, _ = state_with(extra=extra)
    from troupe_es.events import RepetitionSuppressed
    state2, _ = state_with(extra=extra + [RepetitionSuppressed(agent="Lisa", action="TALK", content="x",
                                                                similarity=1.0)])
    messages = build_turn_messages(state2, "Lisa", max_actions=15, persona_facts=["Name: Lisa", "Age: 28"],
                                   sections=MEMORY.section(state2, "Lisa"))
    system, user = messages[0]["content"], messages[1]["content"]
    assert "Name: Lisa" in system and "Age: 28" in system and "15" in system
    for text in ("save money", "the price tag", "skeptical", "supermarket aisle", "Aisle 5",
                 "You can reach: Oscar", "2026-03-01T09:00", "Room", "Old news", "from Oscar",
                 "* [", "- [", "A bright cereal box", "TALK: Noted.", "Feedback:"):
        assert text in user, text


def test_prompt_memory_is_bounded():
    extra = [StimulusPerceived(agent="Lisa", kind="listen", content=f"message number {i}") for i in range(40)]
    state, _ = state_with(extra=extra)
    user = build_turn_messages(state, "Lisa", max_actions=15, persona_facts=[],
                               sections=MEMORY.section(state, "Lisa"))[1]["content"]
    assert "message number 39" in user and "message number 0\n" not in user
    assert user.count("message number") == PROMPT_MEMORY_ITEMS


def test_interventions_fire_on_their_conditions():
    state, _ = state_with(extra=[ActionTaken(agent="Lisa", action="TALK", content="This is too EXPENSIVE", index=0)])
    ivs = [Intervention("at2", {"broadcast": "x"}, at_step=2), Intervention("every3", {"broadcast": "y"}, every=3),
           Intervention("after1", {"broadcast": "z"}, after_step=1),
           Intervention("price", {"broadcast": "discount!"}, said="expensive"),
           Intervention("never", {"broadcast": "n"}, said="free shipping")]
    assert [i.name for i in due(state, "Room", 0, ivs)] == ["price"]
    assert [i.name for i in due(state, "Room", 2, ivs)] == ["at2", "after1", "price"]
    assert [i.name for i in due(state, "Room", 3, ivs)] == ["every3", "after1", "price"]


def test_poll_model_and_tally():
    model = poll_model(("A", "B", "C"))
    assert model.model_validate({"choice": "B", "reason": "r"}).choice == "B"
    import pytest
    from pydantic import ValidationError
    with pytest.raises(ValidationError):
        model.model_validate({"choice": "D", "reason": "r"})
    assert tally(("A", "B", "C"), ["B", "C", "B"]) == ({"A": 0, "B": 2, "C": 1}, "B")
    assert tally(("A", "B"), ["B", "A"]) == ({"A": 1, "B": 1}, "A")
    assert tally(("A", "B"), []) == ({"A": 0, "B": 0}, None)


def test_capability_actions_may_repeat_the_previous_one():
    """The repetition guard watches speech and thought only: buying the same goods again, or
    another step to the same place, is a real decision (the market's own rules judge it)."""
    from troupe_es.commands.turn import turn_output_model

    class _Trade:
        name = "trade"

        def output_fields(self, state, agent):
            return {}

        def action_types(self, state, agent):
            return ("BUY",)

    state, _ = state_with(extra=[ActionTaken(agent="Lisa", action="BUY", content="2 apples at 1.50", index=0)])
    model = turn_output_model([_Trade()], state, "Lisa")
    out = model.model_validate({"actions": [{"type": "BUY", "content": "2 apples at 1.50", "target": None}],
                                "cognitive_state": {"goals": [], "attention": "", "emotions": "", "context": []}})
    events = decide_turn(state.agents["Lisa"], out, reachable=("Oscar",), members=("Lisa", "Oscar"), max_actions=15)
    assert [(e.type, getattr(e, "action", None)) for e in events] == [("ActionTaken", "BUY"), ("ActionTaken", "DONE")]
