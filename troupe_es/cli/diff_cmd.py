"""``troupe-es diff``: what changed in a run between two positions."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION


@click.command()
@click.argument("run")
@click.option("--from", "from_position", type=POSITION, required=True, metavar="P", help="Earlier position.")
@click.option("--to", "to_position", type=POSITION, required=True, metavar="Q", help="Later position.")
@click.option("--agent", default=None, metavar="A", help="Only this agent (and its world).")
@json_option
@pass_cli
def diff(cli: CliContext, run: str, from_position: int, to_position: int, agent: str | None,
         as_json: bool) -> None:
    """Show what changed in RUN from the state after the event at P to the state after the event
    at Q: per world and agent, fields added, removed or changed (persona fields by dotted path)
    and memory items added.

    --json prints {"from", "to", "run", "agents": {A: {"status", "fields", "memory_added",
    "memory_removed"}}, "worlds": {...}}."""
    from troupe_es.cli.views import render_diff
    from troupe_es.domain.diff import diff_states
    from troupe_es.errors import SimulationError
    from troupe_es.snapshots import agent_state_at, state_at
    from troupe_es.timeline import run_bounds

    store = cli.reader
    run_id = store.resolve_run(run)
    first, last = run_bounds(store, run_id)
    for name, value in (("--from", from_position), ("--to", to_position)):
        if not first - 1 <= value <= last:
            raise SimulationError(f"{name} {value} is outside run {run_id} (positions {first}..{last})")
    if agent is not None:
        before = agent_state_at(store, run_id, agent, position=from_position, missing_ok=True)
        after = agent_state_at(store, run_id, agent, position=to_position, missing_ok=True)
        if agent not in before.agents and agent not in after.agents:
            raise SimulationError(f"no agent {agent!r} in run {run_id} at positions {from_position} or {to_position}")
    else:
        before = state_at(store, run_id, position=from_position)
        after = state_at(store, run_id, position=to_position)
    result = diff_states(before, after, agent=agent)
    if as_json:
        echo_json(result)
        return
    console().print(render_diff(result, plain=not sys.stdout.isatty()))

