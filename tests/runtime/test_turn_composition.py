"""The turn is composed: capabilities add prompt sections, output fields, action types and
decide functions, and ``commands/turn.py`` knows none of them by name."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from tests.runtime.builders import state_with
from troupe_es.commands.turn import (
    Preparation,
    TurnOutput,
    contributions,
    decide_capabilities,
    turn_output_model,
)
from troupe_es.events import ActionTaken, CognitiveStateChanged
from troupe_es.llm.mock import mock_completion
from troupe_es.llm.request import ChatRequest
from troupe_es.llm.request import strict_schema


@dataclass
class Mood:
    """A toy capability: a prompt line, an output field, an action type and a decide function."""

    name: str = "mood"
    on: bool = True

    def active(self, state, agent):  # noqa: ANN001, ANN201
        return self.on

    def output_fields(self, state, agent):  # noqa: ANN001, ANN201
        return {"mood": (int, Field(ge=1, le=5, description="Your mood, 1 to 5."))}

    def action_types(self, state, agent):  # noqa: ANN001, ANN201
        return ("SIGH",)

    def prepare(self, state, agent, services):  # noqa: ANN001, ANN201
        return Preparation(lines=(f"Mood of {agent}: {services['weather']}",),
                           events=(CognitiveStateChanged(agent=agent, emotions="calm"),), note=services["weather"])

    def section(self, state, agent):  # noqa: ANN001, ANN201
        return ["Mood: unknown"]

    def decide(self, state, agent, output, turn, preparation):  # noqa: ANN001, ANN201
        return [CognitiveStateChanged(agent=agent, emotions=f"mood {output.mood}, {preparation.note}, "
                                                            f"after {len(turn)} events")]


def test_capabilities_compose_the_prompt_output_and_decisions():
    state, _ = state_with()
    contrib = contributions([Mood()], state, "Lisa", {"weather": "rain"})
    assert contrib.lines == ["Mood of Lisa: rain"] and [e.emotions for e in contrib.events] == ["calm"]
    model = contrib.output_model
    schema = strict_schema(model)
    assert "mood" in schema["properties"] and "mood" in schema["required"]
    kinds = schema["properties"]["actions"]["items"]["properties"]["type"]["enum"]
    assert kinds == ["TALK", "THINK", "REACH_OUT", "SIGH", "DONE"]
    output = model.model_validate_json(mock_completion(ChatRequest(
        model="m", messages=[{"role": "user", "content": "hi"}], response_schema=schema)))
    turn = [ActionTaken(agent="Lisa", action="DONE", index=0)]
    [event] = decide_capabilities(state, "Lisa", output, turn, contrib)
    assert event.emotions == f"mood {output.mood}, rain, after 1 events"


def test_without_contributions_the_output_is_the_plain_turn_output():
    state, _ = state_with()
    assert turn_output_model([], state, "Lisa") is TurnOutput
    assert contributions([Mood(on=False)], state, "Lisa", {}).output_model is TurnOutput
