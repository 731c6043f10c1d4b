"""Space benchmark: distance fields and agent moves on a 140x100 map (Generative Agents' town).

Prints: the time to build one distance field (tcod's C Dijkstra and the pure-Python fallback),
the time for 1,000 agent moves (``speed`` cells each) with cached fields, and one A* query.
Targets (issue 12): one field <= 2 ms; 1,000 moves <= 5 ms. Run:
``python benchmarks/bench_space.py``.
"""

from __future__ import annotations

import random
import time

from troupe_es.space import astar, next_steps
from troupe_es.space.grid import map_from_json
from troupe_es.space.paths import _FIELDS, Field, _bfs, _compute, field_for

WIDTH, HEIGHT, SPEED = 140, 100, 3


def town() -> object:
    """A 140x100 town: a grid of walled blocks with doors, and twelve zones."""
    walls, zones = [], {}
    for bx in range(0, WIDTH - 20, 23):
        for by in range(0, HEIGHT - 15, 19):
            x0, y0, x1, y1 = bx + 3, by + 3, bx + 18, by + 14
            walls += [[x0, y0, x1, y0], [x0, y1, x1, y1], [x0, y0, x0, y1], [x1, y0, x1, y1]]
            if len(zones) < 12:
                zones[f"building {len(zones) + 1}"] = [[x0 + 1, y0 + 1, x1 - 1, y1 - 1], [x0 + 7, y1, x0 + 8, y1]]
    return map_from_json({"width": WIDTH, "height": HEIGHT, "walls": walls, "zones": zones}, "bench town")


def best(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    gmap = town()
    targets = gmap.approach("building 5")
    floor = [(i % WIDTH, i // WIDTH) for i, ok in enumerate(gmap.walkable) if ok]
    print(f"map {WIDTH}x{HEIGHT}, {len(floor)} walkable cells, {len(gmap.zones())} zones")
    tcod_ms = best(lambda: _compute(gmap, targets))
    python_ms = best(lambda: _bfs(gmap, targets), 5)
    field_ms = best(lambda: Field(_compute(gmap, targets), WIDTH))
    print(f"one distance field (tcod Dijkstra):       {tcod_ms:7.3f} ms")
    print(f"one distance field (pure Python BFS):     {python_ms:7.3f} ms")
    print(f"one field with its flow (what is cached): {field_ms:7.3f} ms")
    rng = random.Random(1)
    agents = [rng.choice(floor) for _ in range(1000)]
    goals = [gmap.approach(z) for z in gmap.zones()]
    plan = [goals[i % len(goals)] for i in range(1000)]
    _FIELDS.clear()
    for g in goals:
        field_for(gmap, g)

    def moves() -> None:
        for start, goal in zip(agents, plan):
            next_steps(field_for(gmap, goal), start, SPEED)

    print(f"1,000 agent moves ({SPEED} cells, cached fields): {best(moves):7.3f} ms")
    a, b = floor[0], floor[-1]
    print(f"one A* query corner to corner:            {best(lambda: astar(gmap, a, b), 5):7.3f} ms")


if __name__ == "__main__":
    main()
