"""Finding one's way in a run's log: its bounds, neighbouring events, steps and causes.

Everything here reads the store through the :class:`EventStore` interface (plus one indexed
``min/max`` query on SQL stores for a run's bounds), so it works on every backend and on logs of
any size: forward searches stream, backward searches read growing windows before a position.
Time travel (:mod:`troupe_es.snapshots`), ``troupe-es state`` and the debugger build on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from troupe_es.errors import RunNotFoundError, SimulationError
from troupe_es.events.envelope import Recorded
from troupe_es.store.base import EventStore
from troupe_es.store.rows import StoredRow, decode_row

RowFilter = Callable[[StoredRow], bool]
LLM_TYPES = ("LLMCallRequested", "LLMCallCompleted", "LLMCallFailed")
_OUTCOME_WINDOW = 100_000  # a call's outcome is recorded in the same batch as its request


def check_position(store: EventStore, run_id: str, position: int | None, option: str = "--at") -> int:
    """The position a command shows: ``position``, or the run's last when None. A position
    outside the run is a one-line :class:`SimulationError` naming ``option`` and the range."""
    first, last = run_bounds(store, run_id)
    if position is None:
        return last
    if not first <= position <= last:
        from troupe_es.errors import SimulationError

        raise SimulationError(f"{option} {position} is outside run {run_id} (positions {first}..{last})")
    return position


def run_bounds(store: EventStore, run_id: str) -> tuple[int, int]:
    """``(first, last)`` position of a run's events; :class:`RunNotFoundError` if it has none."""
    engine = getattr(store, "engine", None)
    if engine is not None:
        from sqlalchemy import func, select

        from troupe_es.store.schema import events

        with engine.connect() as conn:
            first, last = conn.execute(select(func.min(events.c.position), func.max(events.c.position))
                                       .where(events.c.run_id == run_id)).one()
    else:
        summary = next((s for s in store.run_summaries() if s.run_id == run_id), None)
        first, last = (summary.first_position, summary.last_position) if summary else (None, None)
    if first is None:
        raise RunNotFoundError(f"run {run_id} has no events in {store.url}")
    return int(first), int(last)


def row_at(store: EventStore, run_id: str, position: int) -> StoredRow | None:
    """The run's row at exactly ``position`` (None if that position belongs to another run)."""
    for row in store.iter_rows(run_id=run_id, from_position=position, until_position=position, batch_size=1):
        return row
    return None


def rows_after(store: EventStore, run_id: str, after: int, n: int = 1, *,
               types: Iterable[str] | None = None, where: RowFilter | None = None) -> list[StoredRow]:
    """The first ``n`` rows of the run after position ``after`` (matching ``types``/``where``)."""
    out: list[StoredRow] = []
    batch = max(1, min(n, 2000)) if where is None else 500
    for row in store.iter_rows(run_id=run_id, types=types, from_position=after + 1, batch_size=batch):
        if where is None or where(row):
            out.append(row)
            if len(out) >= n:
                break
    return out


def rows_before(store: EventStore, run_id: str, before: int, n: int = 1, *, first: int = 1,
                types: Iterable[str] | None = None, where: RowFilter | None = None) -> list[StoredRow]:
    """The last ``n`` rows of the run before position ``before``, oldest first.

    Reads windows that double in size backwards from ``before`` until enough rows match or the
    run's ``first`` position is reached."""
    types = list(types) if types is not None else None
    window = max(64, 4 * n)
    hi = before - 1
    found: list[StoredRow] = []
    while hi >= first and len(found) < n:
        lo = max(first, hi - window + 1)
        chunk = [r for r in store.iter_rows(run_id=run_id, types=types, from_position=lo, until_position=hi)
                 if where is None or where(r)]
        found = chunk + found
        hi = lo - 1
        window *= 2
    return found[-n:] if n else []


def payload_of(row: StoredRow) -> dict[str, Any]:
    """A row's payload as a dict (without decoding the event class)."""
    return json.loads(row.payload)


def agent_filter(agent: str) -> RowFilter:
    """Rows by or about ``agent``: its stream, or a payload naming it."""
    stream = f"agent/{agent}"
    needle = json.dumps(agent)

    def match(row: StoredRow) -> bool:
        if row.stream == stream:
            return True
        if needle not in row.payload:
            return False
        data = payload_of(row)
        return data.get("agent") == agent or agent in (data.get("between") or ()) \
            or agent in (data.get("agents") or ())

    return match


def step_position(store: EventStore, run_id: str, step: int, world: str | None = None) -> int:
    """The position just before ``StepStarted`` of ``step`` (the state its agents acted on).

    When step ``step`` never started but step ``step - 1`` completed (``step`` is one past the
    last), the position of that ``StepCompleted``: the state after the last step.
    """
    if step < 0:
        raise SimulationError(f"step must be 0 or more, not {step}")
    seen: list[int] = []
    completed: int | None = None
    for row in store.iter_rows(run_id=run_id, types=("StepStarted", "StepCompleted")):
        data = payload_of(row)
        if world is not None and data.get("world") != world:
            continue
        if row.type == "StepStarted":
            if data.get("step") == step:
                return row.position - 1
            seen.append(data.get("step", -1))
        elif data.get("step") == step - 1:
            completed = row.position
    if completed is not None:
        return completed
    where = f" in world {world!r}" if world else ""
    have = f"steps {min(seen)}..{max(seen)}" if seen else "no steps"
    raise SimulationError(f"run {run_id} has no step {step}{where} ({have})")


def step_started_row(store: EventStore, run_id: str, step: int, world: str | None = None) -> StoredRow:
    """The ``StepStarted`` row of ``step`` (first world that has it, unless ``world`` is given)."""
    position = step_position(store, run_id, step, world)
    for row in rows_after(store, run_id, position, 1, types=("StepStarted", "StepCompleted")):
        if row.type == "StepStarted":
            return row
    raise SimulationError(f"step {step} of run {run_id} never started (the run ends after step {step - 1})")


def event_by_id(store: EventStore, event_id: str) -> Recorded | None:
    """The recorded event with this id (any run), or None."""
    rows = store.rows_by_event_ids([event_id])
    return decode_row(rows[0]) if rows else None


def causation_chain(store: EventStore, rec: Recorded, limit: int = 50) -> list[Recorded]:
    """``rec``, its cause, the cause's cause... following ``causation_id`` (at most ``limit``)."""
    chain = [rec]
    seen = {rec.event_id}
    while chain[-1].causation_id and len(chain) < limit:
        cause = event_by_id(store, chain[-1].causation_id)
        if cause is None or cause.event_id in seen:
            break
        seen.add(cause.event_id)
        chain.append(cause)
    return chain


def llm_call_for(store: EventStore, rec: Recorded) -> tuple[Recorded | None, Recorded | None]:
    """The LLM call behind ``rec``: ``(request, completion or failure)``, either may be None.

    ``rec`` itself when it is an LLM event; otherwise the nearest LLM event up its causation
    chain. ``(None, None)`` when no LLM call caused it."""
    call = next((r for r in causation_chain(store, rec) if r.type in LLM_TYPES), None)
    if call is None:
        return None, None
    if call.type == "LLMCallRequested":
        for row in store.iter_rows(run_id=call.run_id, types=LLM_TYPES[1:], from_position=call.position + 1,
                                   until_position=call.position + _OUTCOME_WINDOW):
            if row.causation_id == call.event_id:
                return call, decode_row(row)
        return call, None
    request = event_by_id(store, call.causation_id) if call.causation_id else None
    return request, call
