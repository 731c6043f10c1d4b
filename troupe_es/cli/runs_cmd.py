"""``troupe-es runs``: one row per run."""

from __future__ import annotations

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli, warn_undecodable


@click.command()
@json_option
@pass_cli
def runs(cli: CliContext, as_json: bool) -> None:
    """List the runs in the store: id, scenario, status, parent, events, LLM calls, tokens, cost.

    Tokens and cost count what was actually paid: cache hits and replays cost nothing.
    Runs are drawn as a family tree: each fork under its parent (forks of forks under them),
    with the parent's full id and the fork position in the "fork of" column.

    --json prints one object per run, oldest first, with parent_run_id, fork_position and depth
    (0 for a run that is no fork).

    An event that cannot be decoded is reported on stderr (and under ``undecodable`` with
    ``--json``) and left out; every other run and event is listed (``troupe-es verify`` fails on it).
    """
    from troupe_es.projections.runs import fork_tree, run_rows

    rows = run_rows(cli.reader, on_corrupt=warn_undecodable)
    tree = fork_tree(rows)
    if as_json:
        depths = {line.row.run_id: line.depth for line in tree}
        echo_json([{**r.to_dict(), "depth": depths[r.run_id]} for r in rows])
        return
    from troupe_es.cli.views import render_runs

    out = console()
    if not rows:
        out.print(f"no runs in {cli.reader.url}")
        return
    out.print(render_runs(tree))
