"""Retail read models: dwell time per zone, shelf traffic and a cell-traffic heatmap of a store
run, rebuilt from the log (no LLM, no layout file: the map comes from ``MapLoaded``).

- dwell: per shopper and zone, the simulated seconds (and steps) it stood there at a step's end;
- shelf traffic: per shelf, agent-steps spent next to it, products noticed, picked and sold;
- heatmap: per cell, agent-steps spent there plus the cells walked through (``AgentMoved.path``);
  :func:`heatmap_png` draws it with matplotlib (imported lazily, Agg backend).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

RETAIL_TYPES = ("MapLoaded", "StoreOpened", "ShopperEntered", "AgentPlaced", "AgentMoved", "StepStarted",
                "StepCompleted", "ProductNoticed", "ProductPicked", "PurchaseCompleted", "MoveBlocked")


@dataclass
class RetailReport:
    """What a store run's log says about its shoppers and shelves."""

    world: str = ""
    store: str = ""
    width: int = 0
    height: int = 0
    rows: list[str] = field(default_factory=list)
    shelf_cells: set = field(default_factory=set)
    dwell_seconds: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    dwell_steps: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    cells: Counter = field(default_factory=Counter)
    shelf_steps: Counter = field(default_factory=Counter)
    noticed: Counter = field(default_factory=Counter)
    picked: Counter = field(default_factory=Counter)
    sold: Counter = field(default_factory=Counter)
    revenue: int = 0
    purchases: list[dict[str, Any]] = field(default_factory=list)
    blocked: int = 0
    shoppers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "world": self.world, "store": self.store, "size": [self.width, self.height],
            "dwell": {a: {"seconds": dict(self.dwell_seconds[a]), "steps": dict(self.dwell_steps[a])}
                      for a in sorted(self.dwell_steps)},
            "zone_dwell_seconds": dict(sum(self.dwell_seconds.values(), Counter())),
            "shelf_traffic": {s: {"agent_steps": self.shelf_steps[s], "noticed": self.noticed[s],
                                  "picked": self.picked[s], "sold": self.sold[s]}
                              for s in sorted(set(self.shelf_steps) | set(self.noticed) | set(self.picked))},
            "purchases": self.purchases, "revenue_cents": self.revenue, "blocked_moves": self.blocked,
            "shoppers": self.shoppers,
            "heatmap": [[self.cells[(x, y)] for x in range(self.width)] for y in range(self.height)],
        }


def retail_report(records: Any) -> RetailReport:
    """Fold a run's recorded events (any order-preserving iterable of ``Recorded``) into a report
    for its store world (the first ``StoreOpened``)."""
    from troupe_es.space.grid import grid_map

    rep = RetailReport()
    gmap = None
    positions: dict[str, tuple[int, int]] = {}
    started: dict[str, Any] = {}
    shelf_of: dict[str, str] = {}
    for r in records:
        e = r.event
        t = e.type
        if t == "StoreOpened" and not rep.store:
            rep.world, rep.store = e.world, e.name
            shelf_of = {p: s for s, products in e.shelves.items() for p in products}
        if getattr(e, "world", None) not in (None, rep.world) and rep.world:
            continue
        if t == "MapLoaded":
            gmap = grid_map(e.rows, e.legend)
            rep.rows, rep.width, rep.height = list(e.rows), gmap.width, gmap.height
            rep.shelf_cells = {c for name in gmap.objects() for c in gmap.places[name][1]}
        elif t == "ShopperEntered":
            rep.shoppers[e.agent] = {"budget_cents": e.budget, "shopping_list": list(e.shopping_list),
                                     "bought": [], "spent_cents": 0}
        elif t == "AgentPlaced":
            positions[e.agent] = tuple(e.cell)
        elif t == "AgentMoved":
            positions[e.agent] = tuple(e.to_cell)
            rep.cells.update(tuple(c) for c in e.path[:-1])  # walked through; the end counts at step end
        elif t == "MoveBlocked":
            rep.blocked += 1
        elif t == "StepStarted":
            started[e.world] = r.sim_time
        elif t == "StepCompleted" and gmap is not None and rep.store:
            begin = started.get(e.world)
            seconds = (r.sim_time - begin).total_seconds() if begin is not None and r.sim_time is not None else 0.0
            for agent, cell in positions.items():
                if agent not in rep.shoppers:
                    continue
                zone = gmap.zone_at(cell) or "floor"
                rep.dwell_steps[agent][zone] += 1
                rep.dwell_seconds[agent][zone] += seconds
                rep.cells[cell] += 1
                for shelf in set(shelf_of.values()):
                    if cell in gmap.approach(shelf):
                        rep.shelf_steps[shelf] += 1
        elif t == "ProductNoticed":
            rep.noticed[e.shelf] += 1
        elif t == "ProductPicked":
            rep.picked[e.shelf] += 1
        elif t == "PurchaseCompleted":
            rep.revenue += e.total
            for p in e.items:
                rep.sold[shelf_of.get(p, "?")] += 1
            rep.purchases.append({"agent": e.agent, "items": list(e.items), "total_cents": e.total})
            if e.agent in rep.shoppers:
                rep.shoppers[e.agent]["bought"] += list(e.items)
                rep.shoppers[e.agent]["spent_cents"] += e.total
    return rep


def heatmap_png(rep: RetailReport, path: str) -> str:
    """Draw the cell-traffic heatmap (walls dark grey, shelves blue) to the PNG ``path``."""
    from troupe_es.extras import pyplot

    plt = pyplot("--heatmap")
    import numpy as np

    grid = np.array([[rep.cells[(x, y)] for x in range(rep.width)] for y in range(rep.height)], dtype=float)
    walls = np.array([[c in "# " for c in row] for row in rep.rows]) if rep.rows else np.zeros_like(grid, bool)
    fig, ax = plt.subplots(figsize=(max(4, rep.width * 0.4), max(3, rep.height * 0.4)), dpi=100)
    shown = np.ma.masked_where(walls, grid)
    image = ax.imshow(shown, cmap="hot_r", interpolation="nearest")
    ax.imshow(np.ma.masked_where(~walls, walls.astype(float)), cmap="Greys", vmin=0, vmax=1.2,
              interpolation="nearest")
    shelves = np.array([[(x, y) in rep.shelf_cells for x in range(rep.width)] for y in range(rep.height)])
    ax.imshow(np.ma.masked_where(~shelves, shelves.astype(float)), cmap="Blues", vmin=0, vmax=2.5,
              interpolation="nearest")
    fig.colorbar(image, ax=ax, label="agent-steps")
    ax.set_title(f"{rep.store}: shopper traffic")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
