"""``troupe-es replay``: re-execute a run against its recorded LLM answers."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION


@click.command()
@click.argument("run")
@click.option("--until", type=POSITION, default=None, metavar="P", help="Stop once position P has been re-produced.")
@click.option("--verify", is_flag=True, help="Compare every re-produced event's content hash with the log.")
@json_option
@pass_cli
def replay(cli: CliContext, run: str, until: int | None, verify: bool, as_json: bool) -> None:
    """Re-execute RUN from its RunStarted with every LLM answer taken from the log.

    No provider is constructed and nothing is sent over the network, so it works with the LLM
    server stopped and costs nothing. With --verify, exit 3 at the first event whose content hash
    differs, showing its position, type and a diff of the two payloads.
    """
    from troupe_es.api.replay import replay_run

    report = replay_run(cli.store, run, until=until, verify=verify)
    if as_json:
        echo_json(report.to_dict())
    else:
        out = console()
        speed = f", {report.speedup:.0f}× faster than the original run" if report.speedup else ""
        verdict = ""
        if verify and report.ok:
            verdict = "[green]verified[/green]: every content hash matches — "
        out.print(f"{verdict}{report.events} events re-produced, {report.llm_calls} LLM calls answered "
                  f"from the log, {report.seconds:.3f}s{speed}")
    if not report.ok:
        if not as_json:
            d = report.difference
            if d is not None:
                click.echo(f"replay differs at position {d.position} (event #{d.index + 1} of the run): "
                           f"recorded {d.recorded_type}, replayed {d.replayed_type}", err=True)
                click.echo(d.diff, err=True)
            if report.divergence:
                click.echo(f"divergence: {report.divergence}", err=True)
        sys.exit(3)
