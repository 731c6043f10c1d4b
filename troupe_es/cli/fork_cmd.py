"""``troupe-es fork``: continue a run from a position as a new run (the what-if tool)."""

from __future__ import annotations

from pathlib import Path

import click

from troupe_es.cli.context import CliContext, pass_cli
from troupe_es.cli.params import POSITION
from troupe_es.cli.run_cmd import execute_and_report, llm_options


@click.command()
@click.argument("run")
@click.option("--at", "position", type=POSITION, required=True, metavar="P",
              help="The last position of RUN the fork keeps.")
@click.option("--scenario", "scenario_path", type=click.Path(path_type=Path), default=None,
              help="A scenario whose script replaces the rest of the parent's (changed personas apply).")
@llm_options
@pass_cli
def fork(cli: CliContext, run: str, position: int, scenario_path: Path | None, **options) -> None:  # noqa: ANN003
    """Start a new run whose state is RUN's state at position P, and continue it.

    Without --scenario the fork plays the rest of the parent's script (live or cached); with it,
    that scenario's script, after applying its personas (changed ones are replaced, new ones
    join). The new run records its parent and fork position; `troupe-es runs` shows the tree.
    A run driven from Python plays the rest of its recorded commands instead of a script (a
    step or poll cut at P is played again from its start). Prints the new run id alone on the
    last line.
    """
    from troupe_es.commands.notebook import is_notebook
    from troupe_es.commands.plan import plan_from_scenario
    from troupe_es.api.replay import fork_plan, inheritor, run_started

    store = cli.store
    parent = store.resolve_run(run)
    if scenario_path is None and is_notebook(run_started(store, parent).event.scenario):  # type: ignore[attr-defined]
        _fork_notebook(cli, parent, position, options)
        return
    new_plan = None
    if scenario_path is not None:
        from troupe_es.scenario import load_scenario

        new_plan = plan_from_scenario(load_scenario(scenario_path))
    plan, point = fork_plan(store, parent, position, new_plan)
    execute_and_report(cli, plan, options, fork=point, inherit=inheritor(store, parent, position))


def _fork_notebook(cli: CliContext, parent: str, position: int, options: dict) -> None:
    """Fork a run driven from Python: its state at P, then the rest of its commands."""
    import time

    from troupe_es.api.notebook_replay import notebook_fork
    from troupe_es.bootstrap import make_bus, new_run_id
    from troupe_es.cli.progress import RunProgress
    from troupe_es.cli.run_cmd import _show_progress, make_run_gateway, report, run_settings
    from troupe_es.cli.signals import interruptible
    from troupe_es.commands.notebook import steps_of
    from troupe_es.commands.scenario import drive

    store = cli.store
    fork = notebook_fork(store, parent, position, model=options.get("model"), parallel=options["parallel"])
    model = fork.settings.model
    gateway = make_run_gateway(cli, options, model=model, plan_budget=None)
    progress = RunProgress(total_steps=steps_of(fork.tail), enabled=_show_progress(options))
    bus = make_bus(store, new_run_id(store, fork.start.scenario_name), gateway=gateway, settings=fork.settings,
                   observers=[progress], record_commands=True)
    cpu_start = time.process_time()
    try:
        with interruptible(), progress:
            started = time.perf_counter()
            fork.begin(bus, run_settings(cli, options, model, gateway))
            outcome = drive(bus, fork.tail, started)
    finally:
        gateway.close()
    report(outcome, bus, progress, fork.start.scenario_name, options, cpu_seconds=time.process_time() - cpu_start)
