"""Execute a run plan: set the run up, play its script line by line, end it cleanly.

Every script line is announced by a ``ScriptStepStarted`` event, so a fork can find where a
position falls in the script. An LLM failure ends the run with ``RunFailed`` (everything before
stays); a budget stop or a signal with ``RunInterrupted``; a run that stopped early is resumed
with :func:`resume`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
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
    FinishStep,
    InterruptRun,
    JoinWorld,
    MakeAccessible,
    Perceive,
    Relate,
    ResumeRun,
    StartRun,
)
from troupe_es.commands.documents import ingest_planned
from troupe_es.commands.plan import RunPlan, run_step_seconds, run_steps
from troupe_es.commands.resume import continuation
from troupe_es.commands.schedule import CancelSchedule, ScheduleItem, StopIdleRun, quiescent
from troupe_es.commands.workplace import DefineWorkplace
from troupe_es.scenario.schedule import item_arguments
from troupe_es.commands.space.setup import set_up_space
from troupe_es.commands.classroom.lesson import set_up_classroom
from troupe_es.commands.vision import see_command, store_images
from troupe_es.commands.retail.setup import set_up_retail
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
    status: str  # completed, failed, budget-exceeded, interrupted
    steps: int
    wall_seconds: float
    error: BaseException | None = None


def steps_in(script: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> int:
    """World steps a script will run (for progress bars): counted, never expanded."""
    total = 0
    for line in script:
        if "run" in line:
            total += run_steps(line["run"])
    return total


def line_commands(line: dict[str, Any], world: str) -> Iterator[Any]:
    """The commands one script line stands for (pure), one at a time.

    A generator: ``run: 100000000`` yields the same immutable :class:`AdvanceStep` lazily, so a
    run of any length starts at once and holds one command in memory, and a budget stop or a
    failure after three steps never paid for the other 99,999,997."""
    if "broadcast" in line:
        yield Broadcast(world=world, content=str(line["broadcast"]))
        return
    if "see" in line and (line["see"].get("image") is not None or line["see"].get("to") is None):
        yield see_command(line["see"], world)
        return
    for key, kind in _STIMULI.items():
        if key in line:
            spec = line[key]
            yield Perceive(agent=spec["to"], kind=kind, content=spec["text"],
                           source=spec.get("from") or ("world" if kind in ("listen", "see") else None))
            return
    if "run" in line:
        steps = run_steps(line["run"])
        if steps < 0:
            raise SimulationError(f"run: steps must be >= 0, got {steps}")
        yield from repeat(AdvanceStep(world=world, step_seconds=run_step_seconds(line["run"])), steps)
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
    elif "schedule" in line:
        yield ScheduleItem(world=world, **item_arguments(line["schedule"], source="script"))
    elif "cancel" in line:
        yield CancelSchedule(world=world, id=str(line["cancel"]), reason="script")
    else:
        raise SimulationError(f"unknown script line {line!r}")


def set_up(bus: "MessageBus", plan: RunPlan) -> None:
    """Personas, world, membership and relations of a fresh run. Idempotent: what the state
    already has is left alone, so a run that died during set-up finishes it when resumed."""
    state = bus.state
    for persona in plan.personas:
        if persona.name not in state.agents:
            bus.handle(DefinePersona(name=persona.name, persona=persona.persona, sources=persona.sources))
    w = plan.world
    if w.name not in bus.state.worlds:
        bus.handle(CreateWorld(name=w.name, start=w.start, step_seconds=w.step_seconds, kind=w.kind,
                               everyone_accessible=w.everyone_accessible))
    joining = tuple(p.name for p in plan.personas if bus.state.agents[p.name].world is None)
    if joining:
        bus.handle(JoinWorld(world=w.name, agents=joining))
    for a, b, relation in w.relations:
        if (*sorted((a, b)), relation) not in bus.state.worlds[w.name].relations:
            bus.handle(Relate(world=w.name, between=(a, b), relation=relation))
    for entry in plan.schedule[bus.state.schedule.sequence:]:  # the scenario's items come first
        bus.handle(ScheduleItem(world=w.name, **item_arguments(entry, source="scenario")))
    ingest_planned(bus, plan)
    set_up_space(bus, plan)
    set_up_classroom(bus, plan)
    if plan.record.get("workplace") is not None:
        bus.handle(DefineWorkplace(world=w.name, spec=plan.record["workplace"]))
    if plan.record.get("market") is not None:  # after the scenario's items: it schedules its payments
        from troupe_es.commands.market import OpenMarket

        bus.handle(OpenMarket(world=w.name, spec=plan.record["market"]))
    set_up_retail(bus, plan)


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
    set_up_space(bus, plan)
    ingest_planned(bus, plan)  # documents the parent did not have (inherited ones are not read again)
    set_up_retail(bus, plan)


def script_commands(plan: RunPlan, start: int = 0) -> Iterator[Any]:
    """The commands of the script from line ``start`` on, each line announced (lazily)."""
    for index in range(start, len(plan.script)):
        line = plan.script[index]
        yield BeginScriptStep(index=index, step=dict(line))
        yield from line_commands(line, plan.world.name)


def execute(bus: "MessageBus", plan: RunPlan, *, fork: ForkPoint | None = None,
            inherit: Callable[["MessageBus"], None] | None = None,
            settings: dict[str, Any] | None = None) -> RunOutcome:
    """Run ``plan`` on ``bus`` from ``RunStarted`` to its end (see :func:`drive`).

    For a fork, ``inherit(bus)`` copies the parent's state events up to the fork position right
    after ``RunStarted``, and the plan's script is the tail to play from there.
    """
    started = time.perf_counter()
    store_images(bus, plan)
    bus.handle(StartRun(scenario_name=plan.name, scenario=plan.record, seed=plan.seed,
                        sim_start=plan.world.start, settings=dict(settings or {}),
                        parent_run_id=fork.parent_run_id if fork else None,
                        fork_position=fork.position if fork else None))

    def commands() -> Iterator[Any]:
        if fork is not None and inherit is not None:
            inherit(bus)
            adopt_changes(bus, plan)
        else:
            set_up(bus, plan)
        yield from script_commands(plan)

    return drive(bus, commands(), started)


def resume(bus: "MessageBus", plan: RunPlan, *, events_before: int, previous_status: str,
           progress: Iterable[Any], events_after_last_line: int,
           inherit: Callable[["MessageBus"], None] | None = None,
           settings: dict[str, Any] | None = None) -> RunOutcome:
    """Continue ``plan`` on a bus whose state is folded from the run's log (see
    :mod:`troupe_es.commands.resume`): ``RunResumed``, then set-up if it was cut short, the
    cut-short step, the rest of its line and the lines after it."""
    started = time.perf_counter()
    bus.handle(ResumeRun(events_before=events_before, previous_status=previous_status,
                         settings=dict(settings or {})))
    where = continuation(plan.script, progress, events_after_last_line=events_after_last_line)

    def commands() -> Iterator[Any]:
        if where.open_index is None:
            if inherit is not None and not bus.state.agents:
                inherit(bus)
            if inherit is not None:
                adopt_changes(bus, plan)
            else:
                set_up(bus, plan)
        else:
            line = plan.script[where.open_index]
            if where.open_step:
                yield FinishStep(world=plan.world.name, step_seconds=run_step_seconds(line.get("run")))
            if where.open_rest is not None:
                yield from line_commands(where.open_rest, plan.world.name)
        yield from script_commands(plan, where.next_index)

    return drive(bus, commands(), started)


def drive(bus: "MessageBus", commands: Iterable[Any], started: float) -> RunOutcome:
    """Handle ``commands`` in order, then end the run in the log.

    ``RunCompleted`` when they all ran; ``RunFailed`` on an error (everything before stays); a
    spent budget or a signal (Ctrl-C, SIGTERM, SIGHUP) records ``RunInterrupted``, so the run can
    be resumed. A bug is recorded as ``RunFailed`` too, then surfaces.
    """
    steps = 0

    def outcome(status: str, error: BaseException | None = None) -> RunOutcome:
        return RunOutcome(bus.run_id, status, steps, time.perf_counter() - started, error)  # type: ignore[arg-type]

    try:
        for command in commands:
            is_step = isinstance(command, (AdvanceStep, FinishStep))
            if is_step and quiescent(bus.state) is None:
                bus.handle(command)
                steps += 1
            elif not is_step:
                bus.handle(command)
            idle = quiescent(bus.state) if is_step else None
            if idle is not None:  # stop_when_idle: the run ends itself, saying why (also when resumed)
                wall = time.perf_counter() - started
                bus.handle(StopIdleRun(steps=steps, reason=idle, wall_seconds=wall))
                return RunOutcome(bus.run_id, "completed", steps, wall)
    except BudgetExceededError as exc:
        bus.handle(InterruptRun(cause="budget", reason=one_line(exc)))
        return outcome("budget-exceeded", exc)
    except ReplayDivergenceError:
        raise
    except TroupeError as exc:
        bus.handle(FailRun(reason=one_line(exc), error_type=type(exc).__name__))
        return outcome("failed", exc)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP turned into an Interruption
        cause = getattr(exc, "signal_name", "SIGINT")
        bus.handle(InterruptRun(cause=cause, reason=f"interrupted by {cause}"))
        return outcome("interrupted", exc)
    except Exception as exc:  # a bug: still close the run in the log, then let it surface
        bus.handle(FailRun(reason=f"internal error: {exc}", error_type=type(exc).__name__))
        raise
    wall = time.perf_counter() - started
    bus.handle(CompleteRun(steps=steps, wall_seconds=wall))
    return RunOutcome(bus.run_id, "completed", steps, wall)


def one_line(exc: BaseException) -> str:
    """An error's message on one line."""
    return " ".join(str(exc).split())
