"""``AdvanceStep``: one world step — interventions, every agent's turn, deliveries, the clock.

Within a step every agent perceives the world as of the step's start, so turns run
concurrently (``RuntimeSettings.parallel`` threads, bounded again by the gateway's concurrency
limit). Their events are committed in the order drawn from the run's seeded random stream, so a
run with ``parallel=8`` yields the same content hashes as the same run with ``parallel=1``.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from troupe_es.commands.deliver import deliveries
from troupe_es.commands.handlers import broadcast, perceive
from troupe_es.commands.interventions import Intervention, due
from troupe_es.commands.models import AdvanceStep, Broadcast, Perceive, TakeTurn
from troupe_es.commands.schedule import awake, fire_due, jump_clock
from troupe_es.commands.turn import Contributions, build_turn_messages, contributions, decide_capabilities, decide_turn
from troupe_es.domain import RunState
from troupe_es.errors import SimulationError, TroupeError
from troupe_es.events import (
    ActionTaken,
    InterventionApplied,
    NewEvent,
    RandomDrawn,
    StepCompleted,
    StepStarted,
)
from troupe_es.store.rows import new_event_id

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.llm.gateway import PreparedCall
    from troupe_es.runtime import MessageBus


@dataclass
class LLMOutcome:
    """What one agent's LLM call produced: its events, the parsed output or the error."""

    agent: str
    events: list[NewEvent]
    output: Any = None
    error: TroupeError | None = None


def stamp(events: list[NewEvent]) -> list[NewEvent]:
    """Give gateway events ids (when they have none) and chain each to the one before."""
    out: list[NewEvent] = []
    previous: str | None = None
    for ev in events:
        event_id = ev.event_id or new_event_id()
        causation = ev.causation_id if ev.causation_id else previous
        out.append(replace(ev, event_id=event_id, causation_id=causation))
        previous = event_id
    return out


def completion_id(events: list[NewEvent]) -> str | None:
    """Event id of the completion among a call's events (what actions are caused by)."""
    for ev in reversed(events):
        if ev.event.type == "LLMCallCompleted":
            return ev.event_id
    return events[-1].event_id if events else None


def prepare_llm(bus: "MessageBus", agent: str, messages: list[dict[str, str]], output_model: type,
                *, call_id: str, step: int | None, causation_id: str | None, purpose: str,
                world: str | None) -> "PreparedCall":
    """One structured LLM call, prepared: its ``LLMCallRequested`` event exists, nothing is called."""
    from troupe_es.llm import CallContext, ChatRequest

    request = ChatRequest(model=bus.settings.model, messages=messages,
                          parameters=dict(bus.settings.llm_parameters))
    ctx = CallContext(run_id=bus.run_id, seed=bus.state.seed, call_id=call_id, agent=agent, step=step,
                      sim_time=bus.clock(world), causation_id=causation_id, purpose=purpose)
    return bus.gateway.prepare(request, ctx, output_model=output_model)


def record_requests(bus: "MessageBus", calls: list["PreparedCall"], before: Sequence[NewEvent] = ()) -> None:
    """Commit the requests of calls about to be made, in one batch and in the canonical order,
    after ``before`` (what the turns' prompts were built from, e.g. ``MemoriesRecalled``)."""
    bus.record(list(before) + [call.requested for call in calls])


def finish_llm(bus: "MessageBus", agent: str, call: "PreparedCall") -> LLMOutcome:
    """Make a prepared call through the gateway; errors are captured, not raised. The outcome's
    events are returned for the caller to commit (in the canonical order)."""
    buffer: list[NewEvent] = []
    try:
        result = bus.gateway.finish(call, record=buffer.extend)
    except TroupeError as exc:
        return LLMOutcome(agent, stamp(buffer), error=exc)
    parsed = result.parsed
    output_model = call.output_model
    if output_model is not None and not isinstance(parsed, output_model):
        parsed = output_model.model_validate(parsed)
    return LLMOutcome(agent, stamp(buffer), output=parsed)


def call_all(bus: "MessageBus", calls: list[tuple[str, "PreparedCall"]],
             before: Sequence[NewEvent] = ()) -> list[LLMOutcome]:
    """Commit every call's request (after ``before``), then make the calls concurrently;
    outcomes in input order."""
    record_requests(bus, [call for _, call in calls], before)
    return run_concurrently(bus, list(range(len(calls))), lambda i: finish_llm(bus, *calls[i]))


def run_concurrently(bus: "MessageBus", agents: list[Any], work) -> list[LLMOutcome]:  # noqa: ANN001
    """``work(item)`` for every item (agent), ``settings.parallel`` at a time, results in input order.

    On an interruption (Ctrl-C, SIGTERM) calls not yet started are cancelled and the interruption
    propagates at once; calls in flight finish in the background and are never recorded."""
    workers = max(1, min(bus.settings.parallel, len(agents)))
    if workers == 1:
        return [work(name) for name in agents]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="troupe-turn")
    try:
        results = list(pool.map(work, agents))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def draw_order(state: RunState, world: str, step: int) -> list[str]:
    """The agents' acting order for a step, drawn from the run's seeded stream (pure)."""
    members = list(state.worlds[world].members)
    random.Random(f"{state.seed}:{world}:{step}:order").shuffle(members)
    return members


def apply_interventions(bus: "MessageBus", world: str, step: int, causation: str,
                         items: Sequence[Intervention] | None = None) -> None:
    """Apply the interventions (default: the run's) that are due at the start of ``step``."""
    items = tuple(bus.settings.interventions if items is None else items)
    for iv in due(bus.state, world, step, items):
        [applied] = bus.record([bus.new(f"world/{world}", InterventionApplied(
            world=world, name=iv.name, step=step, effect=iv.effect), world=world, causation_id=causation)])
        effect = iv.effect
        if "broadcast" in effect:
            broadcast(Broadcast(world=world, content=str(effect["broadcast"]), source="intervention"),
                      bus, causation_id=applied.event_id)
        for kind, stimulus in (("tell", "listen"), ("think", "think"), ("see", "see")):
            if kind in effect:
                spec = effect[kind]
                perceive(Perceive(agent=spec["to"], kind=stimulus, content=spec["text"],
                                  source=spec.get("from", "intervention")), bus, causation_id=applied.event_id)


def play_turns(bus: "MessageBus", world: str, agents: list[str], *, step: int,
               causation_id: str | None, snapshot: RunState | None = None,
               undelivered: Sequence["Recorded"] = ()) -> tuple[list["Recorded"], TroupeError | None]:
    """Every agent's turn against ``snapshot`` (default: the state as it is now): their requests
    committed first, then each turn in ``agents`` order, then the deliveries of what they did
    (after those of ``undelivered``, actions of the step recorded earlier that were never
    delivered — a resumed step). Returns the records and the first LLM error (if any)."""
    snapshot = snapshot or bus.state
    max_actions = bus.settings.max_actions
    contrib: dict[str, Contributions] = {
        agent: contributions(bus.capabilities, snapshot, agent, bus.services) for agent in agents}

    def turn(agent: str) -> tuple[str, PreparedCall]:
        messages = build_turn_messages(snapshot, agent, max_actions=max_actions,
                                       persona_facts=bus.persona_facts(snapshot.agents[agent].persona),
                                       sections=contrib[agent].lines)
        call_id = f"{agent}/step-{step}/turn-{snapshot.agents[agent].turns}"
        return agent, prepare_llm(bus, agent, messages, contrib[agent].output_model, call_id=call_id, step=step,
                                  causation_id=causation_id, purpose="turn", world=world)

    before = [bus.new(f"agent/{agent}", event, world=world, causation_id=causation_id)
              for agent in agents for event in contrib[agent].events]
    outcomes = call_all(bus, [turn(agent) for agent in agents], before)
    recorded: list[Recorded] = []
    actions: list[Recorded] = []
    w = snapshot.worlds[world]
    for index, outcome in enumerate(outcomes):
        batch = list(outcome.events)
        if outcome.output is not None:
            agent = snapshot.agents[outcome.agent]
            cause = completion_id(outcome.events)
            try:
                decided = decide_turn(agent, outcome.output, reachable=w.accessible_to(agent.name),
                                      members=w.members, max_actions=max_actions)
                decided += decide_capabilities(snapshot, agent.name, outcome.output, decided, contrib[agent.name])
            except Exception:  # a bug: the step's paid calls reach the log (and its replay) before it surfaces
                bus.record(batch + [ev for later in outcomes[index + 1:] for ev in later.events])
                raise
            for event in decided:
                batch.append(bus.new(f"agent/{agent.name}", event, world=world, causation_id=cause))
        records = bus.record(batch)
        recorded += records
        actions += [r for r in records if isinstance(r.event, ActionTaken)]
    actions = list(undelivered) + actions
    delivered = deliveries(snapshot, [r.event for r in actions])
    recorded += bus.record([bus.new(stream, event, world=world, causation_id=actions[i].event_id)
                            for stream, event, i in delivered])
    return recorded, next((o.error for o in outcomes if o.error is not None), None)


def after_turns(bus: "MessageBus", world: str, step: int, causation_id: str | None) -> list["Recorded"]:
    """What the capabilities do once every agent of the step has acted (e.g. memory upkeep)."""
    recorded: list[Recorded] = []
    for capability in bus.capabilities:
        hook = getattr(capability, "after_step", None)
        if hook is not None:
            recorded += hook(bus, world, step, causation_id)
    return recorded


def advance_step(cmd: AdvanceStep, bus: "MessageBus") -> list["Recorded"]:
    """Run one step of ``cmd.world``; raises the first agent's LLM error after recording all."""
    bus.require_world(cmd.world)
    world = bus.state.worlds[cmd.world]
    if not world.members:
        raise SimulationError(f"world {cmd.world!r} has no agents")
    step = world.step
    name = cmd.world
    jumped = jump_clock(bus, name)
    if jumped:
        world = bus.state.worlds[name]
    start = world.clock_dt()
    seconds = cmd.step_seconds or world.step_seconds
    try:
        end = start + timedelta(seconds=seconds) if start else None
    except OverflowError:
        raise SimulationError(f"world {name!r}: step {step} would take the simulated clock past the year 9999 "
                              f"(it is {start.isoformat()})") from None
    recorded: list[Recorded] = list(jumped)
    started = bus.record([bus.new(f"world/{name}", StepStarted(world=name, step=step), sim_time=start)])[0]
    recorded.append(started)
    recorded += fire_due(bus, name, started.event_id)
    apply_interventions(bus, name, step, started.event_id)
    order = awake(bus.state, name, draw_order(bus.state, name, step))
    recorded += bus.record([bus.new("run", RandomDrawn(purpose=f"agent order {name} step {step}", value=order),
                                    world=name, causation_id=started.event_id)])
    records, failure = play_turns(bus, name, order, step=step, causation_id=started.event_id)
    recorded += records
    if failure is not None:
        raise failure
    recorded += after_turns(bus, name, step, started.event_id)
    recorded += bus.record([bus.new(f"world/{name}", StepCompleted(world=name, step=step), sim_time=end)])
    return recorded


def take_turn(cmd: TakeTurn, bus: "MessageBus") -> list["Recorded"]:
    """One agent acts now, outside a world step (``person.listen_and_act``)."""
    bus.require_agent(cmd.agent)
    agent = bus.state.agents[cmd.agent]
    if agent.world is None:
        raise SimulationError(f"agent {cmd.agent!r} is in no world: add it to one before it acts")
    step = bus.state.worlds[agent.world].step
    records, failure = play_turns(bus, agent.world, [cmd.agent], step=step, causation_id=None)
    if failure is not None:
        raise failure
    return records
