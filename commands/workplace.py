"""The workplace capability: an org chart, meetings on the schedule, tasks with deadlines.

* ``DefineWorkplace`` (the scenario's ``workplace:`` section) records ``WorkplaceDefined`` and the
  ``TaskAssigned`` events, and puts every meeting (kind ``meeting``) and every task's due time
  (kind ``task_deadline``) on the world's schedule.
* :func:`on_meeting` — the schedule's reaction to a meeting: ``MeetingStarted``, the attendees
  move to its room and hear the agenda; the facilitator is reminded to lead it.
* :func:`on_deadline` — a task still open at its due time: ``DeadlineMissed``, and its owner is told.
* :data:`WORKPLACE` — the turn capability: an agent's role, manager, reports and open tasks in
  its prompt, and the ``COMPLETE_TASK`` action (content: a task id) that records ``TaskCompleted``.
  An id that is not one of the agent's open tasks becomes a thought the agent perceives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from troupe_es.commands.models import Command, Perceive
from troupe_es.commands.schedule import ScheduleItem
from troupe_es.commands.turn import Preparation
from troupe_es.domain import RunState
from troupe_es.events import (
    ActionTaken,
    CognitiveStateChanged,
    DeadlineMissed,
    Event,
    MeetingStarted,
    ScheduledEventFired,
    StimulusPerceived,
    TaskAssigned,
    TaskCompleted,
    WorkplaceDefined,
)
from troupe_es.scenario.schedule import item_arguments

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

COMPLETE_TASK = "COMPLETE_TASK"


class DefineWorkplace(Command):
    """Make a world a workplace from a scenario's ``workplace:`` section (its JSON form)."""

    world: str
    spec: dict[str, Any]


def define_workplace(cmd: DefineWorkplace, bus: "MessageBus") -> list["Recorded"]:
    """Record the org chart and the tasks, then schedule the meetings and the task deadlines.
    Idempotent: what the state already has is left alone (a resumed set-up)."""
    from troupe_es.scenario.workplace import WorkplaceSpec

    bus.require_world(cmd.world)
    spec = WorkplaceSpec.model_validate(cmd.spec)
    for path, name in spec.agent_refs():
        bus.require_agent(name, f"{path}: ")
    state = bus.state
    events: list[Event] = []
    if state.workplace is None:
        events.append(WorkplaceDefined(world=cmd.world, rooms=list(spec.rooms), roles=dict(spec.roles),
                                       reports_to=dict(spec.reports_to)))
    known = {t.id for t in state.workplace.tasks} if state.workplace else set()
    for task in spec.tasks:
        if task.id not in known:
            boss = task.assigned_by or spec.reports_to.get(task.owner)
            due = None
            if task.due is not None:
                due = ScheduleItem(world=cmd.world, kind="task_deadline", at=task.due)
            events.append(TaskAssigned(task=task.id, title=task.title, owner=task.owner, assigned_by=boss,
                                       due=_due_of(state, due) if due else None))
    recorded = bus.record([bus.new(f"world/{cmd.world}", e, world=cmd.world) for e in events])
    pending = {it.id for it in bus.state.schedule.pending}
    for meeting in spec.meetings:
        entry = meeting.schedule_entry()
        if entry.id not in pending:
            recorded += bus.handle(ScheduleItem(world=cmd.world, **item_arguments(entry, source="workplace")))
    for task in spec.tasks:
        if task.due is not None and f"deadline:{task.id}" not in pending:
            recorded += bus.handle(ScheduleItem(world=cmd.world, kind="task_deadline", at=task.due,
                                                id=f"deadline:{task.id}", data={"task": task.id},
                                                source="workplace"))
    return recorded


def _due_of(state: RunState, item: ScheduleItem) -> Any:
    from troupe_es.commands.schedule import decide_schedule

    return decide_schedule(state, item).due


def on_meeting(state: RunState, fired: ScheduledEventFired) -> list[Any]:
    """A meeting starts: ``MeetingStarted``; attendees (default: everyone in the world) move to its
    room and hear the agenda; the facilitator is reminded to lead it."""
    data = fired.data
    world = state.worlds.get(fired.world)
    members = world.members if world else ()
    attendees = [a for a in (data.get("attendees") or members) if a in state.agents]
    agenda = [str(x) for x in data.get("agenda") or ()]
    title = str(data.get("title") or fired.schedule_id)
    room, facilitator = data.get("room"), data.get("facilitator")
    out: list[Any] = [MeetingStarted(meeting=fired.schedule_id.removeprefix("meeting:"), world=fired.world,
                                     title=title, room=room, facilitator=facilitator, attendees=attendees,
                                     agenda=agenda, occurrence=fired.occurrence)]
    where = f" in {room}" if room else ""
    led = f", facilitated by {facilitator}" if facilitator else ""
    points = "; ".join(f"{i}. {item}" for i, item in enumerate(agenda, 1)) or "no agenda"
    text = f"The meeting '{title}' starts now{where}{led}. Attending: {', '.join(attendees)}. Agenda: {points}."
    for name in attendees:
        if room and state.agents[name].location != room:
            out.append((f"agent/{name}", CognitiveStateChanged(agent=name, location=room)))
        out.append(Perceive(agent=name, kind="listen", content=text, source="calendar"))
    if facilitator in state.agents:
        out.append(Perceive(agent=facilitator, kind="think", content=(
            f"I facilitate '{title}': open it, take the agenda point by point, ask everyone, agree on next steps.")))
    return out


def on_deadline(state: RunState, fired: ScheduledEventFired) -> list[Any]:
    """A task's due time came: if it is still open, ``DeadlineMissed`` and its owner is told."""
    wp = state.workplace
    task = wp.task(str(fired.data.get("task"))) if wp else None
    if task is None or task.status != "open":
        return []
    return [(f"agent/{task.owner}", DeadlineMissed(task=task.id, owner=task.owner, due=fired.due)),
            Perceive(agent=task.owner, kind="listen", source=task.assigned_by or "calendar",
                     content=f"The deadline for task {task.id} ('{task.title}') has passed and it is not done.")]


def task_lines(state: RunState, agent: str) -> list[str]:
    """The workplace section of an agent's prompt: role, reporting lines, rooms, open tasks."""
    wp = state.workplace
    if wp is None:
        return []
    parts = []
    if agent in wp.roles:
        parts.append(f"your role: {wp.roles[agent]}")
    if agent in wp.reports_to:
        parts.append(f"you report to {wp.reports_to[agent]}")
    reports = wp.reports(agent)
    if reports:
        parts.append("reporting to you: " + ", ".join(reports))
    lines = ["Workplace: " + "; ".join(parts) + "." if parts else "Workplace."]
    if wp.rooms:
        lines.append("Rooms: " + ", ".join(wp.rooms) + ".")
    tasks = wp.open_tasks(agent)
    if tasks:
        lines.append("Your open tasks (report one done with COMPLETE_TASK, the task id as content):")
        for t in tasks:
            due = f", due {t.due[:16].replace('T', ' ')}" if t.due else ""
            lines.append(f"- {t.id}: {t.title}{due}" + (" (deadline missed)" if t.status == "missed" else ""))
        lines.append(f"Choices for {COMPLETE_TASK}: " + " | ".join(t.id for t in tasks))
    return lines


def decide_tasks(state: RunState, agent: str, turn: Sequence[Event]) -> list[Event]:
    """``TaskCompleted`` for each ``COMPLETE_TASK`` naming one of the agent's open tasks; any
    other content becomes a thought the agent perceives (pure)."""
    wp = state.workplace
    open_ids = {t.id: t for t in wp.open_tasks(agent)} if wp else {}
    out: list[Event] = []
    for event in turn:
        if not (isinstance(event, ActionTaken) and event.action == COMPLETE_TASK):
            continue
        task = open_ids.pop(event.content.strip(), None)
        if task is not None:
            out.append(TaskCompleted(task=task.id, owner=agent, late=task.status == "missed"))
        else:
            listed = ", ".join(open_ids) or "none"
            out.append(StimulusPerceived(agent=agent, kind="think", source="workplace", content=(
                f"COMPLETE_TASK {event.content.strip()!r} did nothing: it is not one of my open tasks ({listed}).")))
    return out


class WorkplaceCapability:
    """The workplace's contribution to a turn (see the module docstring)."""

    name = "workplace"

    def active(self, state: RunState, agent: str) -> bool:
        wp = state.workplace
        return wp is not None and state.agents[agent].world == wp.world

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return (COMPLETE_TASK,) if state.workplace and state.workplace.open_tasks(agent) else ()

    def section(self, state: RunState, agent: str) -> list[str]:
        return task_lines(state, agent)

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(task_lines(state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        return decide_tasks(state, agent, turn)


WORKPLACE = WorkplaceCapability()
WORKPLACE_REACTIONS = {"meeting": on_meeting, "task_deadline": on_deadline}
"""The schedule kinds the workplace reacts to (merged into ``bootstrap.SCHEDULE_REACTIONS``)."""
WORKPLACE_HANDLERS = {DefineWorkplace: define_workplace}

