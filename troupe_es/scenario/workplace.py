"""The scenario's ``workplace:`` section: rooms, roles, the org chart, meetings and tasks.

```yaml
workplace:
  rooms: [Blue room, Kitchen]
  roles: {Amara Okafor: Designer, Daniel Reyes: Product manager}
  reports_to: {Amara Okafor: Daniel Reyes}
  meetings:
    - {id: weekly, title: Weekly sync, cron: "0 10 * * 1", room: Blue room,
       facilitator: Daniel Reyes, agenda: [launch date, budget]}
  tasks:
    - {id: deck, title: Client deck, owner: Amara Okafor, due: "2026-03-03T12:00:00"}
```

docs/environments.md ("Workplace") describes every field.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from troupe_es.scenario.model import Strict
from troupe_es.scenario.schedule import ScheduleSpec, _at


class MeetingSpec(Strict):
    """A meeting on the schedule: when (``at``/``in``/``every``/``cron``), where, who, about what."""

    id: str = Field(min_length=1, max_length=200)
    title: str | None = None
    at: str | None = None
    in_: str | float | None = Field(default=None, alias="in")
    every: str | float | None = None
    cron: str | None = None
    room: str | None = None
    facilitator: str | None = None
    attendees: list[str] | None = None
    agenda: list[str] = Field(default_factory=list)
    priority: int = Field(default=0, ge=-1_000_000, le=1_000_000)

    @model_validator(mode="after")
    def _timing(self) -> "MeetingSpec":
        self.schedule_entry()  # the timing fields are a schedule entry's: the same checks, the same errors
        return self

    def schedule_entry(self) -> ScheduleSpec:
        """The schedule entry (kind ``meeting``) this meeting is."""
        data = {"title": self.title or self.id, "room": self.room, "facilitator": self.facilitator,
                "attendees": self.attendees, "agenda": list(self.agenda)}
        timing = {"at": self.at, "in": self.in_, "every": self.every, "cron": self.cron}
        try:
            return ScheduleSpec.model_validate({"id": f"meeting:{self.id}", "kind": "meeting",
                                                "priority": self.priority, "data": data,
                                                **{k: v for k, v in timing.items() if v is not None}})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"] if p != "__root__")
            message = first["msg"].removeprefix("Value error, ")
            raise ValueError(f"{where}: {message}" if where else message) from None


class TaskSpec(Strict):
    """A task with an owner and an optional due time (a date and time, or ``HH:MM``)."""

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    assigned_by: str | None = None
    due: str | None = None

    @field_validator("due", mode="before")
    @classmethod
    def _valid_due(cls, value: Any) -> Any:
        return None if value is None else _at(value)


class WorkplaceSpec(Strict):
    """Rooms, roles, reporting lines, meetings and tasks of the scenario's world."""

    rooms: list[str] = Field(default_factory=list)
    roles: dict[str, str] = Field(default_factory=dict)
    reports_to: dict[str, str] = Field(default_factory=dict)
    meetings: list[MeetingSpec] = Field(default_factory=list)
    tasks: list[TaskSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "WorkplaceSpec":
        for agent, manager in self.reports_to.items():
            if agent == manager:
                raise ValueError(f"reports_to: {agent!r} cannot report to themselves")
            seen, boss = {agent}, manager
            while boss in self.reports_to:  # the org chart is a tree: no reporting cycle
                if boss in seen:
                    raise ValueError(f"reports_to: a reporting cycle through {agent!r}")
                seen.add(boss)
                boss = self.reports_to[boss]
        for kind, items in (("meetings", self.meetings), ("tasks", self.tasks)):
            ids = [x.id for x in items]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{kind}: duplicate id {dupes[0]!r}")
        for i, meeting in enumerate(self.meetings):
            if meeting.room is not None and meeting.room not in self.rooms:
                raise ValueError(f"meetings[{i}].room: unknown room {meeting.room!r} "
                                 f"(rooms: {', '.join(self.rooms) or 'none'})")
        return self

    def agent_refs(self) -> list[tuple[str, str]]:
        """``(field path, agent name)`` pairs the section names."""
        refs = [(f"workplace.roles.{a}", a) for a in self.roles]
        refs += [(f"workplace.reports_to.{a}", name) for a, m in self.reports_to.items() for name in (a, m)]
        for i, m in enumerate(self.meetings):
            if m.facilitator:
                refs.append((f"workplace.meetings[{i}].facilitator", m.facilitator))
            refs += [(f"workplace.meetings[{i}].attendees[{j}]", a) for j, a in enumerate(m.attendees or ())]
        for i, t in enumerate(self.tasks):
            refs.append((f"workplace.tasks[{i}].owner", t.owner))
            if t.assigned_by:
                refs.append((f"workplace.tasks[{i}].assigned_by", t.assigned_by))
        return refs
