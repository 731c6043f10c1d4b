"""``evolve(state, recorded) -> state``: the one pure fold from events to :class:`RunState`.

Events this fold does not care about (LLM calls, random draws, poll answers) leave the state
as it was, apart from the position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from troupe_es.domain.classroom import CLASSROOM_HANDLERS
from troupe_es.domain.documents import DOCUMENT_HANDLERS
from troupe_es.domain.knowledge import KNOWLEDGE_HANDLERS, knowledge_started
from troupe_es.domain.copying import with_changes
from troupe_es.domain.emotions import EMOTION_HANDLERS
from troupe_es.domain.market import MARKET_HANDLERS
from troupe_es.domain.memory import MEMORY_HANDLERS
from troupe_es.domain.tools import TOOL_HANDLERS
from troupe_es.domain.schedule import SCHEDULE_ALSO, SCHEDULE_HANDLERS, chained
from troupe_es.domain.space import SPACE_HANDLERS
from troupe_es.domain.workplace import WORKPLACE_HANDLERS
from troupe_es.domain.retail import RETAIL_HANDLERS
from troupe_es.domain.state import MEMORY_WINDOW, AgentState, MemoryItem, RunState, WorldState
from troupe_es.events.canonical import iso_utc
from troupe_es.events.envelope import Recorded

_STIMULUS_MEMORY_KIND = {"listen": "heard", "see": "saw", "think": "thought",
                         "internalize_goal": "goal", "socialize": "social"}


def _remember(agent: AgentState, kind: str, text: str, sim_time: str | None,
              source: str | None = None, ref: str | None = None) -> AgentState:
    item = MemoryItem(agent.memory_total, sim_time, kind, text, source, ref)
    memory = (agent.memory + (item,))[-MEMORY_WINDOW:]
    return replace(agent, memory=memory, memory_total=agent.memory_total + 1)


def _with_agent(state: RunState, agent: AgentState) -> RunState:
    agents = dict(state.agents)
    agents[agent.name] = agent
    return replace(state, agents=agents)


def _with_world(state: RunState, world: WorldState) -> RunState:
    worlds = dict(state.worlds)
    worlds[world.name] = world
    return replace(state, worlds=worlds)


def _pairs(names: Iterable[str]) -> set[tuple[str, str]]:
    names = sorted(set(names))
    return {(a, b) for i, a in enumerate(names) for b in names[i + 1:]}


def _run_started(s: RunState, r: Recorded, e: Any) -> RunState:
    return replace(s, run_id=r.run_id, scenario_name=e.scenario_name, seed=e.seed, status="running",
                   parent_run_id=e.parent_run_id, fork_position=e.fork_position,
                   memory_config=(e.scenario or {}).get("memory"),
                   embedder=dict(e.embedder) if e.embedder else None,
                   tools_config=(e.scenario or {}).get("tools"),
                   documents_config=(e.scenario or {}).get("documents"),
                   knowledge=knowledge_started(e.scenario),
                   emotions_config=(e.scenario or {}).get("emotions"))


def _persona_defined(s: RunState, r: Recorded, e: Any) -> RunState:
    return _with_agent(s, AgentState(name=e.agent, persona=e.persona))


def _persona_changed(s: RunState, r: Recorded, e: Any) -> RunState:
    return _with_agent(s, replace(s.agents[e.agent], persona=e.persona))


def _world_created(s: RunState, r: Recorded, e: Any) -> RunState:
    return _with_world(s, WorldState(name=e.world, kind=e.kind, clock=iso_utc(e.start),
                                     step_seconds=e.step_seconds,
                                     everyone_accessible=e.everyone_accessible))


def _agent_joined(s: RunState, r: Recorded, e: Any) -> RunState:
    world = s.worlds[e.world]
    s = _with_world(s, replace(world, members=world.members + (e.agent,)))
    return _with_agent(s, replace(s.agents[e.agent], world=e.world, location=e.world))


def _accessibility(s: RunState, r: Recorded, e: Any) -> RunState:
    world = s.worlds[e.world]
    if e.everyone:
        return _with_world(s, replace(world, everyone_accessible=e.accessible))
    links = set(world.links)
    links = links | _pairs(e.agents) if e.accessible else links - _pairs(e.agents)
    return _with_world(s, replace(world, links=tuple(sorted(links))))


def _relation(s: RunState, r: Recorded, e: Any) -> RunState:
    world = s.worlds[e.world]
    a, b = sorted(e.between)
    relations = tuple(x for x in world.relations if (x[0], x[1]) != (a, b)) + ((a, b, e.relation),)
    links = tuple(sorted(set(world.links) | {(a, b)}))
    return _with_world(s, replace(world, relations=relations, links=links))


def _stimulus(s: RunState, r: Recorded, e: Any) -> RunState:
    agent = s.agents[e.agent]
    agent = _remember(agent, _STIMULUS_MEMORY_KIND[e.kind], e.content, iso_utc(r.sim_time), e.source,
                      f"{r.stream}@{r.stream_version}")
    if e.kind == "internalize_goal" and e.content not in agent.goals:
        agent = replace(agent, goals=agent.goals + (e.content,))
    return _with_agent(s, agent)


def _action(s: RunState, r: Recorded, e: Any) -> RunState:
    agent = s.agents[e.agent]
    if e.index == 0:  # a new turn: everything perceived so far has now been seen
        agent = replace(agent, seen_upto=agent.memory_total, feedback=(), turns=agent.turns + 1)
    if e.action != "DONE":
        text = f"{e.action}" + (f" to {e.target}" if e.target else "") + f": {e.content}"
        agent = _remember(agent, "did", text, iso_utc(r.sim_time), ref=f"{r.stream}@{r.stream_version}")
        agent = replace(agent, seen_upto=agent.memory_total)  # one's own actions are never news
        key = (e.action, e.target or "")
        last = tuple(x for x in agent.last_actions if (x[0], x[1]) != key) + ((e.action, e.target or "", e.content),)
        agent = replace(agent, last_actions=last[-16:])
    return _with_agent(s, replace(agent, actions_taken=agent.actions_taken + 1))


def _cognitive(s: RunState, r: Recorded, e: Any) -> RunState:
    agent = s.agents[e.agent]
    changes: dict[str, Any] = {}
    for key in ("goals", "context"):
        value = getattr(e, key)
        if value is not None:
            changes[key] = tuple(value)
    for key in ("attention", "emotions", "location"):
        value = getattr(e, key)
        if value is not None:
            changes[key] = value
    return _with_agent(s, replace(agent, **changes))


def _suppressed(s: RunState, r: Recorded, e: Any) -> RunState:
    agent = s.agents[e.agent]
    note = f"Your {e.action} was not delivered: it repeated your previous one. Say something new."
    return _with_agent(s, replace(agent, feedback=agent.feedback + (note,)))


def _step_started(s: RunState, r: Recorded, e: Any) -> RunState:
    world = s.worlds[e.world]
    return _with_world(s, replace(world, clock=iso_utc(r.sim_time) or world.clock))


def _step_completed(s: RunState, r: Recorded, e: Any) -> RunState:
    world = s.worlds[e.world]
    return _with_world(s, replace(world, step=e.step + 1, clock=iso_utc(r.sim_time) or world.clock))


def _intervention(s: RunState, r: Recorded, e: Any) -> RunState:
    return replace(s, interventions_applied=s.interventions_applied + (e.name,))


def _poll_closed(s: RunState, r: Recorded, e: Any) -> RunState:
    return replace(s, polls=s.polls + 1)


_HANDLERS: dict[str, Callable[[RunState, Recorded, Any], RunState]] = {
    "RunStarted": _run_started,
    "RunCompleted": lambda s, r, e: replace(s, status="completed"),
    "RunFailed": lambda s, r, e: replace(s, status="failed"),
    "RunInterrupted": lambda s, r, e: replace(
        s, status="budget-exceeded" if e.cause == "budget" else "interrupted"),
    "RunResumed": lambda s, r, e: replace(s, status="running"),
    "PersonaDefined": _persona_defined,
    "PersonaChanged": _persona_changed,
    "WorldCreated": _world_created,
    "AgentJoinedWorld": _agent_joined,
    "AccessibilityChanged": _accessibility,
    "RelationChanged": _relation,
    "StimulusPerceived": _stimulus,
    "ActionTaken": _action,
    "CognitiveStateChanged": _cognitive,
    "RepetitionSuppressed": _suppressed,
    "StepStarted": _step_started,
    "StepCompleted": _step_completed,
    "InterventionApplied": _intervention,
    "PollClosed": _poll_closed,
    **MEMORY_HANDLERS,
    **MARKET_HANDLERS,
    **TOOL_HANDLERS,
    **SCHEDULE_HANDLERS,
    **DOCUMENT_HANDLERS,
    **SPACE_HANDLERS,  # after memory's: its MemoryStored wraps memory's
    **RETAIL_HANDLERS,
    **KNOWLEDGE_HANDLERS,
    **CLASSROOM_HANDLERS,
    **EMOTION_HANDLERS,
    **WORKPLACE_HANDLERS,
}
for _type, _also in SCHEDULE_ALSO.items():
    _HANDLERS[_type] = chained(_HANDLERS.get(_type), _also)

STATE_EVENT_TYPES = frozenset(_HANDLERS)
"""The event types that change a :class:`RunState` (readers may fetch only these)."""


def evolve(state: RunState, recorded: Recorded) -> RunState:
    """The state after ``recorded`` (pure; the input state is not modified)."""
    handler = _HANDLERS.get(recorded.event.type)
    if handler is not None:
        state = handler(state, recorded, recorded.event)
    return with_changes(state, position=recorded.position)


def initial() -> RunState:
    """The state before a run's first event."""
    return RunState()


def fold_state(records: Iterable[Recorded], state: RunState | None = None) -> RunState:
    """Fold ``records`` onto ``state`` (a fresh state when omitted)."""
    current = state or initial()
    for rec in records:
        current = evolve(current, rec)
    return current
