"""Commands: what a user or a scenario asks the simulation to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StartRun:
    """Begin a run: records the whole scenario, the seed and the package version."""

    scenario_name: str
    scenario: dict[str, Any]
    seed: int
    sim_start: datetime | None = None
    parent_run_id: str | None = None
    fork_position: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DefinePersona:
    """Add an agent with its final (merged) persona."""

    name: str
    persona: dict[str, Any]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangePersona:
    """Replace an existing agent's persona, keeping its memory and state (a fork's what-if)."""

    name: str
    persona: dict[str, Any]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class BeginScriptStep:
    """Mark the start of a scenario script line (fork and the debugger use it)."""

    index: int
    step: dict[str, Any]


@dataclass(frozen=True)
class CreateWorld:
    """Create a world (or social network) with a simulated clock."""

    name: str
    start: datetime
    step_seconds: float = 3600.0
    kind: str = "world"
    everyone_accessible: bool = True


@dataclass(frozen=True)
class JoinWorld:
    """Place agents in a world."""

    world: str
    agents: tuple[str, ...]


@dataclass(frozen=True)
class Perceive:
    """Give one agent a stimulus: listen, see, think, internalize_goal or socialize."""

    agent: str
    kind: str
    content: str
    source: str | None = None


@dataclass(frozen=True)
class Broadcast:
    """Every agent of a world hears the same thing."""

    world: str
    content: str
    source: str = "world"


@dataclass(frozen=True)
class MakeAccessible:
    """Let agents talk to each other (``everyone=True``: the whole world)."""

    world: str
    agents: tuple[str, ...] = ()
    everyone: bool = False


@dataclass(frozen=True)
class Relate:
    """Set a social-network relation between two agents."""

    world: str
    between: tuple[str, str]
    relation: str


@dataclass(frozen=True)
class AdvanceStep:
    """Run one world step: interventions, every agent's turn, deliveries, clock."""

    world: str
    step_seconds: float | None = None


@dataclass(frozen=True)
class TakeTurn:
    """One agent acts now, outside a world step."""

    agent: str


@dataclass(frozen=True)
class AskPoll:
    """Ask agents to pick one option with a reason; the answers are tallied."""

    world: str
    question: str
    options: tuple[str, ...]
    agents: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompleteRun:
    """End the run normally."""

    steps: int = 0
    wall_seconds: float | None = None
    cache: dict[str, int] | None = None


@dataclass(frozen=True)
class FailRun:
    """End the run on an error; everything recorded before stays."""

    reason: str
    error_type: str


@dataclass(frozen=True)
class InterruptRun:
    """Record that the run stopped before its script ended (a signal, or its budget)."""

    cause: str
    reason: str


@dataclass(frozen=True)
class ResumeRun:
    """Record that a run which stopped early continues from its last committed event."""

    events_before: int
    previous_status: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinishStep:
    """Finish a world step that a crash, failure or interruption cut short: the agents whose turn
    was committed keep it; the others act against the state the step started from."""

    world: str
    step_seconds: float | None = None
