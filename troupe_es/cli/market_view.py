"""Rich renderings of a run's market: balances and inventories, order books, prices.

Shared by ``troupe-es market`` and ``troupe-es state`` (kept apart from click)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from troupe_es.domain.market import MarketState, money


def market_dict(m: MarketState) -> dict[str, Any]:
    """The market as a JSON-compatible dict for ``--json``: traders with free cash, each good's
    book (best first) and prices."""
    books = {}
    for good in m.goods:
        books[good] = {side: [{"order_id": o.id, "agent": o.agent, "quantity": o.remaining, "price_cents": o.limit,
                               "kind": o.kind, "step": o.step} for o in m.side(good, side)]
                       for side in ("buy", "sell")}
        books[good]["last_price_cents"] = m.last_price.get(good)
        books[good]["reference_cents"] = m.reference.get(good)
        books[good]["volume"] = m.volume.get(good, 0)
    traders = {name: {"cash_cents": t.cash, "free_cash_cents": t.free_cash(m.credit), "goods": dict(t.goods),
                      "reserved_cash_cents": t.reserved_cash, "reserved_goods": dict(t.reserved_goods)}
               for name, t in sorted(m.traders.items())}
    cash, goods = m.totals()
    return {"world": m.world, "currency": m.currency, "credit_cents": m.credit, "goods": list(m.goods),
            "traders": traders, "books": books, "posted": m.posted, "trades": m.trades,
            "pending": [o.id for o in m.pending], "totals": {"cash_cents": cash, "goods": goods}}


def render_market(m: MarketState, plain: bool = False) -> RenderableType:
    """Balances and inventories, then every good's order book."""
    from troupe_es.cli.views import section

    cur = m.currency
    traders = Table(box=None, pad_edge=False, padding=(0, 1))
    for column in ["trader", "cash", "free cash", *m.goods]:
        traders.add_column(column, justify="left" if column == "trader" else "right")
    for name, t in sorted(m.traders.items()):
        cells = [f"{t.stock(g)}" + (f" ({t.reserved_goods[g]} on offer)" if t.reserved_goods.get(g) else "")
                 for g in m.goods]
        traders.add_row(escape(name), money(t.cash, cur), money(t.free_cash(m.credit), cur), *cells)
    books = Table(box=None, pad_edge=False, padding=(0, 1))
    for column in ("good", "side", "order", "agent", "qty", "price", "kind"):
        books.add_column(column)
    for good in m.goods:
        rows = [("buy", o) for o in m.side(good, "buy")] + [("sell", o) for o in m.side(good, "sell")]
        for side, o in rows:
            books.add_row(escape(good), side, escape(o.id), escape(o.agent), str(o.remaining),
                          money(o.limit, cur), o.kind)
        if not rows:
            books.add_row(escape(good), "-", "no orders", "", "", "", "")
    prices = ", ".join(f"{g} {money(m.last_price[g], cur)}" for g in m.goods if g in m.last_price) or "no trades yet"
    head = Text(f"market in {m.world}: {m.trades} trades; last prices: {prices}"
                + (f"; credit {money(m.credit, cur)}" if m.credit else ""), style="dim")
    body = Group(head, section("balances and inventories", traders, plain, style="green"),
                 section("order books", books, plain, style="magenta"))
    return section("market", body, plain, style="yellow")
