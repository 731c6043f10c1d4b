"""The classroom fold: roster and roles, who has the floor, the raised-hands queue, open
questions, the lesson segment, and per-person counts (docs/environments.md, "Classroom").

Kept in ``WorldState.classroom`` (None for other worlds), changed only by classroom events
through :data:`CLASSROOM_HANDLERS`, which :mod:`troupe_es.domain.evolve` merges into the fold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

COUNTS = ("remarks", "whispers", "hands", "asked", "answered", "floor", "active_turns")
"""Per-person counters the fold keeps (``floor``: times given the floor; ``active_turns``:
turns with at least one contribution — a remark to the class, a raised hand, a question or an
answer)."""
MAX_OPEN_QUESTIONS = 8


@dataclass(frozen=True)
class OpenQuestion:
    """A question not answered yet."""

    question_id: str
    by: str
    to: str | None
    text: str


@dataclass(frozen=True)
class ClassroomState:
    """A classroom world's session state."""

    teacher: str
    students: tuple[str, ...]
    topic: str = ""
    segments: tuple[str, ...] = ()
    segment: int = 0  # the lesson segment under way (1-based; 0: not started)
    task: str = ""
    questions: tuple[str, ...] = ()  # the current segment's planned questions
    floor: str | None = None  # the student holding the floor (None: the teacher)
    hands: tuple[tuple[str, str], ...] = ()  # (student, what they want to say), queue order
    open_questions: tuple[OpenQuestion, ...] = ()
    asked: int = 0
    answered: tuple[str, ...] = ()  # ids of questions answered at least once
    answers: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    turns_at_open: dict[str, int] = field(default_factory=dict)
    last_active: dict[str, int] = field(default_factory=dict)  # the last turn with a contribution

    def has_floor(self, agent: str) -> bool:
        """The teacher always may speak; a student only while holding the floor."""
        return agent == self.teacher or agent == self.floor

    def hand_up(self, student: str) -> int | None:
        """1-based queue position of ``student``'s raised hand (None: hand down)."""
        for i, (who, _) in enumerate(self.hands):
            if who == student:
                return i + 1
        return None

    def question_for(self, agent: str) -> OpenQuestion | None:
        """The newest open question ``agent`` may answer (addressed to it or to the class, not
        its own)."""
        for q in reversed(self.open_questions):
            if q.by != agent and q.to in (None, agent):
                return q
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ClassroomState":
        d = dict(data)
        for key in ("students", "segments", "questions", "answered"):
            d[key] = tuple(d.get(key, ()))
        d["hands"] = tuple(tuple(h) for h in d.get("hands", ()))
        d["open_questions"] = tuple(OpenQuestion(**q) for q in d.get("open_questions", ()))
        return cls(**d)


def _class(s: Any, world: str) -> ClassroomState | None:
    w = s.worlds.get(world)
    return w.classroom if w is not None else None


def _with_class(s: Any, world: str, room: ClassroomState) -> Any:
    worlds = dict(s.worlds)
    worlds[world] = replace(worlds[world], classroom=room)
    return replace(s, worlds=worlds)


def _count(room: ClassroomState, agent: str, key: str, turn: int | None = None) -> ClassroomState:
    counts = dict(room.counts)
    mine = dict(counts.get(agent) or {k: 0 for k in COUNTS})
    mine[key] = mine.get(key, 0) + 1
    last = room.last_active
    if turn is not None and key != "floor" and key != "whispers" and last.get(agent) != turn:
        mine["active_turns"] = mine.get("active_turns", 0) + 1
        last = {**last, agent: turn}
    counts[agent] = mine
    return replace(room, counts=counts, last_active=last)


def _opened(s: Any, r: Any, e: Any) -> Any:
    people = [e.teacher, *e.students]
    room = ClassroomState(teacher=e.teacher, students=tuple(e.students), topic=e.topic,
                          segments=tuple(e.segments), counts={p: {k: 0 for k in COUNTS} for p in people},
                          turns_at_open={p: s.agents[p].turns if p in s.agents else 0 for p in people})
    return _with_class(s, e.world, room)


def _on(update: Callable[[ClassroomState, Any], ClassroomState]) -> Callable[[Any, Any, Any], Any]:
    def handler(s: Any, r: Any, e: Any) -> Any:
        room = _class(s, e.world)
        return s if room is None else _with_class(s, e.world, update(room, e))
    return handler


def _segment(room: ClassroomState, e: Any) -> ClassroomState:
    return replace(room, segment=e.index, task=e.task, questions=tuple(e.questions))


def _hand(room: ClassroomState, e: Any) -> ClassroomState:
    if room.hand_up(e.student) is None:
        room = replace(room, hands=room.hands + ((e.student, e.content),))
    return _count(room, e.student, "hands", e.turn)


def _granted(room: ClassroomState, e: Any) -> ClassroomState:
    room = replace(room, floor=e.student, hands=tuple(h for h in room.hands if h[0] != e.student))
    return _count(room, e.student, "floor")


def _yielded(room: ClassroomState, e: Any) -> ClassroomState:
    return replace(room, floor=None) if room.floor == e.student else room


def _remark(room: ClassroomState, e: Any) -> ClassroomState:
    return _count(room, e.agent, "whispers" if e.whispered else "remarks", e.turn)


def _asked(room: ClassroomState, e: Any) -> ClassroomState:
    q = OpenQuestion(e.question_id, e.by, e.to, e.question)
    room = replace(room, asked=room.asked + 1, open_questions=(room.open_questions + (q,))[-MAX_OPEN_QUESTIONS:])
    return _count(room, e.by, "asked", e.turn)


def _answered(room: ClassroomState, e: Any) -> ClassroomState:
    answered = room.answered if e.question_id in room.answered else room.answered + (e.question_id,)
    room = replace(room, answers=room.answers + 1, answered=answered,
                   open_questions=tuple(q for q in room.open_questions if q.question_id != e.question_id))
    return _count(room, e.by, "answered", e.turn)


def _refused(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents.get(e.agent)
    if agent is None:
        return s
    agents = dict(s.agents)
    agents[e.agent] = replace(agent, feedback=agent.feedback + (f"Your {e.action} was refused: {e.reason}",))
    return replace(s, agents=agents)


CLASSROOM_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "ClassroomOpened": _opened,
    "LessonSegmentStarted": _on(_segment),
    "HandRaised": _on(_hand),
    "FloorGranted": _on(_granted),
    "FloorYielded": _on(_yielded),
    "RemarkMade": _on(_remark),
    "QuestionAsked": _on(_asked),
    "QuestionAnswered": _on(_answered),
    "ClassActionRefused": _refused,
}
"""Classroom event type → fold handler (merged into :mod:`troupe_es.domain.evolve`)."""
