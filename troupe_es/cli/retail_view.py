"""Rendering a store's shoppers for ``troupe-es state``: budget, basket and what they paid."""

from __future__ import annotations

from rich.table import Table

from troupe_es.domain import RunState
from troupe_es.domain.retail import money


def retail_tables(state: RunState, agent: str | None = None) -> list[tuple[str, Table]]:
    """``(title, table)`` per store world: each shopper's budget, basket, spending and list."""
    out = []
    for world in state.worlds.values():
        store = world.store
        if store is None:
            continue
        table = Table(box=None, pad_edge=False)
        for column in ("shopper", "budget", "basket", "paid", "still to get"):
            table.add_column(column)
        for name, s in store.shoppers.items():
            if agent is not None and name != agent:
                continue
            basket = ", ".join(p for p, _ in s.basket)
            table.add_row(name, money(s.budget), f"{basket} ({money(s.basket_total)})" if basket else "empty",
                          money(s.spent), ", ".join(s.still_needed()) or "-")
        out.append((f"store {store.name} in {world.name}", table))
    return out
