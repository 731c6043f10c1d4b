"""``troupe-es memory``: an agent's memory at a glance, its growth, a plot and a search."""

from __future__ import annotations

import sys
from typing import Any

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli


@click.command()
@click.argument("run")
@click.option("--agent", default=None, metavar="A", help="Only this agent.")
@click.option("--at", "position", type=int, default=None, metavar="P",
              help="Memory as it was after the event at P (default: the run's end).")
@click.option("--plot", "plot_path", default=None, metavar="PATH",
              help="Write a PNG of memory size over simulated time to PATH.")
@click.option("--search", default=None, metavar="QUERY",
              help="The memories nearest QUERY in the vector index (caught up first).")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many search results.")
@json_option
@pass_cli
def memory(cli: CliContext, run: str, agent: str | None, position: int | None, plot_path: str | None,
           search: str | None, k: int, as_json: bool) -> None:
    """Memory statistics of RUN per agent: memories held by kind, oldest and newest, how many were
    stored, forgotten, consolidated, reflected and recalled, and growth per step.

    --plot PATH draws memory size over simulated time (PNG). --search QUERY lists the memories
    nearest QUERY by cosine similarity from the `memory` projection (lancedb)."""
    from troupe_es.errors import SimulationError
    from troupe_es.projections.memory_stats import TYPES, memory_stats, plot
    from troupe_es.timeline import check_position

    store = cli.store
    run_id = store.resolve_run(run)
    shown = check_position(store, run_id, position)
    stats = memory_stats(store.read(run_id=run_id, types=sorted(TYPES), until_position=position))
    if agent is not None:
        if agent not in stats:
            known = ", ".join(stats) or "none"
            raise SimulationError(f"agent {agent!r} has no memory events in run {run_id} (agents with memory: {known})")
        stats = {agent: stats[agent]}
    result: dict[str, Any] = {"run_id": run_id, "position": shown, "agents": stats}
    if plot_path:
        result["plot"] = plot(stats, plot_path, f"memory of {run_id}")
    if search is not None:
        from troupe_es.projections.memory import MemoryIndex, index_path, writing

        with writing(index_path(store)):
            index = MemoryIndex(store)
            index.catch_up()
        result["search"] = index.search(run_id, search, agent=agent, k=k)
    if as_json:
        echo_json(result)
        return
    _render(result, plain=not sys.stdout.isatty())


def _render(result: dict[str, Any], plain: bool) -> None:
    from rich import box
    from rich.table import Table

    out = console()
    out.print(f"memory of {result['run_id']} at position {result['position']}")
    table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
    for column in ("agent", "held", "by kind", "stored", "forgotten", "consolidated", "reflections", "recalls",
                   "growth/step", "oldest", "newest"):
        table.add_column(column)
    for agent, s in result["agents"].items():
        kinds = ", ".join(f"{n} {k}" for k, n in s["by_kind"].items()) or "-"
        table.add_row(agent, str(s["held"]), kinds, str(s["stored"]), str(s["forgotten"]), str(s["consolidated"]),
                      str(s["reflections"]), str(s["recalls"]), str(s["growth_per_step"]),
                      (s["oldest"] or "-")[:16], (s["newest"] or "-")[:16])
    out.print(table)
    if "plot" in result:
        out.print(f"plot written to {result['plot']}")
    if "search" in result:
        hits = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
        for column in ("similarity", "memory", "agent", "kind", "text"):
            hits.add_column(column, overflow="fold")
        for h in result["search"]:
            hits.add_row(f"{h['similarity']:.3f}", h["memory_id"], h["agent"], h["kind"], h["text"])
        out.print(hits)
