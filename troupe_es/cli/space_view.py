"""Rendering a grid world's space for ``troupe-es state``: who stands where, in which zone,
going where."""

from __future__ import annotations

from rich.table import Table

from troupe_es.domain import RunState


def space_tables(state: RunState, agent: str | None = None) -> list[tuple[str, Table]]:
    """``(title, table)`` per grid world: each agent's cell, zone and travel target."""
    out = []
    for world in state.worlds.values():
        space = world.space
        if space is None:
            continue
        table = Table(box=None, pad_edge=False)
        for column in ("agent", "cell", "zone", "travelling to"):
            table.add_column(column)
        for name, cell in space.positions.items():
            if agent is not None and name != agent:
                continue
            travel = space.travel.get(name)
            table.add_row(name, f"({cell[0]}, {cell[1]})", space.map.zone_at(cell) or "-",
                          travel.target if travel else "-")
        title = (f"space of {world.name}: {space.source} {space.map.width}x{space.map.height}, map v{space.version}, "
                 f"hearing {space.hearing_radius:g}, sight {space.sight:g}, speed {space.speed}")
        out.append((title, table))
    return out
