"""The event scheduler: pure decisions over the folded schedule, and thin handlers.

* :func:`decide_schedule` — the ``EventScheduled`` an item becomes at the world's clock
  (``at``: a date and time or the next ``HH:MM``; ``in``: after the clock; ``every`` alone: one
  interval after the clock; ``cron``: its first time at or after the clock).
* :func:`decide_firing` — for an item due at a step's start, ``ScheduledEventFired`` (with the
  next occurrence of a recurring item) or ``ScheduledEventMissed`` when the step came later than
  its ``deadline_seconds`` allow.
* :func:`decide_jump` — in a ``skip_idle`` world where nobody has anything new to perceive and
  nothing is due, ``ClockJumped`` to the next due item.
* :func:`fire_due` — run at the start of each step by ``advance_step``: every due item of the
  world, in (time, priority, sequence) order, is recorded, then its kind's *reaction* runs.

Reactions are the extension point: ``bootstrap.SCHEDULE_REACTIONS`` maps a kind to a function
``reaction(state, fired) -> iterable of commands, events or (stream, event) pairs`` (pure).
:data:`BUILTIN_REACTIONS` handles broadcast, tell, think, see and goal; other capabilities add
their own kinds there (docs/schedule.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import Field

from troupe_es.commands.handlers import broadcast_events, perception_events
from troupe_es.commands.models import Broadcast, Command, Perceive
from troupe_es.domain import RunState
from troupe_es.domain.schedule import (
    ScheduledItem,
    cron_after,
    due_items,
    next_item,
    next_occurrence,
    time_of_day_after,
)
from troupe_es.errors import SimulationError
from troupe_es.events import (
    ClockJumped,
    Event,
    EventScheduled,
    RunCompleted,
    ScheduleCancelled,
    ScheduledEventFired,
    ScheduledEventMissed,
)

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

Reaction = Callable[[RunState, ScheduledEventFired], Iterable[Any]]
"""What firing an item of a kind does: commands, events or ``(stream, event)`` pairs (pure)."""

_STIMULUS = {"tell": "listen", "think": "think", "see": "see", "goal": "internalize_goal"}


class ScheduleItem(Command):
    """Put an item on a world's schedule (see :func:`decide_schedule` for when it is due)."""

    world: str
    kind: str = Field(min_length=1)
    data: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None
    at: str | None = None  # ISO date and time (UTC), or HH:MM (the next such time of day)
    in_seconds: float | None = Field(default=None, gt=0)
    every_seconds: float | None = Field(default=None, gt=0)
    cron: str | None = None
    priority: int = 0
    deadline_seconds: float | None = Field(default=None, ge=0)
    deadline_at: str | None = None  # an absolute deadline for the first occurrence
    source: str = "user"


class CancelSchedule(Command):
    """Take a pending item off a world's schedule (nothing happens if it is not pending)."""

    world: str
    id: str
    reason: str = ""


class StopIdleRun(Command):
    """End a run whose agents have been idle for ``stop_when_idle`` steps (quiescence)."""

    steps: int = 0
    reason: str
    wall_seconds: float | None = None


# --- pure decisions ---------------------------------------------------------------------------


def _parse_at(text: str, now: datetime) -> datetime:
    if "T" in text or "-" in text:
        return _utc(datetime.fromisoformat(text))
    return time_of_day_after(text, now)


def _utc(value: datetime) -> datetime:
    from troupe_es.events.canonical import to_utc

    return to_utc(value)


def decide_schedule(state: RunState, cmd: ScheduleItem) -> EventScheduled:
    """The ``EventScheduled`` for ``cmd`` at the world's clock (pure; ``SimulationError`` when
    the item cannot be scheduled)."""
    try:
        return _decide_schedule(state, cmd)
    except OverflowError:
        raise SimulationError(f"schedule: item {cmd.id or cmd.kind!r} would be due after the year 9999") from None


def _decide_schedule(state: RunState, cmd: ScheduleItem) -> EventScheduled:
    world = state.worlds.get(cmd.world)
    if world is None:
        raise SimulationError(f"schedule: unknown world {cmd.world!r} (known: {', '.join(state.worlds) or 'none'})")
    now = world.clock_dt()
    if now is None:
        raise SimulationError(f"schedule: world {cmd.world!r} has no clock")
    now = _utc(now)
    book = state.schedule
    if cmd.cron is not None and (cmd.at or cmd.in_seconds or cmd.every_seconds):
        raise SimulationError("schedule: cron says when by itself: drop at, in and every")
    if cmd.at is not None and cmd.in_seconds is not None:
        raise SimulationError("schedule: give at or in, not both")
    if cmd.cron is not None:
        from troupe_es.domain.schedule import check_cron

        try:
            check_cron(cmd.cron)
        except ValueError as exc:
            raise SimulationError(f"schedule: {exc}") from None
        cron_due = cron_after(cmd.cron, now, inclusive=True)
        if cron_due is None:
            raise SimulationError(f"schedule: cron {cmd.cron!r} has no time after {now.isoformat()}")
        due = cron_due
    elif cmd.at is not None:
        try:
            due = _parse_at(cmd.at, now)
        except ValueError:
            raise SimulationError(f"schedule: at {cmd.at!r} is neither HH:MM nor a date and time") from None
    elif cmd.in_seconds is not None:
        due = now + timedelta(seconds=cmd.in_seconds)
    elif cmd.every_seconds is not None:
        due = now + timedelta(seconds=cmd.every_seconds)
    else:
        raise SimulationError("schedule: say when: give at, in, every or cron")
    deadline = cmd.deadline_seconds
    if cmd.deadline_at is not None:
        try:
            deadline = max(0.0, (_utc(datetime.fromisoformat(cmd.deadline_at)) - due).total_seconds())
        except ValueError:
            raise SimulationError(f"schedule: deadline {cmd.deadline_at!r} is not a date and time") from None
    schedule_id = cmd.id or f"{cmd.kind}-{book.sequence}"
    if book.item(schedule_id) is not None:
        raise SimulationError(f"schedule: an item with id {schedule_id!r} is already pending")
    if cmd.kind in _STIMULUS and cmd.data.get("to") not in state.agents:
        raise SimulationError(f"schedule: unknown agent {cmd.data.get('to')!r} "
                              f"(known: {', '.join(state.agents) or 'none'})")
    return EventScheduled(schedule_id=schedule_id, world=cmd.world, due=due, kind=cmd.kind, data=dict(cmd.data),
                          priority=cmd.priority, sequence=book.sequence, every_seconds=cmd.every_seconds,
                          cron=cmd.cron, deadline_seconds=deadline, source=cmd.source)


def decide_firing(item: ScheduledItem, now: datetime) -> ScheduledEventFired | ScheduledEventMissed:
    """What becomes of ``item``, due at ``now``: fired, or missed past its deadline (pure).

    A recurring item's next occurrence is the first one after ``now``; the ones in between
    (a step longer than the interval) are skipped and counted."""
    now = _utc(now)
    due = item.due_dt()
    following, skipped = next_occurrence(item, now)
    late = (now - due).total_seconds()
    if item.deadline_seconds is not None and late > item.deadline_seconds:
        return ScheduledEventMissed(schedule_id=item.id, world=item.world, kind=item.kind, due=due,
                                    occurrence=item.occurrence, late_seconds=late, next_due=following)
    return ScheduledEventFired(schedule_id=item.id, world=item.world, kind=item.kind, data=dict(item.data),
                               due=due, occurrence=item.occurrence, skipped=skipped, next_due=following)


def busy(state: RunState, agent: str) -> bool:
    """Whether ``agent`` has anything new to act on: a perception since its last turn, or feedback."""
    a = state.agents[agent]
    return a.memory_total > a.seen_upto or bool(a.feedback)


def awake(state: RunState, world: str, order: list[str]) -> list[str]:
    """The agents of ``order`` that act this step: all of them, or in a ``skip_idle`` world only
    the busy ones (dormant agents cost nothing)."""
    if not state.schedule.skip_idle:
        return order
    return [name for name in order if busy(state, name)]


def decide_jump(state: RunState, world: str) -> ClockJumped | None:
    """In a ``skip_idle`` world where nobody is busy and nothing is due, the jump of the clock to
    the next due item (pure); None otherwise."""
    if not state.schedule.skip_idle:
        return None
    w = state.worlds[world]
    now = w.clock_dt()
    if now is None or any(busy(state, name) for name in w.members):
        return None
    upcoming = next_item(state.schedule, world)
    if upcoming is None or upcoming.due_dt() <= _utc(now):
        return None
    return ClockJumped(world=world, from_time=now, to_time=upcoming.due_dt(), schedule_id=upcoming.id)


def quiescent(state: RunState) -> str | None:
    """Why the run should stop now (``stop_when_idle`` steps without an action), or None."""
    limit = state.schedule.stop_when_idle
    if limit and state.schedule.idle_steps >= limit:
        return f"idle: no agent acted for {state.schedule.idle_steps} steps (stop_when_idle: {limit})"
    return None


def builtin_reaction(state: RunState, fired: ScheduledEventFired) -> list[Any]:
    """broadcast → everyone in the world hears ``data.text``; tell / think / see / goal → one
    agent (``data.to``) perceives ``data.text`` (tell: from ``data.from``, else the schedule)."""
    data = fired.data
    if fired.kind == "broadcast":
        return [Broadcast(world=fired.world, content=str(data.get("text", "")), source="schedule")]
    kind = _STIMULUS[fired.kind]
    source = data.get("from") or ("schedule" if kind in ("listen", "see") else None)
    return [Perceive(agent=str(data["to"]), kind=kind, content=str(data.get("text", "")), source=source)]


BUILTIN_REACTIONS: dict[str, Reaction] = {kind: builtin_reaction for kind in ("broadcast", *_STIMULUS)}
"""The kinds the scheduler itself reacts to (``bootstrap.SCHEDULE_REACTIONS`` starts from these)."""


# --- handlers -------------------------------------------------------------------------------


def schedule_item(cmd: ScheduleItem, bus: "MessageBus") -> list["Recorded"]:
    """Record the item's ``EventScheduled``."""
    event = decide_schedule(bus.state, cmd)
    return bus.record([bus.new(f"world/{cmd.world}", event, world=cmd.world)])


def cancel_schedule(cmd: CancelSchedule, bus: "MessageBus") -> list["Recorded"]:
    """Record ``ScheduleCancelled`` when the item is pending in that world (else nothing)."""
    bus.require_world(cmd.world)
    item = bus.state.schedule.item(cmd.id)
    if item is None or item.world != cmd.world:
        return []
    return bus.record([bus.new(f"world/{cmd.world}", ScheduleCancelled(
        schedule_id=cmd.id, world=cmd.world, reason=cmd.reason), world=cmd.world)])


def stop_idle_run(cmd: StopIdleRun, bus: "MessageBus") -> list["Recorded"]:
    """Record ``RunCompleted`` with the quiescence reason."""
    from troupe_es.commands.handlers import cache_counters

    return bus.record([bus.new("run", RunCompleted(steps=cmd.steps, wall_seconds=cmd.wall_seconds,
                                                   cache=cache_counters(bus.gateway), reason=cmd.reason))])


def jump_clock(bus: "MessageBus", world: str) -> list["Recorded"]:
    """Record the world's ``ClockJumped`` if :func:`decide_jump` says so (before a step starts)."""
    jump = decide_jump(bus.state, world)
    if jump is None:
        return []
    return bus.record([bus.new(f"world/{world}", jump, sim_time=jump.to_time)])


def reactions_of(bus: "MessageBus") -> Mapping[str, Reaction]:
    return bus.services.get("schedule_reactions") or BUILTIN_REACTIONS


def fire_due(bus: "MessageBus", world: str, causation_id: str | None) -> list["Recorded"]:
    """Fire (or miss) every item of ``world`` due at its clock, in firing order; after each
    fired item its kind's reaction runs (its commands handled, its events recorded)."""
    state = bus.state
    now = state.worlds[world].clock_dt()
    if now is None or not state.schedule.pending:
        return []
    recorded: list[Recorded] = []
    reactions = reactions_of(bus)
    for item in due_items(state.schedule, world, now):
        event = decide_firing(item, now)
        [rec] = bus.record([bus.new(f"world/{world}", event, world=world, causation_id=causation_id)])
        recorded.append(rec)
        reaction = reactions.get(event.kind) if isinstance(event, ScheduledEventFired) else None
        if reaction is not None:
            recorded += react(bus, world, reaction(bus.state, event), rec.event_id)
    return recorded


def react_unfinished(bus: "MessageBus", world: str, records: Iterable["Recorded"]) -> list["Recorded"]:
    """Resume: run the reaction of every item fired in ``records`` (a cut-short step's events)
    that nothing was recorded for yet — the process died between the firing and its effect."""
    records = list(records)
    caused = {r.causation_id for r in records if r.causation_id}
    reactions = reactions_of(bus)
    recorded: list[Recorded] = []
    for rec in records:
        event = rec.event
        if isinstance(event, ScheduledEventFired) and rec.event_id not in caused:
            reaction = reactions.get(event.kind)
            if reaction is not None:
                recorded += react(bus, world, reaction(bus.state, event), rec.event_id)
    return recorded


def react(bus: "MessageBus", world: str, outputs: Iterable[Any], causation_id: str | None) -> list["Recorded"]:
    """Carry out a reaction's outputs, all caused by the firing: events (an event alone goes to the
    world's stream, a ``(stream, event)`` pair to that stream), broadcasts and stimuli are recorded
    in one atomic batch; any other command is handled in its turn (after what came before it)."""
    recorded: list[Recorded] = []
    batch: list[Any] = []
    for out in outputs:
        if isinstance(out, Broadcast):
            batch += broadcast_events(out, bus, causation_id=causation_id)
        elif isinstance(out, Perceive):
            batch += perception_events(out, bus, causation_id=causation_id)
        elif isinstance(out, Command):
            recorded += bus.record(batch)
            batch = []
            recorded += list(bus.handle(out) or [])
        elif isinstance(out, Event):
            batch.append(bus.new(f"world/{world}", out, world=world, causation_id=causation_id))
        elif isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], Event):
            batch.append(bus.new(out[0], out[1], world=world, causation_id=causation_id))
        else:
            raise SimulationError(f"a schedule reaction returned {out!r}: expected a command or an event")
    return recorded + bus.record(batch)


SCHEDULE_HANDLERS: dict[type, Callable[[Any, "MessageBus"], Any]] = {
    ScheduleItem: schedule_item,
    CancelSchedule: cancel_schedule,
    StopIdleRun: stop_idle_run,
}
"""The scheduler's commands → handlers (merged into ``bootstrap.HANDLERS``)."""
