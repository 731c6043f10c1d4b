"""``troupe-es replay``: re-execute a run against its recorded LLM answers."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from troupe_es.cli.context import CliContext, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION
from troupe_es.cli.uptime import process_seconds

if TYPE_CHECKING:
    from troupe_es.api.replay import ReplayReport


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
        echo_json({**report.to_dict(), **process_times(report)})
    else:
        verdict = ""
        if verify and report.ok:
            verdict = click.style("verified", fg="green") + ": every content hash matches — "
        click.echo(f"{verdict}{report.events} events re-produced, {report.llm_calls} LLM calls answered "
                   f"from the log{timing(report)}")
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


def process_times(report: ReplayReport) -> dict[str, float | None]:
    """This replay process's wall time and its speed-up over the original run's process."""
    seconds = process_seconds()
    original = report.original_process_seconds
    return {"process_seconds": round(seconds, 3),
            "process_speedup": round(original / seconds, 1) if original and seconds > 0 else None}


def timing(report: ReplayReport) -> str:
    """How long the replay took, compared like with like: whole processes when the original's
    start-up is recorded, else the two run phases (and it says which)."""
    times = process_times(report)
    original = report.original_process_seconds
    if original is not None and times["process_speedup"] is not None:
        return (f"; this process took {times['process_seconds']:.2f}s, the original run's process "
                f"{original:.2f}s ({times['process_speedup']:g}× as long); run phases "
                f"{report.seconds:.3f}s and {report.original_seconds:.2f}s")
    if report.original_seconds:
        return (f"; replay phase {report.seconds:.3f}s, the original run phase {report.original_seconds:.2f}s "
                "(in-process times; the original's start-up was not recorded)")
    return f"; replay phase {report.seconds:.3f}s"
