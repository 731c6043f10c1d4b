"""``troupe-es market``: a run's marketplace at any position."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION


@click.command()
@click.argument("run")
@click.option("--at", "position", type=POSITION, default=None, metavar="P",
              help="Position: the market after the event at P (default: the run's end).")
@json_option
@pass_cli
def market(cli: CliContext, run: str, position: int | None, as_json: bool) -> None:
    """Show RUN's market at a position: every trader's cash and goods (and what its open orders
    hold back), every good's order book best first, last prices and the trade count.

    --json prints the market as a dict (traders, books, posted prices, totals)."""
    from troupe_es.cli.market_view import market_dict, render_market
    from troupe_es.errors import SimulationError
    from troupe_es.snapshots import state_at
    from troupe_es.timeline import check_position

    store = cli.reader
    run_id = store.resolve_run(run)
    check_position(store, run_id, position)
    state = state_at(store, run_id, position=position)
    if state.market is None:
        raise SimulationError(f"run {run_id} has no market" + (f" at position {position}" if position else "")
                              + " (a scenario opens one with a market: section)")
    if as_json:
        echo_json({"run_id": run_id, "position": state.position, **market_dict(state.market)})
        return
    console().print(render_market(state.market, plain=not sys.stdout.isatty()))
