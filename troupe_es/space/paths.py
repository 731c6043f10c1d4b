"""Pathfinding on a :class:`~troupe_es.space.grid.GridMap` (4-neighbourhood, one cell per move).

The small interface every caller uses:

- :func:`distance_field` ``(map, target_cells) -> numpy int32 array [y, x]``: the number of
  moves from each cell to the nearest target (:data:`UNREACHABLE` where no path leads). Fields
  are cached per (map version, targets) in a bounded LRU, so one field serves every agent going
  to the same place. Computed by ``tcod``'s C Dijkstra when it is installed, else by a pure
  Python breadth-first search (identical results).
- :func:`next_steps` ``(field, start, cells) -> [cell, ...]``: up to ``cells`` moves down the
  field (a flow field: ties go north, east, south, west, in that order).
- :func:`astar` ``(map, a, b) -> [a, ..., b]``: one shortest path (A*, Manhattan heuristic);
  :class:`~troupe_es.errors.UnreachableError` when walls cut ``b`` off.
- :func:`detour_waypoint`: a bounded-rational path's intermediate cell, chosen so the whole path
  is about ``1 + ratio`` times the shortest (shoppers walk ~28% more than needed).

Everything is a pure function of its arguments; numpy and tcod are imported lazily.
"""

from __future__ import annotations

import heapq
import random
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from troupe_es.errors import UnreachableError
from troupe_es.space.grid import GridMap

if TYPE_CHECKING:
    import numpy as np

Cell = tuple[int, int]
UNREACHABLE = 2**31 - 1
"""A distance field's value where no path leads to the targets."""
FIELD_CACHE_SIZE = 256
"""Distance fields kept (per map version and target set)."""

_FIELDS: OrderedDict[tuple[str, tuple[Cell, ...]], "Field"] = OrderedDict()
_RECENT: dict[tuple[int, int], tuple[Any, Any, "Field"]] = {}  # (id(map), id(targets)) -> (map, targets, field)
_COSTS: dict[str, Any] = {}


class Field:
    """A cached distance field and its flow (each cell's next cell towards the targets)."""

    __slots__ = ("array", "flat", "flow", "width")

    def __init__(self, array: "np.ndarray", width: int) -> None:
        self.array = array
        self.width = width
        self.flat: list[int] = array.ravel().tolist()
        self.flow = _flow(array)

    def distance(self, cell: Cell) -> int:
        return self.flat[cell[1] * self.width + cell[0]]


def backend() -> str:
    """``tcod`` when its C pathfinding is importable, else ``python``."""
    try:
        import tcod.path  # noqa: F401
    except ImportError:  # pragma: no cover - tcod is a dependency
        return "python"
    return "tcod"


def _cost(gmap: GridMap) -> "np.ndarray":
    import numpy as np

    cost = _COSTS.get(gmap.digest)
    if cost is None:
        cost = np.array(gmap.walkable, dtype=np.int8).reshape(gmap.height, gmap.width)
        if len(_COSTS) > 16:
            _COSTS.clear()
        _COSTS[gmap.digest] = cost
    return cost


def _compute(gmap: GridMap, targets: Sequence[Cell]) -> "np.ndarray":
    import numpy as np

    cost = _cost(gmap)
    if backend() == "tcod":
        from tcod.path import dijkstra2d

        dist = np.full((gmap.height, gmap.width), UNREACHABLE, dtype=np.int32)
        for x, y in targets:
            dist[y, x] = 0
        dijkstra2d(dist, cost, 1, 0, out=dist)
        return dist
    return np.array(_bfs(gmap, targets), dtype=np.int32).reshape(gmap.height, gmap.width)


def _bfs(gmap: GridMap, targets: Sequence[Cell]) -> list[int]:
    """Breadth-first distances (pure Python; the fallback and the tests' reference)."""
    w, walk = gmap.width, gmap.walkable
    n = len(walk)
    dist = [UNREACHABLE] * n
    queue: deque[int] = deque()
    for x, y in targets:
        i = y * w + x
        if dist[i]:
            dist[i] = 0
            queue.append(i)
    while queue:
        i = queue.popleft()
        d = dist[i] + 1
        x = i % w
        for j in (i - w, i + 1 if x < w - 1 else -1, i + w, i - 1 if x > 0 else -1):
            if 0 <= j < n and walk[j] and dist[j] > d:
                dist[j] = d
                queue.append(j)
    return dist


def _flow(dist: "np.ndarray") -> list[int]:
    """Each cell's next flat index down the field (itself at a target or where none is lower).
    Ties go north, east, south, west."""
    import numpy as np

    h, w = dist.shape
    padded = np.full((h + 2, w + 2), UNREACHABLE, dtype=np.int32)
    padded[1:-1, 1:-1] = dist
    best = dist.copy()
    step = np.zeros((h, w), dtype=np.int32)
    for dy, dx, offset in ((-1, 0, -w), (0, 1, 1), (1, 0, w), (0, -1, -1)):
        around = padded[1 + dy:h + 1 + dy, 1 + dx:w + 1 + dx]
        better = around < best
        np.copyto(best, around, where=better)
        step[better] = offset
    step += np.arange(h * w, dtype=np.int32).reshape(h, w)
    return step.ravel().tolist()


def field_for(gmap: GridMap, targets: Iterable[Cell]) -> Field:
    """The cached :class:`Field` towards ``targets`` (computed on a miss). Passing the same
    targets object again (e.g. ``GridMap.approach``'s tuple) is a constant-time hit."""
    recent = _RECENT.get((id(gmap), id(targets)))
    if recent is not None and recent[0] is gmap and recent[1] is targets:
        return recent[2]
    found = _field(gmap, targets)
    if isinstance(targets, tuple):
        if len(_RECENT) > FIELD_CACHE_SIZE:
            _RECENT.clear()
        _RECENT[(id(gmap), id(targets))] = (gmap, targets, found)  # both kept alive: ids stay unique
    return found


def _field(gmap: GridMap, targets: Iterable[Cell]) -> Field:
    key = (gmap.digest, tuple(sorted(set(targets))))
    found = _FIELDS.get(key)
    if found is not None:
        _FIELDS.move_to_end(key)
        return found
    for cell in key[1]:
        if not gmap.inside(cell):
            raise UnreachableError(f"target cell {cell} is outside the {gmap.width}x{gmap.height} map")
    found = _FIELDS[key] = Field(_compute(gmap, key[1]), gmap.width)
    if len(_FIELDS) > FIELD_CACHE_SIZE:
        _FIELDS.popitem(last=False)
    return found


def distance_field(gmap: GridMap, targets: Iterable[Cell]) -> "np.ndarray":
    """Moves from every cell to the nearest of ``targets`` (``[y, x]``; :data:`UNREACHABLE`
    where walls cut a cell off). Cached; do not modify the array."""
    return field_for(gmap, targets).array


def next_steps(field: Any, start: Cell, cells: int) -> list[Cell]:
    """Up to ``cells`` moves from ``start`` down ``field`` (a :class:`Field`, or an array from
    :func:`distance_field`): the cells entered, in order; fewer when a target is reached, none
    when ``start`` cannot reach one."""
    if not isinstance(field, Field):
        found = next((f for f in reversed(_FIELDS.values()) if f.array is field), None)
        field = found if found is not None else Field(field, int(field.shape[1]))
    w, flow, flat = field.width, field.flow, field.flat
    i = start[1] * w + start[0]
    if flat[i] >= UNREACHABLE:
        return []
    out: list[Cell] = []
    for _ in range(cells):
        j = flow[i]
        if j == i:
            break
        i = j
        out.append((i % w, i // w))
    return out


def path_length(gmap: GridMap, start: Cell, targets: Iterable[Cell]) -> int:
    """Moves from ``start`` to the nearest target (:data:`UNREACHABLE` when none can be reached)."""
    return field_for(gmap, targets).distance(start)


def astar(gmap: GridMap, a: Cell, b: Cell) -> list[Cell]:
    """A shortest path from ``a`` to ``b``, both ends included (A*, Manhattan heuristic,
    deterministic tie-breaks). :class:`UnreachableError` when there is none."""
    for name, cell in (("start", a), ("goal", b)):
        if not gmap.is_walkable(cell):
            raise UnreachableError(f"{name} cell {cell} is not a walkable cell of the map")
    if backend() == "tcod":
        from tcod.path import path2d

        found = path2d(_cost(gmap), start_points=[(a[1], a[0])], end_points=[(b[1], b[0])], cardinal=1, diagonal=0)
        if len(found) == 0:
            raise UnreachableError(f"no path from {a} to {b}: walls cut it off")
        return [(int(x), int(y)) for y, x in found.tolist()]
    return astar_python(gmap, a, b)


def astar_python(gmap: GridMap, a: Cell, b: Cell) -> list[Cell]:
    """:func:`astar` in pure Python (the fallback; the tests' reference)."""
    w, walk = gmap.width, gmap.walkable
    goal = b[1] * w + b[0]
    start = a[1] * w + a[0]
    came: dict[int, int] = {start: start}
    cost = {start: 0}
    heap = [(abs(a[0] - b[0]) + abs(a[1] - b[1]), 0, start)]
    while heap:
        _, g, i = heapq.heappop(heap)
        if i == goal:
            path = [i]
            while path[-1] != start:
                path.append(came[path[-1]])
            return [(j % w, j // w) for j in reversed(path)]
        if g > cost[i]:
            continue
        x, y = i % w, i // w
        for nx, ny in ((x, y - 1), (x + 1, y), (x, y + 1), (x - 1, y)):
            if 0 <= nx < w and 0 <= ny < gmap.height and walk[ny * w + nx]:
                j = ny * w + nx
                if g + 1 < cost.get(j, UNREACHABLE):
                    cost[j] = g + 1
                    came[j] = i
                    heapq.heappush(heap, (g + 1 + abs(nx - b[0]) + abs(ny - b[1]), g + 1, j))
    raise UnreachableError(f"no path from {a} to {b}: walls cut it off")


def detour_waypoint(gmap: GridMap, start: Cell, targets: Sequence[Cell], ratio: float,
                    rng: random.Random) -> Cell | None:
    """A cell to pass on the way from ``start`` to ``targets`` so the whole path is about
    ``(1 + ratio)`` times the shortest (None when ``ratio`` is 0, the targets are unreachable
    or no cell fits). ``rng`` (seeded by the caller, whose events record the result) picks among
    the fitting cells."""
    import numpy as np

    to_goal = field_for(gmap, targets).array
    shortest = int(to_goal[start[1], start[0]])
    if ratio <= 0 or shortest >= UNREACHABLE or shortest < 2:
        return None
    from_start = field_for(gmap, [start]).array
    total = from_start.astype(np.int64) + to_goal
    wanted = round(shortest * (1 + ratio))
    fits = np.argwhere(np.abs(total - wanted) <= max(1, shortest // 20))
    if len(fits) == 0:
        return None
    y, x = fits[rng.randrange(len(fits))].tolist()
    return (int(x), int(y))
