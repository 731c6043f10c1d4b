"""Pathfinding and maps on small known maps: walls, unreachable cells, flow fields, A*, detours,
line of sight, and one-line errors for bad maps."""

from __future__ import annotations

import random

import pytest

from troupe_es.errors import MapError, UnreachableError
from troupe_es.space import astar, distance_field, in_sight, next_steps, parse_map
from troupe_es.space.grid import map_from_json
from troupe_es.space.paths import UNREACHABLE, _bfs, _compute, detour_waypoint, field_for, path_length

ROOM = """\
#######
#A....#
#.###.#
#.#V#.#
#.###.#
#....B#
#######

A = zone alpha
B = zone beta
V = zone vault
"""


@pytest.fixture()
def room():
    return parse_map(ROOM, "room.txt")


def test_a_distance_field_counts_moves_around_walls(room):
    field = distance_field(room, room.approach("beta"))
    assert field[5, 5] == 0
    assert field[1, 1] == 8  # around the block: 4 right + 4 down (or down then right)
    assert field[1, 5] == 4 and field[5, 1] == 4
    assert field[0, 0] == UNREACHABLE  # a wall
    assert field[3, 3] == UNREACHABLE  # the walled-in vault


def test_next_steps_walk_down_the_field_and_stop_at_the_target(room):
    field = field_for(room, room.approach("beta"))
    steps = next_steps(field, (1, 1), 3)
    assert steps == [(2, 1), (3, 1), (4, 1)]  # ties go north, east, south, west: east beats south
    assert len(next_steps(field, (1, 1), 100)) == 8
    assert next_steps(field, (1, 1), 100)[-1] == (5, 5)
    assert next_steps(field, (5, 5), 3) == []  # already there
    assert next_steps(distance_field(room, [(5, 5)]), (1, 1), 2) == [(2, 1), (3, 1)]  # arrays work too
    assert next_steps(field_for(room, room.approach("vault")), (1, 1), 3) == []  # unreachable


def test_astar_finds_a_shortest_path_and_refuses_unreachable_goals(room):
    path = astar(room, (1, 1), (5, 5))
    assert path[0] == (1, 1) and path[-1] == (5, 5) and len(path) == 9
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in zip(path, path[1:]))
    assert all(room.is_walkable(c) for c in path)
    with pytest.raises(UnreachableError, match="walls cut it off"):
        astar(room, (1, 1), (3, 3))
    with pytest.raises(UnreachableError, match="not a walkable cell"):
        astar(room, (1, 1), (0, 0))


def test_the_tcod_field_equals_the_pure_python_search():
    rng = random.Random(3)
    rows = ["".join("#" if rng.random() < 0.3 else "." for _ in range(40)) for _ in range(25)]
    gmap = map_from_json({"rows": rows, "legend": {}}, "random.json")
    targets = [(x, y) for y, row in enumerate(rows) for x, c in enumerate(row) if c == "."][:3]
    fast = _compute(gmap, targets)
    assert fast.ravel().tolist() == _bfs(gmap, targets)
    for _ in range(20):
        a = rng.choice([(x, y) for y, row in enumerate(rows) for x, c in enumerate(row) if c == "."])
        b = targets[0]
        d = path_length(gmap, a, [b])
        if d < UNREACHABLE:
            assert len(astar(gmap, a, b)) == d + 1
        else:
            with pytest.raises(UnreachableError):
                astar(gmap, a, b)


def test_fields_are_cached_per_map_version_and_destination(room):
    assert field_for(room, room.approach("beta")) is field_for(room, list(reversed(room.approach("beta"))))
    other = parse_map(ROOM.replace("#.###.#\n#.#V", "#..##.#\n#.#V"), "room2.txt")
    assert other.digest != room.digest
    assert field_for(other, [(5, 5)]) is not field_for(room, [(5, 5)])


def test_a_detour_waypoint_makes_the_path_about_the_ratio_longer():
    gmap = parse_map("\n".join(["." * 30] * 20), "open.txt")
    rng = random.Random(1)
    start, goal = (0, 10), (29, 10)
    via = detour_waypoint(gmap, start, [goal], 0.28, rng)
    assert via is not None
    total = path_length(gmap, start, [via]) + path_length(gmap, via, [goal])
    assert abs(total - round(29 * 1.28)) <= 1
    assert detour_waypoint(gmap, start, [goal], 0.0, rng) is None
    assert via == detour_waypoint(gmap, start, [goal], 0.28, random.Random(1))  # seeded: reproducible


def test_walls_block_the_line_of_sight(room):
    assert in_sight(room, (1, 1), (5, 1), 10)
    assert not in_sight(room, (1, 1), (5, 5), 10)  # the block in the middle
    assert not in_sight(room, (1, 1), (5, 1), 3)  # too far


@pytest.mark.parametrize("text, problem", [
    ("#..#\n#.X#\n", "room.txt: line 2, column 3: unknown tile 'X'"),
    ("#..#\n\nK = place kitchen\n", "room.txt: line 3: legend lines read"),
    ("#..#\n\nK = zone kitchen\n", "room.txt: legend: zone 'kitchen' is declared but not on the map"),
    ("####\n####\n", "room.txt: the map has no floor"),
    ("#KK#\n#JJ#\n\nK = zone kitchen\nJ = zone Kitchen\n", "the name 'Kitchen' is used twice"),
    ('{"width": 3, "height": 2, "zones": {"k": [[5, 5]]}}', "room.txt: zones.k: cell (5, 5) is outside the 3x2 map"),
    ('{"width": 3, "height": 2', "room.txt: line 1, column"),
])
def test_bad_maps_give_one_line_naming_file_line_and_column(text, problem):
    with pytest.raises(MapError) as info:
        parse_map(text, "room.txt")
    assert problem in str(info.value)
    assert "\n" not in str(info.value)


def test_json_maps_with_rectangles_match_text_maps():
    data = {"width": 7, "height": 3, "walls": [[0, 0, 6, 0], [0, 2, 6, 2], [0, 1], [6, 1]],
            "zones": {"alpha": [[1, 1]]}, "objects": {"desk": [[3, 1]]}}
    gmap = map_from_json(data, "m.json")
    assert gmap.rows == ("#######", "#A.B..#", "#######")
    assert gmap.zone_at((1, 1)) == "alpha" and gmap.zone_at((2, 1)) is None
    assert not gmap.is_walkable((3, 1))  # objects are solid; agents walk up to them
    assert gmap.approach("desk") == ((2, 1), (4, 1))
    assert gmap.find("The Desk") == "desk"
