"""The retail state a store world's fold holds: the store (shelves, prices, checkout, cell
capacities) and each shopper's list, budget, basket, noticed products and purchases.

Kept in ``WorldState.store`` (None for worlds that are no store), changed only by retail events
through :data:`RETAIL_HANDLERS`, merged into the one fold by :mod:`troupe_es.domain.evolve`.
Amounts are whole cents. Plain data, so snapshots hold it (``to_dict`` / ``from_dict``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Shopper:
    """One shopper: what it came for, what it may spend, what it carries and bought."""

    budget: int = 0
    shopping_list: tuple[str, ...] = ()
    basket: tuple[tuple[str, int], ...] = ()  # (product, cents) in the order picked
    noticed: tuple[str, ...] = ()  # products seen so far, in the order first seen
    purchases: tuple[tuple[tuple[str, ...], int], ...] = ()  # (items, total cents) per checkout
    spent: int = 0
    paying: bool = False  # CHECKOUT away from the checkout: pays on arrival

    @property
    def basket_total(self) -> int:
        return sum(price for _, price in self.basket)

    @property
    def left(self) -> int:
        """Cents still free: the budget less what was paid and what the basket holds."""
        return self.budget - self.spent - self.basket_total

    @property
    def bought(self) -> tuple[str, ...]:
        return tuple(p for items, _ in self.purchases for p in items)

    def still_needed(self) -> tuple[str, ...]:
        """The shopping list less what is in the basket or was bought."""
        have = [p.lower() for p, _ in self.basket] + [p.lower() for p in self.bought]
        out = []
        for item in self.shopping_list:
            if item.lower() in have:
                have.remove(item.lower())
            else:
                out.append(item)
        return tuple(out)


@dataclass(frozen=True)
class StoreState:
    """A store: its shelves (product -> cents), checkout zone, capacities and shoppers."""

    name: str
    source: str = ""
    shelves: dict[str, dict[str, int]] = field(default_factory=dict)
    entrance: str = "entrance"
    checkout: str = "checkout"
    capacity: int = 2
    zone_capacity: dict[str, int] = field(default_factory=dict)
    shoppers: dict[str, Shopper] = field(default_factory=dict)

    def product(self, name: str) -> tuple[str, str, int] | None:
        """``(product, shelf, cents)`` for a product name (any case), or None."""
        key = " ".join(name.split()).lower()
        for shelf, products in self.shelves.items():
            for product, price in products.items():
                if product.lower() == key:
                    return product, shelf, price
        return None

    def cell_capacity(self, zone: str | None) -> int:
        return self.zone_capacity.get(zone, self.capacity) if zone else self.capacity

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StoreState":
        """Inverse of ``asdict`` (snapshots)."""
        d = dict(data)
        d["shoppers"] = {a: Shopper(budget=s["budget"], shopping_list=tuple(s["shopping_list"]),
                                    basket=tuple((p, c) for p, c in s["basket"]), noticed=tuple(s["noticed"]),
                                    purchases=tuple((tuple(i), t) for i, t in s["purchases"]), spent=s["spent"],
                                    paying=s.get("paying", False))
                         for a, s in d.get("shoppers", {}).items()}
        return cls(**d)


def money(cents: int) -> str:
    """``$3.50``."""
    return f"${cents / 100:.2f}"


def _store(s: Any, world: str) -> StoreState:
    return s.worlds[world].store


def _set(s: Any, world: str, store: StoreState) -> Any:
    worlds = dict(s.worlds)
    worlds[world] = replace(worlds[world], store=store)
    return replace(s, worlds=worlds)


def _shopper(s: Any, e: Any, change: Callable[[Shopper], Shopper]) -> Any:
    store = _store(s, e.world)
    shoppers = dict(store.shoppers)
    shoppers[e.agent] = change(shoppers.get(e.agent, Shopper()))
    return _set(s, e.world, replace(store, shoppers=shoppers))


def _feedback(s: Any, agent: str, note: str) -> Any:
    a = s.agents.get(agent)
    if a is None:
        return s
    agents = dict(s.agents)
    agents[agent] = replace(a, feedback=a.feedback + (note,))
    return replace(s, agents=agents)


def _opened(s: Any, r: Any, e: Any) -> Any:
    old = s.worlds[e.world].store
    store = StoreState(name=e.name, source=e.source, shelves={k: dict(v) for k, v in e.shelves.items()},
                       entrance=e.entrance, checkout=e.checkout, capacity=e.capacity,
                       zone_capacity=dict(e.zone_capacity), shoppers=dict(old.shoppers) if old else {})
    return _set(s, e.world, store)


def _entered(s: Any, r: Any, e: Any) -> Any:
    return _shopper(s, e, lambda sh: replace(sh, budget=e.budget, shopping_list=tuple(e.shopping_list)))


def _noticed(s: Any, r: Any, e: Any) -> Any:
    return _shopper(s, e, lambda sh: sh if e.product in sh.noticed else replace(sh, noticed=sh.noticed + (e.product,)))


def _picked(s: Any, r: Any, e: Any) -> Any:
    return _shopper(s, e, lambda sh: replace(sh, basket=sh.basket + ((e.product, e.price),)))


def _purchased(s: Any, r: Any, e: Any) -> Any:
    return _shopper(s, e, lambda sh: replace(sh, basket=(), spent=sh.spent + e.total, paying=False,
                                             purchases=sh.purchases + ((tuple(e.items), e.total),)))


def _checkout_started(s: Any, r: Any, e: Any) -> Any:
    return _shopper(s, e, lambda sh: replace(sh, paying=True))


def _rejected(s: Any, r: Any, e: Any) -> Any:
    return _feedback(s, e.agent, f"Your {e.action} {e.content} failed: {e.reason}.")


def _blocked(s: Any, r: Any, e: Any) -> Any:
    return _feedback(s, e.agent, f"The way was crowded: ({e.cell[0]}, {e.cell[1]}) was full, so you waited.")


RETAIL_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "StoreOpened": _opened,
    "ShopperEntered": _entered,
    "ProductNoticed": _noticed,
    "ProductPicked": _picked,
    "PurchaseCompleted": _purchased,
    "CheckoutStarted": _checkout_started,
    "ShoppingRejected": _rejected,
    "MoveBlocked": _blocked,
}
"""Retail event type → fold handler (merged into the one fold by ``evolve``)."""
