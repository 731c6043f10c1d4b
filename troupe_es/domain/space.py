"""The spatial state a grid world's fold holds: its map, settings, positions, travels and what
each agent remembers seeing where.

Kept in ``WorldState.space`` (None for worlds without a map), changed only by space events
through :data:`SPACE_HANDLERS`, which :mod:`troupe_es.domain.evolve` merges into the one fold.
Memories an agent stores while in a grid world carry the cell it stood on (``place``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from troupe_es.events.canonical import iso_utc
from troupe_es.space.grid import GridMap, grid_map
from troupe_es.space.sight import in_earshot

Cell = tuple[int, int]


@dataclass(frozen=True)
class Travel:
    """Where an agent is going: a place (zone, object), an agent or a cell, maybe via a detour."""

    target: str
    kind: str  # zone, object, agent, cell
    via: Cell | None = None


@dataclass(frozen=True)
class Sighting:
    """Where an agent last saw something (its spatial memory)."""

    name: str
    kind: str  # agent, object
    cell: Cell
    zone: str | None
    sim_time: str | None


@dataclass(frozen=True)
class SpaceState:
    """A grid world's space: map, perception settings, positions and travels."""

    map: GridMap
    source: str = ""
    hearing_radius: float = 5.0
    sight: float = 10.0
    speed: int = 3
    detour: float = 0.0
    version: int = 1  # MapLoaded events so far for this world
    positions: dict[str, Cell] = field(default_factory=dict)
    travel: dict[str, Travel] = field(default_factory=dict)
    seen: dict[str, tuple[Sighting, ...]] = field(default_factory=dict)
    moves: int = 0  # AgentMoved events so far

    def position(self, agent: str) -> Cell | None:
        return self.positions.get(agent)

    def zone_of(self, agent: str) -> str | None:
        cell = self.positions.get(agent)
        return self.map.zone_at(cell) if cell is not None else None

    def audible(self, agent: str, members: tuple[str, ...]) -> tuple[str, ...]:
        """The members within hearing radius of ``agent`` (in member order): who it can talk to."""
        here = self.positions.get(agent)
        if here is None:
            return ()
        return tuple(m for m in members if m != agent and m in self.positions
                     and in_earshot(here, self.positions[m], self.hearing_radius))

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SpaceState":
        """Inverse of ``asdict`` (snapshots)."""
        d = dict(data)
        m = d["map"]
        d["map"] = grid_map(m["rows"], {c: [k, n] for c, k, n in m["legend"]})
        d["positions"] = {a: tuple(c) for a, c in d.get("positions", {}).items()}
        d["travel"] = {a: Travel(t["target"], t["kind"], tuple(t["via"]) if t.get("via") else None)
                       for a, t in d.get("travel", {}).items()}
        d["seen"] = {a: tuple(Sighting(s["name"], s["kind"], tuple(s["cell"]), s.get("zone"), s.get("sim_time"))
                              for s in items) for a, items in d.get("seen", {}).items()}
        return cls(**d)


def _space(s: Any, world: str) -> SpaceState:
    return s.worlds[world].space


def _set(s: Any, world: str, space: SpaceState) -> Any:
    worlds = dict(s.worlds)
    worlds[world] = replace(worlds[world], space=space)
    return replace(s, worlds=worlds)


def _locate(s: Any, agent: str, zone: str | None, world: str) -> Any:
    a = s.agents.get(agent)
    if a is None:
        return s
    agents = dict(s.agents)
    agents[agent] = replace(a, location=zone or world)
    return replace(s, agents=agents)


def _map_loaded(s: Any, r: Any, e: Any) -> Any:
    old = s.worlds[e.world].space
    gmap = grid_map(e.rows, e.legend)
    space = SpaceState(map=gmap, source=e.source, hearing_radius=e.hearing_radius, sight=e.sight,
                       speed=e.speed, detour=e.detour, version=(old.version + 1) if old else 1)
    if old is not None:  # a new version of the map: agents stay where they are
        space = replace(space, positions=dict(old.positions), seen=dict(old.seen), moves=old.moves)
    return _set(s, e.world, space)


def _placed(s: Any, r: Any, e: Any) -> Any:
    space = _space(s, e.world)
    positions = dict(space.positions)
    positions[e.agent] = tuple(e.cell)
    s = _set(s, e.world, replace(space, positions=positions))
    return _locate(s, e.agent, e.zone, e.world)


def _travel(s: Any, r: Any, e: Any) -> Any:
    space = _space(s, e.world)
    travel = dict(space.travel)
    travel[e.agent] = Travel(e.target, e.kind, tuple(e.via) if e.via else None)
    return _set(s, e.world, replace(space, travel=travel))


def _moved(s: Any, r: Any, e: Any) -> Any:
    space = _space(s, e.world)
    positions = dict(space.positions)
    to = tuple(e.to_cell)
    positions[e.agent] = to
    travel = dict(space.travel)
    current = travel.get(e.agent)
    if e.arrived:
        travel.pop(e.agent, None)
    elif current is not None and current.via is not None and list(current.via) in [list(c) for c in e.path]:
        travel[e.agent] = replace(current, via=None)  # the detour's waypoint is behind
    s = _set(s, e.world, replace(space, positions=positions, travel=travel, moves=space.moves + 1))
    return _locate(s, e.agent, e.zone, e.world)


def _rejected(s: Any, r: Any, e: Any) -> Any:
    space = _space(s, e.world)
    travel = dict(space.travel)
    travel.pop(e.agent, None)
    s = _set(s, e.world, replace(space, travel=travel))
    a = s.agents[e.agent]
    agents = dict(s.agents)
    agents[e.agent] = replace(a, feedback=a.feedback + (f"Your MOVE_TO {e.target} failed: {e.reason}.",))
    return replace(s, agents=agents)


def _looked(s: Any, r: Any, e: Any) -> Any:
    space = _space(s, e.world)
    when = iso_utc(r.sim_time)
    fresh = {x["name"]: Sighting(x["name"], x["kind"], tuple(x["cell"]), x.get("zone"), when) for x in e.seen}
    kept = tuple(x for x in space.seen.get(e.agent, ()) if x.name not in fresh)
    seen = dict(space.seen)
    seen[e.agent] = (kept + tuple(fresh.values()))[-64:]
    return _set(s, e.world, replace(space, seen=seen))


def _memory_stored(s: Any, r: Any, e: Any) -> Any:
    """Memory's own fold, then the memory is tagged with where the agent stood (grid worlds)."""
    from troupe_es.domain.memory import MEMORY_HANDLERS

    s = MEMORY_HANDLERS["MemoryStored"](s, r, e)
    a = s.agents[e.agent]
    world = s.worlds.get(a.world) if a.world else None
    cell = world.space.positions.get(e.agent) if world is not None and world.space is not None else None
    if cell is None:
        return s
    items = a.book.items
    agents = dict(s.agents)
    agents[e.agent] = replace(a, book=replace(a.book, items=items[:-1] + (replace(items[-1], place=cell),)))
    return replace(s, agents=agents)


SPACE_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "MapLoaded": _map_loaded,
    "AgentPlaced": _placed,
    "TravelStarted": _travel,
    "AgentMoved": _moved,
    "MoveRejected": _rejected,
    "AgentLooked": _looked,
    "MemoryStored": _memory_stored,
}
"""Space event type → fold handler (merged into the one fold by ``evolve``, after memory's)."""
