"""``troupe-es space``: a grid world's map with its agents drawn where they stood at a position,
and how far each has walked."""

from __future__ import annotations

from typing import Any

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION

MARKS = "123456789abcdefghijklmnopqrstuvwxyz"


def draw(space: Any) -> tuple[list[str], dict[str, str]]:
    """The map's rows with agents drawn as ``1``, ``2``, ... (in name order), and mark → agent."""
    rows = [list(row) for row in space.map.rows]
    marks: dict[str, str] = {}
    for i, (name, (x, y)) in enumerate(sorted(space.positions.items())):
        mark = MARKS[i] if i < len(MARKS) else "@"
        rows[y][x] = mark
        marks.setdefault(mark, name)
    return ["".join(row) for row in rows], marks


@click.command()
@click.argument("run")
@click.option("--at", "position", type=POSITION, default=None, metavar="P",
              help="Where everyone stood after the event at P (default: the run's end).")
@click.option("--world", default=None, metavar="W", help="The grid world to show (default: the first).")
@json_option
@pass_cli
def space(cli: CliContext, run: str, position: int | None, world: str | None, as_json: bool) -> None:
    """RUN's grid world at a position: the map with every agent drawn on its cell (1, 2, ... in
    name order), and per agent its cell, zone, travel target, and how far it has walked (moves,
    cells, arrivals, rejected MOVE_TOs, zones entered).

    --json prints the drawn rows and the agents as a dict."""
    from troupe_es.errors import SimulationError
    from troupe_es.projections.space import TYPES, travel_stats
    from troupe_es.snapshots import state_at
    from troupe_es.timeline import check_position

    store = cli.reader
    run_id = store.resolve_run(run)
    check_position(store, run_id, position)
    state = state_at(store, run_id, position=position)
    grids = {name: w for name, w in state.worlds.items() if w.space is not None}
    if not grids:
        raise SimulationError(f"run {run_id} has no grid world (world kind: grid) at position {state.position}")
    if world is not None and world not in grids:
        raise SimulationError(f"no grid world {world!r} in run {run_id} (grid worlds: {', '.join(grids)})")
    name = world or next(iter(grids))
    sp = grids[name].space
    stats = travel_stats(store.read(run_id=run_id, types=list(TYPES), until_position=state.position))
    rows, marks = draw(sp)
    agents = {}
    for agent, cell in sorted(sp.positions.items()):
        travel = sp.travel.get(agent)
        agents[agent] = {"cell": list(cell), "zone": sp.map.zone_at(cell),
                         "travelling_to": travel.target if travel else None,
                         **{k: v for k, v in stats.get(agent, {}).items()}}
    if as_json:
        echo_json({"run_id": run_id, "position": state.position, "world": name, "width": sp.map.width,
                   "height": sp.map.height, "rows": rows, "marks": marks, "agents": agents})
        return
    out = console()
    out.print(f"{name} at position {state.position} ({sp.map.width}x{sp.map.height}, map v{sp.version})",
              markup=False, highlight=False)
    for row in rows:
        out.print(row, markup=False, highlight=False)
    for mark, agent in marks.items():
        a = agents[agent]
        walked = f"{a.get('cells_walked', 0)} cells in {a.get('moves', 0)} moves, {a.get('arrivals', 0)} arrivals"
        going = f", going to {a['travelling_to']}" if a["travelling_to"] else ""
        out.print(f"{mark} = {agent} at ({a['cell'][0]}, {a['cell'][1]}), {a['zone'] or 'open floor'}{going}; "
                  f"walked {walked}", markup=False, highlight=False)
