"""Opening a store: ``StoreOpened`` (the compiled layout itself) and one ``ShopperEntered`` per
shopper, then what each shopper sees from the entrance (``ProductNoticed``). Idempotent, like
the space's set-up, so a resumed run finishes it and agents joining a fork enter too. Runs after
``set_up_space`` (the map and positions exist)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from troupe_es.commands.retail.decide import notice
from troupe_es.events import ShopperEntered, StoreOpened

if TYPE_CHECKING:
    from troupe_es.commands.plan import RunPlan
    from troupe_es.runtime import MessageBus


def set_up_retail(bus: "MessageBus", plan: "RunPlan") -> None:
    """Record the plan's store (unless the world has it) and enter every shopper not yet in."""
    retail = plan.record.get("retail")
    name = plan.world.name
    if not retail or name not in bus.state.worlds or bus.state.worlds[name].space is None:
        return
    layout = retail["layout_content"]
    if bus.state.worlds[name].store is None:
        bus.record([bus.new(f"world/{name}", StoreOpened(
            world=name, name=layout["name"], source=str(retail.get("layout") or "inline"), shelves=layout["shelves"],
            entrance=layout["entrance"], checkout=layout["checkout"], capacity=layout["capacity"],
            zone_capacity=layout.get("zone_capacity") or {}), world=name)])
    world = bus.state.worlds[name]
    shoppers = retail.get("shoppers") or {}
    entering = [bus.new(f"agent/{agent}", ShopperEntered(
        world=name, agent=agent, budget=round(float(shoppers[agent]["budget"]) * 100),
        shopping_list=list(shoppers[agent].get("shopping_list") or ())), world=name)
        for agent in world.members if agent in shoppers and agent not in world.store.shoppers]
    if not entering:
        return
    bus.record(entering)
    world = bus.state.worlds[name]
    bus.record([bus.new(f"agent/{e.agent}", e, world=name)  # type: ignore[attr-defined]
                for r in entering for e in notice(world.space, world.store, name, r.event.agent)])
