"""Resume a run that stopped early: what its log says, whether it may be resumed, and the resumed
execution itself (used by ``troupe-es resume``, ``Simulation.resume`` and the replay of resumed
runs).

The state is folded from the log (from the nearest snapshot), the script continues where the log
ends (:mod:`troupe_es.commands.resume`), calls already paid for are answered by the LLM cache, and
a token or cost budget counts what the run spent before it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from troupe_es.bootstrap import make_bus
from troupe_es.commands.plan import RunPlan
from troupe_es.commands.resume import PROGRESS_TYPES
from troupe_es.commands.scenario import RunOutcome, resume
from troupe_es.domain import RunState
from troupe_es.errors import RunNotResumableError
from troupe_es.events import Recorded, RunStarted
from troupe_es.liveness import DEFAULT_STALE_AFTER, is_stale
from troupe_es.runtime import Observer, RuntimeSettings
from troupe_es.store import EventStore


@dataclass(frozen=True)
class StoppedRun:
    """What the log of a run that stopped early says about it."""

    run_id: str
    started: RunStarted
    plan: RunPlan
    state: RunState
    events: int
    progress: tuple[Recorded, ...]
    events_after_last_line: int
    writer: dict[str, Any]
    last_event_at: Any


def stopped_run(store: EventStore, run_id: str) -> StoppedRun:
    """Read a run's state and progress from its log (fast: snapshots, and only progress events)."""
    from troupe_es.api.replay import plan_of, run_started
    from troupe_es.snapshots import state_at
    from troupe_es.timeline import rows_after

    first = run_started(store, run_id)
    started: RunStarted = first.event  # type: ignore[assignment]
    plan = plan_of(started, run_id)
    state = state_at(store, run_id)
    summary = next(s for s in store.run_summaries() if s.run_id == run_id)
    progress = tuple(store.read(run_id=run_id, types=PROGRESS_TYPES))
    lines = [r for r in progress if r.type == "ScriptStepStarted"]
    after = len(rows_after(store, run_id, lines[-1].position, 1)) if lines else 0
    writer = dict(started.settings)
    for rec in store.read(run_id=run_id, types=["RunResumed"]):
        writer = dict(rec.event.settings)  # type: ignore[attr-defined]
    return StoppedRun(run_id, started, plan, state, summary.events, progress, after, writer,
                      summary.last_recorded_at)


def spending(store: EventStore, run_id: str) -> tuple[int, float]:
    """Tokens and US dollars a run has paid for so far (what a resumed run's budget counts)."""
    from troupe_es.projections.fold import fold
    from troupe_es.projections.runs import RUN_EVENT_TYPES, RUNS

    usage = fold(RUNS, store.read(run_id=run_id, types=RUN_EVENT_TYPES)).get(run_id)
    if usage is None:
        return 0, 0.0
    return usage.input_tokens + usage.output_tokens, usage.cost_usd


def check_resumable(run: StoppedRun, *, force: bool = False, stale_after: float = DEFAULT_STALE_AFTER) -> None:
    """Refuse a completed run, and a running one whose writer may still be alive (unless forced)."""
    status = run.state.status
    if status == "completed":
        raise RunNotResumableError(f"run {run.run_id} completed: there is nothing to resume")
    if status == "running" and not force and not is_stale(status, run.last_event_at, run.writer,
                                                          stale_after=stale_after):
        who = f"process {run.writer.get('pid')} on {run.writer.get('host')}" if run.writer.get("pid") else "its writer"
        raise RunNotResumableError(
            f"run {run.run_id} is still running ({who} may be writing it); resume it once that "
            "process has stopped, or pass --force if you are sure it has")


def resume_on(store: EventStore, run: StoppedRun, *, gateway: Any, settings: RuntimeSettings,
              run_settings: dict[str, Any] | None = None, observers: Sequence[Observer] = (),
              snapshot_every: int | None = 1000) -> tuple[RunOutcome, Any]:
    """Continue ``run`` in ``store`` through ``gateway``; returns the outcome and the bus."""
    bus = make_bus(store, run.run_id, gateway=gateway, settings=settings, observers=observers,
                   state=run.state, snapshot_every=snapshot_every)
    inherit = None
    started = run.started
    if started.parent_run_id is not None and started.fork_position is not None:
        from troupe_es.api.replay import inheritor

        inherit = inheritor(store, started.parent_run_id, started.fork_position)
    outcome = resume(bus, run.plan, events_before=run.events, previous_status=run.state.status,
                     progress=run.progress, events_after_last_line=run.events_after_last_line,
                     inherit=inherit, settings=run_settings)
    return outcome, bus


def runtime_settings(run: StoppedRun, *, model: str | None = None, parallel: int = 1) -> RuntimeSettings:
    """The runtime settings a resumed run continues with (its recorded model by default)."""
    plan = run.plan
    return RuntimeSettings(model=model or str(run.started.settings.get("model") or plan.model),
                           llm_parameters=plan.llm_parameters, parallel=parallel,
                           max_actions=plan.max_actions, interventions=plan.interventions)
