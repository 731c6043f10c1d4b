"""Space events: a grid world's map, where agents are, where they travel and what they see."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from annotated_types import MaxLen, MinLen
from pydantic import Field

from troupe_es.events.base import Event

Cell = Annotated[list[int], MinLen(2), MaxLen(2)]
"""A cell as ``[x, y]``: column and row from the top-left corner."""


class MapLoaded(Event):
    """A grid world's map and perception settings. The map's content is recorded itself, so
    replay, time travel and forks never read the map file again."""

    type: Literal["MapLoaded"] = "MapLoaded"
    world: str
    source: str = Field(description="The map file as the scenario names it (for display only).")
    rows: list[str] = Field(description="Tile rows: '#' wall, '.' floor, ' ' void, legend letters.")
    legend: dict[str, list[str]] = Field(description="Tile letter -> [kind ('zone' or 'object'), name].")
    digest: str = Field(description="sha256 of rows and legend: the map's version in caches.")
    hearing_radius: float = Field(gt=0, description="Cells within which a TALK is heard.")
    sight: float = Field(ge=0, description="Cells within which agents and objects are seen (walls block).")
    speed: int = Field(ge=1, description="Cells an agent travels per simulated step.")
    detour: float = Field(default=0.0, ge=0, description="Bounded-rational paths: extra length ratio.")


class AgentPlaced(Event):
    """An agent was put on a cell of a grid world's map (its start position)."""

    type: Literal["AgentPlaced"] = "AgentPlaced"
    world: str
    agent: str
    cell: Cell = Field(description="(x, y): column and row from the top-left corner.")
    zone: str | None = None


class TravelStarted(Event):
    """An agent's MOVE_TO set a travel target; it moves ``speed`` cells per step until there."""

    type: Literal["TravelStarted"] = "TravelStarted"
    world: str
    agent: str
    target: str = Field(description="The zone, object or agent name, or 'x,y'.")
    kind: Literal["zone", "object", "agent", "cell"]
    distance: int = Field(ge=0, description="Shortest path length in cells at the start.")
    via: Cell | None = Field(default=None, description="A detour's waypoint (bounded-rational path), drawn "
                             "from the run's seeded stream.")


class AgentMoved(Event):
    """One simulated step of an agent's travel: from one cell to another along the path."""

    type: Literal["AgentMoved"] = "AgentMoved"
    world: str
    agent: str
    from_cell: Cell
    to_cell: Cell
    path: list[Cell] = Field(default_factory=list, description="The cells entered this step, in order.")
    zone: str | None = Field(default=None, description="The zone of to_cell (None: plain floor).")
    target: str | None = None
    arrived: bool = False


class MoveRejected(Event):
    """A MOVE_TO could not be followed (unknown place, unreachable, already there); the agent
    perceives the reason as feedback in its next turn."""

    type: Literal["MoveRejected"] = "MoveRejected"
    world: str
    agent: str
    target: str
    reason: str


class AgentLooked(Event):
    """An agent looked around (LOOK): what it saw, and where (its spatial memory)."""

    type: Literal["AgentLooked"] = "AgentLooked"
    world: str
    agent: str
    cell: Cell
    seen: list[dict[str, Any]] = Field(default_factory=list, description=(
        "One entry per thing seen: name, kind (agent or object), cell, zone, distance."))
