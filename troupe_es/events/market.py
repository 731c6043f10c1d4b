"""Marketplace events: endowments, orders, trades, prices and periodic payments.

Money is in integer cents (``*_cents`` fields), so conservation is exact: every trade moves
``quantity * price_cents`` from the buyer to the seller and ``quantity`` units of the good from
the seller to the buyer. Order ids (``Ana:o3``) and trade ids (``t17``) are derived from
per-agent and per-market counters, never random, so a replay reproduces them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.events.base import Event

Side = Literal["buy", "sell"]
OrderKind = Literal["limit", "market", "posted"]
PriceSource = Literal["trade", "posted"]
PaymentKind = Literal["income", "rent", "interest"]


class MarketOpened(Event):
    """A marketplace opened in a world: its goods, the credit each trader may use, the reference
    prices shown before any trade, and the periodic payments it schedules."""

    type: Literal["MarketOpened"] = "MarketOpened"
    world: str
    goods: list[str] = Field(min_length=1, description="The goods traded, by name.")
    credit_cents: int = Field(ge=0, description="How far below zero a trader's cash may go (0: no credit).")
    currency: str = Field(description="The currency symbol prompts show (display only).")
    reference_cents: dict[str, int] = Field(default_factory=dict,
                                            description="Reference price per good before any trade.")
    payments: list[dict[str, Any]] = Field(default_factory=list,
                                           description="Periodic payments (income, rent, interest) as configured.")


class GoodsEndowed(Event):
    """A trader's starting cash and stock (added to what it holds)."""

    type: Literal["GoodsEndowed"] = "GoodsEndowed"
    agent: str
    cash_cents: int = Field(ge=0)
    goods: dict[str, int] = Field(default_factory=dict, description="Units per good.")


class OrderSubmitted(Event):
    """An agent's order, parsed from its BUY, SELL or OFFER action; the market clears submitted
    orders after every agent of the step has acted, in the order they were submitted."""

    type: Literal["OrderSubmitted"] = "OrderSubmitted"
    agent: str
    order_id: str = Field(description="Deterministic id: agent and per-agent counter (e.g. Ana:o3).")
    side: Side
    good: str
    quantity: int = Field(ge=1)
    limit_cents: int | None = Field(description="Limit price per unit; null for a market order.")
    kind: OrderKind = Field(description="limit, market (takes the best prices, never rests) or posted (OFFER).")


class OrderPlaced(Event):
    """A submitted order passed the checks (cash or stock available) and entered the book; the
    trades it made at once follow it. Its cash (buy) or stock (sell) is reserved while it rests."""

    type: Literal["OrderPlaced"] = "OrderPlaced"
    agent: str
    order_id: str
    side: Side
    good: str
    quantity: int = Field(ge=1)
    limit_cents: int | None
    kind: OrderKind
    step: int = Field(ge=0, description="The world step it was placed in (its time priority).")
    tie: str = Field(description="Seeded tie-break among orders of one price and step (from seed and order id).")


class OrderRejected(Event):
    """An order that could not be placed: unreadable, unknown good, or not enough cash or
    stock. The agent perceives the reason as feedback."""

    type: Literal["OrderRejected"] = "OrderRejected"
    agent: str
    order_id: str | None = Field(description="The submitted order's id, or null when the action could not be read.")
    action: str = Field(description="BUY, SELL, OFFER or CANCEL.")
    content: str = Field(description="The action's content as the agent wrote it.")
    reason: str


class OrderCancelled(Event):
    """An order left the book unfilled: its agent cancelled it, a newer OFFER replaced it, or
    the rest of a market order found no more sellers or buyers (its reservation is released)."""

    type: Literal["OrderCancelled"] = "OrderCancelled"
    agent: str
    order_id: str
    good: str
    remaining: int = Field(ge=0, description="Units left unfilled.")
    reason: str


class TradeExecuted(Event):
    """Two orders crossed: ``quantity`` units of ``good`` at the resting order's price."""

    type: Literal["TradeExecuted"] = "TradeExecuted"
    trade_id: str = Field(description="Deterministic id: the market's trade counter (e.g. t17).")
    good: str
    quantity: int = Field(ge=1)
    price_cents: int = Field(ge=0)
    buyer: str
    seller: str
    buy_order: str
    sell_order: str
    aggressor: Side = Field(description="The side of the incoming order.")


class PriceChanged(Event):
    """A good's price moved: its last trade price (``trade``) or a seller's posted price
    (``posted``, with the seller)."""

    type: Literal["PriceChanged"] = "PriceChanged"
    good: str
    price_cents: int = Field(ge=0)
    previous_cents: int | None
    source: PriceSource
    seller: str | None = None


class PaymentMade(Event):
    """A periodic payment fell due: income paid to a trader, rent paid by one (to a landlord or
    out of the market), or interest on a balance. ``shortfall_cents`` is what could not be paid
    within the payer's cash and credit."""

    type: Literal["PaymentMade"] = "PaymentMade"
    name: str
    kind: PaymentKind
    payer: str | None = Field(description="Who paid (null: from outside the market).")
    payee: str | None = Field(description="Who was paid (null: out of the market).")
    amount_cents: int = Field(ge=0)
    shortfall_cents: int = Field(default=0, ge=0)
    step: int = Field(ge=0)
