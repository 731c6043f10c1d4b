"""The lesson plan: each segment is an item on the world's schedule (kind ``lesson_segment``,
docs/schedule.md's extension point); firing it starts the segment. And setting a classroom up
(``ClassroomOpened``, the segments scheduled), idempotently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import Perceive
from troupe_es.commands.schedule import ScheduleItem
from troupe_es.domain import RunState
from troupe_es.events import ClassroomOpened, LessonSegmentStarted, ScheduledEventFired
from troupe_es.scenario.classroom import LESSON_KIND as KIND, ClassroomSpec, lesson_schedule
from troupe_es.scenario.schedule import item_arguments

if TYPE_CHECKING:
    from troupe_es.commands.plan import RunPlan
    from troupe_es.runtime import MessageBus

def on_lesson_segment(state: RunState, fired: ScheduledEventFired) -> list[Any]:
    """A segment's item fired: ``LessonSegmentStarted``, the teacher announces it to the students
    and takes its task as a goal (pure)."""
    world = state.worlds.get(fired.world)
    room = world.classroom if world is not None else None
    if room is None:
        return []
    data = fired.data
    title = str(data.get("title", ""))
    task = str(data.get("task", ""))
    started = LessonSegmentStarted(world=fired.world, index=int(data.get("index", 1)), title=title, task=task,
                                   questions=[str(q) for q in data.get("questions", ())])
    announce = f"Next in our lesson: {title}." + (f" {task}" if task else "")
    return [started, *(Perceive(agent=s, kind="listen", content=announce, source=room.teacher) for s in room.students),
            Perceive(agent=room.teacher, kind="internalize_goal", content=f"Teach {title}" + (f": {task}" if task else ""))]


def set_up_classroom(bus: "MessageBus", plan: "RunPlan") -> None:
    """Open the plan's classroom (unless its world is one) and schedule its lesson plan's
    segments that are neither pending nor started."""
    spec = plan.record.get("classroom")
    name = plan.world.name
    if not spec or name not in bus.state.worlds:
        return
    if bus.state.worlds[name].classroom is None:
        teacher = spec["teacher"]
        students = list(spec.get("students") or [p.name for p in plan.personas if p.name != teacher])
        bus.record([bus.new(f"world/{name}", ClassroomOpened(
            world=name, teacher=teacher, students=students, topic=spec.get("topic") or "",
            segments=[seg["title"] for seg in spec.get("lesson") or ()]), world=name)])
    room = bus.state.worlds[name].classroom
    for entry in lesson_schedule(ClassroomSpec.model_validate(spec)):
        if entry.data["index"] > room.segment and bus.state.schedule.item(entry.id) is None:
            bus.handle(ScheduleItem(world=name, **item_arguments(entry, source="classroom")))
