"""A grid world end to end on the mock LLM, through the real CLI: agents walk (MOVE_TO), look
(LOOK), hear only within the radius; the run replays verified, ``--parallel 8`` gives the same
content hashes as ``--parallel 1``, and ``state --at P`` shows positions as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run
from troupe_es.snapshots import state_at
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
TOWN = str(ROOT / "examples" / "town-square.yaml")


def records(store: str, run_id: str, *types: str) -> list:
    return events(store, run_id, *types)


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
        res = troupe("state", run_id, "--at", str(position), "--agent", e.agent, "--json", store=url)
        assert json.loads(res.out)["position"] == list(cell)


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


def test_replay_and_forks_never_read_the_map_file_again(tmp_path, sqlite_url):
    import shutil

    shutil.copytree(ROOT / "examples" / "personas", tmp_path / "personas")
    (tmp_path / "maps").mkdir()
    shutil.copy(ROOT / "examples" / "maps" / "town-square.txt", tmp_path / "maps" / "town-square.txt")
    shutil.copy(TOWN, tmp_path / "town.yaml")
    run_id = run(str(tmp_path / "town.yaml"), sqlite_url)
    (tmp_path / "maps" / "town-square.txt").unlink()
    res = troupe("replay", run_id, "--verify", store=sqlite_url, timeout=600)
    assert res.code == 0, res.err + res.out
    at = next(r.position for r in records(sqlite_url, run_id, "AgentMoved"))
    fork = troupe("fork", run_id, "--at", str(at), "-q", store=sqlite_url, timeout=600)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    assert records(sqlite_url, child, "AgentMoved")  # the fork keeps walking on the recorded map
    with open_store(sqlite_url) as s:
        parent = state_at(s, run_id, position=at).worlds["Town square"].space.positions
        first = next(r for r in s.read(run_id=child) if r.event.type == "LLMCallRequested")  # after inheriting
        assert state_at(s, child, position=first.position - 1).worlds["Town square"].space.positions == parent


def test_memories_recalled_in_a_grid_world_weigh_proximity(town):
    url, run_id = town
    recalled = [r.event for r in records(url, run_id, "MemoriesRecalled")]
    assert recalled
    with open_store(url) as s:
        book = state_at(s, run_id).agents["Lisa Carter"].book
    assert book.items and all(m.place is not None for m in book.items)
    # the total is more than recency + importance + relevance: proximity (weight 0.5) is added
    assert any(t > r + i + v + 1e-6 for e in recalled
               for t, r, i, v in zip(e.total, e.recency, e.importance, e.relevance))


def test_the_space_command_draws_agents_where_they_stood(town):
    url, run_id = town
    move = next(r for r in records(url, run_id, "AgentMoved") if r.event.path)
    e = move.event
    res = troupe("space", run_id, "--at", str(move.position), "--json", store=url)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    agent = data["agents"][e.agent]
    assert agent["cell"] == list(e.to_cell) and agent["moves"] >= 1 and agent["cells_walked"] >= len(e.path)
    mark = next(m for m, name in data["marks"].items() if name == e.agent)
    assert data["rows"][e.to_cell[1]][e.to_cell[0]] == mark
    plain = troupe("space", run_id, "--at", str(move.position), store=url)
    assert plain.code == 0 and f"{mark} = {e.agent} at ({e.to_cell[0]}, {e.to_cell[1]})" in plain.out
    assert "##############################" in plain.out
    missing = troupe("space", run_id, "--world", "Moon", store=url)
    assert missing.code == 1 and "no grid world 'Moon'" in missing.err
