"""Who changed what: the last event at or before a position that changed one state field.

A field is named by a subject (an agent, a world, or ``run``) and a path: an attribute of its
state (``emotions``, ``goals``, ``clock``...), a dotted path into a dict (``persona.age``), or an
agent's derived ``accessible`` (who it can reach) and ``clock`` (its world's time).

:func:`last_change` folds the subject's events (the one fold, :func:`troupe_es.domain.evolve`)
from the nearest snapshot up to the position, watching the field; when it did not change in
that stretch it steps back to the previous snapshot, and so on to the start of the run. So the
answer is exact (a change is a change of the folded value, not a guess from event types) and
costs a few snapshot intervals on logs of any size.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from troupe_es.domain import AgentState, RunState, WorldState, evolve
from troupe_es.errors import SimulationError
from troupe_es.events.envelope import Recorded
from troupe_es.snapshots import SNAPSHOT_NAME, agent_base, agent_records
from troupe_es.store.base import EventStore

MISSING: Any = object()
AGENT_FIELDS = tuple(f.name for f in fields(AgentState)) + ("accessible", "clock")
WORLD_FIELDS = tuple(f.name for f in fields(WorldState))
RUN_FIELDS = tuple(f.name for f in fields(RunState) if f.name not in ("agents", "worlds", "position"))


@dataclass(frozen=True)
class Change:
    """The event that last changed a field, with the value before and after it."""

    record: Recorded
    before: Any
    after: Any


def _walk(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part, MISSING)
        elif isinstance(value, (list, tuple)) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def field_value(state: RunState, subject: str, path: str) -> Any:
    """The value of ``subject``'s ``path`` in ``state`` (:data:`MISSING` when absent)."""
    head, *rest = path.split(".")
    if subject in state.agents:
        agent = state.agents[subject]
        world = state.worlds.get(agent.world) if agent.world else None
        if head == "accessible":
            value: Any = world.accessible_to(subject) if world else ()
        elif head == "clock":
            value = world.clock if world else None
        else:
            value = getattr(agent, head, MISSING)
    elif subject in state.worlds:
        value = getattr(state.worlds[subject], head, MISSING)
    elif subject == "run":
        value = getattr(state, head, MISSING) if head in RUN_FIELDS else MISSING
    else:
        return MISSING
    return value if value is MISSING else _walk(value, rest)


def check_field(state: RunState, subject: str, path: str, position: int | None = None) -> None:
    """Raise :class:`SimulationError` unless ``subject`` and the field's head exist in ``state``."""
    head = path.split(".")[0]
    if subject in state.agents:
        allowed = AGENT_FIELDS
    elif subject in state.worlds:
        allowed = WORLD_FIELDS
    elif subject == "run":
        allowed = RUN_FIELDS
    else:
        agents = ", ".join(sorted(state.agents)) or "none"
        worlds = ", ".join(sorted(state.worlds)) or "none"
        where = state.position if position is None else position
        raise SimulationError(f"no agent or world {subject!r} at position {where} "
                              f"(agents: {agents}; worlds: {worlds}; or 'run')")
    if head not in allowed:
        raise SimulationError(f"unknown field {head!r} (fields: {', '.join(allowed)})")


def last_change(store: EventStore, run_id: str, subject: str, path: str, *, at: int) -> Change | None:
    """The last event at or before ``at`` that changed ``subject``'s ``path`` (None when the
    field has had its value since before the run's first event)."""
    upper = at
    checked = False
    while True:
        snapshot = store.load_snapshot(run_id, SNAPSHOT_NAME, at_or_before=upper - 1) if upper > 0 else None
        state = agent_base(snapshot, subject)
        value = field_value(state, subject, path)
        found: Change | None = None
        for rec in agent_records(store, run_id, subject, snapshot.position + 1 if snapshot else None, upper):
            state = evolve(state, rec)
            new = field_value(state, subject, path)
            if new != value:
                found = Change(rec, None if value is MISSING else value, None if new is MISSING else new)
                value = new
        if not checked:
            check_field(state, subject, path, at)
            checked = True
        if found is not None or snapshot is None:
            return found
        upper = snapshot.position
