"""The retail capability: shoppers in a store built on the grid world (docs/environments.md,
"Retail store").

Registered in ``bootstrap.CAPABILITIES`` after space; active for the shoppers of a world with a
store (``retail:`` in the scenario). It adds to a turn a prompt section (shopping list, budget,
basket, products in view and within reach, ``Choices for PICK: ...`` / ``Choices for CHECKOUT:
pay``), the action types PICK and CHECKOUT and their pure decisions
(:mod:`troupe_es.commands.retail.decide`); moving is the space capability's MOVE_TO. After each
step's moves a shopper notices the products that came into view (``ProductNoticed``). Cell
capacity (:mod:`troupe_es.commands.retail.congestion`) cuts a step's moves short where a cell is
full; ``bootstrap`` registers it as a move adjuster of the space capability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from troupe_es.commands.retail.congestion import congested_moves
from troupe_es.commands.retail.decide import (
    decide_shopping,
    notice,
    pay_on_arrival,
    shelves_in_reach,
    shelves_in_view,
)
from troupe_es.commands.retail.setup import set_up_retail
from troupe_es.commands.turn import Preparation
from troupe_es.domain import RunState
from troupe_es.domain.retail import StoreState, money
from troupe_es.events import Event

ACTIONS = ("PICK", "CHECKOUT")
MAX_SHELVES = 6
"""Shelves in view whose products the prompt lists (nearest first)."""

__all__ = ["RETAIL", "RetailCapability", "congested_moves", "retail_lines", "set_up_retail", "store_of"]


def store_of(state: RunState, agent: str) -> StoreState | None:
    """The store of ``agent``'s world if it shops there (None otherwise)."""
    a = state.agents.get(agent)
    world = state.worlds.get(a.world) if a is not None and a.world else None
    store = world.store if world is not None else None
    return store if store is not None and agent in store.shoppers and world.space is not None else None


def retail_lines(state: RunState, agent: str, *, choices: bool = True) -> list[str]:
    """The retail section of a shopper's prompt (pure)."""
    store = store_of(state, agent)
    if store is None:
        return []
    space = state.worlds[state.agents[agent].world].space
    shopper = store.shoppers[agent]
    needed = shopper.still_needed()
    lines = [f"Store: {store.name}. Shopping list: " + (", ".join(shopper.shopping_list) or "nothing in particular")
             + (f"; still to get: {', '.join(needed)}." if needed else "; you have everything on it.")]
    basket = ", ".join(f"{p} {money(c)}" for p, c in shopper.basket) or "empty"
    lines.append(f"Budget: {money(shopper.budget)}; basket: {basket} ({money(shopper.basket_total)}); "
                 f"{money(shopper.left)} left.")
    if shopper.purchases:
        lines.append("You paid: " + "; ".join(f"{money(t)} for {', '.join(items)}" for items, t in shopper.purchases)
                     + ".")
    view = shelves_in_view(space, store, agent)[:MAX_SHELVES]
    if view:
        lines.append("Products in view: " + "; ".join(
            f"{shelf} ({dist:g} cells away): " + ", ".join(f"{p} {money(c)}" for p, c in store.shelves[shelf].items())
            for shelf, _, dist in view) + ".")
    reach = shelves_in_reach(space, store, agent)
    products = [p for shelf in reach for p in store.shelves[shelf]]
    if reach:
        lines.append("Within reach: " + ", ".join(reach) + ".")
    if choices:
        lines.append(f"Actions here: PICK takes a product within reach into your basket (content: its name); "
                     f"CHECKOUT pays for your basket (away from the {store.checkout} you walk there and pay on arrival).")
        if products:
            lines.append("Choices for PICK: " + " | ".join(products))
        if shopper.basket:
            lines.append("Choices for CHECKOUT: pay")
    return lines


class RetailCapability:
    """Retail's contribution to a shopper's turn (see the module docstring)."""

    name = "retail"

    def active(self, state: RunState, agent: str) -> bool:
        return store_of(state, agent) is not None

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ACTIONS

    def section(self, state: RunState, agent: str) -> list[str]:
        return retail_lines(state, agent, choices=False)

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(retail_lines(state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        store = store_of(state, agent)
        if store is None:
            return []
        a = state.agents[agent]
        w = state.worlds[a.world]
        return decide_shopping(w.space, store, a.world, agent, turn, w.members, state.seed, a.turns)

    def after_step(self, bus: Any, world: str, step: int, causation_id: str | None) -> list[Any]:
        """Shoppers who asked to pay and arrived at the checkout pay; every shopper notices the
        products that came into view with this step's moves (member order)."""
        w = bus.state.worlds.get(world)
        if w is None or w.store is None or w.space is None:
            return []
        events = pay_on_arrival(w.space, w.store, world, w.members)
        events += [e for agent in w.members for e in notice(w.space, w.store, world, agent)]
        return bus.record([bus.new(f"agent/{e.agent}", e, world=world, causation_id=causation_id)  # type: ignore[attr-defined]
                           for e in events])


RETAIL = RetailCapability()
"""The retail capability instance ``bootstrap`` registers."""
