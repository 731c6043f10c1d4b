"""The space capability: agents in a 2-D grid world (docs/space.md).

Registered in ``bootstrap.CAPABILITIES``; active for agents whose world has a map
(``world: {kind: grid, map: ...}``). It adds to a turn: a prompt section (position, zone,
travel, who and what is in sight, where others were last seen, and ``Choices for MOVE_TO: ...``
/ ``Choices for LOOK: around``), the action types MOVE_TO and LOOK, and their decisions
(:mod:`troupe_es.commands.space.decide`). After each step travelling agents walk ``speed`` cells
(:mod:`troupe_es.commands.space.move`). Who hears a TALK follows from the hearing radius
(``WorldState.accessible_to``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from troupe_es.commands.space.decide import decide_look, decide_move, visible_agents, visible_objects
from troupe_es.commands.space.move import move_travellers, target_cells
from troupe_es.commands.turn import Preparation
from troupe_es.domain import RunState
from troupe_es.domain.space import SpaceState
from troupe_es.events import ActionTaken, Event
from troupe_es.space.paths import UNREACHABLE, path_length
from troupe_es.space.sight import distance

ACTIONS = ("MOVE_TO", "LOOK")
MAX_PLACES = 12
"""Zones offered as MOVE_TO choices (nearest first); objects and people in sight are added."""
MAX_THINGS = 8


def space_of(state: RunState, agent: str) -> SpaceState | None:
    """The space of ``agent``'s world (None: not in a grid world)."""
    a = state.agents.get(agent)
    world = state.worlds.get(a.world) if a is not None and a.world else None
    return world.space if world is not None else None


def n_cells(n: float) -> str:
    """``1 cell``, ``3 cells``."""
    n = round(n)
    return f"{n} cell" if n == 1 else f"{n} cells"


def _where(space: SpaceState, cell: tuple) -> str:
    zone = space.map.zone_at(cell)
    return f"in {zone}" if zone else "on open floor"


def space_lines(state: RunState, agent: str, *, choices: bool = True) -> list[str]:
    """The space section of ``agent``'s prompt (pure)."""
    space = space_of(state, agent)
    here = space.positions.get(agent) if space is not None else None
    if space is None or here is None:
        return []
    a = state.agents[agent]
    members = state.worlds[a.world].members
    gmap = space.map
    lines = [f"Position: ({here[0]}, {here[1]}), {_where(space, here)} "
             f"(a {gmap.width}x{gmap.height} map; you walk {space.speed} cells per step, "
             f"hear people within {space.hearing_radius:g} cells, see {space.sight:g} cells)."]
    travel = space.travel.get(agent)
    if travel is not None:
        cells = target_cells(space, agent)
        left = path_length(gmap, here, cells) if cells else UNREACHABLE
        togo = f"{left} cells to go" if left < UNREACHABLE else "no way through"
        lines.append(f"Travelling to {travel.target}: {togo}.")
    people = visible_agents(space, agent, members)[:MAX_THINGS]
    things = visible_objects(space, agent)[:MAX_THINGS]
    if people or things:
        lines.append("You see: " + "; ".join(
            [f"{name} ({_where(space, cell)}, {n_cells(distance(here, cell))} away)" for name, cell in people]
            + [f"{name} ({n_cells(distance(here, cell))} away)" for name, cell in things]) + ".")
    else:
        lines.append("You see nobody nearby.")
    in_view = {name for name, _ in people}
    remembered = [s for s in space.seen.get(agent, ()) if s.kind == "agent" and s.name not in in_view]
    if remembered:
        lines.append("You last saw: " + "; ".join(
            f"{s.name} {_where(space, s.cell)} at ({s.cell[0]}, {s.cell[1]})" + (f", {s.sim_time[:16]}" if s.sim_time else "")
            for s in remembered[-MAX_THINGS:]) + ".")
    if choices:
        zones = [z for z in gmap.zones() if gmap.zone_at(here) != z]
        reach = [(path_length(gmap, here, gmap.approach(z)), z) for z in zones]
        places = [z for d, z in sorted(reach) if d < UNREACHABLE][:MAX_PLACES]
        options = places + [name for name, _ in things] + [name for name, _ in people]
        lines.append("Actions here: MOVE_TO walks to a place or person (content: its name); LOOK looks around.")
        if options:
            lines.append("Choices for MOVE_TO: " + " | ".join(dict.fromkeys(options)))
        lines.append(f"Choices for LOOK: around ({here[0]}, {here[1]})")
    return lines


class SpaceCapability:
    """Space's contribution to a turn (see the module docstring)."""

    name = "space"

    def active(self, state: RunState, agent: str) -> bool:
        return space_of(state, agent) is not None

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ACTIONS

    def section(self, state: RunState, agent: str) -> list[str]:
        return space_lines(state, agent, choices=False)

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(space_lines(state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        space = space_of(state, agent)
        if space is None:
            return []
        a = state.agents[agent]
        members = state.worlds[a.world].members
        events: list[Event] = []
        for e in turn:
            if not isinstance(e, ActionTaken) or e.agent != agent:
                continue
            if e.action == "MOVE_TO":
                content = e.content.strip() or (e.target or "")
                events.append(decide_move(space, a.world, agent, e.model_copy(update={"content": content}),
                                          members, state.seed, a.turns))
            elif e.action == "LOOK":
                events += decide_look(space, a.world, agent, members)
        return events

    def after_step(self, bus: Any, world: str, step: int, causation_id: str | None) -> list[Any]:
        """Travelling agents walk ``speed`` cells (one ``AgentMoved`` each)."""
        return move_travellers(bus, world, step, causation_id)


SPACE = SpaceCapability()
"""The space capability instance ``bootstrap`` registers."""
