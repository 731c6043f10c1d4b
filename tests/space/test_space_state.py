"""The space fold and decisions on a small map: hearing decides who can be reached, MOVE_TO's
bad targets become feedback the agent reads, memories carry their place, retrieval can favour
memories made nearby, and the space survives a snapshot."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from troupe_es.commands.memory.retrieval import Weights, rank
from troupe_es.commands.space import SPACE, space_lines
from troupe_es.commands.space.decide import decide_look, decide_move
from troupe_es.commands.space.move import decide_moves
from troupe_es.commands.turn import situation_lines
from troupe_es.domain import RunState, fold_state
from troupe_es.domain.memory import StoredMemory
from troupe_es.events import (
    ActionTaken,
    AgentJoinedWorld,
    AgentMoved,
    AgentPlaced,
    MapLoaded,
    MemoryStored,
    PersonaDefined,
    WorldCreated,
)
from troupe_es.events.envelope import Recorded
from troupe_es.space import parse_map

MAP = """\
###########
#A........#
#.........#
#.###.....#
#.#V#....B#
#.###.....#
###########

A = zone alpha
B = zone beta
V = zone vault
"""
T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)


def fold(*events) -> RunState:
    recs = [Recorded(i + 1, "r", "s", i, f"e{i}", None, T0, T0, "", "", e) for i, e in enumerate(events)]
    return fold_state(recs)


def world_at(positions: dict[str, tuple[int, int]], hearing: float = 3.0, *more) -> RunState:
    gmap = parse_map(MAP, "m.txt")
    events = [WorldCreated(world="W", start=T0, step_seconds=60)]
    for name in positions:
        events += [PersonaDefined(agent=name, persona={"name": name}), AgentJoinedWorld(world="W", agent=name)]
    events.append(MapLoaded(world="W", source="m.txt", rows=list(gmap.rows),
                            legend={c: [k, n] for c, k, n in gmap.legend}, digest=gmap.digest,
                            hearing_radius=hearing, sight=6, speed=2))
    events += [AgentPlaced(world="W", agent=n, cell=list(c), zone=gmap.zone_at(c)) for n, c in positions.items()]
    return fold(*events, *more)


def test_who_can_be_reached_follows_from_the_hearing_radius():
    state = world_at({"Ana": (1, 1), "Ben": (3, 1), "Cy": (8, 4)})
    world = state.worlds["W"]
    assert world.accessible_to("Ana") == ("Ben",)
    assert world.accessible_to("Cy") == ()
    assert "You can reach: Ben." in situation_lines(state, "Ana")
    assert state.agents["Ana"].location == "alpha"  # the zone is the agent's location


def test_bad_move_targets_are_feedback_the_agent_reads():
    state = world_at({"Ana": (1, 1), "Ben": (9, 4)})
    space = state.worlds["W"].space

    def move(content):
        return decide_move(space, "W", "Ana", ActionTaken(agent="Ana", action="MOVE_TO", content=content, index=0),
                           ("Ana", "Ben"), 0, 0)

    assert move("vault").reason == "vault cannot be reached from where you are"
    assert move("moon").reason == "there is no place called 'moon' here"
    assert move("alpha").reason == "you are already at alpha"
    assert move("Ben").reason.startswith("you do not know where Ben is")
    assert move("0,0").reason.startswith("(0, 0) is not a cell")
    travel = move("the Beta")
    assert travel.type == "TravelStarted" and travel.target == "beta" and travel.distance == 11
    later = world_at({"Ana": (1, 1), "Ben": (9, 4)}, 3.0, move("vault"))
    assert any("Your MOVE_TO vault failed: vault cannot be reached" in line for line in situation_lines(later, "Ana"))


def test_travel_walks_speed_cells_per_step_until_it_arrives():
    state = world_at({"Ana": (1, 1)})
    space = state.worlds["W"].space
    start = decide_move(space, "W", "Ana", ActionTaken(agent="Ana", action="MOVE_TO", content="beta", index=0),
                        ("Ana",), 0, 0)
    state = world_at({"Ana": (1, 1)}, 3.0, start)
    cells = [(1, 1)]
    for _ in range(10):
        moves = decide_moves(state.worlds["W"].space, "W", ("Ana",))
        if not moves:
            break
        [m] = moves
        assert len(m.path) <= 2 and tuple(m.from_cell) == cells[-1]
        cells += [tuple(c) for c in m.path]
        state = fold_state([Recorded(state.position + 1, "r", "s", 0, "x", None, T0, T0, "", "", m)], state)
    assert cells[-1] == (9, 4) and len(cells) - 1 == 11 and m.arrived and m.zone == "beta"
    assert "Ana" not in state.worlds["W"].space.travel


def test_look_records_what_is_in_sight_and_the_prompt_offers_moves():
    state = world_at({"Ana": (5, 1), "Ben": (9, 1), "Cy": (1, 5)})
    looked, seen = decide_look(state.worlds["W"].space, "W", "Ana", ("Ana", "Ben", "Cy"))
    assert [s["name"] for s in looked.seen] == ["Ben"]  # the walls of the vault hide Cy
    assert seen.kind == "see" and "Ben" in seen.content
    after = world_at({"Ana": (5, 1), "Ben": (9, 1), "Cy": (1, 5)}, 3.0, looked)
    assert after.worlds["W"].space.seen["Ana"][0].cell == (9, 1)
    lines = space_lines(after, "Ana")
    assert "Choices for MOVE_TO: alpha | beta | Ben" in lines  # nearest zones first; the vault is unreachable
    assert SPACE.action_types(after, "Ana") == ("MOVE_TO", "LOOK")


def test_memories_carry_their_place_and_survive_a_snapshot():
    state = world_at({"Ana": (1, 1)}, 3.0,
                     MemoryStored(agent="Ana", memory_id="Ana:m0", kind="episodic", text="bread", importance=3),
                     AgentMoved(world="W", agent="Ana", from_cell=[1, 1], to_cell=[1, 2], path=[[1, 2]]),
                     MemoryStored(agent="Ana", memory_id="Ana:m1", kind="episodic", text="cake", importance=3))
    assert [m.place for m in state.agents["Ana"].book.items] == [(1, 1), (1, 2)]
    again = RunState.from_dict(state.to_dict())
    assert again == state
    assert again.worlds["W"].space.positions["Ana"] == (1, 2)


def test_retrieval_can_favour_memories_made_nearby():
    def mem(i, place):
        return StoredMemory(f"m{i}", "episodic", "x", 5, "2026-01-01T09:00:00+00:00", "2026-01-01T09:00:00+00:00",
                            place=place)

    memories = [mem(0, (50, 50)), mem(1, (1, 1))]
    relevance = np.array([0.5, 0.5])
    near = np.array([1 / (1 + 70 / 10), 1.0])
    assert [s.memory.id for s in rank(memories, relevance, None, Weights(), 2)] == ["m1", "m0"]  # tie: newer
    assert [s.memory.id for s in rank(memories[::-1], relevance, None, Weights(), 2, near[::-1])] == ["m0", "m1"]
    ranked = rank(memories[::-1], relevance, None, Weights(proximity=1.0), 2, near[::-1])
    assert [s.memory.id for s in ranked] == ["m1", "m0"]
