"""Replay and fork: re-execute a recorded run at zero LLM cost, or continue it as a new run.

Replay rebuilds the run from its ``RunStarted`` (the whole scenario is recorded there) into an
in-memory store, with the gateway in strict replay mode: every LLM answer comes from the log and
the provider is never constructed. ``verify`` then compares content hashes event for event.
"""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from troupe_es.commands.fork import PROGRESS_TYPES, remaining_script
from troupe_es.commands.plan import RunPlan, plan_from_record
from troupe_es.commands.scenario import ForkPoint, execute
from troupe_es.bootstrap import make_bus, make_gateway
from troupe_es.domain import STATE_EVENT_TYPES
from troupe_es.errors import ConfigurationError, ReplayDivergenceError, SimulationError
from troupe_es.events import NewEvent, Recorded, RunStarted
from troupe_es.runtime import MessageBus, RuntimeSettings
from troupe_es.store import EventStore, InMemoryEventStore
from troupe_es.store.rows import StoredRow, new_event_id

_NOT_INHERITED = {"RunStarted", "RunCompleted", "RunFailed"}
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
    difference: Difference | None = None
    divergence: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.difference is None and self.divergence is None

    @property
    def speedup(self) -> float | None:
        if not self.original_seconds or self.seconds <= 0:
            return None
        return self.original_seconds / self.seconds

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "ok": self.ok, "verified": self.verified, "events": self.events,
                "llm_calls_from_log": self.llm_calls, "seconds": round(self.seconds, 4),
                "original_seconds": self.original_seconds,
                "speedup": round(self.speedup, 1) if self.speedup else None,
                "difference": self.difference.to_dict() if self.difference else None,
                "divergence": self.divergence}


class _Stop(Exception):
    """Raised by the replay observer once the requested prefix has been produced."""


def run_started(store: EventStore, run_id: str) -> Recorded:
    """The ``RunStarted`` event of a run (its first event)."""
    for rec in store.read(run_id=run_id, types=["RunStarted"]):
        return rec
    raise ConfigurationError(f"run {run_id} has no RunStarted event: it cannot be replayed or forked")


def plan_of(started: RunStarted, run_id: str) -> RunPlan:
    """The plan a run executed, from its recorded scenario."""
    if started.scenario.get("kind") == "notebook":
        raise ConfigurationError(f"run {run_id} was driven from Python, not a scenario file: "
                                 "only scenario runs can be replayed or forked")
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


def fork_plan(store: EventStore, parent_run_id: str, position: int,
              new_plan: RunPlan | None = None) -> tuple[RunPlan, ForkPoint]:
    """The plan of a fork at ``position``: the parent's remaining script, or ``new_plan``'s script."""
    last = max((s.last_position for s in store.run_summaries() if s.run_id == parent_run_id), default=0)
    first = run_started(store, parent_run_id)
    if position < first.position or position > last:
        raise SimulationError(f"--at {position} is outside run {parent_run_id} "
                              f"(positions {first.position}..{last})")
    parent_plan = plan_of(first.event, parent_run_id)  # type: ignore[arg-type]
    if new_plan is None:
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


def replay_run(store: EventStore, run: str, *, until: int | None = None, verify: bool = False) -> ReplayReport:
    """Re-execute ``run`` against its recorded LLM answers (no provider, no network)."""
    run_id = store.resolve_run(run)
    started_rec = run_started(store, run_id)
    started: RunStarted = started_rec.event  # type: ignore[assignment]
    plan = plan_of(started, run_id)
    original = [r for r in store.iter_rows(run_id=run_id)
                if (until is None or r.position <= until) and r.type not in _NOT_REPLAYED]
    limit = len(original)
    scratch = InMemoryEventStore()
    gateway = make_gateway(store, replay_of=run_id, max_concurrency=8)
    settings = RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters,
                               parallel=int(started.settings.get("parallel", 1) or 1),
                               max_actions=plan.max_actions, interventions=plan.interventions)
    produced = 0
    llm_calls = 0

    def watch(rec: Recorded) -> None:
        nonlocal produced, llm_calls
        produced += 1
        llm_calls += rec.event.type == "LLMCallCompleted"
        if produced >= limit:
            raise _Stop

    bus = make_bus(scratch, run_id, gateway=gateway, settings=settings, observers=[watch], snapshot_every=None)
    fork = None
    inherit = None
    if started.parent_run_id is not None and started.fork_position is not None:
        fork = ForkPoint(started.parent_run_id, started.fork_position)
        inherit = inheritor(store, started.parent_run_id, started.fork_position)
    divergence = None
    t0 = time.perf_counter()
    try:
        execute(bus, plan, fork=fork, inherit=inherit, settings=dict(started.settings))
    except _Stop:
        pass
    except ReplayDivergenceError as exc:
        divergence = " ".join(str(exc).split())
    finally:
        gateway.close()
    seconds = time.perf_counter() - t0
    replayed = list(scratch.iter_rows(run_id=run_id))[:limit]
    report = ReplayReport(run_id, len(replayed), llm_calls, seconds, _original_seconds(store, run_id),
                          verified=verify, divergence=divergence)
    if verify or divergence:
        report.difference = compare(original, replayed)
    return report


def _original_seconds(store: EventStore, run_id: str) -> float | None:
    for rec in store.read(run_id=run_id, types=["RunCompleted"]):
        if rec.event.wall_seconds:  # type: ignore[attr-defined]
            return float(rec.event.wall_seconds)  # type: ignore[attr-defined]
    summary = next((s for s in store.run_summaries() if s.run_id == run_id), None)
    if summary is None:
        return None
    return (summary.last_recorded_at - summary.started_at).total_seconds() or None
