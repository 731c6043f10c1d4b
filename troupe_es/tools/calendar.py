"""The calendar tools: create and list appointments (folded from the log into each agent's
calendar; the owner and the attendees see them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from troupe_es.errors import ToolError
from troupe_es.events.canonical import iso_utc
from troupe_es.tools.base import Args, Tool, ToolContext


REMINDER_KIND = "calendar"
"""The scheduled item kind of an appointment's reminder (``troupe_es.commands.tools.reminders``)."""


class CreateArgs(Args):
    subject: str = Field(min_length=1, max_length=200)
    start: datetime = Field(description="When it starts (ISO 8601 simulated time, e.g. 2026-03-01T14:00:00).")
    duration_minutes: int = Field(ge=5, le=24 * 60)
    attendees: list[str] = Field(max_length=20, description="Who else attends (people in your world).")


class Created(Args):
    appointment_id: str
    start: str


class CalendarCreate(Tool):
    name = "calendar_create"
    description = "Put an appointment in your calendar (and your attendees'); it reminds you when it starts."
    capabilities = frozenset({"calendar"})
    inline = True
    Arguments = CreateArgs
    Result = Created

    def run(self, args: CreateArgs, ctx: ToolContext) -> Created:
        unknown = [a for a in args.attendees if a not in ctx.members()]
        if unknown:
            raise ToolError(f"unknown attendees {', '.join(unknown)} (known: {', '.join(ctx.members())})")
        start = iso_utc(args.start)
        if ctx.now is not None and start is not None and start < ctx.now:
            raise ToolError(f"{start} is in the past (it is {ctx.now})")
        return Created(appointment_id=f"appt:{ctx.call_id}", start=str(start))

    def deliveries(self, args: CreateArgs, result: Created, ctx: ToolContext) -> list[tuple[str, str, str]]:
        return [(who, f"{ctx.agent} invited you to {args.subject!r} at {result.start} "
                      f"({args.duration_minutes} min).", f"calendar of {ctx.agent}")
                for who in dict.fromkeys(args.attendees) if who != ctx.agent]

    def reminders(self, args: CreateArgs, result: Created, ctx: ToolContext) -> list[dict[str, Any]]:
        people = [ctx.agent] + [a for a in dict.fromkeys(args.attendees) if a != ctx.agent]
        return [{"kind": REMINDER_KIND, "at": result.start, "id": result.appointment_id,
                 "data": {"subject": args.subject, "owner": ctx.agent, "attendees": people,
                          "duration_minutes": args.duration_minutes}}]

    def perceive(self, args: CreateArgs, result: Created) -> str:
        return f"{args.subject!r} is in your calendar at {result.start} ({result.appointment_id})."

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        if ctx.now is None:
            return []
        start = (datetime.fromisoformat(ctx.now) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        who = list(ctx.reachable()[:2])
        return [{"subject": "Follow-up meeting", "start": start.isoformat(), "duration_minutes": 30,
                 "attendees": who}]


class ListArgs(Args):
    upcoming_only: bool = Field(description="Only appointments that have not started yet.")


class Entry(Args):
    appointment_id: str
    subject: str
    start: str
    duration_minutes: int
    owner: str
    attendees: list[str]


class Agenda(Args):
    appointments: list[Entry]


class CalendarList(Tool):
    name = "calendar_list"
    description = "List the appointments in your calendar, earliest first."
    capabilities = frozenset({"calendar"})
    inline = True
    Arguments = ListArgs
    Result = Agenda

    def run(self, args: ListArgs, ctx: ToolContext) -> Agenda:
        items = ctx.tools.calendar(ctx.agent)
        if args.upcoming_only and ctx.now is not None:
            items = [a for a in items if a.start >= ctx.now]
        return Agenda(appointments=[Entry(appointment_id=a.appointment_id, subject=a.subject, start=a.start,
                                          duration_minutes=a.duration_minutes, owner=a.owner,
                                          attendees=list(a.attendees)) for a in items[:20]])

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"upcoming_only": True}]


CALENDAR_TOOLS = (CalendarCreate, CalendarList)
