"""The marketplace a run's fold holds: traders' cash and stock, the order book, prices.

Changed only by market events through :func:`apply` (a pure function of a
:class:`MarketState` and an event); :data:`MARKET_HANDLERS` plugs it into
:mod:`troupe_es.domain.evolve`. Money is integer cents. A resting buy order reserves
``remaining * limit`` cents of its agent's cash, a resting sell order ``remaining`` units of its
good: what a trader can still commit is its holding minus its reservations (plus its credit, for
cash), so no balance or stock ever goes below what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Order:
    """A resting order (``remaining`` units still open)."""

    id: str
    agent: str
    side: str  # buy, sell
    good: str
    remaining: int
    limit: int | None  # cents; None only for market orders, which never rest
    kind: str  # limit, market, posted
    step: int
    tie: str

    def reservation(self) -> int:
        """Cents (buy) or units (sell) this order holds back."""
        return self.remaining * (self.limit or 0) if self.side == "buy" else self.remaining


@dataclass(frozen=True)
class Trader:
    """A trader's holdings and reservations."""

    cash: int = 0
    goods: dict[str, int] = field(default_factory=dict)
    reserved_cash: int = 0
    reserved_goods: dict[str, int] = field(default_factory=dict)
    submitted: int = 0  # orders ever submitted: the next order id's counter

    def stock(self, good: str) -> int:
        return self.goods.get(good, 0)

    def free_goods(self, good: str) -> int:
        """Units of ``good`` not reserved by resting sell orders."""
        return self.goods.get(good, 0) - self.reserved_goods.get(good, 0)

    def free_cash(self, credit: int) -> int:
        """Cents the trader can still commit: cash, plus credit, minus reservations."""
        return self.cash + credit - self.reserved_cash

    def next_order_id(self, agent: str, offset: int = 0) -> str:
        return f"{agent}:o{self.submitted + offset + 1}"


@dataclass(frozen=True)
class MarketState:
    """One run's marketplace (``RunState.market``; None while no market is open)."""

    world: str
    goods: tuple[str, ...]
    credit: int = 0
    currency: str = "$"
    reference: dict[str, int] = field(default_factory=dict)
    payments: tuple[dict[str, Any], ...] = ()
    traders: dict[str, Trader] = field(default_factory=dict)
    book: tuple[Order, ...] = ()  # resting orders, in placement order
    pending: tuple[Order, ...] = ()  # submitted, not yet cleared (limit None: market order)
    last_price: dict[str, int] = field(default_factory=dict)
    posted: dict[str, dict[str, int]] = field(default_factory=dict)  # seller -> good -> price
    trades: int = 0
    volume: dict[str, int] = field(default_factory=dict)  # units traded per good
    paid: dict[str, int] = field(default_factory=dict)  # payment name -> last step it was paid

    def trader(self, name: str) -> Trader:
        return self.traders.get(name) or Trader()

    def orders_of(self, agent: str) -> tuple[Order, ...]:
        return tuple(o for o in self.book if o.agent == agent)

    def side(self, good: str, side: str) -> list[Order]:
        """Resting orders of one side of a good's book, best first (price, step, tie-break)."""
        orders = [o for o in self.book if o.good == good and o.side == side]
        if side == "buy":
            orders.sort(key=lambda o: (-(o.limit or 0), o.step, o.tie, o.id))
        else:
            orders.sort(key=lambda o: (o.limit or 0, o.step, o.tie, o.id))
        return orders

    def best(self, good: str, side: str) -> Order | None:
        orders = self.side(good, side)
        return orders[0] if orders else None

    def totals(self) -> tuple[int, dict[str, int]]:
        """All cash and all units per good held by traders (conserved by trades)."""
        cash = sum(t.cash for t in self.traders.values())
        goods: dict[str, int] = {}
        for t in self.traders.values():
            for g, n in t.goods.items():
                goods[g] = goods.get(g, 0) + n
        return cash, goods

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MarketState":
        d = dict(data)
        d["goods"] = tuple(d.get("goods", ()))
        d["payments"] = tuple(d.get("payments", ()))
        d["traders"] = {k: Trader(**v) for k, v in d.get("traders", {}).items()}
        d["book"] = tuple(Order(**o) for o in d.get("book", ()))
        d["pending"] = tuple(Order(**o) for o in d.get("pending", ()))
        return cls(**d)


def _add(counts: dict[str, int], key: str, delta: int) -> dict[str, int]:
    out = dict(counts)
    value = out.get(key, 0) + delta
    if value:
        out[key] = value
    else:
        out.pop(key, None)
    return out


def _with_traders(m: MarketState, **changed: Trader) -> MarketState:
    traders = dict(m.traders)
    traders.update(changed)
    return replace(m, traders=traders)


def _reserve(t: Trader, order: Order, sign: int) -> Trader:
    if order.side == "buy":
        return replace(t, reserved_cash=t.reserved_cash + sign * order.reservation())
    return replace(t, reserved_goods=_add(t.reserved_goods, order.good, sign * order.reservation()))


def _opened(m: Any, e: Any) -> MarketState:
    return MarketState(world=e.world, goods=tuple(e.goods), credit=e.credit_cents, currency=e.currency,
                       reference=dict(e.reference_cents), payments=tuple(dict(p) for p in e.payments))


def _endowed(m: MarketState, e: Any) -> MarketState:
    t = m.trader(e.agent)
    goods = dict(t.goods)
    for g, n in e.goods.items():
        goods = _add(goods, g, n)
    return _with_traders(m, **{e.agent: replace(t, cash=t.cash + e.cash_cents, goods=goods)})


def _submitted(m: MarketState, e: Any) -> MarketState:
    t = m.trader(e.agent)
    order = Order(e.order_id, e.agent, e.side, e.good, e.quantity, e.limit_cents, e.kind, -1, "")
    m = _with_traders(m, **{e.agent: replace(t, submitted=t.submitted + 1)})
    return replace(m, pending=m.pending + (order,))


def _placed(m: MarketState, e: Any) -> MarketState:
    pending = tuple(o for o in m.pending if o.id != e.order_id)
    order = Order(e.order_id, e.agent, e.side, e.good, e.quantity, e.limit_cents, e.kind, e.step, e.tie)
    m = replace(m, pending=pending, book=m.book + (order,))
    if order.limit is not None:
        m = _with_traders(m, **{e.agent: _reserve(m.trader(e.agent), order, +1)})
    return m


def _rejected(m: MarketState, e: Any) -> MarketState:
    if e.order_id is None:
        return m
    return replace(m, pending=tuple(o for o in m.pending if o.id != e.order_id))


def _remove(m: MarketState, order_id: str) -> MarketState:
    """Take an order off the book, releasing what it reserved."""
    order = next((o for o in m.book if o.id == order_id), None)
    if order is None:
        return m
    m = replace(m, book=tuple(o for o in m.book if o.id != order_id))
    if order.limit is not None:
        m = _with_traders(m, **{order.agent: _reserve(m.trader(order.agent), order, -1)})
    return m


def _cancelled(m: MarketState, e: Any) -> MarketState:
    return _remove(m, e.order_id)


def _fill(m: MarketState, order_id: str, quantity: int) -> MarketState:
    """Reduce a resting order by ``quantity`` in place, releasing that much reservation; a
    filled order leaves the book."""
    for i, order in enumerate(m.book):
        if order.id == order_id:
            break
    else:
        return m
    rest = replace(order, remaining=order.remaining - quantity)
    book = m.book[:i] + ((rest,) if rest.remaining > 0 else ()) + m.book[i + 1:]
    m = replace(m, book=book)
    if order.limit is None:
        return m
    t = m.trader(order.agent)
    if order.side == "buy":
        t = replace(t, reserved_cash=t.reserved_cash - quantity * order.limit)
    else:
        t = replace(t, reserved_goods=_add(t.reserved_goods, order.good, -quantity))
    return _with_traders(m, **{order.agent: t})


def _traded(m: MarketState, e: Any) -> MarketState:
    m = _fill(_fill(m, e.buy_order, e.quantity), e.sell_order, e.quantity)
    cost = e.quantity * e.price_cents
    buyer = m.trader(e.buyer)
    buyer = replace(buyer, cash=buyer.cash - cost, goods=_add(buyer.goods, e.good, e.quantity))
    m = _with_traders(m, **{e.buyer: buyer})
    seller = m.trader(e.seller)
    seller = replace(seller, cash=seller.cash + cost, goods=_add(seller.goods, e.good, -e.quantity))
    m = _with_traders(m, **{e.seller: seller})
    return replace(m, trades=m.trades + 1, volume=_add(m.volume, e.good, e.quantity))


def _price(m: MarketState, e: Any) -> MarketState:
    if e.source == "trade":
        return replace(m, last_price={**m.last_price, e.good: e.price_cents})
    posted = {k: dict(v) for k, v in m.posted.items()}
    posted.setdefault(e.seller or "", {})[e.good] = e.price_cents
    return replace(m, posted=posted)


def _payment(m: MarketState, e: Any) -> MarketState:
    paid = e.amount_cents
    changed = {}
    if e.payer is not None:
        t = m.trader(e.payer)
        changed[e.payer] = replace(t, cash=t.cash - paid)
    if e.payee is not None:
        t = changed.get(e.payee) or m.trader(e.payee)
        changed[e.payee] = replace(t, cash=t.cash + paid)
    m = _with_traders(m, **changed)
    return replace(m, paid={**m.paid, e.name: e.step})


_APPLY: dict[str, Callable[[Any, Any], MarketState]] = {
    "MarketOpened": _opened,
    "GoodsEndowed": _endowed,
    "OrderSubmitted": _submitted,
    "OrderPlaced": _placed,
    "OrderRejected": _rejected,
    "OrderCancelled": _cancelled,
    "TradeExecuted": _traded,
    "PriceChanged": _price,
    "PaymentMade": _payment,
}

MARKET_EVENT_TYPES = frozenset(_APPLY)


def apply(m: MarketState | None, event: Any) -> MarketState | None:
    """The market after ``event`` (pure). Events before ``MarketOpened`` leave it None."""
    handler = _APPLY.get(event.type)
    if handler is None or (m is None and event.type != "MarketOpened"):
        return m
    return handler(m, event)


def _feedback(state: Any, agent: str, note: str) -> Any:
    a = state.agents.get(agent)
    if a is None:
        return state
    agents = dict(state.agents)
    agents[agent] = replace(a, feedback=a.feedback + (note,))
    return replace(state, agents=agents)


def money(cents: int | None, currency: str = "") -> str:
    """``150`` -> ``1.50`` (with the currency symbol when given)."""
    if cents is None:
        return "market"
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{currency}{cents // 100}.{cents % 100:02d}"


def _note(state: Any, e: Any) -> Any:
    """What an agent perceives of a market event (its feedback at its next turn)."""
    m = state.market
    cur = m.currency if m is not None else ""
    if e.type == "OrderRejected":
        return _feedback(state, e.agent, f"Your {e.action} '{e.content}' was rejected: {e.reason}.")
    if e.type == "TradeExecuted" and e.buyer != e.seller:
        price = money(e.price_cents, cur)
        state = _feedback(state, e.buyer, f"You bought {e.quantity} {e.good} from {e.seller} at {price} each.")
        return _feedback(state, e.seller, f"You sold {e.quantity} {e.good} to {e.buyer} at {price} each.")
    if e.type == "OrderCancelled" and e.remaining:
        return _feedback(state, e.agent, f"Your order {e.order_id} ({e.remaining} {e.good} left) was "
                                         f"cancelled: {e.reason}.")
    if e.type == "PaymentMade":
        for who, verb in ((e.payee, "received"), (e.payer, "paid")):
            if who is not None:
                state = _feedback(state, who, f"You {verb} {money(e.amount_cents, cur)} ({e.kind}: {e.name}).")
    return state


def _handler(s: Any, r: Any, e: Any) -> Any:
    s = replace(s, market=apply(s.market, e))
    return _note(s, e)


MARKET_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {name: _handler for name in _APPLY}
"""Event type -> fold handler, merged into ``troupe_es.domain.evolve``."""
