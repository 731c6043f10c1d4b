"""``troupe-es run``: execute a scenario file and print the new run id."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from troupe_es.cli.context import CliContext, echo_json, pass_cli
from troupe_es.cli.params import SEED
from troupe_es.cli.uptime import process_seconds
from troupe_es.limits import INT64_MAX


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
        click.option("--semantic-cache", "semantic_cache", type=click.FloatRange(0, 1), default=None,
                     metavar="THRESHOLD", help="On an exact-cache miss, reuse the completion of a request at "
                                               "least this similar (cosine, same model and schema)."),
        click.option("--parallel", type=click.IntRange(1, 64), default=1, show_default=True,
                     help="Agents acting concurrently within a step (same results as sequential)."),
        click.option("--call-deadline", type=click.FloatRange(0, min_open=True), default=None, metavar="SECONDS",
                     help="Give up on one LLM call after this long, every retry included (default: 120)."),
        click.option("--budget-tokens", type=click.IntRange(1, INT64_MAX), default=None,
                     help="Stop the run cleanly before it spends more tokens than this."),
        click.option("--budget-cost", type=click.FloatRange(0, 1e12, min_open=True), default=None,
                     help="Stop the run cleanly before it spends more US dollars than this."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary (just the run id)."),
        click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of the run id."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--seed", type=SEED, default=None, help="Override the scenario's seed.")
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


def make_run_gateway(cli: CliContext, options: dict, *, model: str, plan_budget: dict | None,
                     spent: tuple[int, float] = (0, 0.0)):  # noqa: ANN201
    """The gateway a run (or a resumed run) uses, from the LLM options; ``spent`` is what the run
    already spent, counted against its budget."""
    from troupe_es.bootstrap import make_gateway

    budget = dict(plan_budget or {})
    if options.get("budget_tokens"):
        budget["tokens"] = options["budget_tokens"]
    if options.get("budget_cost"):
        budget["cost_usd"] = options["budget_cost"]
    return make_gateway(cli.store, llm=options["llm"], model=model, base_url=options.get("base_url"),
                        cache=options["cache"], budget=budget or None, budget_spent=spent,
                        max_concurrency=max(8, options["parallel"]), call_deadline_s=options.get("call_deadline"),
                        semantic_cache=options.get("semantic_cache"))


def run_settings(cli: CliContext, options: dict, model: str, gateway) -> dict:  # noqa: ANN001
    """The (volatile) execution settings recorded with a run: LLM, parallelism, deadline, store, writer."""
    from troupe_es.liveness import writer_identity

    return {"llm": options["llm"], "model": model, "base_url": options.get("base_url"), "cache": options["cache"],
            "parallel": options["parallel"], "store": cli.store.url, "call_deadline_s": gateway.retry.deadline_s,
            "startup_seconds": round(process_seconds(), 3), **writer_identity()}


def execute_and_report(cli: CliContext, plan, options: dict, *, fork=None, inherit=None) -> None:  # noqa: ANN001
    """Build the gateway and bus, execute ``plan`` with a progress bar, print the outcome."""
    from troupe_es.bootstrap import make_bus, new_run_id
    from troupe_es.commands.scenario import execute, steps_in
    from troupe_es.cli.progress import RunProgress
    from troupe_es.cli.signals import interruptible
    from troupe_es.runtime import RuntimeSettings

    store = cli.store
    model = options.get("model") or plan.model
    gateway = make_run_gateway(cli, options, model=model, plan_budget=plan.budget)
    settings = RuntimeSettings(model=model, llm_parameters=plan.llm_parameters, parallel=options["parallel"],
                               max_actions=plan.max_actions, interventions=plan.interventions)
    run_id = new_run_id(store, plan.name)
    progress = RunProgress(total_steps=steps_in(plan.script), enabled=_show_progress(options))
    bus = make_bus(store, run_id, gateway=gateway, settings=settings, observers=[progress])
    cpu_start = time.process_time()
    try:
        with interruptible(), progress:
            outcome = execute(bus, plan, fork=fork, inherit=inherit, settings=run_settings(cli, options, model, gateway))
    finally:
        gateway.close()
    report(outcome, bus, progress, plan.name, options, cpu_seconds=time.process_time() - cpu_start)


def _show_progress(options: dict) -> bool:
    quiet = options.get("quiet") or options.get("as_json")
    return not quiet and sys.stderr.isatty()


def report(outcome, bus, progress, name: str, options: dict, *, cpu_seconds: float) -> None:  # noqa: ANN001
    """Print a run's outcome (the run id last on stdout, or JSON) and exit with its status:
    1 when it failed, 128 + the signal's number when a signal interrupted it. ``cpu_seconds`` is
    the CPU the run phase used."""
    quiet = options.get("quiet") or options.get("as_json")
    summary = {"run_id": outcome.run_id, "status": outcome.status, "steps": outcome.steps,
               "wall_seconds": round(outcome.wall_seconds, 3),
               "cpu_seconds": round(cpu_seconds, 3),
               "process_seconds": round(process_seconds(), 3), "events": bus.state.position,
               "error": " ".join(str(outcome.error).split()) if outcome.error else None}
    if options.get("as_json"):
        echo_json(summary)
    else:
        if not quiet and outcome.status != "failed":  # a failed run is the one error line below
            colour = {"completed": "green", "failed": "red"}.get(outcome.status, "yellow")
            click.echo(f"{click.style(outcome.status, fg=colour)}: {name}, {outcome.steps} step(s), "
                       f"{progress.llm_calls} LLM call(s) ({progress.cache_hits} from cache), "
                       f"{outcome.wall_seconds:.2f}s — see `troupe-es log {outcome.run_id} --transcript`", err=True)
        click.echo(outcome.run_id)
    if outcome.status == "failed":
        click.echo(f"error: run {outcome.run_id} failed: {summary['error']}", err=True)
        sys.exit(1)
    if outcome.status == "interrupted":
        import signal

        cause = getattr(outcome.error, "signal_name", "SIGINT")
        click.echo(f"interrupted: run {outcome.run_id} stopped by {cause}; continue it with "
                   f"`troupe-es resume {outcome.run_id}`", err=True)
        sys.exit(128 + int(getattr(signal, cause, signal.SIGINT)))
    if outcome.status == "budget-exceeded" and not quiet:
        click.echo(f"warning: run {outcome.run_id} stopped at its budget; raise it with "
                   f"`troupe-es resume {outcome.run_id} --budget-tokens N` (or --budget-cost)", err=True)
