"""Congestion: a store's cells hold at most ``capacity`` agents (per zone if the layout says).
A travelling agent whose next cell is full stops before it this step (``MoveBlocked``) and goes
on next step. Applied to the space capability's moves of a step, in member order, from the
folded positions: deterministic, so ``--parallel 1`` and ``--parallel 8`` agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from troupe_es.events import AgentMoved, Event, MoveBlocked


def congested_moves(state: Any, world: str, moves: Sequence[Event]) -> list[Event]:
    """``moves`` (one step's travel) with every path cut before the first full cell."""
    w = state.worlds.get(world)
    store = w.store if w is not None else None
    if store is None or w.space is None:
        return list(moves)
    space = w.space
    occupancy = Counter(space.positions.values())
    out: list[Event] = []
    for e in moves:
        if not isinstance(e, AgentMoved):
            out.append(e)
            continue
        start = tuple(e.from_cell)
        occupancy[start] -= 1
        path: list[list[int]] = []
        blocked = None
        for cell in e.path:
            c = tuple(cell)
            if occupancy[c] >= store.cell_capacity(space.map.zone_at(c)):
                blocked = c
                break
            path.append(list(c))
        to = tuple(path[-1]) if path else start
        occupancy[to] += 1
        if blocked is None:
            out.append(e)
            continue
        out.append(e.model_copy(update={"path": path, "to_cell": list(to), "zone": space.map.zone_at(to),
                                        "arrived": False}))
        out.append(MoveBlocked(world=world, agent=e.agent, cell=list(blocked)))
    return out
