"""The mock takes capability actions the prompt offers with ``Choices for KIND: a | b``."""

from __future__ import annotations

import json

from troupe_es.commands.turn import turn_output_model
from troupe_es.llm import ChatRequest, strict_schema
from troupe_es.llm.mock import mock_completion


class _Moves:
    name = "moves"

    def output_fields(self, state, agent):
        return {}

    def action_types(self, state, agent):
        return ("MOVE_TO",)


def _answers(prompt_extra: str) -> list[dict]:
    model = turn_output_model([_Moves()], None, "Lisa")
    out = []
    for i in range(30):
        request = ChatRequest(model="m", messages=[
            {"role": "system", "content": "You are Lisa, a simulated person."},
            {"role": "user", "content": f"Now: step {i}.\nYou can reach: Oscar.\n{prompt_extra}What do you do now?"}],
            response_schema=strict_schema(model))
        out.append(json.loads(mock_completion(request)))
    return out


def test_mock_uses_offered_choices_and_nothing_else() -> None:
    offered = _answers("Choices for MOVE_TO: kitchen | garden\n")
    moves = [a for ans in offered for a in ans["actions"] if a["type"] == "MOVE_TO"]
    assert moves and {m["content"] for m in moves} <= {"kitchen", "garden"}
    assert all(ans["actions"][-1]["type"] == "DONE" for ans in offered)
    silent = _answers("")
    assert not [a for ans in silent for a in ans["actions"] if a["type"] == "MOVE_TO"]
