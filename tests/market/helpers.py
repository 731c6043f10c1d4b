"""Markets built from events, without a run: the pure fold and the pure clearing."""

from __future__ import annotations

from troupe_es.commands.market.clearing import clear
from troupe_es.domain.market import MarketState, apply
from troupe_es.events.market import GoodsEndowed, MarketOpened, OrderSubmitted

GOODS = ("apples", "bread")
TRADERS = ("Ana", "Ben", "Cleo")


def opened(*, cash: int = 1000, stock: int = 10, credit: int = 0, payments=(), traders=TRADERS,
           goods=GOODS) -> MarketState:
    m = apply(None, MarketOpened(world="Market", goods=list(goods), credit_cents=credit, currency="$",
                                 reference_cents={g: 150 for g in goods}, payments=list(payments)))
    for name in traders:
        m = apply(m, GoodsEndowed(agent=name, cash_cents=cash, goods={g: stock for g in goods}))
    return m


def submit(m: MarketState, agent: str, side: str, good: str, quantity: int, limit: int | None,
           kind: str | None = None) -> MarketState:
    kind = kind or ("limit" if limit is not None else "market")
    return apply(m, OrderSubmitted(agent=agent, order_id=m.trader(agent).next_order_id(agent), side=side, good=good,
                                   quantity=quantity, limit_cents=limit, kind=kind))


def step(m: MarketState, orders, step_no: int = 0, seed: int = 1):
    """Submit ``orders`` (tuples for :func:`submit`) and clear them: (events, market)."""
    for order in orders:
        m = submit(m, *order)
    return clear(m, step_no, seed)


def events_of(events, type_: str):
    return [e for e in events if e.type == type_]
