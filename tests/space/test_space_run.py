"""A grid world end to end on the mock LLM, through the real CLI: agents walk (MOVE_TO), look
(LOOK), hear only within the radius; the run replays verified, ``--parallel 8`` gives the same
content hashes as ``--parallel 1``, and ``state --at P`` shows positions as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from troupe_es.snapshots import state_at
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TOWN = str(ROOT / "examples" / "town-square.yaml")


def run(path: str, store: str, *args: str) -> str:
    res = troupe("run", path, "-q", *args, store=store, timeout=600)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def records(store: str, run_id: str, *types: str) -> list:
    with open_store(store) as s:
        return list(s.read(run_id=run_id, types=list(types) or None))


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('town') / 'troupe.db'}"
    return url, run(TOWN, url, "--parallel", "1")


def test_agents_walk_along_walkable_paths_at_their_speed(town):
    url, run_id = town
    recs = records(url, run_id)
    types = [r.event.type for r in recs]
    assert types.count("MapLoaded") == 1 and types.count("AgentPlaced") == 3
    moves = [r.event for r in recs if r.event.type == "AgentMoved"]
    assert len(moves) >= 5 and "TravelStarted" in types
    with open_store(url) as s:
        gmap = state_at(s, run_id).worlds["Town square"].space.map
    for m in moves:
        assert 1 <= len(m.path) <= 3
        cells = [tuple(m.from_cell)] + [tuple(c) for c in m.path]
        assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in zip(cells, cells[1:]))
        assert all(gmap.is_walkable(c) for c in cells) and tuple(m.to_cell) == cells[-1]
        assert m.zone == gmap.zone_at(tuple(m.to_cell))
    assert "AgentLooked" in types  # LOOK was taken and recorded what was seen


def test_talk_is_heard_only_within_the_hearing_radius(town):
    url, run_id = town
    with open_store(url) as s:
        recs = list(s.read(run_id=run_id))
        checked = 0
        for r in recs:
            e = r.event
            if e.type == "StimulusPerceived" and e.kind == "listen" and e.source in ("Lisa Carter", "Oscar Lindqvist",
                                                                                      "Mei Tanaka"):
                space = state_at(s, run_id, position=r.position).worlds["Town square"].space
                a, b = space.positions[e.source], space.positions[e.agent]
                assert (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 <= 25
                checked += 1
    talks = [r for r in recs if r.event.type == "ActionTaken" and r.event.action == "TALK"]
    assert talks  # people talked; whether anyone was near enough to hear depends on where they walked
    assert checked <= len(talks) * 2


def test_replay_verifies_and_parallel_runs_share_content_hashes(town):
    url, run_id = town
    res = troupe("replay", run_id, "--verify", store=url, timeout=600)
    assert res.code == 0, res.err + res.out
    assert "every content hash matches" in res.out
    other = run(TOWN, url, "--parallel", "8")
    assert [r.content_hash for r in records(url, run_id)] == [r.content_hash for r in records(url, other)]


def test_state_at_a_position_shows_positions_as_they_were(town):
    url, run_id = town
    move = next(r for r in records(url, run_id, "AgentMoved") if r.event.path)
    e = move.event
    for position, cell in ((move.position - 1, e.from_cell), (move.position, e.to_cell)):
        res = troupe("state", run_id, "--at", str(position), "--json", store=url)
        assert res.code == 0, res.err
        space = json.loads(res.out)["worlds"]["Town square"]["space"]
        assert space["positions"][e.agent] == list(cell)
        res = troupe("state", run_id, "--at", str(position), store=url)
        assert f"({cell[0]}, {cell[1]})" in res.out  # the positions table


def write(tmp_path: Path, world_extra: dict, map_text: str | None, personas: list | None = None) -> str:
    import yaml

    if map_text is not None:
        (tmp_path / "m.txt").write_text(map_text)
    data = {"name": "grid-test", "world": {"name": "Room", "kind": "grid", "map": "m.txt", **world_extra},
            "personas": personas or [{"name": "Ana"}, {"name": "Ben"}], "script": [{"run": 1}]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize("extra, map_text, personas, problem", [
    ({}, "#..#\n#.Q#\n", None, "s.yaml: world.map: m.txt: line 2, column 3: unknown tile 'Q'"),
    ({}, None, None, "s.yaml: world.map: map file not found: m.txt"),
    ({"positions": {"Ana": "kitchen"}}, "#..#\n", None, "s.yaml: world.positions.Ana: no zone or object 'kitchen'"),
    ({}, "#..#\n", [{"name": "Ana", "position": [0, 0]}], "world.positions.Ana: cell [0, 0] is not a floor"),
    ({"speed": 0}, "#..#\n", None, "world.speed"),
])
def test_bad_grid_scenarios_give_one_line(tmp_path, sqlite_url, extra, map_text, personas, problem):
    res = troupe("run", write(tmp_path, extra, map_text, personas), "-q", store=sqlite_url)
    assert res.code == 1
    assert problem in res.err and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_grid_settings_need_a_grid_world(tmp_path, sqlite_url):
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "world": {"speed": 3}, "personas": [{"name": "Ana"}]}))
    res = troupe("run", str(path), "-q", store=sqlite_url)
    assert res.code == 1 and "speed is only for a grid world" in res.err
