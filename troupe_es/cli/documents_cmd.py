"""``troupe-es documents``: the documents a run was given, per agent, and who is grounded."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli


@click.command()
@click.argument("run")
@click.option("--agent", default=None, metavar="A", help="Only the documents agent A can recall (its own "
                                                         "and everyone's).")
@click.option("--at", "position", type=int, default=None, metavar="P",
              help="The documents as they were after the event at P (default: the run's end).")
@json_option
@pass_cli
def documents(cli: CliContext, run: str, agent: str | None, position: int | None, as_json: bool) -> None:
    """The documents RUN was given: per document its owner (an agent, or * for everyone), the
    source as given, title, chunks and characters, and the grounded agents. Read from the
    recorded DocumentChunkIngested events: the files themselves are never opened."""
    from troupe_es.projections.documents import TYPES, documents as read_model

    store = cli.store
    run_id = store.resolve_run(run)
    result = read_model(store.read(run_id=run_id, types=list(TYPES), until_position=position))
    if agent is not None:
        result["documents"] = [d for d in result["documents"] if d["agent"] in (None, agent)]
    result = {"run_id": run_id, **result}
    if as_json:
        echo_json(result)
        return
    from rich import box
    from rich.table import Table

    plain = not sys.stdout.isatty()
    out = console()
    table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
    for column in ("agent", "source", "title", "chunks", "characters"):
        table.add_column(column, overflow="fold")
    for d in result["documents"]:
        table.add_row(d["agent"] or "*", d["source"], d["title"], str(d["chunks"]), str(d["characters"]))
    out.print(f"documents of {run_id}" + (f" (grounded: {', '.join(result['grounded'])})" if result["grounded"]
                                          else ""))
    out.print(table)
