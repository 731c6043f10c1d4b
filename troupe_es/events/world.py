"""World events: worlds, accessibility, relations, interventions, random draws, polls, guards."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.events.base import Event, UtcDatetime


class WorldCreated(Event):
    """A world (TinyWorld or social network) was set up with its simulated clock."""

    type: Literal["WorldCreated"] = "WorldCreated"
    world: str
    kind: Literal["world", "social_network"] = "world"
    start: UtcDatetime = Field(description="Simulated clock at the world's start.")
    step_seconds: float = Field(gt=0, description="Default simulated time per step.")
    everyone_accessible: bool = True


class AgentJoinedWorld(Event):
    """An agent was placed in a world."""

    type: Literal["AgentJoinedWorld"] = "AgentJoinedWorld"
    world: str
    agent: str


class AccessibilityChanged(Event):
    """Agents became able (or unable) to talk to each other."""

    type: Literal["AccessibilityChanged"] = "AccessibilityChanged"
    world: str
    agents: list[str] = Field(description="Every pair among these agents is affected.")
    accessible: bool = True
    everyone: bool = Field(default=False, description="Applies to every agent in the world.")


class RelationChanged(Event):
    """A social-network relation between two agents was set (they become mutually accessible)."""

    type: Literal["RelationChanged"] = "RelationChanged"
    world: str
    between: list[str] = Field(min_length=2, max_length=2)
    relation: str


class RandomDrawn(Event):
    """A draw from the run's seeded random stream, recorded before it is used."""

    type: Literal["RandomDrawn"] = "RandomDrawn"
    purpose: str = Field(description="What the draw decides, e.g. 'agent order'.")
    value: Any


class InterventionApplied(Event):
    """A scenario intervention's precondition held and its effect was applied."""

    type: Literal["InterventionApplied"] = "InterventionApplied"
    world: str
    name: str
    step: int
    effect: dict[str, Any]


class RepetitionSuppressed(Event):
    """An action nearly repeated the agent's previous action of the same type and target; it
    was replaced by DONE and the agent gets this as feedback in its next prompt."""

    type: Literal["RepetitionSuppressed"] = "RepetitionSuppressed"
    agent: str
    action: str
    target: str | None = None
    content: str
    similarity: float


class PollAnswered(Event):
    """An agent answered a poll with one of its options and a reason."""

    type: Literal["PollAnswered"] = "PollAnswered"
    poll: str
    agent: str
    question: str
    choice: str
    reason: str


class PollClosed(Event):
    """A poll's answers were tallied."""

    type: Literal["PollClosed"] = "PollClosed"
    poll: str
    question: str
    options: list[str]
    tally: dict[str, int]
    winner: str | None = Field(default=None, description="The option with most votes (ties: first listed).")


class ScriptStepStarted(Event):
    """The scenario runner began a line of the script (what the following events belong to)."""

    type: Literal["ScriptStepStarted"] = "ScriptStepStarted"
    index: int = Field(ge=0, description="Index of the line in the run's script.")
    step: dict[str, Any] = Field(description="The script line as written in the scenario.")


class PersonaChanged(Event):
    """An agent's persona was replaced (a fork's what-if); its memory and state are kept."""

    type: Literal["PersonaChanged"] = "PersonaChanged"
    agent: str
    persona: dict[str, Any]
    sources: list[str] = Field(default_factory=list)
