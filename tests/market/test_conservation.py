"""Conservation under random order streams (hypothesis): every trade moves money and goods
exactly, nothing goes below zero (or below the credit line), reservations never exceed holdings,
and the book folded from the events is the book the engine holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from troupe_es.commands.market import decide_market
from troupe_es.commands.market.clearing import Clearing, engine_book
from troupe_es.commands.market.payments import pay
from troupe_es.domain.market import MarketState, apply
from troupe_es.events.market import OrderCancelled

from tests.market.helpers import GOODS, TRADERS, opened, submit

orders = st.tuples(
    st.sampled_from(TRADERS), st.sampled_from(("buy", "sell")), st.sampled_from(GOODS),
    st.integers(1, 12), st.one_of(st.none(), st.integers(0, 400)), st.booleans())
steps = st.lists(st.lists(st.one_of(orders, st.tuples(st.sampled_from(TRADERS), st.just("cancel"))), max_size=8),
                 min_size=1, max_size=6)


def check(m: MarketState, totals, credit: int) -> None:
    cash, goods = m.totals()
    assert (cash, goods) == totals
    for name, t in m.traders.items():
        assert t.cash >= -credit, name
        assert t.reserved_cash >= 0 and t.cash + credit - t.reserved_cash >= 0, name
        for good in GOODS:
            assert t.stock(good) >= 0 and 0 <= t.reserved_goods.get(good, 0) <= t.stock(good), (name, good)
    assert {o.id: o.remaining for o in engine_book(m).orders.values()} == {o.id: o.remaining for o in m.book}


def play(m: MarketState, stream, seed: int, credit: int) -> MarketState:
    totals = m.totals()
    for number, batch in enumerate(stream):
        for item in batch:
            if item[1] == "cancel":
                for order in m.orders_of(item[0])[:1]:
                    m = apply(m, OrderCancelled(agent=order.agent, order_id=order.id, good=order.good,
                                                remaining=order.remaining, reason="cancelled by you"))
                continue
            agent, side, good, qty, limit, posted = item
            kind = "posted" if posted and side == "sell" and limit is not None else None
            m = submit(m, agent, side, good, qty, limit, kind)
        run = Clearing(m, seed)
        for order in m.pending:
            before = run.m.totals()
            run.place(order, number)
            assert run.m.totals() == before  # every single order (and its trades) conserves
        for event in run.events:
            if event.type == "TradeExecuted":
                assert event.buyer != event.seller and event.quantity > 0
        m = run.m
        assert not m.pending
        check(m, totals, credit)
    return m


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=steps, seed=st.integers(0, 2**32))
def test_trades_conserve_money_and_goods_and_nothing_goes_negative(stream, seed):
    play(opened(cash=800, stock=8), stream, seed, credit=0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=steps, seed=st.integers(0, 2**32), credit=st.integers(0, 2000))
def test_with_credit_cash_goes_no_lower_than_the_credit_line(stream, seed, credit):
    m = play(opened(cash=100, stock=8, credit=credit), stream, seed, credit=credit)
    assert all(t.cash >= -credit for t in m.traders.values())


@settings(max_examples=60, deadline=None)
@given(stream=steps, seed=st.integers(0, 2**32))
def test_the_same_stream_and_seed_clear_identically(stream, seed):
    one = play(opened(), stream, seed, credit=0)
    two = play(opened(), stream, seed, credit=0)
    assert one == two


@settings(max_examples=60, deadline=None)
@given(cash=st.lists(st.integers(-500, 5000), min_size=3, max_size=3), credit=st.integers(0, 1000))
def test_rent_never_takes_more_than_cash_and_credit_and_between_traders_conserves(cash, credit):
    rent = {"name": "rent", "kind": "rent", "agents": ["Ana", "Ben"], "to": "Cleo", "amount_cents": 700,
            "rate": None, "every_seconds": 3600.0}
    m = opened(cash=0, credit=credit, payments=[rent])
    from troupe_es.events.market import GoodsEndowed, PaymentMade

    for name, c in zip(TRADERS, cash):
        m = apply(m, GoodsEndowed(agent=name, cash_cents=max(c, 0), goods={}))
    before = m.totals()[0]
    events = pay(m, rent, 0)
    for e in events:
        assert isinstance(e, PaymentMade) and e.amount_cents + e.shortfall_cents == 700
        m = apply(m, e)
    assert m.totals()[0] == before and all(t.cash >= -credit for t in m.traders.values())


@settings(max_examples=60, deadline=None)
@given(cash=st.integers(-5000, 5000), rate=st.decimals("-0.2", "0.2", places=4))
def test_interest_is_rounded_half_even_to_the_cent_and_charged_only_within_cash_and_credit(cash, rate):
    from decimal import ROUND_HALF_EVEN, Decimal

    from troupe_es.events.market import PaymentMade

    interest = {"name": "interest", "kind": "interest", "agents": ["Ana"], "to": None, "amount_cents": None,
                "rate": str(rate), "every_seconds": 60.0}
    m = apply(opened(cash=0, credit=5000, traders=("Ana",)), PaymentMade(
        name="setup", kind="income", payer=None, payee="Ana", amount_cents=max(cash, 0), step=0))
    if cash < 0:
        m = apply(m, PaymentMade(name="debt", kind="rent", payer="Ana", payee=None, amount_cents=-cash, step=0))
    expected = int((Decimal(cash) * rate).to_integral_value(ROUND_HALF_EVEN))
    events = pay(m, interest, 1)
    if expected == 0:
        assert events == []
    elif expected > 0:
        assert [(e.payee, e.payer, e.amount_cents) for e in events] == [("Ana", None, expected)]
    else:
        [e] = events
        assert e.payer == "Ana" and e.payee is None and e.amount_cents + e.shortfall_cents == -expected
    for e in events:
        m = apply(m, e)
    assert m.trader("Ana").cash >= -5000


def test_decide_reads_actions_into_submissions_rejections_and_cancels():
    from troupe_es.domain import RunState
    from troupe_es.events import ActionTaken

    m = submit(opened(), "Ana", "sell", "apples", 2, 150)
    run = Clearing(m, 1)
    run.place(m.pending[0], 0)
    state = RunState(market=run.m)
    turn = [ActionTaken(agent="Ana", action=a, content=c, target=None, index=i) for i, (a, c) in enumerate([
        ("BUY", "2 bread at 1.50"), ("SELL", "3 Apples @ $1.75"), ("OFFER", "1 bread"), ("BUY", "2 ponies at 1"),
        ("CANCEL", "apples"), ("CANCEL", "Ana:o9"), ("TALK", "hello")])]
    events = decide_market(state, "Ana", turn)
    assert [(e.type, getattr(e, "order_id", None)) for e in events] == [
        ("OrderSubmitted", "Ana:o2"), ("OrderSubmitted", "Ana:o3"), ("OrderRejected", None),
        ("OrderRejected", None), ("OrderCancelled", "Ana:o1"), ("OrderRejected", None)]
    assert events[1].limit_cents == 175 and events[1].good == "apples" and events[1].side == "sell"
    assert "needs a price" in events[2].reason and "not traded here" in events[3].reason


def test_a_crossing_stream_trades_and_still_conserves():
    stream = [[("Ana", "sell", "apples", 5, 120, True), ("Ben", "buy", "apples", 3, 150, False),
               ("Cleo", "buy", "apples", 4, None, False)], [("Ben", "cancel"), ("Cleo", "sell", "bread", 2, 0, False),
                                                            ("Ana", "buy", "bread", 9, None, False)]]
    m = play(opened(), stream, 3, credit=0)
    assert m.trades == 3 and m.volume == {"apples": 5, "bread": 2}
    assert m.trader("Ana").stock("apples") == 5 and m.trader("Ben").stock("apples") == 13
    assert m.last_price == {"apples": 120, "bread": 0}
