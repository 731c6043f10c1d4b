"""Travel: after every agent of a step has acted, each travelling agent walks ``speed`` cells
along the cached flow field towards its target (through its detour's waypoint first), one
``AgentMoved`` per agent and step. Pure over the state after the turns, computed in member
order, so ``--parallel 1`` and ``--parallel 8`` give the same moves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from troupe_es.domain.space import SpaceState
from troupe_es.events import AgentMoved, Event, MoveRejected
from troupe_es.space.paths import field_for, next_steps

if TYPE_CHECKING:
    from troupe_es.runtime import MessageBus


def target_cells(space: SpaceState, agent: str) -> tuple:
    """The cells where ``agent``'s travel ends (now: an agent target moves)."""
    from troupe_es.commands.space.decide import agent_cells

    travel = space.travel[agent]
    if travel.kind == "agent":
        return agent_cells(space, travel.target) if travel.target in space.positions else ()
    if travel.kind == "cell":
        x, y = travel.target.split(",")
        return ((int(x), int(y)),)
    return space.map.approach(travel.target)


def decide_moves(space: SpaceState, world: str, members: tuple[str, ...]) -> list[Event]:
    """One step of travel for every travelling member (pure)."""
    events: list[Event] = []
    for agent in members:
        travel = space.travel.get(agent)
        here = space.positions.get(agent)
        if travel is None or here is None:
            continue
        cells = target_cells(space, agent)
        goal = field_for(space.map, cells) if cells else None
        if goal is None or goal.distance(here) >= 2**31 - 1:
            events.append(MoveRejected(world=world, agent=agent, target=travel.target,
                                       reason=f"{travel.target} can no longer be reached"))
            continue
        path: list[tuple[int, int]] = []
        budget = space.speed
        if travel.via is not None and travel.via != here:
            path = next_steps(field_for(space.map, [travel.via]), here, budget)
            budget -= len(path)
        start = path[-1] if path else here
        if budget > 0:
            path += next_steps(goal, start, budget)
        to = path[-1] if path else here
        arrived = goal.distance(to) == 0 and (travel.via is None or travel.via in path or travel.via == here)
        events.append(AgentMoved(world=world, agent=agent, from_cell=here, to_cell=to, path=path,
                                 zone=space.map.zone_at(to), target=travel.target, arrived=arrived))
    return events


def move_travellers(bus: "MessageBus", world: str, step: int, causation_id: str | None) -> list[Any]:
    """Record this step's travel of ``world`` (nothing in a world without a map)."""
    w = bus.state.worlds.get(world)
    if w is None or w.space is None or not w.space.travel or w.space.moved_step == w.step:
        return []  # no map, nobody travelling, or this step's travel was walked before the run was resumed
    events = decide_moves(w.space, world, w.members)
    for adjust in getattr(bus, "services", {}).get("move_adjusters", ()):  # retail: cell capacity
        events = adjust(bus.state, world, events)
    return bus.record([bus.new(f"agent/{e.agent}", e, world=world, causation_id=causation_id)  # type: ignore[attr-defined]
                       for e in events])
