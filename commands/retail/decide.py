"""Pure decisions of the retail capability: what a shopper sees and can reach, and what a PICK
or a CHECKOUT becomes.

PICK's content names a product (case ignored; a trailing price such as ``milk $1.19`` is
ignored too). It becomes ``ProductPicked`` when the product's shelf is next to the shopper and
the price fits what is left of the budget; otherwise ``ShoppingRejected`` with the reason the
shopper perceives next turn. CHECKOUT becomes ``PurchaseCompleted`` in the checkout zone with a
non-empty basket, else ``ShoppingRejected``. Nothing here raises on bad content."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from troupe_es.domain.retail import Shopper, StoreState, money
from troupe_es.domain.space import SpaceState
from troupe_es.events import (
    ActionTaken,
    CheckoutStarted,
    Event,
    ProductNoticed,
    ProductPicked,
    PurchaseCompleted,
    ShoppingRejected,
    TravelStarted,
)
from troupe_es.space.sight import distance, sees_place

_PRICE = re.compile(r"\s*[\(\[]?\s*\$?\s*\d+(?:[.,]\d+)?\s*[\)\]]?\s*$")


def shelves_in_view(space: SpaceState, store: StoreState, agent: str) -> list[tuple[str, tuple, float]]:
    """The shelves ``agent`` sees now (line of sight within sight range), nearest first:
    (shelf, nearest seen cell, distance)."""
    here = space.positions.get(agent)
    if here is None:
        return []
    out = []
    for shelf in store.shelves:
        if shelf not in space.map.places:
            continue
        cell = sees_place(space.map, here, space.map.places[shelf][1], space.sight)
        if cell is not None:
            out.append((shelf, cell, round(distance(here, cell), 1)))
    return sorted(out, key=lambda s: (s[2], s[0]))


def shelves_in_reach(space: SpaceState, store: StoreState, agent: str) -> list[str]:
    """The shelves next to ``agent`` (it stands on one of their approach cells)."""
    here = space.positions.get(agent)
    return [shelf for shelf in store.shelves if shelf in space.map.places and here in space.map.approach(shelf)]


def notice(space: SpaceState, store: StoreState, world: str, agent: str) -> list[Event]:
    """``ProductNoticed`` for every product on a shelf in view that ``agent`` has not noticed yet."""
    shopper = store.shoppers.get(agent)
    here = space.positions.get(agent)
    if shopper is None or here is None:
        return []
    events: list[Event] = []
    for shelf, _, dist in shelves_in_view(space, store, agent):
        for product, price in store.shelves[shelf].items():
            if product not in shopper.noticed:
                events.append(ProductNoticed(world=world, agent=agent, product=product, shelf=shelf, price=price,
                                             cell=list(here), distance=dist))
    return events


def product_name(content: str) -> str:
    """A PICK's content without quotes and a trailing price."""
    text = " ".join(content.strip().strip("\"'").split())
    return _PRICE.sub("", text).strip() or text


def decide_pick(space: SpaceState, store: StoreState, shopper: Shopper, world: str, agent: str,
                content: str) -> Event:
    """``ProductPicked`` or ``ShoppingRejected`` for one PICK (pure)."""
    here = space.positions.get(agent)

    def no(reason: str) -> Event:
        return ShoppingRejected(world=world, agent=agent, action="PICK", content=content, reason=reason)

    if not content.strip():
        return no("say which product (its name)")
    found = store.product(product_name(content))
    if found is None:
        return no(f"the store sells no {product_name(content)!r}")
    product, shelf, price = found
    if here is None or shelf not in shelves_in_reach(space, store, agent):
        return no(f"{product} is on the {shelf}, out of your reach (MOVE_TO {shelf} first)")
    if price > shopper.left:
        return no(f"{product} costs {money(price)} but only {money(shopper.left)} of your budget is left")
    return ProductPicked(world=world, agent=agent, product=product, shelf=shelf, price=price, cell=list(here))


def pay(store: StoreState, shopper: Shopper, world: str, agent: str, here: tuple) -> PurchaseCompleted:
    """Paying for the basket where ``agent`` stands."""
    return PurchaseCompleted(world=world, agent=agent, items=[p for p, _ in shopper.basket],
                             total=shopper.basket_total, cell=list(here))


def decide_checkout(space: SpaceState, store: StoreState, shopper: Shopper, world: str, agent: str,
                    action: ActionTaken, members: Sequence[str], seed: int, turn: int) -> list[Event]:
    """A CHECKOUT (pure): ``PurchaseCompleted`` at the checkout; elsewhere ``CheckoutStarted``
    and the walk there (``TravelStarted``, paid on arrival); ``ShoppingRejected`` with an empty
    basket or no way to the checkout."""
    from troupe_es.commands.space.decide import decide_move

    here = space.positions.get(agent)
    content = action.content.strip() or "pay"
    if not shopper.basket:
        return [ShoppingRejected(world=world, agent=agent, action="CHECKOUT", content=content,
                                 reason="your basket is empty")]
    if here is not None and space.map.zone_at(here) == store.checkout:
        return [pay(store, shopper, world, agent, here)]
    walk = decide_move(space, world, agent, action.model_copy(update={"content": store.checkout}), members,
                       seed, turn)
    if not isinstance(walk, TravelStarted):
        return [ShoppingRejected(world=world, agent=agent, action="CHECKOUT", content=content,
                                 reason=getattr(walk, "reason", f"the {store.checkout} cannot be reached"))]
    return [CheckoutStarted(world=world, agent=agent), walk]


def decide_shopping(space: SpaceState, store: StoreState, world: str, agent: str, turn: Sequence[Event],
                    members: Sequence[str] = (), seed: int = 0, turns: int = 0) -> list[Event]:
    """The events of a turn's PICK and CHECKOUT actions, in order; each sees the basket as the
    earlier ones left it (pure)."""
    shopper = store.shoppers.get(agent)
    if shopper is None:
        return []
    events: list[Event] = []
    for e in turn:
        if not isinstance(e, ActionTaken) or e.agent != agent or e.action not in ("PICK", "CHECKOUT"):
            continue
        if e.action == "PICK":
            out = decide_pick(space, store, shopper, world, agent, e.content.strip() or (e.target or ""))
            if isinstance(out, ProductPicked):
                shopper = replace(shopper, basket=shopper.basket + ((out.product, out.price),))
            events.append(out)
            continue
        outs = decide_checkout(space, store, shopper, world, agent, e, members, seed, turns)
        if isinstance(outs[0], PurchaseCompleted):
            shopper = replace(shopper, basket=(), spent=shopper.spent + outs[0].total)
        events += outs
    return events


def pay_on_arrival(space: SpaceState, store: StoreState, world: str, members: Sequence[str]) -> list[Event]:
    """``PurchaseCompleted`` for every shopper that asked to pay and now stands at the checkout."""
    out: list[Event] = []
    for agent in members:
        shopper = store.shoppers.get(agent)
        here = space.positions.get(agent)
        if shopper is not None and shopper.paying and shopper.basket and here is not None \
                and space.map.zone_at(here) == store.checkout:
            out.append(pay(store, shopper, world, agent, here))
    return out
