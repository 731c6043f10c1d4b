"""Retail events: a store opened on a grid world, shoppers with lists and budgets, what they
notice, pick and pay for (docs/environments.md, "Retail store"). Prices and budgets are whole
cents, so sums are exact and hash the same everywhere."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from troupe_es.events.base import Event
from troupe_es.events.space import Cell


class StoreOpened(Event):
    """A store's layout (recorded itself, so replay never reads the layout file again): its
    shelves with products and prices, the checkout zone and cell capacities. The tile map goes
    into the world's ``MapLoaded``."""

    type: Literal["StoreOpened"] = "StoreOpened"
    world: str
    name: str
    source: str = Field(description="The layout file as the scenario names it (for display only).")
    shelves: dict[str, dict[str, int]] = Field(description="Shelf (a map object) -> product -> price in cents.")
    entrance: str = "entrance"
    checkout: str = "checkout"
    capacity: int = Field(ge=1, description="Agents one cell holds at most (congestion).")
    zone_capacity: dict[str, int] = Field(default_factory=dict, description="Zone -> per-cell capacity there.")


class ShopperEntered(Event):
    """A shopper's shopping list and budget (cents)."""

    type: Literal["ShopperEntered"] = "ShopperEntered"
    world: str
    agent: str
    budget: int = Field(ge=0, description="Cents the shopper may spend.")
    shopping_list: list[str] = Field(default_factory=list)


class ProductNoticed(Event):
    """A product came into a shopper's view (its shelf in line of sight within sight range)."""

    type: Literal["ProductNoticed"] = "ProductNoticed"
    world: str
    agent: str
    product: str
    shelf: str
    price: int = Field(ge=0, description="Cents.")
    cell: Cell = Field(description="Where the shopper stood.")
    distance: float = Field(ge=0)


class ProductPicked(Event):
    """A shopper took a product within reach into its basket (PICK)."""

    type: Literal["ProductPicked"] = "ProductPicked"
    world: str
    agent: str
    product: str
    shelf: str
    price: int = Field(ge=0, description="Cents.")
    cell: Cell


class PurchaseCompleted(Event):
    """A shopper paid for its basket at the checkout (CHECKOUT)."""

    type: Literal["PurchaseCompleted"] = "PurchaseCompleted"
    world: str
    agent: str
    items: list[str] = Field(description="The products paid for, in the order picked.")
    total: int = Field(ge=0, description="Cents paid.")
    cell: Cell


class CheckoutStarted(Event):
    """A shopper with a basket asked to pay away from the checkout: it walks there (the space's
    ``TravelStarted``) and pays on arrival."""

    type: Literal["CheckoutStarted"] = "CheckoutStarted"
    world: str
    agent: str


class ShoppingRejected(Event):
    """A PICK or CHECKOUT that could not be done (not in reach, over budget, not at the
    checkout, ...); the shopper perceives the reason as feedback next turn."""

    type: Literal["ShoppingRejected"] = "ShoppingRejected"
    world: str
    agent: str
    action: Literal["PICK", "CHECKOUT"]
    content: str
    reason: str


class MoveBlocked(Event):
    """A travelling agent stopped short this step: the next cell held as many agents as it may
    (cell capacity; congestion)."""

    type: Literal["MoveBlocked"] = "MoveBlocked"
    world: str
    agent: str
    cell: Cell = Field(description="The full cell it could not enter.")
