"""Retail decisions and layouts without a run: PICK out of reach or over budget and CHECKOUT
away from the checkout become feedback, never a crash; bad layouts are one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import troupe
from troupe_es.commands.retail.congestion import congested_moves
from troupe_es.commands.retail.decide import decide_pick, decide_shopping
from troupe_es.domain.retail import Shopper, StoreState
from troupe_es.domain.space import SpaceState
from troupe_es.events import ActionTaken, AgentMoved
from troupe_es.scenario.retail import compile_layout

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = json.loads((ROOT / "examples" / "retail" / "corner-grocery.json").read_text())


def store_and_space(cell, shopper):
    from troupe_es.space.grid import grid_map

    rows, store = compile_layout(LAYOUT, "l.json")
    space = SpaceState(map=grid_map(rows["rows"], rows["legend"]), positions={"Ana": cell})
    st = StoreState(name=store["name"], shelves=store["shelves"], capacity=store["capacity"],
                    zone_capacity=store["zone_capacity"], shoppers={"Ana": shopper})
    return space, st


def test_pick_within_reach_and_budget_else_feedback():
    space, store = store_and_space((2, 4), Shopper(budget=300))  # next to the dairy shelf
    ok = decide_pick(space, store, store.shoppers["Ana"], "W", "Ana", "Milk ($1.19)")
    assert ok.type == "ProductPicked" and ok.product == "milk" and ok.price == 119
    far = decide_pick(space, store, store.shoppers["Ana"], "W", "Ana", "coffee")
    assert far.type == "ShoppingRejected" and "out of your reach" in far.reason
    dear = decide_pick(space, store, store.shoppers["Ana"], "W", "Ana", "cheese")
    assert dear.type == "ShoppingRejected" and "only $3.00" in dear.reason
    unknown = decide_pick(space, store, store.shoppers["Ana"], "W", "Ana", "caviar")
    assert unknown.type == "ShoppingRejected" and "sells no 'caviar'" in unknown.reason


def test_a_turn_picks_in_order_and_checkout_away_walks_there():
    space, store = store_and_space((2, 4), Shopper(budget=300))
    turn = [ActionTaken(agent="Ana", action="PICK", content="milk", target=None, index=0),
            ActionTaken(agent="Ana", action="PICK", content="butter", target=None, index=1),
            ActionTaken(agent="Ana", action="CHECKOUT", content="", target=None, index=2)]
    out = decide_shopping(space, store, "W", "Ana", turn, ("Ana",), 1, 0)
    assert [e.type for e in out] == ["ProductPicked", "ShoppingRejected", "CheckoutStarted", "TravelStarted"]
    assert "only $1.81" in out[1].reason and out[3].target == "checkout"
    empty = decide_shopping(space, store, "W", "Ana", turn[2:], ("Ana",), 1, 0)
    assert [e.type for e in empty] == ["ShoppingRejected"] and "empty" in empty[0].reason


def test_a_full_cell_stops_a_move_before_it():
    from dataclasses import replace

    from troupe_es.domain.state import RunState, WorldState

    space, store = store_and_space((4, 7), Shopper())
    space = replace(space, positions={"Ana": (4, 7), "Ben": (6, 7), "Cy": (6, 7)})
    state = RunState(worlds={"W": WorldState(name="W", members=("Ana", "Ben", "Cy"), space=space, store=store)})
    move = AgentMoved(world="W", agent="Ana", from_cell=[4, 7], to_cell=[7, 7], path=[[5, 7], [6, 7], [7, 7]],
                      target="x", arrived=True)
    out = congested_moves(state, "W", [move])
    assert out[0].to_cell == [5, 7] and out[0].path == [[5, 7]] and not out[0].arrived
    assert out[1].type == "MoveBlocked" and out[1].cell == [6, 7]


@pytest.mark.parametrize("change, problem", [
    ({"shelves": {}}, "shelves: a store needs shelves"),
    ({"capacity": 0}, "capacity: agents per cell must be a whole number"),
    ({"zone_capacity": {"till": 1}}, "zone_capacity.till: no such zone"),
    ({"shelves": {"s": {"cells": [[3, 2]], "products": {"milk": "cheap"}}}}, "shelves.s.products.milk: price"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_bad_layouts_give_one_line(tmp_path, sqlite_url, change, problem):
    (tmp_path / "l.json").write_text(json.dumps({**LAYOUT, **change}))
    data = {"name": "shop", "world": {"name": "Shop", "kind": "grid"}, "personas": [{"name": "Ana"}],
            "retail": {"layout": "l.json", "shoppers": {"Ana": {"budget": 5, "shopping_list": []}}},
            "script": [{"run": 1}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    res = troupe("run", str(tmp_path / "s.yaml"), "-q", store=sqlite_url)
    assert res.code == 1 and problem in res.err and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_unknown_shopper_or_product_is_one_line(tmp_path, sqlite_url):
    (tmp_path / "l.json").write_text(json.dumps(LAYOUT))
    for shoppers, problem in (({"Bo": {"budget": 5}}, "retail.shoppers.Bo: unknown agent"),
                              ({"Ana": {"budget": 5, "shopping_list": ["caviar"]}},
                               "shopping_list[0]: the store sells no 'caviar'")):
        data = {"name": "shop", "world": {"name": "Shop", "kind": "grid"}, "personas": [{"name": "Ana"}],
                "retail": {"layout": "l.json", "shoppers": shoppers}, "script": [{"run": 1}]}
        (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
        res = troupe("run", str(tmp_path / "s.yaml"), "-q", store=sqlite_url)
        assert res.code == 1 and problem in res.err and "Traceback" not in res.err


def test_a_map_next_to_a_layout_is_one_line(tmp_path, sqlite_url):
    (tmp_path / "l.json").write_text(json.dumps(LAYOUT))
    data = {"name": "shop", "world": {"name": "Shop", "kind": "grid", "map": "m.txt"}, "personas": [{"name": "Ana"}],
            "retail": {"layout": "l.json"}, "script": [{"run": 1}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    res = troupe("run", str(tmp_path / "s.yaml"), "-q", store=sqlite_url)
    assert res.code == 1 and "world.map: a store's map comes from retail.layout" in res.err


def test_the_example_round_trips_through_its_record_without_the_layout_file():
    from troupe_es.scenario import Scenario, load_scenario

    scenario = load_scenario(ROOT / "examples" / "retail" / "corner-grocery.yaml")
    record = scenario.to_record()
    assert json.loads(json.dumps(record)) == record
    assert record["retail"]["layout_content"]["shelves"]["dairy shelf"]["milk"] == 119
    assert record["world"]["map_content"]["rows"][0] == "#" * 16
    assert Scenario.from_record(record).to_record() == record
