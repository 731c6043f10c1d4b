"""``troupe-es emotions``: every agent's PAD emotion trajectory, as a table, JSON or a plot."""

from __future__ import annotations

import sys
from typing import Any

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION


@click.command()
@click.argument("run")
@click.option("--agent", default=None, metavar="A", help="Only this agent.")
@click.option("--at", "position", type=POSITION, default=None, metavar="P",
              help="Emotions as they were after the event at P (default: the run's end).")
@click.option("--plot", "plot_path", default=None, metavar="PATH",
              help="Draw pleasure, arousal and dominance over simulated time: PNG (.png) or HTML (.html).")
@json_option
@pass_cli
def emotions(cli: CliContext, run: str, agent: str | None, position: int | None, plot_path: str | None,
             as_json: bool) -> None:
    """Emotion trajectories of RUN per agent: baseline (from the persona's Big Five), current
    state (pleasure, arousal, dominance, octant, intensity) and every change with its reason
    (appraisal or decay) and cause.

    Needs a scenario with an `emotions:` section. --plot PATH draws the trajectories over
    simulated time (PNG, or a self-contained HTML page by the extension; needs matplotlib)."""
    from troupe_es.errors import SimulationError
    from troupe_es.projections.emotions import TYPES, emotion_trajectories, plot
    from troupe_es.timeline import check_position

    store = cli.reader
    run_id = store.resolve_run(run)
    last = check_position(store, run_id, position)
    data = emotion_trajectories(store.read(run_id=run_id, types=sorted(TYPES), until_position=position))
    if agent is not None:
        if agent not in data:
            raise SimulationError(f"agent {agent!r} is not in run {run_id} (agents: {', '.join(data) or 'none'})")
        data = {agent: data[agent]}
    result: dict[str, Any] = {"run_id": run_id, "position": last,
                              "agents": data}
    if plot_path:
        result["plot"] = plot(data, plot_path, f"emotions of {run_id}")
    if as_json:
        echo_json(result)
        return
    _render(result, plain=not sys.stdout.isatty())


def _pad(d: dict[str, Any]) -> str:
    return f"{d['octant']} {d['intensity']:.2f} ({d['pleasure']:+.2f} {d['arousal']:+.2f} {d['dominance']:+.2f})"


def _render(result: dict[str, Any], plain: bool) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"emotions of {result['run_id']} at position {result['position']}")
    table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
    for column in ("agent", "baseline", "now", "changes", "appraisals", "decays"):
        table.add_column(column)
    for agent, t in result["agents"].items():
        table.add_row(escape(agent), _pad(t["baseline"]), _pad(t["current"]), str(t["changes"]),
                      str(t["appraisals"]), str(t["decays"]))
    out.print(table)
    for agent, t in result["agents"].items():
        if not t["trajectory"]:
            continue
        steps = Table(title=escape(agent), box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
        for column in ("position", "time", "state", "reason", "cause", "appraisal"):
            steps.add_column(column, overflow="fold")
        for p in t["trajectory"]:
            steps.add_row(str(p["position"]), (p["sim_time"] or "-")[:16], _pad(p), p["reason"], escape(p["cause"]),
                          escape(p["appraisal"][:80]))
        out.print(steps)
    if not any(t["trajectory"] for t in result["agents"].values()):
        out.print("no emotion changes (does the scenario have an `emotions:` section?)")
    if "plot" in result:
        out.print(f"plot written to {result['plot']}")
