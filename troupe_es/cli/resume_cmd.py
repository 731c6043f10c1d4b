"""``troupe-es resume``: continue a run that died, failed, was interrupted or spent its budget."""

from __future__ import annotations

import click

from troupe_es.cli.context import CliContext, pass_cli
from troupe_es.cli.run_cmd import llm_options


@click.command()
@click.argument("run")
@click.option("--force", is_flag=True,
              help="Resume a run shown as running even though its writer may still be alive.")
@click.option("--stale-after", type=click.FloatRange(0), default=None, metavar="SECONDS",
              help="Silence after which a running run whose writer cannot be checked counts as dead "
                   "[default: 600].")
@llm_options
@click.pass_context
@pass_cli
def resume(cli: CliContext, ctx: click.Context, run: str, force: bool, stale_after: float | None,
           **options) -> None:  # noqa: ANN003
    """Continue RUN from its last committed event, as the same run.

    For a run whose process was killed (SIGKILL, power loss), that failed (a provider outage),
    that a signal interrupted (Ctrl-C, SIGTERM, SIGHUP) or that spent its budget (raise it with
    --budget-tokens/--budget-cost). Its state is folded from the log; turns already committed are
    never played again, calls already paid for come from the cache, and the budget counts what
    the run spent before. It continues with the provider, base URL and model it was recorded
    with unless --llm, --base-url or --model say otherwise. Records RunResumed; the run then
    replays verified like any other.
    Prints the run id alone on the last line; exit codes as for `troupe-es run`.
    """
    from troupe_es.api.resume import check_resumable, resume_on, runtime_settings, spending, stopped_run
    from troupe_es.cli.progress import RunProgress
    from troupe_es.cli.run_cmd import _show_progress, make_run_gateway, report, run_settings
    from troupe_es.cli.signals import interruptible
    from troupe_es.commands.scenario import steps_in
    from troupe_es.liveness import DEFAULT_STALE_AFTER

    store = cli.store
    run_id = store.resolve_run(run)
    stopped = stopped_run(store, run_id)
    recorded = stopped.writer
    for name in ("llm", "base_url"):
        if ctx.get_parameter_source(name) == click.core.ParameterSource.DEFAULT and recorded.get(name):
            options[name] = recorded[name]
    check_resumable(stopped, force=force, stale_after=DEFAULT_STALE_AFTER if stale_after is None else stale_after)
    settings = runtime_settings(stopped, model=options.get("model"), parallel=options["parallel"])
    gateway = make_run_gateway(cli, options, model=settings.model, plan_budget=stopped.plan.budget,
                               spent=spending(store, run_id) if _has_budget(stopped, options) else (0, 0.0))
    progress = RunProgress(total_steps=steps_in(stopped.plan.script), enabled=_show_progress(options))
    try:
        with interruptible(), progress:
            outcome, bus = resume_on(store, stopped, gateway=gateway, settings=settings,
                                     run_settings=run_settings(cli, options, settings.model, gateway), observers=[progress])
    finally:
        gateway.close()
    report(outcome, bus, progress, stopped.plan.name, options)


def _has_budget(stopped, options: dict) -> bool:  # noqa: ANN001
    return bool(stopped.plan.budget or options.get("budget_tokens") or options.get("budget_cost"))
