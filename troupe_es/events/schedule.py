"""Schedule events: work due at a simulated time (DESIGN §6, docs/schedule.md).

An item is scheduled once (``EventScheduled``) and then, at the first world step that starts at
or after its due time, either fires (``ScheduledEventFired``) or, when that is later than its
deadline allows, is missed (``ScheduledEventMissed``). A recurring item carries its next
occurrence in that same event, so the pending schedule is a pure fold of these events. An item
can be cancelled (``ScheduleCancelled``). A world that nobody is busy in may jump its clock to
the next due item (``ClockJumped``). Ids are given by the user or derived from the run's
schedule sequence (``s0``, ``s1``, ...), never random.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.events.base import Event, UtcDatetime


class EventScheduled(Event):
    """An item of work was put on a world's schedule: what it does (``kind`` and ``data``) and
    when (``due``; recurring with ``every_seconds`` or a 5-field ``cron`` expression)."""

    type: Literal["EventScheduled"] = "EventScheduled"
    schedule_id: str = Field(min_length=1, description="Unique in the run: given, or s<sequence>.")
    world: str
    due: UtcDatetime = Field(description="Simulated time of the first occurrence.")
    kind: str = Field(min_length=1, description="What firing does: broadcast, tell, think, see, goal, "
                                                "or a kind another capability reacts to (e.g. meeting).")
    data: dict[str, Any] = Field(default_factory=dict, description="The kind's arguments.")
    priority: int = Field(default=0, description="Among items due at the same time, lower fires first.")
    sequence: int = Field(ge=0, description="Order of scheduling in the run (the last tie-breaker).")
    every_seconds: float | None = Field(default=None, gt=0, description="Recurs at this interval.")
    cron: str | None = Field(default=None, description="Recurs at the times of this 5-field cron expression.")
    deadline_seconds: float | None = Field(
        default=None, ge=0, description="An occurrence fired later than this after its due time is missed.")
    source: str = Field(default="scenario", description="Who scheduled it: scenario, script, user, or a capability.")


class ScheduledEventFired(Event):
    """A due item fired at the start of a world step (before the agents acted)."""

    type: Literal["ScheduledEventFired"] = "ScheduledEventFired"
    schedule_id: str
    world: str
    kind: str
    data: dict[str, Any] = Field(default_factory=dict)
    due: UtcDatetime = Field(description="When this occurrence was due (the envelope has when it fired).")
    occurrence: int = Field(ge=0, description="0 for the first occurrence, then 1, 2, ...")
    skipped: int = Field(default=0, ge=0, description="Occurrences of a recurring item that fell between "
                                                      "this one and the clock, and were skipped.")
    next_due: UtcDatetime | None = Field(default=None, description="The next occurrence (null: done).")


class ScheduledEventMissed(Event):
    """A due item came up later than its deadline allowed: it did not fire."""

    type: Literal["ScheduledEventMissed"] = "ScheduledEventMissed"
    schedule_id: str
    world: str
    kind: str
    due: UtcDatetime
    occurrence: int = Field(ge=0)
    late_seconds: float = Field(ge=0, description="How late the first chance to fire it was.")
    next_due: UtcDatetime | None = Field(default=None, description="The next occurrence (null: done).")


class ScheduleCancelled(Event):
    """A pending item was taken off the schedule; it will not fire again."""

    type: Literal["ScheduleCancelled"] = "ScheduleCancelled"
    schedule_id: str
    world: str
    reason: str = ""


class ClockJumped(Event):
    """Nobody in the world had anything to do and nothing was due, so its clock jumped to the
    next due item (``world.skip_idle``): the skipped time cost no turn."""

    type: Literal["ClockJumped"] = "ClockJumped"
    world: str
    from_time: UtcDatetime
    to_time: UtcDatetime
    schedule_id: str = Field(description="The item the clock jumped to.")
