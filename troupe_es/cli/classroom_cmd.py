"""``troupe-es classroom``: a classroom as it was at a position — who has the floor, raised
hands, the lesson segment, who spoke how often, questions asked and answered, engagement."""

from __future__ import annotations

import click

from troupe_es.cli.context import CliContext, console, echo_json, json_option, pass_cli
from troupe_es.cli.params import POSITION


@click.command()
@click.argument("run")
@click.option("--at", "position", type=POSITION, default=None, metavar="P",
              help="The class after the event at P (default: the run's end).")
@click.option("--world", default=None, metavar="W", help="The classroom world (default: the first).")
@json_option
@pass_cli
def classroom(cli: CliContext, run: str, position: int | None, world: str | None, as_json: bool) -> None:
    """RUN's classroom at a position: the lesson segment, who has the floor, raised hands, open
    questions, and per person (teacher and students) remarks, whispers, hands raised, questions
    asked and answered, times given the floor, turns and engagement (the share of its turns with
    a contribution), with the class's engagement and participation (docs/environments.md).

    --json prints the same as a dict."""
    from troupe_es.errors import SimulationError
    from troupe_es.projections.classroom import class_report, classrooms
    from troupe_es.snapshots import state_at
    from troupe_es.timeline import check_position

    store = cli.reader
    run_id = store.resolve_run(run)
    check_position(store, run_id, position)
    state = state_at(store, run_id, position=position)
    rooms = classrooms(state)
    if not rooms:
        raise SimulationError(f"run {run_id} has no classroom at position {state.position} "
                              "(a scenario's classroom: section opens one)")
    if world is not None and world not in rooms:
        raise SimulationError(f"no classroom {world!r} in run {run_id} (classrooms: {', '.join(rooms)})")
    report = class_report(state, world or rooms[0])
    if as_json:
        echo_json({"run_id": run_id, **report})
        return
    out = console()

    def say(text: str) -> None:
        out.print(text, markup=False, highlight=False)

    topic = f" — {report['topic']}" if report["topic"] else ""
    say(f"{report['world']}{topic}, at position {report['position']} ({report['clock']})")
    if report["segment"]:
        say(f"Segment {report['segment']}/{len(report['segments'])}: {report['segments'][report['segment'] - 1]}")
    else:
        say("The lesson has not started.")
    say(f"Floor: {report['floor']}")
    say("Hands up: " + (", ".join(h["student"] for h in report["hands"]) or "none"))
    q = report["questions"]
    say(f"Questions: {q['asked']} asked, {q['answered']} answered ({q['answers']} answers), {len(q['open'])} open")
    say(f"Engagement: {report['engagement']:.2f}   participation: {report['participation']:.2f}")
    say(f"{'name':<16} {'role':<8} {'remarks':>7} {'whisper':>7} {'hands':>5} {'asked':>5} {'answer':>6} "
        f"{'floor':>5} {'turns':>5} {'engaged':>7}")
    for name, p in report["people"].items():
        say(f"{name[:16]:<16} {p['role']:<8} {p['remarks']:>7} {p['whispers']:>7} {p['hands']:>5} {p['asked']:>5} "
            f"{p['answered']:>6} {p['floor']:>5} {p['turns']:>5} {p['engagement']:>7.2f}")
