"""``troupe-es verify``: recompute content and chain hashes, check them against the heads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli

if TYPE_CHECKING:
    from troupe_es.store import EventStore
    from troupe_es.verification import VerifyReport

_MAX_PROBLEM_LINES = 20


@click.command()
@click.argument("run", required=False)
@json_option
@click.option("--export-heads", "export_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="After a clean verification, write the runs' heads (JSON) to FILE, to keep elsewhere.")
@click.option("--against", "against_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE", help="Also compare with heads exported earlier: a run missing, shorter or "
                                   "with another chain is reported.")
@pass_cli
def verify(cli: CliContext, run: str | None, as_json: bool, export_path: Path | None,
           against_path: Path | None) -> None:
    """Recompute every event's content hash and the hash chain of RUN (default: every run), and
    check each run against its head and the store against its store head.

    Exit 0 when everything matches; exit 3 naming the first bad position or run when an event
    was changed, removed or reordered, a run's tail or a whole run was removed, or a run signed
    with TROUPE_ES_SIGNING_KEY cannot be checked because the key is not set.
    """
    from troupe_es import exported_heads
    from troupe_es.errors import ConfigurationError
    from troupe_es.verification import verify as verify_store

    store = cli.reader
    run_id = _resolve(store, run) if run else None
    kept = exported_heads.read_heads(against_path) if against_path else None
    if kept is not None and run_id is not None:
        kept = {k: v for k, v in kept.items() if k == run_id}
        if not kept:
            raise ConfigurationError(f"{against_path} holds no head of run {run_id}")
    report = verify_store(store, run_id, marks=exported_heads.marks(kept) if kept else None)
    if kept:
        report = report.with_problems(exported_heads.compare(kept, report.details))
    exported = bool(export_path and report.ok)
    if exported:
        exported_heads.write_heads(export_path, report, store.url)  # type: ignore[arg-type]
    if as_json:
        echo_json({**report.to_dict(), "exported_heads": str(export_path) if exported else None})
    else:
        _print_human(report)
        if exported:
            console().print(f"heads of {sum(1 for d in report.details if d.events)} run(s) written to {export_path}")
    if not report.ok:
        if not as_json:
            _print_problems(report)
            if export_path:
                click.echo(f"heads not exported to {export_path}: verification did not pass", err=True)
        sys.exit(3)


def _resolve(store: "EventStore", run: str) -> str:
    """The run's id; a run whose events are all gone but whose head remains is still found."""
    from troupe_es.errors import RunNotFoundError

    try:
        return store.resolve_run(run)
    except RunNotFoundError:
        heads = [h.run_id for h in store.run_heads() if h.run_id == run or h.run_id.startswith(run)]
        if len(heads) == 1:
            return heads[0]
        raise


def _print_human(report: "VerifyReport") -> None:
    out = console()
    for d in report.details:
        mode = d.mode if d.anchored else f"{d.mode}, unanchored"
        state = "sealed" if d.sealed else "open"
        colour = {"ok": "green", "failed": "red"}.get(d.status, "yellow")
        out.print(f"{d.run_id}  {mode}  {d.events} events  {state}  [{colour}]{d.status}[/{colour}]")
    if report.ok:
        head = f"store head: {report.store_head}" if report.store_head else "no store head"
        unanchored = sum(not d.anchored for d in report.details)
        note = (f"; {unanchored} run(s) unanchored (written before heads existed: a removed tail "
                "cannot be seen)") if unanchored else ""
        out.print(f"[green]ok[/green]: {report.events} events in {report.runs} run(s) verified ({head}){note}")


def _print_problems(report: "VerifyReport") -> None:
    for problem in report.problems[:_MAX_PROBLEM_LINES]:
        if problem.position is not None and problem.type is not None:
            where = f"run {problem.run_id}, " if problem.run_id else ""
            click.echo(f"verification failed at position {problem.position} ({where}{problem.type}): "
                       f"{problem.message}", err=True)
        else:
            click.echo(f"verification failed: {problem.message}", err=True)
    if len(report.problems) > _MAX_PROBLEM_LINES:
        click.echo(f"... and {len(report.problems) - _MAX_PROBLEM_LINES} more problems (see --json)", err=True)
    if report.unchecked:
        click.echo(report.unchecked, err=True)
