"""``troupe-es retail``: a store run's shoppers, dwell time per zone, shelf traffic and heatmap."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, echo_json, json_option, pass_cli


@click.command()
@click.argument("run")
@click.option("--at", "position", type=int, default=None, metavar="P",
              help="As it was after the event at P (default: the run's end).")
@click.option("--heatmap", "heatmap", default=None, metavar="PATH",
              help="Write the shopper-traffic heatmap (agent-steps per cell) as a PNG to PATH.")
@json_option
@pass_cli
def retail(cli: CliContext, run: str, position: int | None, heatmap: str | None, as_json: bool) -> None:
    """The retail store of RUN, rebuilt from its log (no LLM call, no layout file): each shopper's
    list, spending and purchases, dwell time per zone, shelf traffic (agent-steps next to each
    shelf, products noticed, picked and sold) and blocked moves (congestion).

    --heatmap PATH writes the traffic heatmap as a PNG. --json prints everything, the heatmap as
    a matrix of rows."""
    from troupe_es.errors import SimulationError
    from troupe_es.projections.retail import RETAIL_TYPES, heatmap_png, retail_report

    store = cli.store
    run_id = store.resolve_run(run)
    rep = retail_report(store.read(run_id=run_id, types=list(RETAIL_TYPES), until_position=position))
    if not rep.store:
        raise SimulationError(f"run {run_id} has no retail store (a scenario with a retail: section)")
    if heatmap:
        heatmap_png(rep, heatmap)
    data = {"run_id": run_id, **rep.as_json(), "heatmap_png": heatmap}
    if as_json:
        echo_json(data)
        return
    _render(data, plain=not sys.stdout.isatty())


def _render(data: dict, plain: bool) -> None:
    from rich.table import Table

    from troupe_es.cli.context import console
    from troupe_es.domain.retail import money

    out = console()
    out.print(f"{data['store']} ({data['world']}), run {data['run_id']}: {len(data['purchases'])} purchases, "
              f"revenue {money(data['revenue_cents'])}, {data['blocked_moves']} blocked moves")
    shoppers = Table(title="shoppers", box=None, pad_edge=False)
    for column in ("shopper", "budget", "spent", "bought", "still on list"):
        shoppers.add_column(column)
    for name, s in data["shoppers"].items():
        left = [i for i in s["shopping_list"] if i.lower() not in [b.lower() for b in s["bought"]]]
        shoppers.add_row(name, money(s["budget_cents"]), money(s["spent_cents"]), ", ".join(s["bought"]) or "-",
                         ", ".join(left) or "-")
    out.print(shoppers)
    dwell = Table(title="dwell time per zone (simulated minutes)", box=None, pad_edge=False)
    zones = sorted(data["zone_dwell_seconds"])
    dwell.add_column("shopper")
    for z in zones:
        dwell.add_column(z)
    for name, d in data["dwell"].items():
        dwell.add_row(name, *[f"{d['seconds'].get(z, 0) / 60:g}" for z in zones])
    out.print(dwell)
    shelves = Table(title="shelf traffic", box=None, pad_edge=False)
    for column in ("shelf", "agent-steps nearby", "noticed", "picked", "sold"):
        shelves.add_column(column)
    for shelf, s in data["shelf_traffic"].items():
        shelves.add_row(shelf, str(s["agent_steps"]), str(s["noticed"]), str(s["picked"]), str(s["sold"]))
    out.print(shelves)
    if data.get("heatmap_png"):
        out.print(f"heatmap: {data['heatmap_png']}")
