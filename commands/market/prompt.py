"""The market section of a trader's prompt: its cash and goods, each good's book and prices,
its open orders, how to trade, and ``Choices for BUY/SELL/OFFER/CANCEL: ...`` lines listing
well-formed orders it can afford (the convention the mock LLM follows)."""

from __future__ import annotations

from troupe_es.domain.market import MarketState, money

MAX_CHOICES = 4
HOW_TO = ("Market actions (content 'QUANTITY GOOD at PRICE'): BUY or SELL places a limit order "
          "(leave out 'at PRICE' to take the best prices now); OFFER posts your selling price for "
          "buyers to take (it replaces your previous offer of that good); CANCEL 'ORDER_ID', 'GOOD' or "
          "'all' withdraws your open orders. Orders are matched after everyone has acted.")


def _price(cents: int) -> str:
    return money(cents)


def reference(m: MarketState, good: str) -> int | None:
    """What a good costs for all the agent knows: last trade, else the reference price."""
    return m.last_price.get(good, m.reference.get(good))


def choices(m: MarketState, agent: str) -> dict[str, list[str]]:
    """Well-formed orders the agent can place now (deterministic, affordable, in stock)."""
    t = m.trader(agent)
    free = t.free_cash(m.credit)
    buy: list[str] = []
    sell: list[str] = []
    offer: list[str] = []
    for good in m.goods:
        ask = next((o for o in m.side(good, "sell") if o.agent != agent), None)
        bid = next((o for o in m.side(good, "buy") if o.agent != agent), None)
        ref = reference(m, good)
        buy_at = ask.limit if ask is not None else ref
        if buy_at is not None:
            for qty in (1, 2):
                if qty * buy_at <= free:
                    buy.append(f"{qty} {good} at {_price(buy_at)}")
        stock = t.free_goods(good)
        if stock > 0:
            sell_at = bid.limit if bid is not None else ref
            if sell_at is not None:
                sell.append(f"1 {good} at {_price(sell_at)}")
            if ref is not None:
                offer.append(f"{min(stock, 3)} {good} at {_price(ref + max(1, ref // 10))}")
    out = {"BUY": buy[:MAX_CHOICES], "SELL": sell[:MAX_CHOICES], "OFFER": offer[:MAX_CHOICES],
           "CANCEL": [o.id for o in m.orders_of(agent)][:MAX_CHOICES]}
    return {kind: options for kind, options in out.items() if options}


def market_section(m: MarketState, agent: str) -> list[str]:
    """The prompt lines of ``agent``'s market."""
    t = m.trader(agent)
    cur = m.currency
    cash = f"Market ({m.world}): you have {money(t.cash, cur)} cash"
    if t.reserved_cash:
        cash += f" ({money(t.cash - t.reserved_cash, cur)} not held by your buy orders)"
    if m.credit:
        cash += f", credit up to {money(m.credit, cur)}"
    lines = [cash + "."]
    held = [f"{t.stock(g)} {g}" + (f" ({t.reserved_goods[g]} on offer)" if t.reserved_goods.get(g) else "")
            for g in m.goods if t.stock(g)]
    lines.append("Your goods: " + (", ".join(held) if held else "none") + ".")
    for good in m.goods:
        bid, ask = m.best(good, "buy"), m.best(good, "sell")
        parts = [f"bid {money(bid.limit, cur)} x{bid.remaining}" if bid else "no bids",
                 f"ask {money(ask.limit, cur)} x{ask.remaining}" if ask else "no asks"]
        if good in m.last_price:
            parts.append(f"last {money(m.last_price[good], cur)}")
        elif good in m.reference:
            parts.append(f"usual price {money(m.reference[good], cur)}")
        lines.append(f"- {good}: " + ", ".join(parts))
    posted = [f"{o.good} {money(o.limit, cur)} by {o.agent} ({o.remaining} left)"
              for o in m.book if o.kind == "posted"]
    if posted:
        lines.append("Posted prices: " + "; ".join(posted[:12]) + ".")
    mine = [f"{o.id} {o.side} {o.remaining} {o.good} at {money(o.limit, cur)}" for o in m.orders_of(agent)]
    if mine:
        lines.append("Your open orders: " + "; ".join(mine) + ".")
    lines.append(HOW_TO)
    for kind, options in choices(m, agent).items():
        lines.append(f"Choices for {kind}: " + " | ".join(options))
    return lines
