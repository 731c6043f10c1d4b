"""``troupe-es run``: execute a scenario file and print the new run id."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from troupe_es.cli.context import CliContext, console, echo_json, pass_cli


def llm_options(func):  # noqa: ANN001, ANN201 - a click decorator
    """The LLM options shared by ``run`` and ``fork``."""
    options = [
        click.option("--llm", type=click.Choice(["mock", "openai"]), default="mock", show_default=True,
                     help="Provider: the deterministic mock LLM or OpenAI (and any compatible server)."),
        click.option("--model", default=None, help="Model name (default: the scenario's llm.model)."),
        click.option("--base-url", default=None, envvar="OPENAI_BASE_URL",
                     help="OpenAI-compatible server URL (Ollama, vLLM, LM Studio, the mock server)."),
        click.option("--cache/--no-cache", default=True, show_default=True,
                     help="Reuse any recorded completion with the same request key (zero network)."),
        click.option("--parallel", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="Agents acting concurrently within a step (same results as sequential)."),
        click.option("--budget-tokens", type=click.IntRange(1), default=None,
                     help="Stop the run cleanly before it spends more tokens than this."),
        click.option("--budget-cost", type=click.FloatRange(0, min_open=True), default=None,
                     help="Stop the run cleanly before it spends more US dollars than this."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary (just the run id)."),
        click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of the run id."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@llm_options
@pass_cli
def run(cli: CliContext, scenario: Path, seed: int | None, **options) -> None:  # noqa: ANN003
    """Run the SCENARIO file (YAML) and print the new run id on the last line of stdout.

    The whole scenario, the seed and the package version are recorded in RunStarted; every
    perception, action and LLM call becomes an event. Exit 0 when the run completes (or stops
    on its budget), 1 when it fails (the reason is recorded; everything before it is kept).
    """
    from troupe_es.commands.plan import plan_from_scenario
    from troupe_es.scenario import load_scenario

    plan = plan_from_scenario(load_scenario(scenario))
    if seed is not None:
        from dataclasses import replace

        plan = replace(plan, seed=seed, record={**plan.record, "seed": seed})
    execute_and_report(cli, plan, options)


def execute_and_report(cli: CliContext, plan, options: dict, *, fork=None, inherit=None) -> None:  # noqa: ANN001
    """Execute ``plan`` (a fresh run, or a fork's tail) with a progress bar and print the outcome."""
    from troupe_es.commands.scenario import execute, steps_in
    from troupe_es.runtime import RuntimeSettings

    budget = dict(plan.budget or {})
    settings = RuntimeSettings(model=options.get("model") or plan.model, llm_parameters=plan.llm_parameters,
                               parallel=options["parallel"], max_actions=plan.max_actions,
                               interventions=plan.interventions)

    def runner(bus, run_settings: dict):  # noqa: ANN001, ANN202
        return execute(bus, plan, fork=fork, inherit=inherit, settings=run_settings)

    run_and_report(cli, options, name=plan.name, settings=settings, budget=budget,
                   total_steps=steps_in(plan.script), runner=runner)


def run_and_report(cli: CliContext, options: dict, *, name: str, settings, budget: dict, total_steps: int,  # noqa: ANN001
                   runner, record_commands: bool = False) -> None:  # noqa: ANN001
    """Build the gateway and bus for a new run, ``runner(bus, run_settings)`` it with a progress
    bar, print the outcome (exit 1 when it failed)."""
    from troupe_es.bootstrap import make_bus, make_gateway, new_run_id
    from troupe_es.cli.progress import RunProgress

    store = cli.store
    if options.get("budget_tokens"):
        budget["tokens"] = options["budget_tokens"]
    if options.get("budget_cost"):
        budget["cost_usd"] = options["budget_cost"]
    gateway = make_gateway(store, llm=options["llm"], model=settings.model, base_url=options.get("base_url"),
                           cache=options["cache"], budget=budget or None,
                           max_concurrency=max(8, options["parallel"]))
    run_id = new_run_id(store, name)
    quiet = options.get("quiet") or options.get("as_json")
    progress = RunProgress(total_steps=total_steps, enabled=not quiet and sys.stderr.isatty())
    bus = make_bus(store, run_id, gateway=gateway, settings=settings, observers=[progress],
                   record_commands=record_commands)
    run_settings = {"llm": options["llm"], "model": settings.model, "cache": options["cache"],
                    "parallel": options["parallel"], "store": store.url}
    try:
        with progress:
            outcome = runner(bus, run_settings)
    finally:
        gateway.close()
    summary = {"run_id": outcome.run_id, "status": outcome.status, "steps": outcome.steps,
               "wall_seconds": round(outcome.wall_seconds, 3), "events": bus.state.position,
               "error": str(outcome.error) if outcome.error else None}
    if options.get("as_json"):
        echo_json(summary)
    else:
        if not quiet:
            err = console(stderr=True)
            style = {"completed": "green", "failed": "red"}.get(outcome.status, "yellow")
            err.print(f"[{style}]{outcome.status}[/{style}]: {name}, {outcome.steps} step(s), "
                      f"{progress.llm_calls} LLM call(s) ({progress.cache_hits} from cache), "
                      f"{outcome.wall_seconds:.2f}s — see `troupe-es log {outcome.run_id} --transcript`")
        click.echo(outcome.run_id)
    if outcome.status == "failed":
        click.echo(f"error: run {outcome.run_id} failed: {' '.join(str(outcome.error).split())}", err=True)
        sys.exit(1)
    if outcome.status == "budget-exceeded" and not quiet:
        click.echo(f"warning: run {outcome.run_id} stopped at its budget", err=True)
