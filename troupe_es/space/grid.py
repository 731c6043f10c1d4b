"""Grid maps: parsing text and JSON tile maps into one canonical, hashable :class:`GridMap`.

A map is ``rows`` of tile characters and a ``legend`` naming the letters. ``#`` is a wall, ``.``
floor and a space void (a wall); every other character must be declared in the legend as a
``zone`` (walkable cells that share a name: ``kitchen``) or an ``object`` (solid cells agents
walk up to: ``coffee machine``).

Text format (``.txt``)::

    ##########
    #KK..#.c.#
    #KK..#...#
    #....E...#
    ##########

    K = zone kitchen
    E = zone entrance
    c = object coffee machine

Tile rows come first; the legend follows after a blank line (``X = zone NAME`` or ``X = object
NAME``). JSON format (``.json``): ``{"width": W, "height": H, "walls": [[x0, y0, x1, y1], ...],
"zones": {"kitchen": [[x0, y0, x1, y1], ...]}, "objects": {"coffee machine": [[x, y], ...]}}``
with inclusive rectangles (a ``[x, y]`` pair is one cell), or ``{"rows": [...], "legend":
{"K": ["zone", "kitchen"]}}``.

Coordinates are ``(x, y)``: column, row, from the top-left corner at ``(0, 0)``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from troupe_es.errors import MapError

WALL, FLOOR, VOID = "#", ".", " "
KINDS = ("zone", "object")
MAX_SIDE = 2000
"""Largest width or height a map may have."""
_SPARE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class GridMap:
    """A tile map: ``rows`` (equal-length strings) and ``legend`` ((char, kind, name) triples,
    sorted by char). Immutable and hashable; derived lookups are computed once per map."""

    rows: tuple[str, ...]
    legend: tuple[tuple[str, str, str], ...] = ()

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)

    @cached_property
    def digest(self) -> str:
        """The map's content hash: its version in caches (same tiles, same digest)."""
        from troupe_es.events.canonical import sha256_hex

        return sha256_hex(json.dumps([list(self.rows), [list(x) for x in self.legend]], separators=(",", ":")))

    @cached_property
    def _kinds(self) -> dict[str, tuple[str, str]]:
        return {char: (kind, name) for char, kind, name in self.legend}

    @cached_property
    def walkable(self) -> tuple[bool, ...]:
        """Flat (``y * width + x``) walkability: floor and zone cells."""
        kinds = self._kinds
        return tuple(c == FLOOR or kinds.get(c, ("",))[0] == "zone" for row in self.rows for c in row)

    @cached_property
    def opaque(self) -> tuple[bool, ...]:
        """Flat: cells that block the line of sight (walls and void)."""
        return tuple(c in (WALL, VOID) for row in self.rows for c in row)

    @cached_property
    def places(self) -> dict[str, tuple[str, tuple[tuple[int, int], ...]]]:
        """Zone and object name → (kind, cells in reading order)."""
        cells: dict[str, list[tuple[int, int]]] = {name: [] for _, _, name in self.legend}
        kinds = self._kinds
        for y, row in enumerate(self.rows):
            for x, c in enumerate(row):
                if c in kinds:
                    cells[kinds[c][1]].append((x, y))
        return {name: (kind, tuple(cells[name])) for _, kind, name in self.legend}

    @cached_property
    def _folded(self) -> dict[str, str]:
        return {fold(name): name for name in self.places}

    def zones(self) -> list[str]:
        """Zone names, in legend order."""
        return [name for _, kind, name in self.legend if kind == "zone"]

    def objects(self) -> list[str]:
        """Object names, in legend order."""
        return [name for _, kind, name in self.legend if kind == "object"]

    def find(self, name: str) -> str | None:
        """The zone or object called ``name`` (case and spacing ignored), or None."""
        return self._folded.get(fold(name))

    def inside(self, cell: tuple[int, int]) -> bool:
        x, y = cell
        return 0 <= x < self.width and 0 <= y < self.height

    def is_walkable(self, cell: tuple[int, int]) -> bool:
        return self.inside(cell) and self.walkable[cell[1] * self.width + cell[0]]

    def zone_at(self, cell: tuple[int, int]) -> str | None:
        """The zone a cell belongs to (None: plain floor, wall or outside)."""
        if not self.inside(cell):
            return None
        kind = self._kinds.get(self.rows[cell[1]][cell[0]])
        return kind[1] if kind and kind[0] == "zone" else None

    @cached_property
    def _approaches(self) -> dict[str, tuple[tuple[int, int], ...]]:
        return {}

    def approach(self, name: str) -> tuple[tuple[int, int], ...]:
        """The cells where an agent is *at* a place: a zone's cells, or the walkable cells next
        to an object's (4-neighbourhood), in reading order (the same tuple every time, so
        pathfinding finds its cached field at once)."""
        found = self._approaches.get(name)
        if found is None:
            found = self._approaches[name] = self._approach(name)
        return found

    def _approach(self, name: str) -> tuple[tuple[int, int], ...]:
        kind, cells = self.places[name]
        if kind == "zone":
            return cells
        out = {(x + dx, y + dy) for x, y in cells for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0))}
        return tuple(sorted((c for c in out if self.is_walkable(c)), key=lambda c: (c[1], c[0])))

    def to_record(self) -> dict[str, Any]:
        """The JSON-compatible content ``MapLoaded`` records."""
        return {"rows": list(self.rows), "legend": {c: [k, n] for c, k, n in self.legend}}


def fold(name: str) -> str:
    """A place name compared loosely: lower case, single spaces, no leading article or quotes."""
    text = " ".join(name.strip().strip("\"'").lower().split())
    for article in ("the ", "a ", "an "):
        if text.startswith(article):
            text = text[len(article):]
    return text


_MAPS: OrderedDict[tuple, GridMap] = OrderedDict()


def grid_map(rows: Any, legend: Any) -> GridMap:
    """The :class:`GridMap` of recorded ``rows`` and ``legend`` (``{char: [kind, name]}``),
    shared between states (its derived lookups are computed once)."""
    key = (tuple(rows), tuple(sorted((c, k, n) for c, (k, n) in dict(legend).items())))
    found = _MAPS.get(key)
    if found is None:
        found = _MAPS[key] = GridMap(*key)
        if len(_MAPS) > 32:
            _MAPS.popitem(last=False)
    return found


def parse_map(text: str, where: str) -> GridMap:
    """A map from a file's text: JSON when it starts with ``{``, the text format otherwise.
    :class:`MapError` (one line naming ``where``, the line and the column) on any problem."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MapError(f"{where}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
        return map_from_json(data, where)
    return parse_text_map(text, where)


def parse_text_map(text: str, where: str) -> GridMap:
    """A map from the text format (see the module docstring)."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    tiles, rest = lines[:end], lines[end:]
    first = len(text.replace("\r\n", "\n").split("\n")) - len(lines)  # blank lines skipped at the top
    if not tiles:
        raise MapError(f"{where}: the map has no tile rows")
    legend: dict[str, tuple[str, str]] = {}
    for offset, line in enumerate(rest):
        number = first + end + offset + 1
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        char, sep, spec = line.strip().partition("=")
        char, words = char.strip(), spec.split(None, 1)
        if not sep or len(char) != 1 or len(words) != 2 or words[0] not in KINDS:
            raise MapError(f"{where}: line {number}: legend lines read 'X = zone NAME' or 'X = object NAME', "
                           f"got {line.strip()!r}")
        if char in (WALL, FLOOR):
            raise MapError(f"{where}: line {number}, column 1: {char!r} is built in (# wall, . floor)")
        if char in legend:
            raise MapError(f"{where}: line {number}, column 1: {char!r} is declared twice")
        legend[char] = (words[0], " ".join(words[1].split()))
    width = max(len(row.rstrip()) for row in tiles)
    for y, row in enumerate(tiles):
        for x, c in enumerate(row.rstrip()):
            if c not in (WALL, FLOOR, VOID) and c not in legend:
                raise MapError(f"{where}: line {first + y + 1}, column {x + 1}: unknown tile {c!r} "
                               "(declare it in the legend after a blank line: 'X = zone NAME')")
    rows = [row.rstrip().ljust(width, VOID) for row in tiles]
    return _checked(rows, legend, where)


def _cells(spec: Any, where: str, path: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if spec == []:
        return out
    items = spec if isinstance(spec, list) and spec and isinstance(spec[0], list) else [spec]
    for i, item in enumerate(items):
        if not isinstance(item, list) or len(item) not in (2, 4) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in item):
            raise MapError(f"{where}: {path}[{i}]: expected [x, y] or [x0, y0, x1, y1] (integers), got {item!r}")
        x0, y0, x1, y1 = item if len(item) == 4 else item * 2
        out += [(x, y) for y in range(min(y0, y1), max(y0, y1) + 1) for x in range(min(x0, x1), max(x0, x1) + 1)]
    return out


def map_from_json(data: Any, where: str) -> GridMap:
    """A map from the JSON format (see the module docstring)."""
    if not isinstance(data, dict):
        raise MapError(f"{where}: expected a JSON object")
    if "rows" in data:
        legend = data.get("legend") or {}
        if not isinstance(data["rows"], list) or not all(isinstance(r, str) for r in data["rows"]) \
                or not isinstance(legend, dict):
            raise MapError(f"{where}: rows must be a list of strings and legend an object")
        parsed = {}
        for char, spec in legend.items():
            if len(char) != 1 or not isinstance(spec, list) or len(spec) != 2 or spec[0] not in KINDS:
                raise MapError(f"{where}: legend.{char}: expected [\"zone\" or \"object\", NAME]")
            parsed[char] = (spec[0], str(spec[1]))
        return parse_text_map("\n".join(data["rows"]) + "\n\n" + "\n".join(
            f"{c} = {k} {n}" for c, (k, n) in parsed.items()), where)
    unknown = set(data) - {"width", "height", "walls", "zones", "objects"}
    if unknown:
        raise MapError(f"{where}: unknown field {sorted(unknown)[0]!r} (use width, height, walls, zones, objects)")
    width, height = data.get("width"), data.get("height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 1 or height < 1:
        raise MapError(f"{where}: width and height must be positive integers")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise MapError(f"{where}: the map is {width}x{height}; at most {MAX_SIDE} cells a side")
    grid = [[FLOOR] * width for _ in range(height)]
    legend: dict[str, tuple[str, str]] = {}

    def paint(cells: list[tuple[int, int]], char: str, path: str) -> None:
        for x, y in cells:
            if not (0 <= x < width and 0 <= y < height):
                raise MapError(f"{where}: {path}: cell ({x}, {y}) is outside the {width}x{height} map")
            grid[y][x] = char

    paint(_cells(data.get("walls") or [], where, "walls"), WALL, "walls")
    for kind in ("zones", "objects"):
        places = data.get(kind) or {}
        if not isinstance(places, dict):
            raise MapError(f"{where}: {kind}: expected an object of NAME: cells")
        for name, spec in places.items():
            if len(legend) >= len(_SPARE):
                raise MapError(f"{where}: at most {len(_SPARE)} zones and objects in all")
            char = _SPARE[len(legend)]
            legend[char] = (kind[:-1], " ".join(str(name).split()))
            paint(_cells(spec, where, f"{kind}.{name}"), char, f"{kind}.{name}")
    return _checked(["".join(row) for row in grid], legend, where)


def _checked(rows: list[str], legend: dict[str, tuple[str, str]], where: str) -> GridMap:
    if len(rows) > MAX_SIDE or len(rows[0]) > MAX_SIDE:
        raise MapError(f"{where}: the map is {len(rows[0])}x{len(rows)}; at most {MAX_SIDE} cells a side")
    names: dict[str, str] = {}
    for char, (kind, name) in legend.items():
        if not name:
            raise MapError(f"{where}: legend {char!r}: the {kind} needs a name")
        if fold(name) in names:
            raise MapError(f"{where}: legend {char!r}: the name {name!r} is used twice")
        names[fold(name)] = char
    gmap = grid_map(rows, {c: list(v) for c, v in legend.items()})
    if not any(gmap.walkable):
        raise MapError(f"{where}: the map has no floor (.) or zone cells to stand on")
    for name, (kind, cells) in gmap.places.items():
        if not cells:
            raise MapError(f"{where}: legend: {kind} {name!r} is declared but not on the map")
    return gmap
