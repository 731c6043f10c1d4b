"""Clearing a step's orders: checks with reasons, posted offers replacing each other, market
orders' rests cancelled, prices recorded, and what the traders perceive of it."""

from __future__ import annotations

from tests.market.helpers import events_of, opened, step
from tests.runtime.builders import T0, state_with
from troupe_es.events import NewEvent
from troupe_es.events.market import GoodsEndowed, MarketOpened, PaymentMade, TradeExecuted


def test_an_order_beyond_free_cash_or_stock_is_rejected_with_the_reason():
    events, m = step(opened(cash=500, stock=3), [("Ana", "buy", "apples", 4, 150), ("Ben", "sell", "bread", 4, 100)])
    reasons = [e.reason for e in events_of(events, "OrderRejected")]
    assert reasons == ["it costs up to $6.00 and you can spend only $5.00", "you have only 3 bread to sell"]
    assert not m.book and not m.pending


def test_resting_orders_hold_back_cash_and_stock_for_later_orders():
    events, m = step(opened(cash=500, stock=3), [("Ana", "buy", "apples", 3, 150), ("Ana", "buy", "bread", 1, 100),
                                                 ("Ben", "sell", "bread", 2, 900), ("Ben", "sell", "bread", 2, 900)])
    assert [e.reason for e in events_of(events, "OrderRejected")] == [
        "it costs up to $1.00 and you can spend only $0.50", "you have only 1 bread to sell (2 held by your open orders)"]
    assert m.trader("Ana").reserved_cash == 450 and m.trader("Ben").reserved_goods == {"bread": 2}


def test_a_new_offer_replaces_the_sellers_previous_one_and_posts_its_price():
    _, m = step(opened(), [("Ana", "sell", "apples", 5, 200, "posted")])
    events, m = step(m, [("Ana", "sell", "apples", 8, 180, "posted")], step_no=1)
    assert [e.type for e in events] == ["OrderCancelled", "OrderPlaced", "PriceChanged"]
    assert events[0].reason == "replaced by your new offer" and events[0].order_id == "Ana:o1"
    assert (events[2].source, events[2].seller, events[2].previous_cents, events[2].price_cents) == (
        "posted", "Ana", 200, 180)
    assert [(o.id, o.remaining) for o in m.book] == [("Ana:o2", 8)] and m.posted == {"Ana": {"apples": 180}}


def test_a_market_order_takes_the_best_prices_and_its_rest_is_cancelled():
    _, m = step(opened(), [("Ana", "sell", "apples", 2, 120), ("Ben", "sell", "apples", 1, 130)])
    events, m = step(m, [("Cleo", "buy", "apples", 5, None)], step_no=1)
    assert [(e.quantity, e.price_cents, e.seller) for e in events_of(events, "TradeExecuted")] == [
        (2, 120, "Ana"), (1, 130, "Ben")]
    assert [(e.order_id, e.remaining, e.reason) for e in events_of(events, "OrderCancelled")] == [
        ("Cleo:o1", 2, "no more sellers")]
    assert [(e.price_cents, e.previous_cents) for e in events_of(events, "PriceChanged")] == [(120, None), (130, 120)]
    assert not m.book and m.trader("Cleo").cash == 1000 - 370


def test_traders_perceive_fills_and_payments_as_feedback():
    events = [MarketOpened(world="Room", goods=["apples"], credit_cents=0, currency="$"),
              GoodsEndowed(agent="Lisa", cash_cents=500, goods={}),
              GoodsEndowed(agent="Oscar", cash_cents=0, goods={"apples": 3}),
              TradeExecuted(trade_id="t1", good="apples", quantity=2, price_cents=125, buyer="Lisa", seller="Oscar",
                            buy_order="Lisa:o1", sell_order="Oscar:o1", aggressor="buy"),
              PaymentMade(name="wages", kind="income", payer=None, payee="Oscar", amount_cents=400, step=0)]
    state, _ = state_with(extra=[NewEvent("market/Room", e, T0) for e in events])
    assert state.agents["Lisa"].feedback == ("You bought 2 apples from Oscar at $1.25 each.",)
    assert state.agents["Oscar"].feedback == ("You sold 2 apples to Lisa at $1.25 each.",
                                              "You received $4.00 (income: wages).")
    assert state.market.trader("Oscar").cash == 650 and state.market.trader("Lisa").goods == {"apples": 2}
