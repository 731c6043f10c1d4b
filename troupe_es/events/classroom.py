"""Classroom events: a teacher and students, who has the floor, raised hands, questions and
answers, and the lesson plan's segments (docs/environments.md, "Classroom").

Every event is decided by the session controller (:mod:`troupe_es.commands.classroom`) from a
turn's actions, or by the lesson plan's scheduled items; ``turn`` is the acting agent's turn
number in the state the turn was decided on (the engagement measure counts turns with a
contribution).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from troupe_es.events.base import Event


class ClassroomOpened(Event):
    """A world became a classroom: its teacher, its students in seating order, the topic and the
    lesson plan's segment titles."""

    type: Literal["ClassroomOpened"] = "ClassroomOpened"
    world: str
    teacher: str
    students: list[str] = Field(min_length=1, description="The students, in seating order.")
    topic: str = ""
    segments: list[str] = Field(default_factory=list, description="The lesson plan's segment titles, in order.")


class LessonSegmentStarted(Event):
    """A segment of the lesson plan began (its scheduled item fired); the teacher announces it."""

    type: Literal["LessonSegmentStarted"] = "LessonSegmentStarted"
    world: str
    index: int = Field(ge=1, description="1-based position in the lesson plan.")
    title: str
    task: str = ""
    questions: list[str] = Field(default_factory=list, description="Questions the teacher may ask in it.")


class HandRaised(Event):
    """A student's hand went up (RAISE_HAND, or speaking, asking or answering without the floor)."""

    type: Literal["HandRaised"] = "HandRaised"
    world: str
    student: str
    content: str = Field(default="", description="What the student wants to say or ask.")
    reason: Literal["raised", "spoke out of turn", "asked out of turn", "answered out of turn"] = "raised"
    turn: int = Field(default=0, ge=0)


class FloorGranted(Event):
    """The teacher gave a student the floor: by name (``called``), the first raised hand
    (``queue``), a seeded draw (``drawn``) or by asking the student a question (``asked``)."""

    type: Literal["FloorGranted"] = "FloorGranted"
    world: str
    student: str
    by: str
    how: Literal["called", "queue", "drawn", "asked"]


class FloorYielded(Event):
    """A student's turn with the floor ended: the floor is the teacher's again."""

    type: Literal["FloorYielded"] = "FloorYielded"
    world: str
    student: str


class RemarkMade(Event):
    """Someone spoke in class: to the class (the teacher, or the student with the floor), or a
    whisper to one classmate (a student without the floor)."""

    type: Literal["RemarkMade"] = "RemarkMade"
    world: str
    agent: str
    to: str | None = None
    whispered: bool = False
    turn: int = Field(default=0, ge=0)


class QuestionAsked(Event):
    """A question was put to the class or to one person."""

    type: Literal["QuestionAsked"] = "QuestionAsked"
    world: str
    question_id: str = Field(description="Deterministic: q-<step>-<agent>-<action index>.")
    by: str
    to: str | None = Field(default=None, description="Who must answer (None: the class).")
    question: str
    turn: int = Field(default=0, ge=0)


class QuestionAnswered(Event):
    """A question was answered (by the student with the floor, or the teacher)."""

    type: Literal["QuestionAnswered"] = "QuestionAnswered"
    world: str
    question_id: str
    by: str
    answer: str
    turn: int = Field(default=0, ge=0)


class ClassActionRefused(Event):
    """The controller refused a classroom action (an unknown student named, nobody to call on);
    the agent perceives ``reason`` as feedback in its next turn."""

    type: Literal["ClassActionRefused"] = "ClassActionRefused"
    world: str
    agent: str
    action: str
    content: str = ""
    reason: str
