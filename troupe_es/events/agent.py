"""Agent events: personas, what agents perceive, what they do and how their minds change."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.events.base import Event
from troupe_es.events.upcasting import upcaster

StimulusKind = Literal["listen", "see", "think", "internalize_goal", "socialize"]
ActionKind = str  # TALK, THINK, REACH_OUT, DONE and tool actions


class PersonaDefined(Event):
    """An agent joined the run with its final persona (fragments already merged)."""

    type: Literal["PersonaDefined"] = "PersonaDefined"
    agent: str = Field(description="Agent name, unique within the run.")
    persona: dict[str, Any] = Field(description="The merged persona specification.")
    sources: list[str] = Field(default_factory=list, description="Persona and fragment files it came from.")


class StimulusPerceived(Event):
    """An agent perceived a stimulus: something heard, seen, thought, a goal or a social cue.

    v2 renamed ``text`` to ``content``."""

    type: Literal["StimulusPerceived"] = "StimulusPerceived"
    schema_version = 2
    agent: str
    kind: StimulusKind
    content: str
    source: str | None = Field(default=None, description="Who or what produced the stimulus.")


@upcaster("StimulusPerceived", 1)
def _stimulus_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    payload["content"] = payload.pop("text")
    return payload


class ActionTaken(Event):
    """An agent acted: spoke, thought, reached out, used a tool or declared itself done."""

    type: Literal["ActionTaken"] = "ActionTaken"
    agent: str
    action: ActionKind = Field(description="TALK, THINK, REACH_OUT, DONE or a tool action.")
    content: str = ""
    target: str | None = Field(default=None, description="Addressee of a TALK or REACH_OUT.")
    index: int = Field(default=0, ge=0, description="Position of the action within its turn.")


class CognitiveStateChanged(Event):
    """An agent's cognitive state changed; only the changed fields are present."""

    type: Literal["CognitiveStateChanged"] = "CognitiveStateChanged"
    agent: str
    goals: list[str] | None = None
    attention: str | None = None
    emotions: str | None = None
    context: list[str] | None = None
    location: str | None = None
