"""The 2-D spatial world's kernel: grid maps, pathfinding and perception by distance.

Pure functions over an immutable :class:`GridMap`; numpy and tcod are imported lazily. See
``docs/space.md``.
"""

from __future__ import annotations

from troupe_es.space.grid import GridMap, grid_map, parse_map
from troupe_es.space.paths import UNREACHABLE, astar, detour_waypoint, distance_field, field_for, next_steps, path_length
from troupe_es.space.sight import distance, in_earshot, in_sight, line

__all__ = ["GridMap", "UNREACHABLE", "astar", "detour_waypoint", "distance", "distance_field", "field_for",
           "grid_map", "in_earshot", "in_sight", "line", "next_steps", "parse_map", "path_length"]
