"""Space read model: how far each agent walked in a grid world, from its space events (a pure
fold over ``AgentPlaced``, ``TravelStarted``, ``AgentMoved`` and ``MoveRejected``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TYPES = ("AgentPlaced", "TravelStarted", "AgentMoved", "MoveRejected")
"""The event types :func:`travel_stats` reads."""


def travel_stats(records: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Per agent: travels started, moves (steps walking), cells walked, arrivals, rejected
    MOVE_TOs and the zones it entered, in order (repeats collapsed)."""
    stats: dict[str, dict[str, Any]] = {}

    def of(agent: str) -> dict[str, Any]:
        return stats.setdefault(agent, {"travels": 0, "moves": 0, "cells_walked": 0, "arrivals": 0,
                                        "rejected": 0, "zones": []})

    for rec in records:
        e = rec.event
        if e.type not in TYPES:
            continue
        s = of(e.agent)
        if e.type == "TravelStarted":
            s["travels"] += 1
        elif e.type == "MoveRejected":
            s["rejected"] += 1
        elif e.type == "AgentMoved":
            s["moves"] += 1
            s["cells_walked"] += len(e.path)
            s["arrivals"] += int(e.arrived)
        zone = getattr(e, "zone", None)
        if zone and (not s["zones"] or s["zones"][-1] != zone):
            s["zones"].append(zone)
    return stats
