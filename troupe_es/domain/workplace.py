"""The workplace a run's fold holds: rooms, roles, the org chart, tasks and meeting counts.

Changed only by workplace events through :data:`WORKPLACE_HANDLERS` (merged into the one fold by
:mod:`troupe_es.domain.evolve`); ``RunState.workplace`` is None in a run without a workplace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from troupe_es.events.canonical import iso_utc


@dataclass(frozen=True)
class Task:
    """One task: who owns it, when it is due, where it stands (open, done, missed, late)."""

    id: str
    title: str
    owner: str
    assigned_by: str | None = None
    due: str | None = None
    status: str = "open"  # open, done, missed (open past its due time), late (done after missing it)


@dataclass(frozen=True)
class WorkplaceState:
    """A world's rooms, roles and reporting lines, its tasks and how many meetings were held."""

    world: str
    rooms: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)
    reports_to: dict[str, str] = field(default_factory=dict)
    tasks: tuple[Task, ...] = ()
    meetings: int = 0

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    def open_tasks(self, owner: str) -> list[Task]:
        """``owner``'s tasks not done yet (missed ones included: they can still be done, late)."""
        return [t for t in self.tasks if t.owner == owner and t.status in ("open", "missed")]

    def reports(self, manager: str) -> list[str]:
        """Who reports to ``manager``, in name order."""
        return sorted(a for a, m in self.reports_to.items() if m == manager)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "WorkplaceState | None":
        if data is None:
            return None
        return cls(**{**data, "rooms": tuple(data.get("rooms", ())),
                      "tasks": tuple(Task(**t) for t in data.get("tasks", ()))})


def _with_task(s: Any, task: Task) -> Any:
    wp = s.workplace
    tasks = tuple(task if t.id == task.id else t for t in wp.tasks)
    return replace(s, workplace=replace(wp, tasks=tasks))


def _defined(s: Any, r: Any, e: Any) -> Any:
    return replace(s, workplace=WorkplaceState(world=e.world, rooms=tuple(e.rooms), roles=dict(e.roles),
                                               reports_to=dict(e.reports_to)))


def _assigned(s: Any, r: Any, e: Any) -> Any:
    wp = s.workplace or WorkplaceState(world=s.agents[e.owner].world or "")
    task = Task(e.task, e.title, e.owner, e.assigned_by, iso_utc(e.due))
    return replace(s, workplace=replace(wp, tasks=tuple(t for t in wp.tasks if t.id != e.task) + (task,)))


def _completed(s: Any, r: Any, e: Any) -> Any:
    task = s.workplace.task(e.task)
    return _with_task(s, replace(task, status="late" if e.late else "done"))


def _missed(s: Any, r: Any, e: Any) -> Any:
    return _with_task(s, replace(s.workplace.task(e.task), status="missed"))


def _meeting(s: Any, r: Any, e: Any) -> Any:
    wp = s.workplace or WorkplaceState(world=e.world)
    return replace(s, workplace=replace(wp, meetings=wp.meetings + 1))


WORKPLACE_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "WorkplaceDefined": _defined,
    "TaskAssigned": _assigned,
    "TaskCompleted": _completed,
    "DeadlineMissed": _missed,
    "MeetingStarted": _meeting,
}
"""Workplace event type → fold handler (merged into the one fold by ``evolve``)."""
