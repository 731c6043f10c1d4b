"""Thin handlers for the simple commands: validate against the state, record the events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from troupe_es.commands.models import (
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
from troupe_es import __version__
from troupe_es.errors import SimulationError
from troupe_es.events import (
    AccessibilityChanged,
    AgentJoinedWorld,
    PersonaChanged,
    PersonaDefined,
    RelationChanged,
    RunCompleted,
    RunFailed,
    RunStarted,
    ScriptStepStarted,
    StimulusPerceived,
    WorldCreated,
)

if TYPE_CHECKING:
    from troupe_es.events import NewEvent, Recorded
    from troupe_es.runtime import MessageBus

STIMULUS_KINDS = ("listen", "see", "think", "internalize_goal", "socialize")


def start_run(cmd: StartRun, bus: "MessageBus") -> list["Recorded"]:
    """Record ``RunStarted`` with the identity of the provider the run's gateway keys its calls
    with (in a replay, the identity the replayed run recorded)."""
    if bus.state.status != "new":
        raise SimulationError(f"run {bus.run_id} has already started")
    memory = cmd.scenario.get("memory")
    if memory is None and cmd.scenario.get("documents") is not None:  # documents recall with an embedder too
        memory = {"embedder": cmd.scenario["documents"].get("embedder")}
    embedder = None
    if memory is not None and "embeddings" in bus.services:
        embedder = bus.services["embeddings"].info(memory.get("embedder") or "wordllama", memory.get("embedding_model"))
    return bus.record([bus.new("run", RunStarted(
        scenario_name=cmd.scenario_name, scenario=cmd.scenario, seed=cmd.seed,
        package_version=__version__, sim_start=cmd.sim_start, parent_run_id=cmd.parent_run_id,
        fork_position=cmd.fork_position, llm_provider=getattr(bus.gateway, "identity", None),
        settings=cmd.settings, embedder=embedder), sim_time=cmd.sim_start)])


def define_persona(cmd: DefinePersona, bus: "MessageBus") -> list["Recorded"]:
    if cmd.name in bus.state.agents:
        raise SimulationError(f"an agent named {cmd.name!r} already exists in run {bus.run_id}")
    return bus.record([bus.new(f"agent/{cmd.name}", PersonaDefined(
        agent=cmd.name, persona=cmd.persona, sources=list(cmd.sources)))])


def change_persona(cmd: ChangePersona, bus: "MessageBus") -> list["Recorded"]:
    bus.require_agent(cmd.name)
    return bus.record([bus.new(f"agent/{cmd.name}", PersonaChanged(
        agent=cmd.name, persona=cmd.persona, sources=list(cmd.sources)))])


def begin_script_step(cmd: BeginScriptStep, bus: "MessageBus") -> list["Recorded"]:
    return bus.record([bus.new("run", ScriptStepStarted(index=cmd.index, step=cmd.step))])


def create_world(cmd: CreateWorld, bus: "MessageBus") -> list["Recorded"]:
    if cmd.name in bus.state.worlds:
        raise SimulationError(f"a world named {cmd.name!r} already exists in run {bus.run_id}")
    if cmd.step_seconds <= 0:
        raise SimulationError(f"world {cmd.name!r}: step must be positive")
    return bus.record([bus.new(f"world/{cmd.name}", WorldCreated(
        world=cmd.name, kind=cmd.kind, start=cmd.start, step_seconds=cmd.step_seconds,  # type: ignore[arg-type]
        everyone_accessible=cmd.everyone_accessible), sim_time=cmd.start)])


def join_world(cmd: JoinWorld, bus: "MessageBus") -> list["Recorded"]:
    bus.require_world(cmd.world)
    events = []
    for name in cmd.agents:
        bus.require_agent(name)
        if bus.state.agents[name].world is not None:
            raise SimulationError(f"agent {name!r} is already in world {bus.state.agents[name].world!r}")
        events.append(bus.new(f"world/{cmd.world}", AgentJoinedWorld(world=cmd.world, agent=name),
                              world=cmd.world))
    return bus.record(events)


def perceive(cmd: Perceive, bus: "MessageBus", causation_id: str | None = None) -> list["Recorded"]:
    return bus.record(perception_events(cmd, bus, causation_id))


def perception_events(cmd: Perceive, bus: "MessageBus", causation_id: str | None = None) -> list["NewEvent"]:
    """The event ``perceive`` records (validated, not recorded: a caller may batch it)."""
    bus.require_agent(cmd.agent)
    if cmd.kind not in STIMULUS_KINDS:
        raise SimulationError(f"unknown stimulus kind {cmd.kind!r} (use {', '.join(STIMULUS_KINDS)})")
    world = bus.state.agents[cmd.agent].world
    return [bus.new(f"agent/{cmd.agent}", StimulusPerceived(
        agent=cmd.agent, kind=cmd.kind, content=cmd.content, source=cmd.source),  # type: ignore[arg-type]
        world=world, causation_id=causation_id)]


def broadcast(cmd: Broadcast, bus: "MessageBus", causation_id: str | None = None) -> list["Recorded"]:
    return bus.record(broadcast_events(cmd, bus, causation_id))


def broadcast_events(cmd: Broadcast, bus: "MessageBus", causation_id: str | None = None) -> list["NewEvent"]:
    """The events ``broadcast`` records (validated, not recorded: a caller may batch them)."""
    bus.require_world(cmd.world)
    members = bus.state.worlds[cmd.world].members
    return [bus.new(f"agent/{name}", StimulusPerceived(
        agent=name, kind="listen", content=cmd.content, source=cmd.source),
        world=cmd.world, causation_id=causation_id) for name in members]


def make_accessible(cmd: MakeAccessible, bus: "MessageBus") -> list["Recorded"]:
    bus.require_world(cmd.world)
    for name in cmd.agents:
        bus.require_agent(name)
    if not cmd.everyone and len(cmd.agents) < 2:
        raise SimulationError("make_accessible needs at least two agents (or everyone)")
    return bus.record([bus.new(f"world/{cmd.world}", AccessibilityChanged(
        world=cmd.world, agents=sorted(cmd.agents), everyone=cmd.everyone), world=cmd.world)])


def relate(cmd: Relate, bus: "MessageBus") -> list["Recorded"]:
    bus.require_world(cmd.world)
    for name in cmd.between:
        bus.require_agent(name)
    return bus.record([bus.new(f"world/{cmd.world}", RelationChanged(
        world=cmd.world, between=list(cmd.between), relation=cmd.relation), world=cmd.world)])


def complete_run(cmd: CompleteRun, bus: "MessageBus") -> list["Recorded"]:
    return bus.record([bus.new("run", RunCompleted(steps=cmd.steps, wall_seconds=cmd.wall_seconds,
                                                   cache=cmd.cache or cache_counters(bus.gateway)))])


def cache_counters(gateway: object) -> dict[str, int] | None:
    """The gateway's cache hits, misses and evictions (None without a cache)."""
    stats = getattr(getattr(gateway, "cache", None), "stats", None)
    if stats is None:
        return None
    return {"hits": stats.hits, "misses": stats.misses, "evictions": stats.evictions}


def fail_run(cmd: FailRun, bus: "MessageBus") -> list["Recorded"]:
    return bus.record([bus.new("run", RunFailed(reason=cmd.reason, error_type=cmd.error_type))])
