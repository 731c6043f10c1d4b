"""Periodic payments: income, rent and interest, every N steps.

A payment as :class:`~troupe_es.events.market.MarketOpened` records it::

    {"name": "wages", "kind": "income", "agents": ["Ben"], "to": None,
     "amount_cents": 500, "rate": None, "every": 2}

:func:`pay` is the pure decision for one payment at one step (``PaymentMade`` per agent);
:func:`payments_due` lists what falls due at the end of a step. Rent is paid within the payer's
free cash and credit (the rest is recorded as ``shortfall_cents``); interest is ``rate`` times the
trader's cash, rounded half-even to the cent, paid to a positive balance and charged to a
negative one.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from troupe_es.domain.market import MarketState
from troupe_es.events.market import PaymentMade


def is_due(payment: dict[str, Any], step: int) -> bool:
    """Whether ``payment`` falls due at the end of ``step`` (every N-th step: N-1, 2N-1, ...)."""
    return (step + 1) % int(payment["every"]) == 0


def pay(m: MarketState, payment: dict[str, Any], step: int) -> list[PaymentMade]:
    """The ``PaymentMade`` events of ``payment`` at ``step`` (pure)."""
    out: list[PaymentMade] = []
    name, kind = payment["name"], payment["kind"]
    for agent in payment["agents"]:
        t = m.trader(agent)
        free = max(0, t.free_cash(m.credit))
        if kind == "income":
            out.append(PaymentMade(name=name, kind=kind, payer=None, payee=agent,
                                   amount_cents=int(payment["amount_cents"]), step=step))
        elif kind == "rent":
            due = int(payment["amount_cents"])
            paid = min(due, free)
            out.append(PaymentMade(name=name, kind=kind, payer=agent, payee=payment.get("to"),
                                   amount_cents=paid, shortfall_cents=due - paid, step=step))
        else:
            amount = int((Decimal(t.cash) * Decimal(str(payment["rate"]))).to_integral_value(ROUND_HALF_EVEN))
            if amount > 0:
                out.append(PaymentMade(name=name, kind=kind, payer=None, payee=agent, amount_cents=amount, step=step))
            elif amount < 0:
                paid = min(-amount, free)
                out.append(PaymentMade(name=name, kind=kind, payer=agent, payee=None, amount_cents=paid,
                                       shortfall_cents=-amount - paid, step=step))
    return out


def payments_due(m: MarketState, step: int) -> list[PaymentMade]:
    """Every payment due at the end of ``step`` not yet paid for it, applied in order (so a rent
    paid after an income sees it)."""
    from troupe_es.domain.market import apply

    events: list[PaymentMade] = []
    for payment in m.payments:
        if not is_due(payment, step) or m.paid.get(payment["name"]) == step:
            continue
        for event in pay(m, payment, step):
            events.append(event)
            m = apply(m, event)  # type: ignore[assignment]
    return events
