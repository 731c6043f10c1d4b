"""Execute a run plan: set the run up, play its script line by line, end it cleanly.

Every script line is announced by a ``ScriptStepStarted`` event, so a fork can find where a
position falls in the script. An LLM failure ends the run with ``RunFailed`` (everything before
stays); a budget stop ends it with ``RunCompleted`` after the ``BudgetExceeded`` event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from itertools import repeat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import (
    AdvanceStep,
    AskPoll,
    BeginScriptStep,
    Broadcast,
    ChangePersona,
    CompleteRun,
    CreateWorld,
    DefinePersona,
    FailRun,
    JoinWorld,
    MakeAccessible,
    Perceive,
    Relate,
    StartRun,
)
from troupe_es.commands.plan import RunPlan
from troupe_es.errors import BudgetExceededError, ReplayDivergenceError, SimulationError, TroupeError

if TYPE_CHECKING:
    from troupe_es.runtime import MessageBus

_STIMULI = {"tell": "listen", "see": "see", "think": "think", "goal": "internalize_goal"}


@dataclass(frozen=True)
class ForkPoint:
    """Where a fork starts: the parent run and the last parent position it keeps."""

    parent_run_id: str
    position: int


@dataclass
class RunOutcome:
    """How a run ended."""

    run_id: str
    status: str  # completed, failed, budget-exceeded
    steps: int
    wall_seconds: float
    error: TroupeError | None = None


def steps_in(script: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> int:
    """World steps a script will run (for progress bars): counted, never expanded."""
    total = 0
    for line in script:
        if "run" in line:
            value = line["run"]
            total += int(value["steps"] if isinstance(value, dict) else value)
    return total


def line_commands(line: dict[str, Any], world: str) -> Iterator[Any]:
    """The commands one script line stands for (pure), one at a time.

    A generator: ``run: 100000000`` yields the same immutable :class:`AdvanceStep` lazily, so a
    run of any length starts at once and holds one command in memory, and a budget stop or a
    failure after three steps never paid for the other 99,999,997."""
    if "broadcast" in line:
        yield Broadcast(world=world, content=str(line["broadcast"]))
        return
    for key, kind in _STIMULI.items():
        if key in line:
            spec = line[key]
            yield Perceive(agent=spec["to"], kind=kind, content=spec["text"],
                           source=spec.get("from") or ("world" if kind in ("listen", "see") else None))
            return
    if "run" in line:
        value = line["run"]
        steps = int(value["steps"] if isinstance(value, dict) else value)
        if steps < 0:
            raise SimulationError(f"run: steps must be >= 0, got {steps}")
        seconds = None
        if isinstance(value, dict) and value.get("step"):
            from troupe_es.scenario import parse_duration

            seconds = parse_duration(value["step"]).total_seconds()
        yield from repeat(AdvanceStep(world=world, step_seconds=seconds), steps)
    elif "make_accessible" in line:
        value = line["make_accessible"]
        if value in ("everyone", "all", True):
            yield MakeAccessible(world=world, everyone=True)
        else:
            yield MakeAccessible(world=world, agents=tuple(value))
    elif "relate" in line:
        spec = line["relate"]
        yield Relate(world=world, between=tuple(spec["between"]), relation=spec["relation"])  # type: ignore[arg-type]
    elif "poll" in line:
        spec = line["poll"]
        yield AskPoll(world=world, question=spec["question"], options=tuple(spec["options"]),
                      agents=tuple(spec.get("to") or ()))
    else:
        raise SimulationError(f"unknown script line {line!r}")


def set_up(bus: "MessageBus", plan: RunPlan) -> None:
    """Personas, world, membership and relations of a fresh run."""
    for persona in plan.personas:
        bus.handle(DefinePersona(name=persona.name, persona=persona.persona, sources=persona.sources))
    w = plan.world
    bus.handle(CreateWorld(name=w.name, start=w.start, step_seconds=w.step_seconds, kind=w.kind,
                           everyone_accessible=w.everyone_accessible))
    bus.handle(JoinWorld(world=w.name, agents=tuple(p.name for p in plan.personas)))
    for a, b, relation in w.relations:
        bus.handle(Relate(world=w.name, between=(a, b), relation=relation))


def adopt_changes(bus: "MessageBus", plan: RunPlan) -> None:
    """In a fork: personas that differ from the inherited state are changed, new ones join."""
    world = plan.world.name
    if world not in bus.state.worlds:
        raise SimulationError(f"the fork's scenario names world {world!r}, the parent has "
                              f"{', '.join(bus.state.worlds) or 'none'}")
    joining = []
    for persona in plan.personas:
        agent = bus.state.agents.get(persona.name)
        if agent is None:
            bus.handle(DefinePersona(name=persona.name, persona=persona.persona, sources=persona.sources))
            joining.append(persona.name)
        elif agent.persona != persona.persona:
            bus.handle(ChangePersona(name=persona.name, persona=persona.persona, sources=persona.sources))
    if joining:
        bus.handle(JoinWorld(world=world, agents=tuple(joining)))


def execute(bus: "MessageBus", plan: RunPlan, *, fork: ForkPoint | None = None,
            inherit: Callable[["MessageBus"], None] | None = None,
            settings: dict[str, Any] | None = None) -> RunOutcome:
    """Run ``plan`` on ``bus`` from ``RunStarted`` to ``RunCompleted``/``RunFailed``.

    For a fork, ``inherit(bus)`` copies the parent's state events up to the fork position right
    after ``RunStarted``, and the plan's script is the tail to play from there.
    """
    started = time.perf_counter()
    bus.handle(StartRun(scenario_name=plan.name, scenario=plan.record, seed=plan.seed,
                        sim_start=plan.world.start, settings=dict(settings or {}),
                        parent_run_id=fork.parent_run_id if fork else None,
                        fork_position=fork.position if fork else None))
    steps = 0
    try:
        if fork is not None and inherit is not None:
            inherit(bus)
            adopt_changes(bus, plan)
        else:
            set_up(bus, plan)
        for index, line in enumerate(plan.script):
            bus.handle(BeginScriptStep(index=index, step=dict(line)))
            for command in line_commands(line, plan.world.name):
                bus.handle(command)
                steps += isinstance(command, AdvanceStep)
    except BudgetExceededError as exc:
        wall = time.perf_counter() - started
        bus.handle(CompleteRun(steps=steps, wall_seconds=wall))
        return RunOutcome(bus.run_id, "budget-exceeded", steps, wall, exc)
    except ReplayDivergenceError:
        raise
    except TroupeError as exc:
        wall = time.perf_counter() - started
        reason = " ".join(str(exc).split())
        bus.handle(FailRun(reason=reason, error_type=type(exc).__name__))
        return RunOutcome(bus.run_id, "failed", steps, wall, exc)
    except Exception as exc:  # a bug: still close the run in the log, then let it surface
        bus.handle(FailRun(reason=f"internal error: {exc}", error_type=type(exc).__name__))
        raise
    wall = time.perf_counter() - started
    bus.handle(CompleteRun(steps=steps, wall_seconds=wall))
    return RunOutcome(bus.run_id, "completed", steps, wall)
