"""Workplace events: an org chart with rooms and roles, meetings, tasks and their deadlines.

The org chart is defined once (``WorkplaceDefined``). Meetings are scheduled items of kind
``meeting`` (docs/schedule.md); when one fires, ``MeetingStarted`` records who meets where about
what. Tasks have an owner and a due time (``TaskAssigned``); the owner reports one done with the
``COMPLETE_TASK`` action (``TaskCompleted``), and a task still open at its due time is recorded as
``DeadlineMissed`` (a scheduled item of kind ``task_deadline``). Task ids are given in the
scenario, never random.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from troupe_es.events.base import Event, UtcDatetime


class WorkplaceDefined(Event):
    """A world became a workplace: its rooms, everyone's role and who reports to whom."""

    type: Literal["WorkplaceDefined"] = "WorkplaceDefined"
    world: str
    rooms: list[str] = Field(default_factory=list)
    roles: dict[str, str] = Field(default_factory=dict, description="Agent → role (job title in this team).")
    reports_to: dict[str, str] = Field(default_factory=dict, description="Agent → their manager.")


class MeetingStarted(Event):
    """A scheduled meeting began: its room, facilitator, attendees and agenda."""

    type: Literal["MeetingStarted"] = "MeetingStarted"
    meeting: str = Field(description="The meeting's id (its schedule id).")
    world: str
    title: str
    room: str | None = None
    facilitator: str | None = None
    attendees: list[str] = Field(default_factory=list)
    agenda: list[str] = Field(default_factory=list)
    occurrence: int = Field(default=0, ge=0)


class TaskAssigned(Event):
    """A task was given to an owner, with a due time (its deadline is on the schedule)."""

    type: Literal["TaskAssigned"] = "TaskAssigned"
    task: str = Field(min_length=1, description="The task's id (unique in the run).")
    title: str
    owner: str
    assigned_by: str | None = None
    due: UtcDatetime | None = None


class TaskCompleted(Event):
    """The owner reported a task done (a ``COMPLETE_TASK`` action)."""

    type: Literal["TaskCompleted"] = "TaskCompleted"
    task: str
    owner: str
    late: bool = Field(default=False, description="Done after its due time.")


class DeadlineMissed(Event):
    """A task was still open at its due time."""

    type: Literal["DeadlineMissed"] = "DeadlineMissed"
    task: str
    owner: str
    due: UtcDatetime
