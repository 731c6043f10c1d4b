"""Clearing: the submitted orders of a step, checked and matched in the order they were submitted.

Agents of a step act concurrently against the state the step started from, so their orders are
not matched inside their turns (two buyers would take the same apples). Once every agent has
acted, :func:`clear` takes the pending orders one by one — in submission order, which is the
step's seeded acting order — checks each against the trader's free cash or stock (rejecting it
with a reason otherwise), places it and matches it with :class:`OrderBook`. Pure: the market
state in, the events and the market state after them out.
"""

from __future__ import annotations

from troupe_es.commands.market.engine import BookOrder, OrderBook, seeded_tie_break
from troupe_es.domain.market import MarketState, Order, apply, money
from troupe_es.events import Event
from troupe_es.events.market import (
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    PriceChanged,
    TradeExecuted,
)

def engine_book(m: MarketState) -> OrderBook:
    """The engine's book holding ``m``'s resting orders."""
    return OrderBook.from_orders(BookOrder(o.id, o.agent, o.side, o.good, o.remaining, o.limit, o.step, o.tie)
                                 for o in m.book)


def action_of(order: Order) -> str:
    return "OFFER" if order.kind == "posted" else order.side.upper()


def problem(m: MarketState, order: Order, releasing: int = 0) -> str | None:
    """Why ``order`` cannot be placed now, or None. ``releasing``: units of the good the
    agent's replaced posted offers give back."""
    if order.good not in m.goods:
        return f"{order.good} is not traded here"
    t = m.trader(order.agent)
    cur = m.currency
    if order.side == "sell":
        free = t.free_goods(order.good) + releasing
        if order.remaining > free:
            held = f" ({t.stock(order.good) - free} held by your open orders)" if t.stock(order.good) > free else ""
            return f"you have only {max(free, 0)} {order.good} to sell{held}"
        return None
    free = t.free_cash(m.credit)
    if order.limit is None:
        return None if free > 0 else f"you have no cash to spend ({money(t.cash, cur)}, credit {money(m.credit, cur)})"
    cost = order.remaining * order.limit
    if cost > free:
        return f"it costs up to {money(cost, cur)} and you can spend only {money(max(free, 0), cur)}"
    return None


class Clearing:
    """Events of one clearing, each applied to the market as it is emitted."""

    def __init__(self, m: MarketState, seed: int) -> None:
        self.m = m
        self.book = engine_book(m)
        self.tie = seeded_tie_break(seed)
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        self.events.append(event)
        self.m = apply(self.m, event)  # type: ignore[assignment]

    def cancel(self, order_id: str, reason: str) -> None:
        order = next(o for o in self.m.book if o.id == order_id)
        self.book.cancel(order_id)
        self.emit(OrderCancelled(agent=order.agent, order_id=order_id, good=order.good,
                                 remaining=order.remaining, reason=reason))

    def place(self, order: Order, step: int) -> None:
        m = self.m
        replaced: list[Order] = []
        if order.kind == "posted":
            replaced = [o for o in m.book if o.agent == order.agent and o.good == order.good and o.kind == "posted"]
        reason = problem(m, order, releasing=sum(o.remaining for o in replaced))
        if reason is not None:
            self.emit(OrderRejected(agent=order.agent, order_id=order.id, action=action_of(order),
                                    content=describe(order, m.currency), reason=reason))
            return
        for old in replaced:
            self.cancel(old.id, "replaced by your new offer")
        budget = m.trader(order.agent).free_cash(m.credit) if order.side == "buy" and order.limit is None else None
        tie = self.tie(order.id)
        self.emit(OrderPlaced(agent=order.agent, order_id=order.id, side=order.side, good=order.good,  # type: ignore[arg-type]
                              quantity=order.remaining, limit_cents=order.limit, kind=order.kind,  # type: ignore[arg-type]
                              step=step, tie=tie))
        if order.kind == "posted":
            before = m.posted.get(order.agent, {}).get(order.good)
            if before != order.limit:
                self.emit(PriceChanged(good=order.good, price_cents=order.limit or 0, previous_cents=before,
                                       source="posted", seller=order.agent))
        incoming = BookOrder(order.id, order.agent, order.side, order.good, order.remaining, order.limit, step, tie)
        for fill in self.book.submit(incoming, budget):
            self.emit(TradeExecuted(trade_id=f"t{self.m.trades + 1}", good=fill.good, quantity=fill.quantity,
                                    price_cents=fill.price, buyer=fill.buyer, seller=fill.seller,
                                    buy_order=fill.buy_order, sell_order=fill.sell_order,
                                    aggressor=fill.aggressor))  # type: ignore[arg-type]
            last = self.m.last_price.get(fill.good)
            if last != fill.price:
                self.emit(PriceChanged(good=fill.good, price_cents=fill.price, previous_cents=last, source="trade"))
        if order.limit is None and incoming.remaining > 0:
            other, opposite = ("sellers", "sell") if order.side == "buy" else ("buyers", "buy")
            short = budget is not None and self.book.best(order.good, opposite) is not None
            why = f"no more {other} within your cash" if short else f"no more {other}"
            self.emit(OrderCancelled(agent=order.agent, order_id=order.id, good=order.good,
                                     remaining=incoming.remaining, reason=why))


def describe(order: Order, currency: str = "") -> str:
    """``2 apples at 1.50`` (or ``2 apples`` for a market order)."""
    price = f" at {money(order.limit, currency)}" if order.limit is not None else ""
    return f"{order.remaining} {order.good}{price}"


def clear(m: MarketState, step: int, seed: int) -> tuple[list[Event], MarketState]:
    """The events clearing ``m``'s pending orders at ``step``, and the market after them."""
    run = Clearing(m, seed)
    for order in m.pending:
        run.place(order, step)
    return run.events, run.m
