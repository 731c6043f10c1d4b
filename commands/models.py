"""Commands: what a user or a scenario asks the simulation to do (imperative names).

Each command is a frozen, validated pydantic model. A run driven from Python records every
command it issues as a ``CommandIssued`` event holding the command's class name and its
``model_dump(mode="json")``; :func:`command_from_record` rebuilds it with ``model_validate``,
so replay and fork dispatch exactly the commands the notebook issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from troupe_es.errors import SimulationError
from troupe_es.events.base import VOLATILE_MARK, volatile


class Command(BaseModel):
    """Base of every command: frozen, validated, no unknown fields. Fields that measure one
    execution (wall-clock time, cache counters, execution settings) are declared ``volatile``,
    as in events: ``CommandIssued`` keeps them out of its content hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def volatile_fields(cls) -> frozenset[str]:
        """The names of this command's volatile fields."""
        return frozenset(name for name, f in cls.model_fields.items()
                         if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get(VOLATILE_MARK))


class StartRun(Command):
    """Begin a run: records the whole scenario, the seed and the package version."""

    scenario_name: str
    scenario: dict[str, Any]
    seed: int
    sim_start: datetime | None = None
    parent_run_id: str | None = None
    fork_position: int | None = None
    settings: dict[str, Any] = volatile(default_factory=dict)


class DefinePersona(Command):
    """Add an agent with its final (merged) persona."""

    name: str
    persona: dict[str, Any]
    sources: tuple[str, ...] = ()


class ChangePersona(Command):
    """Replace an existing agent's persona, keeping its memory and state (a fork's what-if)."""

    name: str
    persona: dict[str, Any]
    sources: tuple[str, ...] = ()


class BeginScriptStep(Command):
    """Mark the start of a scenario script line (fork and the debugger use it)."""

    index: int
    step: dict[str, Any]


class CreateWorld(Command):
    """Create a world (or social network) with a simulated clock."""

    name: str
    start: datetime
    step_seconds: float = 3600.0
    kind: str = "world"
    everyone_accessible: bool = True


class JoinWorld(Command):
    """Place agents in a world."""

    world: str
    agents: tuple[str, ...]


class Perceive(Command):
    """Give one agent a stimulus: listen, see, think, internalize_goal or socialize."""

    agent: str
    kind: str
    content: str
    source: str | None = None


class Broadcast(Command):
    """Every agent of a world hears the same thing."""

    world: str
    content: str
    source: str = "world"


class MakeAccessible(Command):
    """Let agents talk to each other (``everyone=True``: the whole world)."""

    world: str
    agents: tuple[str, ...] = ()
    everyone: bool = False


class Relate(Command):
    """Set a social-network relation between two agents."""

    world: str
    between: tuple[str, str]
    relation: str


class AdvanceStep(Command):
    """Run one world step: interventions, every agent's turn, deliveries, clock."""

    world: str
    step_seconds: float | None = None


class TakeTurn(Command):
    """One agent acts now, outside a world step."""

    agent: str


class AskPoll(Command):
    """Ask agents to pick one option with a reason; the answers are tallied."""

    world: str
    question: str
    options: tuple[str, ...]
    agents: tuple[str, ...] = ()


class CompleteRun(Command):
    """End the run normally."""

    steps: int = 0
    wall_seconds: float | None = volatile(None)
    cache: dict[str, int] | None = volatile(None)


class FailRun(Command):
    """End the run on an error; everything recorded before stays."""

    reason: str
    error_type: str


class InterruptRun(Command):
    """Record that the run stopped before its script ended (a signal, or its budget)."""

    cause: str
    reason: str


class ResumeRun(Command):
    """Record that a run which stopped early continues from its last committed event."""

    events_before: int
    previous_status: str
    settings: dict[str, Any] = volatile(default_factory=dict)


class FinishStep(Command):
    """Finish a world step that a crash, failure or interruption cut short: the agents whose turn
    was committed keep it; the others act against the state the step started from."""

    world: str
    step_seconds: float | None = None


class IngestDocuments(Command):
    """Read, chunk and record documents (files or folders) for one agent or (``agent`` None) for
    everyone. ``base_dir`` (where relative paths start) is volatile: it names a machine's folder."""

    paths: tuple[str, ...]
    agent: str | None = None
    chunk_size: int = 1000
    chunk_overlap: int = 150
    base_dir: str | None = volatile(default=None)


class GroundAgent(Command):
    """Make an agent grounded in its documents (or, ``grounded=False``, no longer)."""

    agent: str
    grounded: bool = True


def command_classes() -> dict[str, type[Command]]:
    """Every command class by its name (the tag ``CommandIssued`` stores)."""
    return {cls.__name__: cls for cls in Command.__subclasses__()}


def command_from_record(name: str, arguments: dict[str, Any], *, where: str = "") -> Command:
    """The command a ``CommandIssued`` event recorded, rebuilt and validated again.

    An unknown command name (a log written by another version) is a :class:`SimulationError`
    naming it and ``where`` it was found."""
    cls = command_classes().get(name)
    if cls is None:
        known = ", ".join(sorted(command_classes()))
        raise SimulationError(f"{where}unknown command {name!r} (this version knows {known})")
    try:
        return cls.model_validate(arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(arguments)"
        raise SimulationError(f"{where}command {name} is invalid: {field}: {first['msg']}") from None
