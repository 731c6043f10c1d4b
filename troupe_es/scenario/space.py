"""A scenario's grid world: reading its map file once (the content goes into the scenario's
record, so replay never reads the file again), checking its settings and start positions.

``world: {kind: grid, map: maps/office.txt, hearing_radius: 5, sight: 10, speed: 3}``; each
persona may say where it starts (``position: entrance`` or ``position: [x, y]``), or the world
may (``positions: {Lisa: kitchen}``, which wins).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from troupe_es.errors import MapError, ScenarioError

GRID_ONLY = ("map", "map_content", "hearing_radius", "sight", "speed", "detour", "positions")
DEFAULTS = {"hearing_radius": 5.0, "sight": 10.0, "speed": 3, "detour": 0.0}
"""Settings of a grid world the scenario leaves out."""


def check_grid_fields(world: Any) -> None:
    """ValueError when grid settings are given to a world that is not ``kind: grid``, or a grid
    world has no map."""
    if world.kind != "grid":
        given = [name for name in GRID_ONLY if getattr(world, name) is not None]
        if given:
            raise ValueError(f"{given[0]} is only for a grid world (add kind: grid)")
        return
    if world.map is None and world.map_content is None:
        raise ValueError("a grid world needs a map: a text or JSON tile map file (docs/space.md)")


def with_map_content(raw: Any, where: str, base_dir: Path) -> Any:
    """``raw`` (a scenario file model) with its grid world's map read and parsed into
    ``world.map_content``; :class:`MapError` naming the file, line and column on a bad map."""
    world = raw.world
    if world.kind != "grid" or world.map_content is not None:
        return raw
    from troupe_es.space.grid import parse_map
    from troupe_es.textfile import read_text_file

    path = base_dir / world.map
    if not path.is_file():
        raise ScenarioError(f"{where}: world.map: map file not found: {world.map}")
    try:
        text = read_text_file(path, "map")
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: world.map: {exc}") from None
    try:
        gmap = parse_map(text, world.map)
    except MapError as exc:
        raise MapError(f"{where}: world.map: {exc}") from None
    return raw.model_copy(update={"world": world.model_copy(update={"map_content": gmap.to_record()})})


def split_positions(raw: Any, personas: tuple, where: str) -> tuple[Any, tuple]:
    """A grid world's personas' ``position`` fields moved into ``world.positions`` (where they
    are recorded; the world's own entries win), so they never reach a persona's prompt."""
    from troupe_es.scenario.scenario import ResolvedPersona

    if raw.world.kind != "grid":  # elsewhere ``position`` is an ordinary persona field
        return raw, personas
    moved = {p.name: p.persona["position"] for p in personas if "position" in p.persona}
    if not moved:
        return raw, personas
    positions = {**moved, **(raw.world.positions or {})}
    personas = tuple(ResolvedPersona(p.name, {k: v for k, v in p.persona.items() if k != "position"}, p.sources)
                     for p in personas)
    return raw.model_copy(update={"world": raw.world.model_copy(update={"positions": positions})}), personas


def map_of(world: Any, where: str = "world.map_content") -> Any:
    """The :class:`~troupe_es.space.grid.GridMap` of a grid world spec (or record dict)."""
    from troupe_es.space.grid import map_from_json

    content = world.get("map_content") if isinstance(world, dict) else world.map_content
    return map_from_json(content, where)


def start_positions(world: Any) -> dict[str, Any]:
    """Who starts where, as recorded (``world.positions``; personas' ``position`` fields were
    moved there when the scenario was loaded)."""
    positions = world.get("positions") if isinstance(world, dict) else world.positions
    return dict(positions or {})


def start_cell(gmap: Any, spec: Any, taken: int) -> tuple[int, int]:
    """The cell ``spec`` (a place name, ``[x, y]`` or None) stands for; ``taken`` agents already
    start at the same place (they spread over its cells). ValueError when it names nothing."""
    if spec is None:
        zones = gmap.zones()
        cells = gmap.approach(zones[0]) if zones else tuple(
            (i % gmap.width, i // gmap.width) for i, ok in enumerate(gmap.walkable) if ok)
        return cells[taken % len(cells)]
    if isinstance(spec, (list, tuple)):
        if len(spec) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
            raise ValueError(f"expected [x, y] or a zone or object name, got {spec!r}")
        cell = (spec[0], spec[1])
        if not gmap.is_walkable(cell):
            raise ValueError(f"cell {list(cell)} is not a floor or zone cell of the "
                             f"{gmap.width}x{gmap.height} map")
        return cell
    name = gmap.find(str(spec))
    if name is None:
        known = ", ".join(gmap.zones() + gmap.objects()) or "none"
        raise ValueError(f"no zone or object {spec!r} on the map (known: {known})")
    cells = gmap.approach(name)
    if not cells:
        raise ValueError(f"{name!r} has no free cell next to it")
    return cells[taken % len(cells)]


def check_space(scenario: Any, where: str) -> None:
    """A grid world's map content is valid and every start position names a cell of it."""
    world = scenario.world
    if world.kind != "grid":
        return
    try:
        gmap = map_of(world, world.map or "world.map_content")
    except MapError as exc:
        raise ScenarioError(f"{where}: world.map: {exc}") from None
    names = {p.name for p in scenario.personas}
    for name in world.positions or {}:
        if name not in names:
            raise ScenarioError(f"{where}: world.positions.{name}: unknown agent {name!r} "
                                f"(known: {', '.join(sorted(names))})")
    for p in scenario.personas:
        spec = (world.positions or {}).get(p.name)
        field = f"world.positions.{p.name}"
        try:
            start_cell(gmap, spec, 0)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {field}: {exc}") from None
