"""Pure decisions of the space capability: what a MOVE_TO or a LOOK of a turn becomes.

MOVE_TO's content names a zone, an object, an agent the agent knows the whereabouts of (it sees
them or saw them), or a cell ``x,y``. It becomes ``TravelStarted`` (movement happens after the
step's turns, ``speed`` cells per step), or ``MoveRejected`` with the reason the agent perceives
next turn (unknown place, unreachable, already there). LOOK records what the agent sees
(``AgentLooked``) and perceives it (``StimulusPerceived`` kind ``see``)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from troupe_es.domain.space import SpaceState
from troupe_es.events import ActionTaken, AgentLooked, Event, MoveRejected, StimulusPerceived, TravelStarted
from troupe_es.space.grid import fold
from troupe_es.space.paths import UNREACHABLE, detour_waypoint, path_length
from troupe_es.space.sight import distance, in_sight, sees_place

_CELL = re.compile(r"^\(?\s*(-?\d+)\s*[, ]\s*(-?\d+)\s*\)?$")


def destination(space: SpaceState, agent: str, target: str, members: Sequence[str]) -> tuple[str, str, tuple]:
    """``(name, kind, cells)`` a MOVE_TO content stands for: the cells where the agent would be
    there. ValueError (the reason the agent perceives) when it names nothing it can go to."""
    gmap = space.map
    text = target.strip()
    match = _CELL.match(text)
    if match:
        cell = (int(match.group(1)), int(match.group(2)))
        if not gmap.is_walkable(cell):
            raise ValueError(f"({cell[0]}, {cell[1]}) is not a cell you can stand on")
        return f"{cell[0]},{cell[1]}", "cell", (cell,)
    place = gmap.find(text)
    if place is not None:
        return place, gmap.places[place][0], gmap.approach(place)
    who = next((m for m in members if fold(m) == fold(text)), None)
    if who is not None and who != agent:
        if who not in known_agents(space, agent, members):
            raise ValueError(f"you do not know where {who} is (LOOK around, or ask)")
        return who, "agent", agent_cells(space, who)
    raise ValueError(f"there is no place called {text!r} here")


def agent_cells(space: SpaceState, who: str) -> tuple:
    """Where one is *with* an agent: its cell and the walkable cells next to it."""
    x, y = space.positions[who]
    cells = [(x, y)] + [(x + dx, y + dy) for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0))]
    return tuple(c for c in cells if space.map.is_walkable(c))


def visible_agents(space: SpaceState, agent: str, members: Sequence[str]) -> list[tuple[str, tuple]]:
    """The members ``agent`` sees now, nearest first: (name, cell)."""
    here = space.positions.get(agent)
    if here is None:
        return []
    out = [(m, space.positions[m]) for m in members if m != agent and m in space.positions
           and in_sight(space.map, here, space.positions[m], space.sight)]
    return sorted(out, key=lambda p: (distance(here, p[1]), p[0]))


def visible_objects(space: SpaceState, agent: str) -> list[tuple[str, tuple]]:
    """The objects ``agent`` sees now, nearest first: (name, nearest seen cell)."""
    here = space.positions.get(agent)
    if here is None:
        return []
    out = []
    for name in space.map.objects():
        cell = sees_place(space.map, here, space.map.places[name][1], space.sight)
        if cell is not None:
            out.append((name, cell))
    return sorted(out, key=lambda p: (distance(here, p[1]), p[0]))


def known_agents(space: SpaceState, agent: str, members: Sequence[str]) -> set[str]:
    """Agents whose whereabouts ``agent`` knows: those it sees, hears, or saw before."""
    seen = {s.name for s in space.seen.get(agent, ()) if s.kind == "agent"}
    return seen | {m for m, _ in visible_agents(space, agent, members)} | set(space.audible(agent, tuple(members)))


def decide_move(space: SpaceState, world: str, agent: str, action: ActionTaken, members: Sequence[str],
                seed: int, turn: int) -> Event:
    """``TravelStarted`` or ``MoveRejected`` for one MOVE_TO (pure; a detour's waypoint comes
    from a generator seeded by the run's seed, the agent, its turn and the action)."""
    here = space.positions.get(agent)
    target = action.content.strip()
    if here is None:
        return MoveRejected(world=world, agent=agent, target=target, reason="you are not on the map")
    if not target:
        return MoveRejected(world=world, agent=agent, target=target, reason="say where to: a place or a person")
    try:
        name, kind, cells = destination(space, agent, target, members)
    except ValueError as exc:
        return MoveRejected(world=world, agent=agent, target=target, reason=str(exc))
    length = path_length(space.map, here, cells) if cells else UNREACHABLE
    if length >= UNREACHABLE:
        return MoveRejected(world=world, agent=agent, target=name, reason=f"{name} cannot be reached from where you are")
    if length == 0:
        return MoveRejected(world=world, agent=agent, target=name, reason=f"you are already at {name}")
    via = None
    if space.detour > 0 and kind != "agent":
        rng = random.Random(f"{seed}:{world}:{agent}:{turn}:{action.index}:detour")
        via = detour_waypoint(space.map, here, cells, space.detour, rng)
    return TravelStarted(world=world, agent=agent, target=name, kind=kind, distance=length, via=via)


def decide_look(space: SpaceState, world: str, agent: str, members: Sequence[str]) -> list[Event]:
    """What a LOOK records: ``AgentLooked`` (spatial memory) and the sight as a perception."""
    here = space.positions.get(agent)
    if here is None:
        return []
    gmap = space.map
    seen: list[dict[str, Any]] = []
    for kind, things in (("agent", visible_agents(space, agent, members)), ("object", visible_objects(space, agent))):
        for name, cell in things:
            seen.append({"name": name, "kind": kind, "cell": list(cell), "zone": gmap.zone_at(cell),
                         "distance": round(distance(here, cell), 1)})
    seen.sort(key=lambda s: (s["distance"], s["name"]))
    where = gmap.zone_at(here) or "open floor"
    if seen:
        text = f"Looking around ({where}), you see: " + "; ".join(
            f"{s['name']} ({s['zone'] or 'open floor'}, {s['distance']:g} cells away)" for s in seen) + "."
    else:
        text = f"Looking around ({where}), you see nobody and nothing of note."
    return [AgentLooked(world=world, agent=agent, cell=here, seen=seen),
            StimulusPerceived(agent=agent, kind="see", content=text, source=None)]
