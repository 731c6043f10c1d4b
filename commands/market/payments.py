"""Periodic payments: income, rent and interest, as items on the world's schedule.

When the market opens, every payment of its ``market:`` section is put on the schedule
(``ScheduleItem`` of kind :data:`PAYMENT_KIND`, id ``market-<name>``, recurring ``every`` a
duration or at the times of a ``cron`` expression; docs/schedule.md). Nothing loops per tick:
when an occurrence fires, the scheduler calls :func:`on_payment`, which returns the
``PaymentMade`` events (pure). A payment as ``MarketOpened`` records it::

    {"name": "wages", "kind": "income", "agents": ["Ben"], "to": None, "amount_cents": 500,
     "rate": None, "every_seconds": 3600.0, "at": None, "cron": None}

Income is paid to traders from outside the market. Rent is paid within the payer's free cash and
credit (to a landlord, or out of the market); what cannot be paid is recorded as
``shortfall_cents``. Interest is ``rate`` times the trader's cash, rounded half-even to the cent:
paid to a positive balance, charged to a negative one (within what can be paid).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from troupe_es.domain.market import MarketState, apply
from troupe_es.events.market import PaymentMade

if TYPE_CHECKING:
    from troupe_es.domain import RunState

PAYMENT_KIND = "market_payment"
"""The schedule kind of the market's payments (``bootstrap.SCHEDULE_REACTIONS``)."""


def schedule_id(name: str) -> str:
    return f"market-{name}"


def _one(m: MarketState, payment: dict[str, Any], agent: str, step: int) -> PaymentMade | None:
    name, kind = payment["name"], payment["kind"]
    t = m.trader(agent)
    free = max(0, t.free_cash(m.credit))
    if kind == "income":
        return PaymentMade(name=name, kind=kind, payer=None, payee=agent, amount_cents=int(payment["amount_cents"]),
                           step=step)
    if kind == "rent":
        due = int(payment["amount_cents"])
        paid = min(due, free)
        return PaymentMade(name=name, kind=kind, payer=agent, payee=payment.get("to"), amount_cents=paid,
                           shortfall_cents=due - paid, step=step)
    amount = int((Decimal(t.cash) * Decimal(str(payment["rate"]))).to_integral_value(ROUND_HALF_EVEN))
    if amount > 0:
        return PaymentMade(name=name, kind=kind, payer=None, payee=agent, amount_cents=amount, step=step)
    if amount < 0:
        paid = min(-amount, free)
        return PaymentMade(name=name, kind=kind, payer=agent, payee=None, amount_cents=paid,
                           shortfall_cents=-amount - paid, step=step)
    return None


def pay(m: MarketState, payment: dict[str, Any], step: int) -> list[PaymentMade]:
    """The ``PaymentMade`` events of one occurrence of ``payment`` (pure), one per trader, each
    seeing the ones before it (a landlord who also pays rent)."""
    out: list[PaymentMade] = []
    for agent in payment["agents"]:
        event = _one(m, payment, agent, step)
        if event is not None:
            out.append(event)
            m = apply(m, event)  # type: ignore[assignment]
    return out


def on_payment(state: "RunState", fired: Any) -> list[tuple[str, PaymentMade]]:
    """The scheduler's reaction to a fired payment: its events, in the market's stream."""
    m = state.market
    if m is None:
        return []
    payment = next((p for p in m.payments if p["name"] == fired.data.get("payment")), None)
    if payment is None:
        return []
    world = state.worlds.get(m.world)
    step = world.step if world is not None else 0
    return [(f"market/{m.world}", e) for e in pay(m, payment, step)]


def schedule_commands(state: "RunState", world: str) -> list[Any]:
    """``ScheduleItem`` commands for the market's payments not on the schedule yet."""
    from troupe_es.commands.schedule import ScheduleItem

    m = state.market
    if m is None:
        return []
    out = []
    for p in m.payments:
        if state.schedule.item(schedule_id(p["name"])) is None:
            out.append(ScheduleItem(world=world, kind=PAYMENT_KIND, data={"payment": p["name"]},
                                    id=schedule_id(p["name"]), every_seconds=p.get("every_seconds"), at=p.get("at"),
                                    cron=p.get("cron"), source="market"))
    return out
