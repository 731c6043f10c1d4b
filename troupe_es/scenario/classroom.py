"""The scenario's ``classroom:`` section: the world is a classroom with a teacher, students and a
lesson plan (docs/environments.md, "Classroom").

```yaml
classroom:
  teacher: Ms Rivera
  students: [Ana, Ben, Chloe, Dev]     # optional: default everyone but the teacher
  topic: the water cycle
  lesson:                              # segments, each a scheduled item (kind lesson_segment)
    - {title: Evaporation, at: "09:00", task: "Explain how water rises", questions: ["Why do puddles dry?"]}
    - {title: Condensation, in: 30m}
```
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from troupe_es.scenario.model import Strict
from troupe_es.scenario.schedule import ScheduleSpec, _at, _duration

MAX_SEGMENTS = 100


class SegmentSpec(Strict):
    """One segment of the lesson plan: when it starts (``at`` or ``in``), its title, task and
    the questions the teacher may ask in it."""

    title: str = Field(min_length=1, max_length=200)
    at: str | None = None
    in_: str | float | None = Field(default=None, alias="in")
    task: str = Field(default="", max_length=2000)
    questions: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("at", mode="before")
    @classmethod
    def _valid_at(cls, value: Any) -> Any:
        return None if value is None else _at(value)

    @field_validator("in_")
    @classmethod
    def _valid_in(cls, value: Any) -> Any:
        return _duration(value)

    @model_validator(mode="after")
    def _when(self) -> "SegmentSpec":
        if self.at is None and self.in_ is None:
            raise ValueError("say when the segment starts: give at or in")
        if self.at is not None and self.in_ is not None:
            raise ValueError("give at or in, not both")
        return self


class ClassroomSpec(Strict):
    """The ``classroom:`` section (see the module docstring)."""

    teacher: str = Field(min_length=1)
    students: list[str] | None = Field(default=None, min_length=1)
    topic: str = Field(default="", max_length=500)
    lesson: list[SegmentSpec] = Field(default_factory=list, max_length=MAX_SEGMENTS)


LESSON_KIND = "lesson_segment"
"""The schedule kind of a lesson plan's segments (the classroom capability reacts to it)."""


def lesson_schedule(spec: ClassroomSpec | None) -> list[ScheduleSpec]:
    """The schedule entries of the lesson plan (docs/schedule.md): one item per segment, id
    ``lesson-N``, kind ``lesson_segment`` with the segment as data."""
    entries = []
    for i, seg in enumerate(spec.lesson if spec is not None else (), start=1):
        when = {"at": seg.at} if seg.at is not None else {"in": seg.in_}
        data = {"index": i, "title": seg.title, "task": seg.task, "questions": list(seg.questions)}
        entries.append(ScheduleSpec.model_validate({"id": f"lesson-{i}", **when, "kind": LESSON_KIND, "data": data}))
    return entries


def check_classroom(spec: ClassroomSpec | None, names: list[str], check: Any, where: str) -> None:
    """The teacher and students are personas (``check(path, name)`` raises), the teacher is not
    a student, nobody is listed twice, and there is at least one student."""
    from troupe_es.errors import ScenarioError

    if spec is None:
        return
    check("classroom.teacher", spec.teacher)
    students = spec.students if spec.students is not None else [n for n in names if n != spec.teacher]
    for i, name in enumerate(spec.students or ()):
        check(f"classroom.students[{i}]", name)
        if name == spec.teacher:
            raise ScenarioError(f"{where}: classroom.students[{i}]: {name!r} is the teacher")
        if name in spec.students[:i]:
            raise ScenarioError(f"{where}: classroom.students[{i}]: {name!r} is listed twice")
    if not students:
        raise ScenarioError(f"{where}: classroom: the class has no students (add personas besides the teacher)")
