"""``troupe-es graph``: the knowledge graph of a run as it was at a position."""

from __future__ import annotations

import sys
from typing import Any

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli


@click.command()
@click.argument("run")
@click.option("--agent", default=None, metavar="A", help="Only what A knows (its own facts and shared ones).")
@click.option("--at", "position", type=int, default=None, metavar="P",
              help="The graph as it was after the event at P (default: the run's end).")
@click.option("--step", type=int, default=None, metavar="N", help="The graph as it was when step N started.")
@click.option("--valid-at", "valid_at", default=None, metavar="TIME",
              help="Only edges holding at this simulated time (ISO, e.g. 2026-03-01T10:00).")
@click.option("--open-only", is_flag=True, help="Only edges not contradicted (yet) at that position.")
@click.option("--about", default=None, metavar="ENTITY", help="Only the edges touching ENTITY (any alias).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "graphml", "dot", "html"]), default="table",
              show_default=True, help="Output format; graphml, dot and html are written to --out or stdout.")
@click.option("--out", "out_path", default=None, metavar="PATH", help="Write the export to PATH.")
@json_option
@pass_cli
def graph(cli: CliContext, run: str, agent: str | None, position: int | None, step: int | None,
          valid_at: str | None, open_only: bool, about: str | None, fmt: str, out_path: str | None,
          as_json: bool) -> None:
    """The temporal knowledge graph of RUN: entities (aliases merged) and the facts linking them,
    each valid from / to in simulated time (a contradicted fact is closed, never deleted), citing
    the events it rests on. Rebuilt from the log with zero LLM calls.

    --at P (or --step N) shows the graph as the run knew it then. --json prints the graph with
    its statistics, including how many extraction calls the run made per episode."""
    from troupe_es.errors import SimulationError
    from troupe_es.projections import knowledge as k
    from troupe_es.snapshots import resolve_position
    from troupe_es.timeline import check_position

    store = cli.store
    run_id = store.resolve_run(run)
    check_position(store, run_id, position)
    target = resolve_position(store, run_id, position=position, step=step)
    kg = k.knowledge_graph(store, run_id, at=target)
    if agent is not None and agent not in {e.agent for e in kg.edges.values()}:
        known = ", ".join(sorted({e.agent for e in kg.edges.values() if e.agent})) or "none"
        raise SimulationError(f"agent {agent!r} has no facts in run {run_id} at position {target} "
                              f"(agents with facts: {known})")
    when: Any = ...
    if valid_at is not None:
        when = _sim_time(valid_at)
    elif open_only:
        when = None
    who: Any = ... if agent is None else agent
    if about is not None:
        keep = {e.id for e in kg.neighbours(about, agent=who, when=when)}
        for edge_id in [i for i in kg.edges if i not in keep]:
            del kg.edges[edge_id]
    stats = {**kg.stats(), "position": target,
             **k.extraction_stats(store.read(run_id=run_id, types=["LLMCallRequested", "FactsExtracted"],
                                             until_position=target))}
    if fmt in ("graphml", "dot", "html") or (fmt == "json" and not as_json):
        text = k.FORMATS[fmt](kg, agent=who, when=when)
        if out_path:
            from troupe_es.cli.output import output_file

            with output_file(out_path) as tmp:  # a missing or unwritable folder is a one-line error
                tmp.write_text(text, encoding="utf-8")
            click.echo(out_path)
        else:
            click.echo(text, nl=False)
        return
    result = {"run_id": run_id, **k.as_json(kg, agent=who, when=when), "stats": stats}
    if as_json:
        echo_json(result)
        return
    _render(result, plain=not sys.stdout.isatty())


def _sim_time(text: str) -> str:
    from datetime import datetime

    from troupe_es.errors import ConfigurationError
    from troupe_es.events.canonical import iso_utc, to_utc

    try:
        return iso_utc(to_utc(datetime.fromisoformat(text)))
    except ValueError:
        raise ConfigurationError(f"--valid-at {text!r}: not an ISO date-time (e.g. 2026-03-01T10:00)") from None


def _render(result: dict[str, Any], plain: bool) -> None:
    from rich import box
    from rich.table import Table

    out = console()
    s = result["stats"]
    out.print(f"knowledge graph of {result['run_id']} at position {s['position']}: {len(result['nodes'])} entities, "
              f"{len(result['edges'])} edges; {s['extraction_calls']} extraction calls for {s['episodes']} episodes")
    table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
    for column in ("fact", "agent", "subject", "predicate", "object", "valid from", "valid to", "evidence"):
        table.add_column(column, overflow="fold")
    for e in result["edges"]:
        table.add_row(e["id"], e["agent"] or "(shared)", e["subject_name"], e["predicate"], e["object_name"],
                      (e["valid_from"] or "-")[:16], (e["valid_to"] or "-")[:16], " ".join(e["evidence"]))
    out.print(table)
