"""The scenario's ``market:`` section: goods, endowments, credit, posted prices, payments.

```yaml
market:
  goods: [apples, bread, cheese]
  currency: "$"
  cash: 10              # everyone's starting cash (endowments add to it)
  credit: 0             # how far below zero cash may go (default 0: never)
  prices: {apples: 1.50, bread: 3.00}   # reference prices shown before any trade
  endowments:
    Ana: {cash: 5, goods: {apples: 12}}
  posted:               # offers on the book when the market opens
    - {seller: Ana, good: apples, quantity: 6, price: 1.60}
  payments:             # on the world's schedule (docs/schedule.md): every DURATION, or cron
    - {name: wages, kind: income, to: [Ben], amount: 4, every: 1d, at: "17:00"}
    - {name: stall rent, kind: rent, from: [Ana], to: Ben, amount: 1.50, every: 2h}
    - {name: savings, kind: interest, to: [Ana, Ben], rate: 0.01, cron: "0 9 * * 1"}
```

Amounts are decimal money with at most two places (kept exact: integer cents in events).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from troupe_es.scenario.model import Strict, parse_duration


def _money(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected an amount like 1.50")
    try:
        amount = Decimal(str(value).strip().lstrip("$€£"))
    except Exception:
        raise ValueError(f"expected an amount like 1.50, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"expected a non-negative amount, got {value!r}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"at most two decimal places (cents), got {value!r}")
    if amount > Decimal("1000000000"):
        raise ValueError(f"amount too large: {value!r}")
    return amount.quantize(Decimal("0.01"))


Money = Annotated[Decimal, BeforeValidator(_money)]
Units = Annotated[int, Field(ge=0, le=1_000_000_000)]


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


class Endowment(Strict):
    """A trader's starting holdings (added to the market's ``cash`` for everyone)."""

    cash: Money = Decimal("0.00")
    goods: dict[str, Units] = Field(default_factory=dict)


class PostedSpec(Strict):
    """An offer on the book when the market opens (as if ``seller`` had said OFFER)."""

    seller: str = Field(min_length=1)
    good: str = Field(min_length=1)
    quantity: int = Field(ge=1, le=1_000_000)
    price: Money


class PaymentSpec(Strict):
    """A periodic payment, scheduled ``every`` a duration (first ``at`` a time, else one interval
    after the market opens) or at the times of a ``cron`` expression: ``income`` paid ``to`` traders from outside,
    ``rent`` paid ``from`` traders (to a landlord ``to``, or out of the market), ``interest``
    at ``rate`` on the balances of the ``to`` traders (charged when negative)."""

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["income", "rent", "interest"]
    every: str | float | None = None
    at: str | None = None
    cron: str | None = None
    amount: Money | None = None
    rate: Decimal | None = Field(default=None, ge=-1, le=1)
    to: list[str] | str | None = None
    from_: list[str] | None = Field(default=None, alias="from")

    @field_validator("every")
    @classmethod
    def _duration(cls, value: str | float | None) -> str | float | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from troupe_es.domain.schedule import check_cron

            check_cron(value)
        return value

    @model_validator(mode="after")
    def _shape(self) -> "PaymentSpec":
        if (self.every is None) == (self.cron is None):
            raise ValueError("say how often: give every (a duration like 1h or 1d) or cron, not both")
        if self.cron is not None and self.at is not None:
            raise ValueError("cron says when by itself: drop at")
        if self.kind == "interest":
            if self.rate is None or self.amount is not None:
                raise ValueError("interest needs a rate (e.g. 0.01) and no amount")
        elif self.amount is None or self.rate is not None:
            raise ValueError(f"{self.kind} needs an amount and no rate")
        if self.kind == "rent":
            if not self.from_:
                raise ValueError("rent needs 'from': the traders who pay it")
            if isinstance(self.to, list):
                raise ValueError("rent's 'to' is one landlord (a trader's name), or omit it")
        else:
            if self.from_ is not None:
                raise ValueError(f"{self.kind} is paid 'to' traders; 'from' is for rent")
            if not self.to or isinstance(self.to, str):
                raise ValueError(f"{self.kind} needs 'to': a list of traders")
        return self

    def agents(self) -> list[str]:
        return list(self.from_ or []) if self.kind == "rent" else list(self.to or [])

    def record(self) -> dict[str, Any]:
        """The normalized form ``MarketOpened`` records."""
        return {"name": self.name, "kind": self.kind, "agents": self.agents(),
                "to": self.to if self.kind == "rent" else None, "amount_cents": cents(self.amount),
                "rate": str(self.rate) if self.rate is not None else None,
                "every_seconds": parse_duration(self.every).total_seconds() if self.every is not None else None,
                "at": self.at, "cron": self.cron}


class MarketSpec(Strict):
    """The ``market:`` section (see the module docstring and docs/environments.md)."""

    goods: list[str] = Field(min_length=1, max_length=100)
    currency: str = Field(default="$", max_length=3)
    cash: Money = Decimal("0.00")
    credit: Money = Decimal("0.00")
    prices: dict[str, Money] = Field(default_factory=dict)
    endowments: dict[str, Endowment] = Field(default_factory=dict)
    posted: list[PostedSpec] = Field(default_factory=list, max_length=1000)
    payments: list[PaymentSpec] = Field(default_factory=list, max_length=100)

    @field_validator("goods")
    @classmethod
    def _goods(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(g.split()) for g in value]
        for g in cleaned:
            if not g or any(ch.isdigit() for ch in g) or ":" in g:
                raise ValueError(f"a good is named by words without digits or ':', got {g!r}")
        if len({g.lower() for g in cleaned}) != len(cleaned):
            raise ValueError("goods must be unique")
        return cleaned

    @model_validator(mode="after")
    def _known_goods(self) -> "MarketSpec":
        known = set(self.goods)

        def check(where: str, good: str) -> None:
            if good not in known:
                raise ValueError(f"{where}: unknown good {good!r} (goods: {', '.join(self.goods)})")

        for good in self.prices:
            check("prices", good)
        for name, e in self.endowments.items():
            for good in e.goods:
                check(f"endowments.{name}.goods", good)
        for i, p in enumerate(self.posted):
            check(f"posted[{i}].good", p.good)
            held = self.endowments.get(p.seller, Endowment()).goods.get(p.good, 0)
            if p.quantity > held:
                raise ValueError(f"posted[{i}]: {p.seller} offers {p.quantity} {p.good} but is endowed with {held}")
            if any((q.seller, q.good) == (p.seller, p.good) for q in self.posted[:i]):
                raise ValueError(f"posted[{i}]: {p.seller} already posts a price for {p.good} (one offer per good)")
        names = [p.name for p in self.payments]
        if len(set(names)) != len(names):
            raise ValueError("payment names must be unique")
        return self

    def agent_refs(self) -> list[tuple[str, str]]:
        """``(field path, agent name)`` pairs the section names."""
        refs = [(f"market.endowments.{n}", n) for n in self.endowments]
        refs += [(f"market.posted[{i}].seller", p.seller) for i, p in enumerate(self.posted)]
        for i, p in enumerate(self.payments):
            refs += [(f"market.payments[{i}]", a) for a in p.agents()]
            if p.kind == "rent" and isinstance(p.to, str):
                refs.append((f"market.payments[{i}].to", p.to))
        return refs
