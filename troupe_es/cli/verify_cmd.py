"""``troupe-es verify``: recompute content and chain hashes."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli


@click.command()
@click.argument("run", required=False)
@json_option
@pass_cli
def verify(cli: CliContext, run: str | None, as_json: bool) -> None:
    """Recompute every event's content hash and the hash chain of RUN (default: every run).

    Exit 0 when everything matches; exit 3 naming the first bad position when an event was
    changed, removed or corrupted behind the store's back.
    """
    from troupe_es.verification import verify as verify_store

    store = cli.reader
    run_id = store.resolve_run(run) if run else None
    report = verify_store(store, run_id)
    if as_json:
        echo_json(report.to_dict())
    elif report.ok:
        console().print(f"[green]ok[/green]: {report.events} events in {report.runs} run(s) verified")
    if not report.ok:
        if not as_json:
            where = f"run {report.run_id}, " if report.run_id else ""
            click.echo(f"verification failed at position {report.first_bad_position} "
                       f"({where}{report.type}): {report.problem}", err=True)
        sys.exit(3)
