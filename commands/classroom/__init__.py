"""The classroom capability: a teacher, students and a session controller (docs/environments.md,
"Classroom").

Registered in ``bootstrap.CAPABILITIES``; active for the teacher and students of a world that is
a classroom (the scenario's ``classroom:`` section). It adds to a turn: a prompt section (the
lesson segment, who has the floor, raised hands, the open question, and ``Choices for KIND: ...``
lines), the action types CALL_ON and ASK (teacher) or RAISE_HAND, ASK and ANSWER (students), and
the controller's pure decision (:mod:`troupe_es.commands.classroom.control`). Lesson plans are
scheduled items (:mod:`troupe_es.commands.classroom.lesson`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from troupe_es.commands.classroom.control import (
    STUDENT_ACTIONS,
    TEACHER_ACTIONS,
    classroom_deliveries,
    classroom_of,
    decide_classroom,
)
from troupe_es.commands.classroom.lesson import KIND, on_lesson_segment, set_up_classroom
from troupe_es.commands.turn import Preparation, clip
from troupe_es.domain import RunState
from troupe_es.domain.classroom import ClassroomState
from troupe_es.events import Event

__all__ = ["CLASSROOM", "KIND", "classroom_deliveries", "classroom_lines", "on_lesson_segment", "set_up_classroom"]

STUDENT_RAISE = ("I have a question", "I want to add something")
STUDENT_ANSWERS = ("I think it is because of what we just read", "I am not sure, but maybe it depends on the case")


def _segment_line(room: ClassroomState) -> str:
    if room.segment == 0:
        return "The lesson has not started yet."
    total = len(room.segments) or room.segment
    title = room.segments[room.segment - 1] if room.segment <= len(room.segments) else ""
    return f"Lesson segment {room.segment}/{total}: {title}" + (f" — {room.task}" if room.task else "") + "."


def classroom_lines(state: RunState, agent: str, *, choices: bool = True) -> list[str]:
    """The classroom section of ``agent``'s prompt (pure)."""
    found = classroom_of(state, agent)
    if found is None:
        return []
    _, room = found
    topic = f" on {room.topic}" if room.topic else ""
    hands = [f"{who}" + (f" ({clip(note, 80)})" if note else "") for who, note in room.hands]
    question = room.question_for(agent)
    lines: list[str] = []
    if agent == room.teacher:
        lines.append(f"Classroom: you teach the class{topic}; your students: {', '.join(room.students)}.")
        lines.append(_segment_line(room))
        lines.append(f"{room.floor} has the floor." if room.floor else "You have the floor.")
        lines.append("Hands raised (in order): " + ("; ".join(hands) if hands else "none") + ".")
        if room.open_questions:
            q = room.open_questions[-1]
            lines.append(f"Open question from {q.by}: {clip(q.text, 200)}")
        if choices:
            lines.append("Actions here: CALL_ON gives a student the floor (content: a name, 'next' for the first "
                         "raised hand, 'anyone' for a random student); ASK asks the class a question (target: a "
                         "student to ask one).")
            called = [who for who, _ in room.hands] + (["next"] if room.hands else ["anyone"])
            lines.append("Choices for CALL_ON: " + " | ".join(called))
            asks = list(room.questions) or [f"What do you think about {room.topic or 'this'}?"]
            lines.append("Choices for ASK: " + " | ".join(" ".join(q.split()) for q in asks))
        return lines
    lines.append(f"Classroom: {room.teacher} teaches{topic}; you are a student.")
    lines.append(_segment_line(room))
    if room.floor == agent:
        lines.append("You have the floor: the class hears you (TALK, ASK, ANSWER) this turn; then it returns "
                     "to the teacher.")
    else:
        holder = room.floor or f"{room.teacher} (the teacher)"
        lines.append(f"{holder} has the floor. Without it, TALK to the class or the teacher, ASK and ANSWER "
                     "only raise your hand; TALK to a classmate is a whisper only they hear.")
    position = room.hand_up(agent)
    if position is not None:
        lines.append(f"Your hand is up ({position} of {len(room.hands)} in the queue).")
    if question is not None:
        lines.append(f"Open question from {question.by}: {clip(question.text, 200)}")
    if choices:
        lines.append("Actions here: RAISE_HAND asks for the floor (content: what you want to say); ASK asks a "
                     "question; ANSWER answers the open question.")
        if position is None and room.floor != agent:
            lines.append("Choices for RAISE_HAND: " + " | ".join(STUDENT_RAISE))
        title = room.segments[room.segment - 1] if 0 < room.segment <= len(room.segments) else room.topic or "this"
        lines.append(f"Choices for ASK: Could you explain {title} again? | Why does {title} matter?")
        if question is not None:
            lines.append("Choices for ANSWER: " + " | ".join(STUDENT_ANSWERS))
    return lines


class ClassroomCapability:
    """The classroom's contribution to a turn (see the module docstring)."""

    name = "classroom"

    def active(self, state: RunState, agent: str) -> bool:
        return classroom_of(state, agent) is not None

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        found = classroom_of(state, agent)
        if found is None:
            return ()
        return TEACHER_ACTIONS if agent == found[1].teacher else STUDENT_ACTIONS

    def section(self, state: RunState, agent: str) -> list[str]:
        return classroom_lines(state, agent, choices=False)

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(classroom_lines(state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        return decide_classroom(state, agent, turn)


CLASSROOM = ClassroomCapability()
"""The classroom capability instance ``bootstrap`` registers."""
