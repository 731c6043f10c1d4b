"""Setting a grid world up: its map (``MapLoaded``, the content itself) and where each agent
starts (``AgentPlaced``). Idempotent, so a run that died during set-up finishes it when resumed,
and agents joining a fork are placed too."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from troupe_es.events import AgentPlaced, MapLoaded
from troupe_es.scenario.space import DEFAULTS, map_of, start_cell, start_positions

if TYPE_CHECKING:
    from troupe_es.commands.plan import RunPlan
    from troupe_es.runtime import MessageBus


def set_up_space(bus: "MessageBus", plan: "RunPlan") -> None:
    """Record the plan's grid world's map (unless the world has it) and place every member
    without a position."""
    grid = plan.world.grid
    name = plan.world.name
    if grid is None or name not in bus.state.worlds:
        return
    if bus.state.worlds[name].space is None:
        gmap = map_of(grid)
        settings = {key: grid.get(key) if grid.get(key) is not None else default for key, default in DEFAULTS.items()}
        bus.record([bus.new(f"world/{name}", MapLoaded(
            world=name, source=str(grid.get("map") or "inline"), rows=list(gmap.rows),
            legend={c: [k, n] for c, k, n in gmap.legend}, digest=gmap.digest, **settings), world=name)])
    world = bus.state.worlds[name]
    space = world.space
    wanted = start_positions(grid)
    taken: Counter = Counter()
    events = []
    for agent in world.members:
        spec = wanted.get(agent)
        key = str(spec) if spec is not None else None
        if agent in space.positions:
            continue
        cell = start_cell(space.map, spec, taken[key])
        taken[key] += 1
        events.append(bus.new(f"agent/{agent}", AgentPlaced(world=name, agent=agent, cell=cell,
                                                          zone=space.map.zone_at(cell)), world=name))
    bus.record(events)
