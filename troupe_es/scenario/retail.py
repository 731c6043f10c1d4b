"""A scenario's retail store (docs/environments.md, "Retail store"): the ``retail:`` section,
and the store layout JSON compiled, once, into the grid world's tile map and the store record.

```yaml
world: {name: Corner Grocery, kind: grid, speed: 2, sight: 8}
retail:
  layout: stores/corner-grocery.json
  shoppers:
    Lisa Carter: {budget: 25, shopping_list: [milk, bread]}
```

The layout file is read when the scenario is loaded; the tile map goes into
``world.map_content`` and the store (shelves, prices in cents, capacities) into
``retail.layout_content``, both part of the scenario record, so replay never reads it again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field

from troupe_es.errors import MapError, ScenarioError
from troupe_es.scenario.model import Strict

LAYOUT_FIELDS = ("name", "width", "height", "walls", "entrance", "checkout", "aisles", "shelves", "capacity",
                 "zone_capacity")
MAX_CAPACITY = 100


class ShopperSpec(Strict):
    """One shopper's budget (in the store's currency) and shopping list."""

    budget: float = Field(ge=0, le=10_000_000)
    shopping_list: list[str] = Field(default_factory=list, max_length=200)


class RetailSpec(Strict):
    """The ``retail:`` section: the store layout file and the shoppers."""

    layout: str | None = Field(default=None, min_length=1)
    layout_content: dict[str, Any] | None = None  # filled in from `layout` when the scenario is loaded
    shoppers: dict[str, ShopperSpec] = Field(default_factory=dict)


def compile_layout(data: Any, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(map record, store record)`` from a layout's JSON data; :class:`MapError` (one line,
    naming ``where`` and the field) when it is wrong."""
    from troupe_es.space.grid import map_from_json

    if not isinstance(data, dict):
        raise MapError(f"{where}: expected a JSON object")
    unknown = sorted(set(data) - set(LAYOUT_FIELDS))
    if unknown:
        raise MapError(f"{where}: unknown field {unknown[0]!r} (use {', '.join(LAYOUT_FIELDS)})")
    for required in ("entrance", "checkout", "shelves"):
        if not data.get(required):
            raise MapError(f"{where}: {required}: a store needs {'shelves' if required == 'shelves' else 'an ' + required}")
    aisles = data.get("aisles") or {}
    shelves = data["shelves"]
    if not isinstance(aisles, dict) or not isinstance(shelves, dict):
        raise MapError(f"{where}: aisles and shelves must be objects of NAME: ...")
    zones = {"entrance": data["entrance"], **aisles, "checkout": data["checkout"]}
    objects: dict[str, Any] = {}
    prices: dict[str, dict[str, int]] = {}
    owner: dict[str, str] = {}
    for shelf, spec in shelves.items():
        path = f"shelves.{shelf}"
        if not isinstance(spec, dict) or set(spec) - {"cells", "products"} or "cells" not in spec:
            raise MapError(f"{where}: {path}: expected {{\"cells\": [...], \"products\": {{NAME: PRICE}}}}")
        products = spec.get("products") or {}
        if not isinstance(products, dict) or not products:
            raise MapError(f"{where}: {path}.products: expected a non-empty object of product: price")
        objects[shelf] = spec["cells"]
        prices[shelf] = {}
        for product, price in products.items():
            name = " ".join(str(product).split())
            if isinstance(price, bool) or not isinstance(price, (int, float)) or not 0 <= price <= 1_000_000:
                raise MapError(f"{where}: {path}.products.{product}: price must be a number from 0, got {price!r}")
            if name.lower() in owner:
                raise MapError(f"{where}: {path}.products.{product}: already on shelf {owner[name.lower()]!r}")
            owner[name.lower()] = shelf
            prices[shelf][name] = round(price * 100)
    capacity = data.get("capacity", 2)
    zone_capacity = data.get("zone_capacity") or {}
    for path, value in [("capacity", capacity)] + [(f"zone_capacity.{z}", v) for z, v in zone_capacity.items()]:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
            raise MapError(f"{where}: {path}: agents per cell must be a whole number from 1 to {MAX_CAPACITY}")
    for zone in zone_capacity:
        if zone not in zones:
            raise MapError(f"{where}: zone_capacity.{zone}: no such zone (zones: {', '.join(zones)})")
    gmap = map_from_json({"width": data.get("width"), "height": data.get("height"), "walls": data.get("walls") or [],
                          "zones": zones, "objects": objects}, where)
    store = {"name": str(data.get("name") or "Store"), "shelves": prices, "entrance": "entrance",
             "checkout": "checkout", "capacity": capacity, "zone_capacity": dict(zone_capacity)}
    return gmap.to_record(), store


def with_store_layout(data: Any, where: str, base_dir: Path) -> Any:
    """Parsed scenario YAML with its ``retail.layout`` read and compiled into
    ``retail.layout_content`` and ``world.map_content`` (a grid world); unchanged without one."""
    retail = data.get("retail") if isinstance(data, dict) else None
    if not isinstance(retail, dict) or not retail.get("layout") or retail.get("layout_content") is not None:
        return data
    world = data.get("world") if isinstance(data.get("world"), dict) else {}
    if world.get("map") is not None or world.get("map_content") is not None:
        raise ScenarioError(f"{where}: world.map: a store's map comes from retail.layout; drop world.map")
    from troupe_es.textfile import read_text_file

    path = base_dir / str(retail["layout"])
    if not path.is_file():
        raise ScenarioError(f"{where}: retail.layout: layout file not found: {retail['layout']}")
    text = read_text_file(path, "layout")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{where}: retail.layout: {retail['layout']}: line {exc.lineno}, column {exc.colno}: "
                            f"invalid JSON ({exc.msg})") from None
    try:
        map_record, store = compile_layout(content, str(retail["layout"]))
    except MapError as exc:
        raise MapError(f"{where}: retail.layout: {exc}") from None
    world = {**world, "kind": world.get("kind") or "grid", "map_content": map_record}
    return {**data, "world": world, "retail": {**retail, "layout_content": store}}


def check_retail(scenario: Any, where: str) -> None:
    """A store needs a grid world and a layout; shoppers are personas; listed products exist."""
    retail = getattr(scenario, "retail", None)
    if retail is None:
        return
    if retail.layout_content is None:
        raise ScenarioError(f"{where}: retail.layout: a store needs a layout file (docs/environments.md)")
    if scenario.world.kind != "grid":
        raise ScenarioError(f"{where}: world.kind: a store is a grid world (kind: grid)")
    names = {p.name for p in scenario.personas}
    products = {p.lower() for shelf in retail.layout_content.get("shelves", {}).values() for p in shelf}
    for name, shopper in retail.shoppers.items():
        if name not in names:
            raise ScenarioError(f"{where}: retail.shoppers.{name}: unknown agent {name!r} "
                                f"(known: {', '.join(sorted(names))})")
        for i, item in enumerate(shopper.shopping_list):
            if " ".join(item.split()).lower() not in products:
                raise ScenarioError(f"{where}: retail.shoppers.{name}.shopping_list[{i}]: the store sells no "
                                    f"{item!r}")


def store_record(record: dict[str, Any]) -> dict[str, Any] | None:
    """The ``retail`` part of a scenario record (None: no store)."""
    return record.get("retail")
