"""The marketplace capability: goods, cash, a double-auction order book and posted prices.

Registered in ``bootstrap.CAPABILITIES``; active for the agents of the world a scenario's
``market:`` section opened a market in (``OpenMarket``, recorded as ``MarketOpened`` and
``GoodsEndowed``). A trader's turn shows its cash, goods, every good's best bid and ask, posted
prices and its open orders, and offers the actions BUY, SELL, OFFER and CANCEL. Its decide
function reads those actions (pure): an order becomes ``OrderSubmitted``, a cancellation
``OrderCancelled``, anything unreadable ``OrderRejected`` with the reason (feedback the agent
perceives). After every agent of the step has acted, :func:`after_step` clears the submitted
orders in submission order (:mod:`troupe_es.commands.market.clearing`). Periodic payments are
items on the world's schedule (:mod:`troupe_es.commands.market.payments`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from troupe_es.commands.market.clearing import clear
from troupe_es.commands.market.parse import ParsedOrder, cancel_targets, parse_order
from troupe_es.commands.market.prompt import market_section
from troupe_es.commands.models import Command
from troupe_es.commands.turn import Preparation
from troupe_es.domain import RunState
from troupe_es.domain.market import apply
from troupe_es.errors import SimulationError
from troupe_es.events import ActionTaken, Event
from troupe_es.events.market import GoodsEndowed, MarketOpened, OrderCancelled, OrderRejected, OrderSubmitted

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

MARKET_ACTIONS = ("BUY", "SELL", "OFFER", "CANCEL")


def market_stream(world: str) -> str:
    return f"market/{world}"


def decide_market(state: RunState, agent: str, turn: Sequence[Event]) -> list[Event]:
    """The market events of ``agent``'s turn from its market actions (pure)."""
    m = state.market
    if m is None:
        return []
    trader = m.trader(agent)
    events: list[Event] = []
    submitted = 0
    cancelled: set[str] = set()
    for action in turn:
        if not isinstance(action, ActionTaken) or action.agent != agent or action.action not in MARKET_ACTIONS:
            continue
        kind = action.action
        if kind == "CANCEL":
            open_orders = [(o.id, o.good) for o in m.orders_of(agent) if o.id not in cancelled]
            targets = cancel_targets(action.content, open_orders, m.goods)
            if isinstance(targets, str):
                events.append(OrderRejected(agent=agent, order_id=None, action=kind, content=action.content,
                                            reason=targets))
                continue
            for order in m.orders_of(agent):
                if order.id in targets:
                    cancelled.add(order.id)
                    events.append(OrderCancelled(agent=agent, order_id=order.id, good=order.good,
                                                 remaining=order.remaining, reason="cancelled by you"))
            continue
        parsed = parse_order(action.content, m.goods, need_price=kind == "OFFER")
        if not isinstance(parsed, ParsedOrder):
            events.append(OrderRejected(agent=agent, order_id=None, action=kind, content=action.content,
                                        reason=parsed))
            continue
        events.append(OrderSubmitted(
            agent=agent, order_id=trader.next_order_id(agent, submitted), side="sell" if kind != "BUY" else "buy",
            good=parsed.good, quantity=parsed.quantity, limit_cents=parsed.limit,
            kind="posted" if kind == "OFFER" else ("limit" if parsed.limit is not None else "market")))
        submitted += 1
    return events


class MarketCapability:
    """The market's contribution to a turn (see the module docstring)."""

    name = "market"

    def active(self, state: RunState, agent: str) -> bool:
        m = state.market
        return m is not None and state.agents[agent].world == m.world

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return MARKET_ACTIONS

    def section(self, state: RunState, agent: str) -> list[str]:
        return market_section(state.market, agent) if state.market is not None else []

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(self.section(state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        return decide_market(state, agent, turn)

    def after_step(self, bus: "MessageBus", world: str, step: int, causation_id: str | None) -> list["Recorded"]:
        """Clear the step's orders."""
        return settle(bus, world, step, causation_id)


def settle(bus: "MessageBus", world: str, step: int, causation_id: str | None) -> list["Recorded"]:
    """Record the clearing of ``world``'s pending orders (payments are scheduled items)."""
    m = bus.state.market
    if m is None or m.world != world:
        return []
    events, _ = clear(m, step, bus.state.seed)
    return bus.record([bus.new(market_stream(world), e, world=world, causation_id=causation_id) for e in events])


MARKET = MarketCapability()
"""The market capability instance ``bootstrap`` registers."""


class OpenMarket(Command):
    """Open the scenario's market in ``world``: ``spec`` is its ``market:`` section as recorded."""

    world: str
    spec: dict[str, Any]


def opening_events(world: str, spec: Any, members: Sequence[str]) -> list[Event]:
    """``MarketOpened`` and every member's ``GoodsEndowed`` from a validated
    :class:`~troupe_es.scenario.market.MarketSpec`, then the posted offers as submissions (pure)."""
    from troupe_es.scenario.market import cents

    events: list[Event] = [MarketOpened(
        world=world, goods=list(spec.goods), credit_cents=cents(spec.credit), currency=spec.currency,
        reference_cents={g: cents(p) for g, p in spec.prices.items()},
        payments=[p.record() for p in spec.payments])]
    for name in members:
        e = spec.endowments.get(name)
        cash = cents(spec.cash) + (cents(e.cash) if e else 0)
        goods = {g: n for g, n in (e.goods.items() if e else ()) if n}
        if cash or goods:
            events.append(GoodsEndowed(agent=name, cash_cents=cash, goods=goods))
    count: dict[str, int] = {}
    for p in spec.posted:
        n = count.get(p.seller, 0)
        count[p.seller] = n + 1
        events.append(OrderSubmitted(agent=p.seller, order_id=f"{p.seller}:o{n + 1}", side="sell", good=p.good,
                                     quantity=p.quantity, limit_cents=cents(p.price), kind="posted"))
    return events


def open_market(cmd: OpenMarket, bus: "MessageBus") -> list["Recorded"]:
    """Record the market's opening with its posted offers placed (one batch), then put its
    payments on the world's schedule. Idempotent: a set-up cut short finishes when resumed."""
    from troupe_es.commands.market.payments import schedule_commands
    from troupe_es.scenario.market import MarketSpec
    from troupe_es.scenario.scenario import validate

    bus.require_world(cmd.world)
    recorded: list[Recorded] = []
    if bus.state.market is None:
        spec = validate(MarketSpec, cmd.spec, "market")
        members = bus.state.worlds[cmd.world].members
        for path, name in spec.agent_refs():
            if name not in members:
                raise SimulationError(f"{path}: {name!r} is not in world {cmd.world!r} "
                                      f"(members: {', '.join(members) or 'none'})")
        opening = opening_events(cmd.world, spec, members)
        m = None
        for event in opening:
            m = apply(m, event)
        cleared, _ = clear(m, bus.state.worlds[cmd.world].step, bus.state.seed)  # type: ignore[arg-type]
        # one batch: a crash leaves the market either unopened or opened with its offers placed
        recorded += bus.record([bus.new(market_stream(cmd.world), e, world=cmd.world) for e in opening + cleared])
    elif bus.state.market.world != cmd.world:
        raise SimulationError(f"a market is already open in {bus.state.market.world!r}")
    for command in schedule_commands(bus.state, cmd.world):
        recorded += bus.handle(command) or []
    return recorded
