"""Perception by distance on a grid map: who is heard (within a radius) and what is seen
(within a radius and a line of sight that walls block, traced with Bresenham's line)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from troupe_es.space.grid import GridMap

Cell = tuple[int, int]


def distance(a: Cell, b: Cell) -> float:
    """Straight-line (Euclidean) distance between two cells."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


def line(a: Cell, b: Cell) -> Iterator[Cell]:
    """The cells of Bresenham's line from ``a`` to ``b``, both ends included."""
    x0, y0 = a
    x1, y1 = b
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    while True:
        yield (x0, y0)
        if (x0, y0) == (x1, y1):
            return
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy


def in_sight(gmap: GridMap, a: Cell, b: Cell, radius: float) -> bool:
    """Whether ``b`` is seen from ``a``: within ``radius`` and no wall strictly between them
    (the line is traced both ways, so sight is symmetric)."""
    if distance(a, b) > radius:
        return False
    opaque, w = gmap.opaque, gmap.width
    for start, end in ((a, b), (b, a)):
        if all(not opaque[y * w + x] for x, y in line(start, end) if (x, y) not in (a, b)):
            return True
    return False


def in_earshot(a: Cell, b: Cell, radius: float) -> bool:
    """Whether ``b`` hears ``a`` (within ``radius`` cells; walls do not stop sound)."""
    return distance(a, b) <= radius


def sees_place(gmap: GridMap, a: Cell, cells: tuple[Cell, ...], radius: float) -> Cell | None:
    """The nearest of a place's ``cells`` seen from ``a`` (None: none is)."""
    for cell in sorted(cells, key=lambda c: (distance(a, c), c[1], c[0])):
        if distance(a, cell) > radius:
            return None
        if in_sight(gmap, a, cell, radius):
            return cell
    return None
