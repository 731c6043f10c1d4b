"""Run overview: one row per run (scenario, status, lineage, LLM usage), folded from the log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from troupe_es.projections.fold import Fold, fold
from troupe_es.events.envelope import Recorded
from troupe_es.liveness import DEFAULT_STALE_AFTER, is_stale
from troupe_es.errors import CorruptEventError
from troupe_es.store.base import EventStore
from troupe_es.store.rows import OnCorrupt


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
    undecodable: tuple[int, ...] = ()
    """Positions of this run's rows that could not be decoded (left out of the figures)."""

    def to_dict(self) -> dict:
        """JSON-compatible: every field (``parent_run_id`` and ``fork_position`` for a fork), plus ``tokens``."""
        data = self.__dict__.copy()
        data.pop("writer", None)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        data["tokens"] = self.input_tokens + self.output_tokens
        data["undecodable"] = list(self.undecodable)
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
    elif kind == "LLMCallFailed":  # its answered attempts were paid
        paid = bool(e.input_tokens or e.output_tokens)
        row = replace(
            row, llm_calls=row.llm_calls + 1, llm_failures=row.llm_failures + 1,
            input_tokens=row.input_tokens + e.input_tokens, output_tokens=row.output_tokens + e.output_tokens,
            cost_usd=row.cost_usd + (e.cost_usd or 0.0),
            unknown_cost_calls=row.unknown_cost_calls + (1 if paid and e.cost_usd is None else 0))
    state[rec.run_id] = row
    return state


RUNS = Fold("runs", dict, _evolve, RUN_EVENT_TYPES,
            "One row per run: scenario, status, lineage, LLM calls, tokens actually paid (failed calls' "
            "answered attempts included), cost (0 for the mock LLM).")


def run_rows(store: EventStore, on_corrupt: OnCorrupt | None = None, *,
             stale_after: float = DEFAULT_STALE_AFTER) -> list[RunRow]:
    """The run overview of a whole store, oldest run first. A ``running`` run whose writer is
    gone (see :mod:`troupe_es.liveness`) is shown as ``stale``. An undecodable row is reported to
    ``on_corrupt`` (raised without one), listed in its run's ``undecodable`` and left out."""
    bad: dict[str | None, list[int]] = {}

    def report(error: CorruptEventError) -> None:
        bad.setdefault(error.run_id, []).append(error.position or 0)
        if on_corrupt is not None:
            on_corrupt(error)

    state = fold(RUNS, store.read(types=RUN_EVENT_TYPES, on_corrupt=report if on_corrupt else None))
    rows = []
    for summary in store.run_summaries():
        row = state.get(summary.run_id) or RunRow(summary.run_id, started_at=summary.started_at)
        row = replace(row, events=summary.events, undecodable=tuple(bad.get(summary.run_id, ())))
        if is_stale(row.status, summary.last_recorded_at, row.writer or {}, stale_after=stale_after):
            row = replace(row, status="stale")
        rows.append(row)
    return rows


@dataclass(frozen=True)
class TreeLine:
    """One run in the fork tree. ``lasts`` has one flag per level below its root: whether the run
    (or its ancestor at that level) is the last fork of its parent; ``depth`` is its length."""

    row: RunRow
    lasts: tuple[bool, ...] = ()

    @property
    def depth(self) -> int:
        return len(self.lasts)


def fork_tree(rows: list[RunRow]) -> list[TreeLine]:
    """``rows`` in tree order: every root run (not a fork, or a fork whose parent is not in the
    store) in the given order, each followed by its forks in the given order, forks of forks
    under them, at any depth. Every row appears exactly once, even if the log held a cycle."""
    ids = {r.run_id for r in rows}
    forks: dict[str, list[RunRow]] = {}
    roots: list[RunRow] = []
    for r in rows:
        if r.parent_run_id in ids and r.parent_run_id != r.run_id:
            forks.setdefault(r.parent_run_id, []).append(r)  # type: ignore[arg-type]
        else:
            roots.append(r)
    out: list[TreeLine] = []
    seen: set[str] = set()

    def walk(root: RunRow) -> None:
        stack = [TreeLine(root)]
        while stack:
            line = stack.pop()
            if line.row.run_id in seen:
                continue
            seen.add(line.row.run_id)
            out.append(line)
            children = forks.get(line.row.run_id, [])
            for i in reversed(range(len(children))):  # reversed onto the stack: popped in order
                stack.append(TreeLine(children[i], line.lasts + (i == len(children) - 1,)))

    for root in roots:
        walk(root)
    for r in rows:  # only a cycle of parents leaves rows unvisited: show them as roots
        if r.run_id not in seen:
            walk(r)
    return out
