"""Replay and fork: re-execute a recorded run at zero LLM cost, or continue it as a new run.

Replay rebuilds the run from its ``RunStarted`` (the whole scenario is recorded there) into an
in-memory store, with the gateway in strict replay mode: every LLM answer comes from the log and
the provider is never constructed. ``verify`` then compares content hashes event for event.
A run driven from Python has no scenario: it is re-executed from the commands it recorded
(:mod:`troupe_es.api.notebook_replay`). A fork of any run with a new scenario's script
(``fork_plan(..., new_plan)``) is a scenario run, whatever its parent was.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from troupe_es.commands.fork import PROGRESS_TYPES, remaining_script
from troupe_es.commands.notebook import is_notebook
from troupe_es.commands.plan import RunPlan, plan_from_record
from troupe_es.commands.scenario import ForkPoint, execute
from troupe_es.bootstrap import make_bus, make_gateway
from troupe_es.domain import STATE_EVENT_TYPES
from troupe_es.errors import ConfigurationError, ReplayDivergenceError, SimulationError
from troupe_es.events import NewEvent, Recorded, RunStarted
from troupe_es.runtime import MessageBus, RuntimeSettings
from troupe_es.store import EventStore, InMemoryEventStore
from troupe_es.store.rows import StoredRow, decode_row, new_event_id

_NOT_INHERITED = {"RunStarted", "RunCompleted", "RunFailed", "RunInterrupted", "RunResumed"}
_NOT_REPLAYED = {"CacheEntryRejected"}  # recorded by cache lookups, which a replay never makes


@dataclass(frozen=True)
class Difference:
    """The first event where a replay differs from the recording."""

    position: int | None
    index: int
    recorded_type: str | None
    replayed_type: str | None
    diff: str

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class ReplayReport:
    """What a replay did and, with ``verify``, whether it matched."""

    run_id: str
    events: int
    llm_calls: int
    seconds: float
    original_seconds: float | None
    verified: bool = False
    original_startup_seconds: float | None = None
    """Wall seconds the original ``troupe-es run`` process spent before its run phase (recorded in
    its ``RunStarted`` settings; None for runs driven from Python)."""
    difference: Difference | None = None
    divergence: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.difference is None and self.divergence is None

    @property
    def speedup(self) -> float | None:
        """The original run phase's wall time over this replay's (in-process times)."""
        if not self.original_seconds or self.seconds <= 0:
            return None
        return self.original_seconds / self.seconds

    @property
    def original_process_seconds(self) -> float | None:
        """Wall time of the original ``troupe-es run`` process: its start-up plus its run phase."""
        if self.original_seconds is None or self.original_startup_seconds is None:
            return None
        return self.original_startup_seconds + self.original_seconds

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "ok": self.ok, "verified": self.verified, "events": self.events,
                "llm_calls_from_log": self.llm_calls, "seconds": round(self.seconds, 4),
                "original_seconds": self.original_seconds,
                "speedup": round(self.speedup, 1) if self.speedup else None,
                "original_process_seconds": (round(self.original_process_seconds, 3)
                                             if self.original_process_seconds is not None else None),
                "difference": self.difference.to_dict() if self.difference else None,
                "divergence": self.divergence}


class _Stop(BaseException):
    """Raised by the replay observer once the requested prefix (or segment) has been produced.
    Not an ``Exception``: the run's own error handling must not record it as a failure."""


def run_started(store: EventStore, run_id: str) -> Recorded:
    """The ``RunStarted`` event of a run (its first event)."""
    for rec in store.read(run_id=run_id, types=["RunStarted"]):
        return rec
    raise ConfigurationError(f"run {run_id} has no RunStarted event: it cannot be replayed or forked")


def plan_of(started: RunStarted, run_id: str) -> RunPlan:
    """The plan a run executed, from its recorded scenario."""
    if is_notebook(started.scenario):
        raise ConfigurationError(f"run {run_id} was driven from Python and has no scenario script: replay and "
                                 "fork re-execute its recorded commands; to go on with it, fork it at its last "
                                 "position (troupe-es fork, Simulation.fork)")
    return plan_from_record(started.scenario)


def inheritor(store: EventStore, parent_run_id: str, position: int):  # noqa: ANN201
    """A function copying the parent's state events up to ``position`` into a bus's run."""

    def inherit(bus: MessageBus) -> None:
        ids: dict[str, str] = {}
        batch: list[NewEvent] = []
        for rec in store.read(run_id=parent_run_id, types=sorted(STATE_EVENT_TYPES - _NOT_INHERITED),
                              until_position=position):
            ids[rec.event_id] = new_event_id()
            cause = ids.get(rec.causation_id, rec.causation_id) if rec.causation_id else None
            batch.append(NewEvent(rec.stream, rec.event, sim_time=rec.sim_time, event_id=ids[rec.event_id],
                                  causation_id=cause))
        bus.record(batch)

    return inherit


def fork_start(store: EventStore, parent_run_id: str, position: int) -> Recorded:
    """The parent's ``RunStarted``, once ``position`` is known to lie within the parent run."""
    last = max((s.last_position for s in store.run_summaries() if s.run_id == parent_run_id), default=0)
    first = run_started(store, parent_run_id)
    if position < first.position or position > last:
        raise SimulationError(f"--at {position} is outside run {parent_run_id} "
                              f"(positions {first.position}..{last})")
    return first


def fork_plan(store: EventStore, parent_run_id: str, position: int,
              new_plan: RunPlan | None = None) -> tuple[RunPlan, ForkPoint]:
    """The plan of a fork at ``position``: the parent's remaining script, or ``new_plan``'s script."""
    first = fork_start(store, parent_run_id, position)
    if new_plan is None:
        parent_plan = plan_of(first.event, parent_run_id)  # type: ignore[arg-type]
        progress = store.read(run_id=parent_run_id, types=PROGRESS_TYPES, until_position=position)
        plan = parent_plan.with_script(remaining_script(parent_plan.script, progress))
    else:
        plan = new_plan.with_script(list(new_plan.script))
    return plan, ForkPoint(parent_run_id, position)


def _diff(original: StoredRow | None, replayed: StoredRow | None) -> str:
    def pretty(row: StoredRow | None) -> list[str]:
        if row is None:
            return ["(no event)"]
        body = {"type": row.type, "stream": row.stream, "sim_time": row.sim_time, "payload": json.loads(row.payload)}
        return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    return "\n".join(difflib.unified_diff(pretty(original), pretty(replayed), "recorded", "replayed", lineterm=""))


def compare(original: list[StoredRow], replayed: list[StoredRow]) -> Difference | None:
    """The first event whose content hash differs (or that one side lacks)."""
    for index in range(max(len(original), len(replayed))):
        a = original[index] if index < len(original) else None
        b = replayed[index] if index < len(replayed) else None
        if a is None or b is None or a.content_hash != b.content_hash:
            return Difference(a.position if a else None, index, a.type if a else None, b.type if b else None,
                              _diff(a, b))
    return None


def _segments(original: list[StoredRow]) -> list[tuple[int, StoredRow | None]]:
    """Where a replay must stop re-executing: ``(count, copied)`` per execution of the run.

    A run executes once, plus once per ``RunResumed``. Each execution ends where the next
    ``RunResumed`` begins (after a crash, a failure, a spent budget or a signal) or at the end of
    the log. A ``RunInterrupted`` caused by a signal is not something re-execution can produce:
    the replay stops just before it and copies it."""
    ends = [i for i, row in enumerate(original) if row.type == "RunResumed"] + [len(original)]
    out: list[tuple[int, StoredRow | None]] = []
    for end in ends:
        last = original[end - 1] if end > 0 else None
        if last is not None and last.type == "RunInterrupted" and json.loads(last.payload).get("cause") != "budget":
            out.append((end - 1, last))
        else:
            out.append((end, None))
    return out


def _provider_of(rows: list[StoredRow]) -> str | None:
    """The provider a run's execution called (a resumed run may have changed it)."""
    for row in rows:
        if row.type == "LLMCallRequested":
            return json.loads(row.payload).get("provider")
    return None


def replay_run(store: EventStore, run: str, *, until: int | None = None, verify: bool = False) -> ReplayReport:
    """Re-execute ``run`` against its recorded LLM answers (no provider, no network).

    A resumed run is re-executed the way it happened: up to where it stopped, then resumed from
    the replayed log by the same code as ``troupe-es resume``."""
    run_id = store.resolve_run(run)
    started: RunStarted = run_started(store, run_id).event  # type: ignore[assignment]
    if is_notebook(started.scenario):
        from troupe_es.api.notebook_replay import notebook_replayer

        settings, drive = notebook_replayer(store, run_id, started)
        return reexecute(store, run_id, settings, drive, until=until, verify=verify, record_commands=True)
    plan = plan_of(started, run_id)
    settings = RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters,
                               parallel=int(started.settings.get("parallel", 1) or 1),
                               max_actions=plan.max_actions, interventions=plan.interventions)
    fork = None
    if started.parent_run_id is not None and started.fork_position is not None:
        fork = ForkPoint(started.parent_run_id, started.fork_position)

    def drive(bus: MessageBus) -> None:
        execute(bus, plan, fork=fork, inherit=inheritance(store, started), settings=dict(started.settings))

    return reexecute(store, run_id, settings, drive, until=until, verify=verify)


def inheritance(store: EventStore, started: RunStarted):  # noqa: ANN201
    """For a fork's ``RunStarted``, the function copying its parent's state (None otherwise)."""
    if started.parent_run_id is None or started.fork_position is None:
        return None
    return inheritor(store, started.parent_run_id, started.fork_position)


def reexecute(store: EventStore, run_id: str, settings: RuntimeSettings, drive: Callable[[MessageBus], Any], *,
              until: int | None = None, verify: bool = False, record_commands: bool = False) -> ReplayReport:
    """Run ``drive(bus)`` on a scratch store with the strict replay gateway for ``run_id``, stop
    once it has re-produced the run's events (up to ``until``) and, with ``verify``, compare.
    Each later execution of a resumed run is re-executed by the code of ``troupe-es resume``."""
    from troupe_es.api.resume import resume_on, stopped_run

    original = [r for r in store.iter_rows(run_id=run_id)
                if (until is None or r.position <= until) and r.type not in _NOT_REPLAYED]
    limit = len(original)
    scratch = InMemoryEventStore()
    gateway = make_gateway(store, replay_of=run_id, max_concurrency=8)
    produced = 0
    llm_calls = 0
    halt_at = limit

    def watch(rec: Recorded) -> None:
        nonlocal produced, llm_calls
        produced += 1
        llm_calls += rec.event.type == "LLMCallCompleted"
        if produced >= halt_at:
            raise _Stop

    divergence = None
    crash = None
    t0 = time.perf_counter()
    try:
        begin = 0
        for number, (end, copied) in enumerate(_segments(original)):
            halt_at = min(end, limit)
            if begin < len(original):
                first = original[begin]
                identity = json.loads(first.payload).get("llm_provider") if first.type == "RunResumed" else None
                gateway.replay_segment(first.position - 1, _provider_of(original[begin:end]), identity)
            if produced < halt_at:
                try:
                    if number == 0:
                        bus = make_bus(scratch, run_id, gateway=gateway, settings=settings, observers=[watch],
                                       snapshot_every=None, record_commands=record_commands)
                        drive(bus)
                    else:
                        resume_on(scratch, stopped_run(scratch, run_id), gateway=gateway, settings=settings,
                                  observers=[watch], snapshot_every=None)
                except _Stop:
                    pass
            if copied is not None and produced < limit and produced == end:
                rec = decode_row(copied)
                scratch.append(run_id, [NewEvent(rec.stream, rec.event, sim_time=rec.sim_time,
                                                 event_id=new_event_id())])
                produced += 1
            if produced >= limit:
                break
            begin = end + (copied is not None)
    except ReplayDivergenceError as exc:
        divergence = " ".join(str(exc).split())
    except Exception as exc:  # noqa: BLE001 - an internal error, recorded as RunFailed like the original's
        crash = f"the replay raised {type(exc).__name__}: {' '.join(str(exc).split())}"
    finally:
        gateway.close()
    seconds = time.perf_counter() - t0
    replayed = list(scratch.iter_rows(run_id=run_id))[:limit]
    recorded_settings = json.loads(original[0].payload).get("settings") or {} if original else {}
    startup = recorded_settings.get("startup_seconds")
    report = ReplayReport(run_id, len(replayed), llm_calls, seconds, _original_seconds(store, run_id),
                          verified=verify, divergence=divergence,
                          original_startup_seconds=float(startup) if startup is not None else None)
    if verify or divergence or crash:
        report.difference = compare(original, replayed)
    if crash and report.difference is not None:  # the original run did not fail that way
        report.divergence = crash
    return report


def _original_seconds(store: EventStore, run_id: str) -> float | None:
    for rec in store.read(run_id=run_id, types=["RunCompleted"]):
        if rec.event.wall_seconds:  # type: ignore[attr-defined]
            return float(rec.event.wall_seconds)  # type: ignore[attr-defined]
    summary = next((s for s in store.run_summaries() if s.run_id == run_id), None)
    if summary is None:
        return None
    return (summary.last_recorded_at - summary.started_at).total_seconds() or None
