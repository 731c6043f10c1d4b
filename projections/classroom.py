"""Classroom read model: who spoke how often, questions asked and answered, and engagement, from
a classroom world's folded state (``WorldState.classroom``; docs/environments.md, "Classroom").

Engagement of a person is the share of its turns in class in which it contributed at least once
— a remark to the class, a raised hand, a question or an answer (whispers do not count); the
class's engagement is the mean over the students, and participation the share of students who
were heard by the class at least once (a remark, a question or an answer)."""

from __future__ import annotations

from typing import Any

from troupe_es.domain import RunState
from troupe_es.domain.classroom import COUNTS


def class_report(state: RunState, world: str) -> dict[str, Any]:
    """The class at ``state``'s position: roster, floor, hands, segment, per-person counts and
    engagement, questions asked/answered and the open ones (JSON-compatible)."""
    room = state.worlds[world].classroom
    people: dict[str, dict[str, Any]] = {}
    for name in (room.teacher, *room.students):
        counts = {k: int((room.counts.get(name) or {}).get(k, 0)) for k in COUNTS}
        agent = state.agents.get(name)
        turns = (agent.turns if agent is not None else 0) - room.turns_at_open.get(name, 0)
        engagement = round(counts["active_turns"] / turns, 4) if turns > 0 else 0.0
        people[name] = {"role": "teacher" if name == room.teacher else "student", "turns": turns,
                        **counts, "engagement": engagement}
    students = [people[s] for s in room.students]
    heard = [s for s in students if s["remarks"] + s["asked"] + s["answered"] > 0]
    return {
        "world": world, "position": state.position, "clock": state.worlds[world].clock,
        "teacher": room.teacher, "students": list(room.students), "topic": room.topic,
        "segment": room.segment, "segments": list(room.segments),
        "floor": room.floor or room.teacher,
        "hands": [{"student": who, "content": note} for who, note in room.hands],
        "questions": {"asked": room.asked, "answered": len(room.answered), "answers": room.answers,
                      "open": [{"id": q.question_id, "by": q.by, "to": q.to, "question": q.text}
                               for q in room.open_questions]},
        "engagement": round(sum(s["engagement"] for s in students) / len(students), 4) if students else 0.0,
        "participation": round(len(heard) / len(students), 4) if students else 0.0,
        "people": people,
    }


def classrooms(state: RunState) -> list[str]:
    """The worlds of ``state`` that are classrooms, in order."""
    return [name for name, w in state.worlds.items() if w.classroom is not None]


def people_frame(report: dict[str, Any]) -> Any:
    """The per-person rows of a :func:`class_report` as a polars DataFrame (polars imported
    here, lazily)."""
    import polars as pl

    return pl.DataFrame([{"name": name, **row} for name, row in report["people"].items()])
