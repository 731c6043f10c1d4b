"""Calendar reminders through the run's scheduler (docs/schedule.md): a successful
``calendar_create`` puts a ``calendar`` item on the world's schedule, due when the appointment
starts; when it fires, :func:`on_calendar` (registered in ``bootstrap.SCHEDULE_REACTIONS``)
reminds the owner and every attendee with a stimulus."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import Perceive
from troupe_es.commands.schedule import ScheduleItem
from troupe_es.domain import RunState
from troupe_es.errors import TroupeError
from troupe_es.events import ScheduledEventFired
from troupe_es.tools.calendar import REMINDER_KIND

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

log = logging.getLogger("troupe_es.tools")
__all__ = ["REMINDER_KIND", "on_calendar", "schedule_reminders"]


def on_calendar(state: RunState, fired: ScheduledEventFired) -> list[Perceive]:
    """The stimuli an appointment's reminder gives when it fires (pure)."""
    data = fired.data
    text = (f"Reminder: {data.get('subject', 'an appointment')!r} starts now ({data.get('duration_minutes', '?')} "
            f"min, organised by {data.get('owner', '?')}; with {', '.join(data.get('attendees') or []) or 'nobody'}).")
    return [Perceive(agent=who, kind="see", content=text, source="calendar")
            for who in data.get("attendees") or [] if who in state.agents]


def schedule_reminders(bus: "MessageBus", world: str, reminders: list[dict[str, Any]]) -> list["Recorded"]:
    """Put the calls' reminders on ``world``'s schedule (an item the scheduler refuses is logged
    and left out; the appointment itself stays in the calendar)."""
    recorded: list[Recorded] = []
    for r in reminders:
        try:
            recorded += bus.handle(ScheduleItem(world=world, kind=r["kind"], at=r["at"], id=r.get("id"),
                                                data=dict(r.get("data") or {}), source="tools")) or []
        except TroupeError as exc:
            log.warning("reminder %s not scheduled: %s", r.get("id"), exc)
    return recorded
