"""The market in a turn (prompt section, action types, feedback the agent perceives) and in the
run state (snapshots keep it), built from real events through the real fold."""

from __future__ import annotations

import json

from tests.runtime.builders import T0, state_with
from troupe_es.bootstrap import CAPABILITIES
from troupe_es.commands.market import MARKET, decide_market
from troupe_es.commands.turn import build_turn_messages, contributions, turn_output_model
from troupe_es.domain import RunState
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.events.market import GoodsEndowed, MarketOpened, OrderPlaced, OrderRejected, OrderSubmitted
from troupe_es.llm.mock import action_choices


def market_state(*extra):
    opening = [MarketOpened(world="Room", goods=["apples", "bread"], credit_cents=0, currency="$",
                            reference_cents={"apples": 150, "bread": 300}),
               GoodsEndowed(agent="Lisa", cash_cents=500, goods={}),
               GoodsEndowed(agent="Oscar", cash_cents=0, goods={"apples": 6}),
               OrderSubmitted(agent="Oscar", order_id="Oscar:o1", side="sell", good="apples", quantity=4,
                              limit_cents=160, kind="posted"),
               OrderPlaced(agent="Oscar", order_id="Oscar:o1", side="sell", good="apples", quantity=4,
                           limit_cents=160, kind="posted", step=0, tie="ab")]
    state, _ = state_with(extra=[NewEvent("market/Room", e, T0) for e in [*opening, *extra]])
    return state


def test_the_prompt_shows_holdings_books_posted_prices_and_affordable_choices():
    state = market_state()
    lines = MARKET.section(state, "Lisa")
    text = "\n".join(lines)
    assert "you have $5.00 cash" in text and "Your goods: none." in text
    assert "- apples: no bids, ask $1.60 x4, usual price $1.50" in text
    assert "Posted prices: apples $1.60 by Oscar (4 left)." in text
    choices = action_choices([{"role": "user", "content": text}])
    assert choices["BUY"] == ["1 apples at 1.60", "2 apples at 1.60", "1 bread at 3.00"]  # 2 bread: 6.00 > 5.00
    assert "SELL" not in choices and "CANCEL" not in choices
    oscar = action_choices([{"role": "user", "content": "\n".join(MARKET.section(state, "Oscar"))}])
    assert oscar["CANCEL"] == ["Oscar:o1"] and oscar["SELL"] == ["1 apples at 1.50"] and "BUY" not in oscar


def test_the_turn_offers_market_actions_and_a_rejection_reaches_the_next_prompt():
    state = market_state(OrderRejected(agent="Lisa", order_id=None, action="BUY", content="9 pears",
                                       reason="'pears' is not traded here"))
    model = turn_output_model(CAPABILITIES, state, "Lisa")
    parsed = model.model_validate({"actions": [{"type": "BUY", "content": "2 apples at 1.60", "target": None}],
                                   "cognitive_state": {"goals": [], "attention": "", "emotions": "", "context": []}})
    assert parsed.actions[0].type == "BUY"
    contrib = contributions(CAPABILITIES, state, "Lisa", {})
    messages = build_turn_messages(state, "Lisa", max_actions=4, persona_facts=["Lisa"], sections=contrib.lines)
    user = messages[-1]["content"]
    assert "Feedback: Your BUY '9 pears' was rejected: 'pears' is not traded here." in user
    assert "Choices for BUY: 1 apples at 1.60" in user


def test_decide_numbers_orders_after_those_already_submitted():
    state = market_state()
    turn = [ActionTaken(agent="Oscar", action="OFFER", content="2 apples at 1.70", target=None, index=0),
            ActionTaken(agent="Oscar", action="SELL", content="1 apple", target=None, index=1)]
    events = decide_market(state, "Oscar", turn)
    assert [(e.order_id, e.kind, e.limit_cents) for e in events] == [("Oscar:o2", "posted", 170),
                                                                     ("Oscar:o3", "market", None)]


def test_snapshots_keep_the_market():
    state = market_state()
    again = RunState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again.market == state.market and again == state


def test_a_notebook_opens_a_market_trades_and_replays(tmp_path):
    import pytest

    from troupe_es import Simulation
    from troupe_es.errors import ScenarioError, SimulationError

    sim = Simulation.open(f"sqlite:///{tmp_path}/nb.db", llm="mock", seed=3, name="market notebook")
    ana = sim.person("Ana", age=40, occupation={"title": "Grower"})
    ben = sim.person("Ben", age=30, occupation={"title": "Cook"})
    room = sim.world("Stalls", people=[ana, ben], step="30m")
    with pytest.raises(ScenarioError, match="market: goods"):
        room.open_market(goods=[])
    with pytest.raises(SimulationError, match="market.endowments.Zed: 'Zed' is not in world 'Stalls'"):
        room.open_market(goods=["apples"], endowments={"Zed": {"cash": 1}})
    room.open_market(goods=["apples"], cash=20, prices={"apples": 2}, endowments={"Ana": {"goods": {"apples": 9}}},
                     posted=[{"seller": "Ana", "good": "apples", "quantity": 9, "price": 2}],
                     payments=[{"name": "pay", "kind": "income", "to": ["Ben"], "amount": 1, "every": "30m"}])
    room.broadcast("The market is open.")
    room.run(4)
    m = sim.state.market
    assert m.trades > 0 and m.trader("Ben").stock("apples") > 0 and m.totals()[1] == {"apples": 9}
    report = sim.replay()
    assert report.ok
    sim.close()


def test_a_snapshot_of_a_market_run_reads_back_as_the_same_state(tmp_path):
    from dataclasses import replace

    from troupe_es.snapshots import SNAPSHOT_NAME, state_at, state_dict
    from troupe_es.store import open_store
    from troupe_es.store.base import Snapshot

    state = market_state()
    assert RunState.from_dict(json.loads(json.dumps(state_dict(state)))) == state
    with open_store(f"sqlite:///{tmp_path}/s.db") as store:
        [rec] = store.append("r", [NewEvent("market/Room", MarketOpened(world="Room", goods=["apples"],
                                                                        credit_cents=0, currency="$"), T0)])
        store.save_snapshot(Snapshot("r", SNAPSHOT_NAME, rec.position, state_dict(replace(state, position=rec.position))))
        assert state_at(store, "r", position=rec.position).market == state.market
