"""``troupe-es state``: agent and world state of a run at any position."""

from __future__ import annotations

import sys

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import COUNT, POSITION


@click.command()
@click.argument("run")
@click.option("--at", "position", type=POSITION, default=None, metavar="P",
              help="Position: the state after the event at P (default: the run's end).")
@click.option("--step", type=COUNT, default=None, metavar="N",
              help="The state at the start of step N (just before its StepStarted).")
@click.option("--world", default=None, metavar="W", help="World whose step --step counts (default: any).")
@click.option("--agent", default=None, metavar="A", help="Only this agent (and its world).")
@json_option
@pass_cli
def state(cli: CliContext, run: str, position: int | None, step: int | None, world: str | None,
          agent: str | None, as_json: bool) -> None:
    """Show RUN's state at a position: every world (clock, step, members, accessibility) and
    every agent (persona, goals, attention, emotions, context, location, who it can reach,
    recent memory).

    --json prints the run state as a dict (with --agent, that agent's dict plus `accessible`
    and `clock`)."""
    from troupe_es.cli.views import render_state
    from troupe_es.errors import SimulationError
    from troupe_es.snapshots import agent_state_at, agent_view, resolve_position, state_at
    from troupe_es.timeline import run_bounds

    store = cli.reader
    run_id = store.resolve_run(run)
    first, last = run_bounds(store, run_id)
    target = resolve_position(store, run_id, position=position, step=step, world=world)
    if position is not None and not first <= position <= last:
        raise SimulationError(f"--at {position} is outside run {run_id} (positions {first}..{last})")
    if agent is not None:
        current = agent_state_at(store, run_id, agent, position=target)
    else:
        current = state_at(store, run_id, position=target)
    if as_json:
        echo_json(agent_view(current, agent) if agent else current.to_dict())
        return
    console().print(render_state(current, agent=agent, plain=not sys.stdout.isatty()))
