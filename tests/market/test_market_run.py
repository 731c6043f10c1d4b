"""The farmers' market example end to end on the mock LLM, through the CLI: trades happen,
money and goods are conserved, replay verifies, --parallel 8 gives the same content hashes,
and `state` / `market` show books, balances and inventories as they were at a position."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "marketplace.yaml")


def run(store: str, *args: str) -> str:
    res = troupe("run", EXAMPLE, "-q", *args, store=store, timeout=300)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def records(store: str, run_id: str) -> list:
    with open_store(store) as s:
        return list(s.read(run_id=run_id))


@pytest.fixture(scope="module")
def market_run(tmp_path_factory):
    store = f"sqlite:///{tmp_path_factory.mktemp('market')}/m.db"
    return store, run(store, "--parallel", "1")


def test_the_mock_places_orders_and_they_trade(market_run):
    store, run_id = market_run
    recs = records(store, run_id)
    types = [r.type for r in recs]
    assert types[-1] == "RunCompleted"
    market_actions = [r.event for r in recs if r.type == "ActionTaken" and r.event.action in ("BUY", "SELL", "OFFER")]
    assert market_actions and types.count("OrderSubmitted") >= len(market_actions) - types.count("OrderRejected")
    trades = [r.event for r in recs if r.type == "TradeExecuted"]
    assert trades and all(t.buyer != t.seller for t in trades)
    assert "PriceChanged" in types
    paid = [(r.event.name, r.event.step) for r in recs if r.type == "PaymentMade"]
    # scheduled from 08:00 in 30-minute steps: wages every 30m fire at steps 1-3, rent (hourly) at step 2
    assert paid == [("restaurant wages", 1), ("restaurant wages", 2)] + [("stall rent", 2)] * 3 \
        + [("restaurant wages", 3)]
    fired = [r for r in recs if r.type == "ScheduledEventFired" and r.event.kind == "market_payment"]
    assert len(fired) == 4 and all(
        any(p.causation_id == f.event_id for p in recs if p.type == "PaymentMade") for f in fired)


def test_trades_conserve_cash_and_goods_and_payments_account_for_the_rest(market_run):
    store, run_id = market_run
    res = troupe("market", run_id, "--json", store=store)
    assert res.code == 0, res.err
    final = json.loads(res.out)
    recs = records(store, run_id)
    endowed = [r.event for r in recs if r.type == "GoodsEndowed"]
    paid = [r.event for r in recs if r.type == "PaymentMade"]
    outside = sum(p.amount_cents for p in paid if p.payer is None) - sum(p.amount_cents for p in paid if p.payee is None)
    assert final["totals"]["cash_cents"] == sum(e.cash_cents for e in endowed) + outside
    assert final["totals"]["goods"] == {"apples": 20, "bread": 8, "cheese": 5}
    for name, t in final["traders"].items():
        assert t["cash_cents"] >= 0 and all(n >= 0 for n in t["goods"].values()), name


def test_replay_verifies_and_parallel_eight_gives_identical_hashes(market_run, tmp_path):
    store, run_id = market_run
    res = troupe("replay", run_id, "--verify", store=store, timeout=300)
    assert res.code == 0, res.out + res.err
    other = f"sqlite:///{tmp_path}/p8.db"
    eight = run(other, "--parallel", "8")
    assert [r.content_hash for r in records(store, run_id)] == [r.content_hash for r in records(other, eight)]


def test_state_and_market_at_a_position_show_the_market_as_it_was(market_run):
    store, run_id = market_run
    recs = records(store, run_id)
    first_trade = next(r for r in recs if r.type == "TradeExecuted")
    before = first_trade.position - 1
    t = first_trade.event
    then = json.loads(troupe("market", run_id, "--at", str(before), "--json", store=store).out)
    after = json.loads(troupe("market", run_id, "--at", str(first_trade.position), "--json", store=store).out)
    cost = t.quantity * t.price_cents
    assert after["traders"][t.buyer]["cash_cents"] == then["traders"][t.buyer]["cash_cents"] - cost
    assert after["traders"][t.seller]["cash_cents"] == then["traders"][t.seller]["cash_cents"] + cost
    assert after["traders"][t.buyer]["goods"].get(t.good, 0) == then["traders"][t.buyer]["goods"].get(t.good, 0) + t.quantity
    opening = json.loads(troupe("market", run_id, "--at", str(next(
        r.position for r in recs if r.type == "OrderPlaced")), "--json", store=store).out)
    assert opening["books"]["apples"]["sell"][0]["price_cents"] == 150 and opening["trades"] == 0
    state = json.loads(troupe("state", run_id, "--at", str(before), "--json", store=store).out)
    assert state["market"]["traders"][t.buyer]["cash"] == then["traders"][t.buyer]["cash_cents"]
    assert state["market"]["book"] and state["market"]["goods"] == ["apples", "bread", "cheese"]
    shown = troupe("state", run_id, "--at", str(before), store=store).out
    assert "order books" in shown and "balances and inventories" in shown and "Ana Costa:o1" in shown
    table = troupe("market", run_id, store=store).out
    assert "apples" in table and "Dev Mehta" in table


def test_market_errors_are_one_line(market_run, tmp_path):
    store, run_id = market_run
    res = troupe("market", run_id, "--at", "999999", store=store)
    assert res.code == 1 and "outside run" in res.err and "Traceback" not in res.err
    plain = tmp_path / "plain.yaml"
    text = Path(EXAMPLE).read_text().split("\nmarket:")[0] + "\n" + "script:\n  - run: 1\n"
    plain.write_text(text)
    other = f"sqlite:///{tmp_path}/plain.db"
    rid = troupe("run", str(plain), "-q", store=other).out.strip()
    res = troupe("market", rid, store=other)
    assert res.code == 1 and "has no market" in res.err


def test_polars_projections_give_trades_price_series_and_balances(market_run):
    import polars as pl

    from troupe_es.projections.analytics import events_frame
    from troupe_es.projections.market import MARKET_TYPES, balances, price_series, trades

    store, run_id = market_run
    final = json.loads(troupe("market", run_id, "--json", store=store).out)
    with open_store(store) as s:
        lf = events_frame(s, run_id, types=MARKET_TYPES)
        t = trades(lf).collect()
        series = price_series(lf).collect()
        cash = balances(lf).collect()
    assert t.height == final["trades"] and set(t["good"]) <= {"apples", "bread", "cheese"}
    assert series["volume"].sum() == t["quantity"].sum()
    last = {row["agent"]: row["cash_cents"] for row in cash.group_by("agent").agg(pl.col("cash_cents").last()).to_dicts()}
    assert last == {name: tr["cash_cents"] for name, tr in final["traders"].items()}


def test_a_fork_inherits_the_market_as_it_was_and_replays_verified(market_run):
    store, run_id = market_run
    at = next(r.position for r in records(store, run_id) if r.type == "StepCompleted")  # after step 0's trades
    res = troupe("fork", run_id, "--at", str(at), "-q", store=store, timeout=300)
    assert res.code == 0, res.err
    fork = res.out.strip().splitlines()[-1]
    parent = json.loads(troupe("market", run_id, "--at", str(at), "--json", store=store).out)
    assert parent["trades"] > 0
    recs = records(store, fork)
    inherited = next(r.position for r in recs if r.type == "StepCompleted")  # the copy of the parent's
    child = json.loads(troupe("market", fork, "--at", str(inherited), "--json", store=store).out)
    assert child["traders"] == parent["traders"] and child["books"] == parent["books"]
    assert child["trades"] == parent["trades"]
    assert troupe("replay", fork, "--verify", store=store, timeout=300).code == 0


@pytest.mark.postgres
def test_on_postgresql_the_market_run_has_the_same_hashes(market_run, pg_url):
    store, run_id = market_run
    on_pg = run(pg_url)
    assert [r.content_hash for r in records(pg_url, on_pg)] == [r.content_hash for r in records(store, run_id)]
    assert json.loads(troupe("market", on_pg, "--json", store=pg_url).out)["trades"] > 0
