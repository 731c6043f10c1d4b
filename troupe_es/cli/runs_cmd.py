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
    Forked runs show their parent run and fork position (the family tree). An event that
    cannot be decoded is reported on stderr (and under ``undecodable`` with ``--json``) and left
    out; every other run and event is listed (``troupe-es verify`` fails on it).
    """
    from troupe_es.projections.runs import run_rows

    rows = run_rows(cli.reader, on_corrupt=warn_undecodable)
    if as_json:
        echo_json([r.to_dict() for r in rows])
        return
    from rich.table import Table

    out = console()
    if not rows:
        out.print(f"no runs in {cli.reader.url}")
        return
    by_id = {r.run_id: r for r in rows}
    table = Table(box=None, header_style="bold")
    for col, justify in (("run", "left"), ("scenario", "left"), ("status", "left"), ("started", "left"),
                         ("events", "right"), ("calls", "right"), ("hits", "right"),
                         ("tokens", "right"), ("cost $", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        depth, parent = 0, r.parent_run_id
        while parent in by_id and depth < 20:
            depth, parent = depth + 1, by_id[parent].parent_run_id
        name = ("  " * depth + "└ " if depth else "") + r.run_id
        if r.parent_run_id:
            name += f" (fork of {r.parent_run_id[:8]}@{r.fork_position})"
        status_style = {"completed": "green", "failed": "red"}.get(r.status, "yellow")
        cost = f"{r.cost_usd:.4f}" + ("+?" if r.unknown_cost_calls else "")
        table.add_row(name, r.scenario, f"[{status_style}]{r.status}[/{status_style}]",
                      r.started_at.strftime("%Y-%m-%d %H:%M:%S") if r.started_at else "-",
                      str(r.events), str(r.llm_calls), str(r.cache_hits),
                      str(r.input_tokens + r.output_tokens), cost)
    out.print(table)
