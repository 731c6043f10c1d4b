"""``troupe-es projections``: list, inspect and rebuild the read side."""

from __future__ import annotations

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli, warn_undecodable
from troupe_es.limits import INT64_MAX


@click.group()
def projections() -> None:
    """List projections, show how far each got, rebuild them from the log."""


@projections.command("list")
@json_option
def list_(as_json: bool) -> None:
    """Every registered projection: name, kind and what it holds."""
    from rich.markup import escape
    from rich.table import Table

    from troupe_es.projections.registry import entries

    items = [{"name": e.name, "kind": e.kind, "description": e.description} for e in entries()]
    if as_json:
        echo_json(items)
        return
    table = Table("name", "kind", "description", box=None, pad_edge=False)
    for item in items:
        table.add_row(item["name"], item["kind"], escape(item["description"]))
    console().print(table)


@projections.command()
@click.argument("name", required=False)
@json_option
@pass_cli
def status(cli: CliContext, name: str | None, as_json: bool) -> None:
    """Checkpoint (and last snapshots) of NAME, or of every projection, against the log's end."""
    from troupe_es.projections.registry import entries, get

    chosen = [get(name)] if name else entries()
    reports = [e.status(cli.reader) for e in chosen]
    if as_json:
        echo_json(reports if name is None else reports[0])
        return
    out = console()
    for r in reports:
        out.print(f"[bold]{r['name']}[/bold] ({r['kind']}): checkpoint {r['checkpoint']} of "
                  f"{r['last_position']}, {r['behind']} events behind; {r['detail']}")
        for run in r.get("runs", ()):
            snap = run["last_snapshot"] if run["last_snapshot"] is not None else "none"
            out.print(f"  run {run['run_id']}: last snapshot {snap}, last position {run['last_position']}, "
                      f"{run['events_after_snapshot']} events after it")


@projections.command()
@click.argument("name", required=False)
@click.option("--every", type=click.IntRange(1, INT64_MAX), default=None, metavar="K",
              help="Snapshot interval in events for run_state (default 1000).")
@json_option
@pass_cli
def rebuild(cli: CliContext, name: str | None, every: int | None, as_json: bool) -> None:
    """Recompute NAME (or every projection) from the whole log.

    An event that cannot be decoded is reported (one line on stderr, ``skipped`` with ``--json``)
    and the rebuild goes on with everything else."""
    from troupe_es.projections.registry import entries, get

    options = {"every": every} if every is not None else {}
    reports = [e.rebuild(cli.store, **options) for e in ([get(name)] if name else entries())]
    reported: set[int | None] = set()
    for r in reports:
        for bad in r.get("skipped", ()):
            if bad["position"] not in reported:  # once, though several projections read it
                reported.add(bad["position"])
                warn_undecodable(bad)
    if as_json:
        echo_json(reports if name is None else reports[0])
        return
    for r in reports:
        console().print(f"rebuilt [bold]{r['name']}[/bold]: {r['items']} items, checkpoint {r['checkpoint']}")
