"""Run overview: one row per run (scenario, status, lineage, LLM usage), folded from the log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from troupe_es.projections.fold import Fold, fold
from troupe_es.events.envelope import Recorded
from troupe_es.liveness import DEFAULT_STALE_AFTER, is_stale
from troupe_es.store.base import EventStore


@dataclass(frozen=True)
class RunRow:
    """What ``troupe-es runs`` shows for one run."""

    run_id: str
    scenario: str = "?"
    status: str = "running"
    started_at: datetime | None = None
    events: int = 0
    llm_calls: int = 0
    llm_failures: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unknown_cost_calls: int = 0
    cache_evictions: int = 0
    parent_run_id: str | None = None
    fork_position: int | None = None
    reason: str | None = None
    resumed: int = 0
    writer: dict | None = None

    def to_dict(self) -> dict:
        data = self.__dict__.copy()
        data.pop("writer", None)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        data["tokens"] = self.input_tokens + self.output_tokens
        return data


RUN_EVENT_TYPES = frozenset({"RunStarted", "RunCompleted", "RunFailed", "BudgetExceeded", "RunInterrupted",
                             "RunResumed", "LLMCallCompleted", "LLMCallFailed"})


def _evolve(state: dict[str, RunRow], rec: Recorded) -> dict[str, RunRow]:
    row = state.get(rec.run_id) or RunRow(rec.run_id, started_at=rec.recorded_at)
    e = rec.event
    kind = e.type
    if kind == "RunStarted":
        row = replace(row, scenario=e.scenario_name, parent_run_id=e.parent_run_id,
                      fork_position=e.fork_position, started_at=rec.recorded_at, writer=dict(e.settings))
    elif kind == "RunCompleted":
        row = replace(row, status="budget-exceeded" if row.status == "budget-exceeded" else "completed",
                      cache_evictions=(e.cache or {}).get("evictions", 0))
    elif kind == "RunFailed":
        row = replace(row, status="failed", reason=e.reason)
    elif kind == "BudgetExceeded":
        row = replace(row, status="budget-exceeded")
    elif kind == "RunInterrupted":
        row = replace(row, status="budget-exceeded" if e.cause == "budget" else "interrupted", reason=e.reason)
    elif kind == "RunResumed":
        row = replace(row, status="running", reason=None, resumed=row.resumed + 1, writer=dict(e.settings))
    elif kind == "LLMCallCompleted":
        paid = e.cache_status == "miss"
        row = replace(
            row, llm_calls=row.llm_calls + 1,
            cache_hits=row.cache_hits + (0 if paid else 1),
            input_tokens=row.input_tokens + (e.input_tokens if paid else 0),
            output_tokens=row.output_tokens + (e.output_tokens if paid else 0),
            cost_usd=row.cost_usd + ((e.cost_usd or 0.0) if paid else 0.0),
            unknown_cost_calls=row.unknown_cost_calls + (1 if paid and e.cost_usd is None else 0))
    elif kind == "LLMCallFailed":
        row = replace(row, llm_calls=row.llm_calls + 1, llm_failures=row.llm_failures + 1)
    state[rec.run_id] = row
    return state


RUNS = Fold("runs", dict, _evolve, RUN_EVENT_TYPES,
            "One row per run: scenario, status, lineage, LLM calls, tokens actually paid, cost.")


def run_rows(store: EventStore, *, stale_after: float = DEFAULT_STALE_AFTER) -> list[RunRow]:
    """The run overview of a whole store, oldest run first. A ``running`` run whose writer is
    gone (see :mod:`troupe_es.liveness`) is shown as ``stale``."""
    state = fold(RUNS, store.read(types=RUN_EVENT_TYPES))
    rows = []
    for summary in store.run_summaries():
        row = state.get(summary.run_id) or RunRow(summary.run_id, started_at=summary.started_at)
        row = replace(row, events=summary.events)
        if is_stale(row.status, summary.last_recorded_at, row.writer or {}, stale_after=stale_after):
            row = replace(row, status="stale")
        rows.append(row)
    return rows
