"""``troupe-es log``: a run's events, filtered, as lines, JSON lines or a transcript."""

from __future__ import annotations

import time

import click

from troupe_es.cli.context import CliContext, console, echo_json, pass_cli

_END_TYPES = ("RunCompleted", "RunFailed", "RunInterrupted")


@click.command()
@click.argument("run")
@click.option("--type", "types", multiple=True, metavar="T", help="Only events of this type (repeatable).")
@click.option("--stream", default=None, metavar="S", help="Only events of this stream (e.g. agent/Lisa).")
@click.option("--agent", default=None, metavar="A", help="Only events by or about this agent.")
@click.option("--from", "from_position", type=int, default=None, metavar="P", help="First position (inclusive).")
@click.option("--until", "until_position", type=int, default=None, metavar="P", help="Last position (inclusive).")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until the run completes, fails or is interrupted (Ctrl-C stops).")
@click.option("--transcript", is_flag=True, help="Show the conversation only, chat style.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line: envelope fields and the payload.")
@pass_cli
def log(cli: CliContext, run: str, types: tuple[str, ...], stream: str | None, agent: str | None,
        from_position: int | None, until_position: int | None, follow: bool, transcript: bool,
        as_json: bool) -> None:
    """Show the events of RUN (an id or a unique prefix) in position order."""
    from troupe_es.cli.render import event_line, transcript_line

    store = cli.store
    run_id = store.resolve_run(run)
    out = console()
    last = (from_position or 1) - 1
    ended = False

    def wanted(rec) -> bool:  # noqa: ANN001
        if agent is None:
            return True
        return rec.stream == f"agent/{agent}" or getattr(rec.event, "agent", None) == agent

    while True:
        for rec in store.read(run_id=run_id, stream=stream, types=types or None,
                              from_position=last + 1, until_position=until_position):
            last = rec.position
            if rec.type in _END_TYPES or rec.type == "RunResumed":
                ended = rec.type != "RunResumed"  # an interrupted run may have been resumed since
            if not wanted(rec):
                continue
            if as_json:
                echo_json(rec.to_json_dict())
            elif transcript:
                line = transcript_line(rec)
                if line is not None:
                    out.print(line)
            else:
                out.print(event_line(rec))
        if not follow or ended or (until_position is not None and last >= until_position):
            return
        if types or stream:  # the end event may be filtered out: look for it separately
            marks = [row.type for row in store.iter_rows(run_id=run_id, types=_END_TYPES + ("RunResumed",))]
            ended = bool(marks) and marks[-1] != "RunResumed"
            if ended:
                continue
        time.sleep(0.25)
