"""The schedule a run's fold holds: pending items, the scheduling sequence, the idle policy.

Changed only by schedule events (``EventScheduled``, ``ScheduledEventFired``,
``ScheduledEventMissed``, ``ScheduleCancelled``, ``ClockJumped``) through
:data:`SCHEDULE_HANDLERS`, plus the few core events quiescence counts (:data:`SCHEDULE_ALSO`),
both merged into the one fold by :mod:`troupe_es.domain.evolve`. The pending items are a plain
tuple (snapshot-able) kept in firing order (time, priority, sequence) by binary insertion;
:func:`firing_order` orders any other collection of items with a binary heap.

Recurrence is pure too: :func:`next_occurrence` (``every_seconds`` or a 5-field cron
expression, read with ``croniter``) and :func:`occurrences_until`.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from troupe_es.events.canonical import iso_utc

SKIP_COUNT_LIMIT = 10_000
"""Skipped occurrences of a cron item are counted up to this many (a minute cron over a jump of
years would otherwise take long to count)."""


@dataclass(frozen=True)
class ScheduledItem:
    """One pending item: what it does, when it is next due, how it recurs."""

    id: str
    world: str
    due: str  # UTC ISO time of the next occurrence
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    priority: int = 0
    sequence: int = 0
    every_seconds: float | None = None
    cron: str | None = None
    deadline_seconds: float | None = None
    occurrence: int = 0
    source: str = "scenario"

    def due_dt(self) -> datetime:
        return _parse(self.due)

    def key(self) -> tuple[str, int, int]:
        """The firing order: time, priority (lower first), sequence. ``due`` is always the UTC ISO
        text :func:`~troupe_es.events.canonical.iso_utc` writes (``+00:00``, four-digit years),
        which sorts as the times do, fractions of a second included."""
        return (self.due, self.priority, self.sequence)

    @property
    def recurring(self) -> bool:
        return self.every_seconds is not None or self.cron is not None


@dataclass(frozen=True)
class ScheduleBook:
    """A run's schedule and idle bookkeeping (``RunState.schedule``)."""

    pending: tuple[ScheduledItem, ...] = ()
    sequence: int = 0  # items ever scheduled: the next item's sequence
    fired: int = 0
    missed: int = 0
    cancelled: int = 0
    jumps: int = 0
    skip_idle: bool = False  # the scenario's world.skip_idle
    stop_when_idle: int | None = None  # the scenario's stop_when_idle
    idle_steps: int = 0  # consecutive completed steps in which no agent acted (DONE only)
    acted: bool = False  # an agent acted in the step under way

    def item(self, schedule_id: str) -> ScheduledItem | None:
        for it in self.pending:
            if it.id == schedule_id:
                return it
        return None

    def of_world(self, world: str) -> list[ScheduledItem]:
        return [it for it in self.pending if it.world == world]

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ScheduleBook":
        pending = tuple(ScheduledItem(**{**it, "data": dict(it.get("data") or {})}) for it in data.get("pending", ()))
        return cls(**{**data, "pending": pending})


@lru_cache(maxsize=4096)
def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def firing_order(items: Iterable[ScheduledItem]) -> list[ScheduledItem]:
    """``items`` in firing order (time, priority, sequence), popped from a binary heap."""
    heap = [(it.key(), it.id, it) for it in items]
    heapq.heapify(heap)
    return [heapq.heappop(heap)[2] for _ in range(len(heap))]


def due_items(book: ScheduleBook, world: str, now: datetime) -> list[ScheduledItem]:
    """The items of ``world`` due at ``now`` (due time at or before it), in firing order (the
    pending tuple is kept in that order, so this reads only its due head)."""
    now_text = iso_utc(_utc(now))
    out = []
    for it in book.pending:
        if it.due > now_text:  # type: ignore[operator]
            break
        if it.world == world:
            out.append(it)
    return out


def next_item(book: ScheduleBook, world: str) -> ScheduledItem | None:
    """The pending item of ``world`` that fires first, if any."""
    return next((it for it in book.pending if it.world == world), None)


# --- recurrence ---------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def check_cron(expression: str) -> str:
    """``expression`` if it is a valid 5-field cron expression, else ``ValueError`` saying why."""
    from croniter import croniter

    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"cron {expression!r}: expected 5 fields (minute hour day month weekday), "
                         f"got {len(fields)}")
    if not croniter.is_valid(expression):
        raise ValueError(f"cron {expression!r} is not a valid cron expression "
                         "(e.g. '0 9 * * 1-5': 09:00 on weekdays)")
    if cron_after(expression, datetime(2026, 1, 1, tzinfo=timezone.utc)) is None:
        raise ValueError(f"cron {expression!r} never fires (e.g. 31 February)")
    return expression


def cron_after(expression: str, after: datetime, *, inclusive: bool = False) -> datetime | None:
    """The first time of ``expression`` after ``after`` (at or after it when ``inclusive``), in UTC;
    None when there is none (an impossible date, or past the year 9999)."""
    from croniter import croniter

    start = _utc(after)
    if inclusive:
        start = start - timedelta(microseconds=1)
    try:
        return _utc(croniter(expression, start).get_next(datetime))
    except Exception:  # noqa: BLE001 - croniter signals "no such time" with several exception types
        return None


def next_occurrence(item: ScheduledItem, now: datetime) -> tuple[datetime | None, int]:
    """The first occurrence of ``item`` strictly after ``now`` and how many occurrences fell
    between its current due time and ``now`` (skipped); ``(None, 0)`` for a one-shot item."""
    now = _utc(now)
    due = item.due_dt()
    if item.every_seconds is not None:
        step = timedelta(seconds=item.every_seconds)
        behind = max(0, int((now - due) / step)) if now >= due else 0
        try:
            following = due + step * (behind + 1)
            while following <= now:  # float rounding
                following += step
                behind += 1
        except OverflowError:  # past the year 9999: no next occurrence
            return None, behind
        return following, behind
    if item.cron is not None:
        following = cron_after(item.cron, due)
        skipped = 0
        while following is not None and following <= now:
            skipped += 1
            if skipped >= SKIP_COUNT_LIMIT:
                return cron_after(item.cron, now), skipped
            following = cron_after(item.cron, following)
        return following, skipped
    return None, 0


def time_of_day_after(text: str, now: datetime) -> datetime:
    """The first time at or after ``now`` whose time of day is ``text`` (``HH:MM`` or ``HH:MM:SS``)."""
    parts = [int(p) for p in text.split(":")]
    hour, minute, second = (parts + [0, 0])[:3]
    now = _utc(now)
    candidate = now.replace(hour=hour, minute=minute, second=second, microsecond=0)
    return candidate if candidate >= now else candidate + timedelta(days=1)


# --- the fold ---------------------------------------------------------------------------


def _with(obj: Any, **changes: Any) -> Any:
    """``dataclasses.replace(obj, **changes)`` without re-running ``__init__`` (the fold does this
    for every schedule event; for frozen dataclasses without ``__post_init__`` only)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


def _set(state: Any, book: ScheduleBook) -> Any:
    return _with(state, schedule=book)


def _without(book: ScheduleBook, schedule_id: str) -> tuple[ScheduledItem | None, tuple[ScheduledItem, ...]]:
    found = None
    rest = []
    for it in book.pending:
        if it.id == schedule_id and found is None:
            found = it
        else:
            rest.append(it)
    return found, tuple(rest)


def _order(it: ScheduledItem) -> tuple[tuple[str, int, int], str]:
    return ((it.due, it.priority, it.sequence), it.id)


def _inserted(pending: tuple[ScheduledItem, ...], item: ScheduledItem) -> tuple[ScheduledItem, ...]:
    """``pending`` with ``item`` in its place: the tuple is kept in firing order."""
    at = bisect.bisect_right(pending, (item.key(), item.id), key=_order)
    return pending[:at] + (item,) + pending[at:]


def _scheduled(s: Any, r: Any, e: Any) -> Any:
    book = s.schedule
    item = ScheduledItem(id=e.schedule_id, world=e.world, due=iso_utc(e.due), kind=e.kind, data=dict(e.data),
                         priority=e.priority, sequence=e.sequence, every_seconds=e.every_seconds, cron=e.cron,
                         deadline_seconds=e.deadline_seconds, source=e.source)
    return _set(s, _with(book, pending=_inserted(book.pending, item), sequence=max(book.sequence, e.sequence + 1)))


def _came_up(counter: str) -> Callable[[Any, Any, Any], Any]:
    def handler(s: Any, r: Any, e: Any) -> Any:
        book = s.schedule
        item, rest = _without(book, e.schedule_id)
        if item is not None and e.next_due is not None:
            rest = _inserted(rest, _with(item, due=iso_utc(e.next_due), occurrence=e.occurrence + 1))
        return _set(s, _with(book, pending=rest, **{counter: getattr(book, counter) + 1}))
    return handler


def _cancelled(s: Any, r: Any, e: Any) -> Any:
    book = s.schedule
    _, rest = _without(book, e.schedule_id)
    return _set(s, replace(book, pending=rest, cancelled=book.cancelled + 1))


def _jumped(s: Any, r: Any, e: Any) -> Any:
    worlds = dict(s.worlds)
    worlds[e.world] = replace(worlds[e.world], clock=iso_utc(e.to_time))
    return replace(_set(s, replace(s.schedule, jumps=s.schedule.jumps + 1)), worlds=worlds)


SCHEDULE_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "EventScheduled": _scheduled,
    "ScheduledEventFired": _came_up("fired"),
    "ScheduledEventMissed": _came_up("missed"),
    "ScheduleCancelled": _cancelled,
    "ClockJumped": _jumped,
}
"""Schedule event type → fold handler (merged into the one fold by ``evolve``)."""


def _policy(s: Any, r: Any, e: Any) -> Any:
    scenario = e.scenario or {}
    return _set(s, replace(s.schedule, skip_idle=bool((scenario.get("world") or {}).get("skip_idle")),
                           stop_when_idle=scenario.get("stop_when_idle")))


def _step_begins(s: Any, r: Any, e: Any) -> Any:
    return _set(s, replace(s.schedule, acted=False)) if s.schedule.acted else s


def _acted(s: Any, r: Any, e: Any) -> Any:
    if e.action == "DONE" or s.schedule.acted:
        return s
    return _set(s, replace(s.schedule, acted=True))


def _step_ends(s: Any, r: Any, e: Any) -> Any:
    book = s.schedule
    return _set(s, replace(book, idle_steps=0 if book.acted else book.idle_steps + 1, acted=False))


SCHEDULE_ALSO: dict[str, Callable[[Any, Any, Any], Any]] = {
    "RunStarted": _policy,
    "StepStarted": _step_begins,
    "ActionTaken": _acted,
    "StepCompleted": _step_ends,
}
"""Core event type → what the schedule's fold also does with it (after the core handler)."""


def chained(first: Callable[[Any, Any, Any], Any] | None,
            then: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """A fold handler doing ``first`` (if any), then ``then``."""
    if first is None:
        return then

    def both(s: Any, r: Any, e: Any) -> Any:
        return then(first(s, r, e), r, e)
    return both


def schedule_summary(book: ScheduleBook) -> dict[str, Any]:
    """The pending schedule in firing order, with the counters (``troupe-es state``)."""
    return {"pending": [{"id": it.id, "world": it.world, "due": it.due, "kind": it.kind, "data": it.data,
                         "priority": it.priority, "every_seconds": it.every_seconds, "cron": it.cron,
                         "deadline_seconds": it.deadline_seconds, "occurrence": it.occurrence}
                        for it in firing_order(book.pending)],
            "fired": book.fired, "missed": book.missed, "cancelled": book.cancelled, "jumps": book.jumps,
            "idle_steps": book.idle_steps}
