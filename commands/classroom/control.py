"""The session controller: who may speak in a classroom, as pure functions of the state a turn
was decided on (docs/environments.md, "Classroom").

* The teacher always has the floor. CALL_ON gives it to a student: a name (``called``, whether
  the hand is up or not), ``next`` (the first raised hand, ``queue``) or ``anyone`` (a seeded
  draw among the raised hands, or among all students when none is up: ``drawn``). With no hand
  up, ``next`` draws too. ASK puts a question to the class, or to its target student, who then
  gets the floor (``asked``). Its first TALK while a student's question is open answers it.
* A student with the floor is heard by the class: TALK is a remark, ASK a question, ANSWER (and
  the first TALK while a question is open to it) answers the newest open question. Its floor
  ends with its turn (``FloorYielded``).
* A student without the floor is not heard by the class: TALK to a classmate is a whisper only
  that classmate hears; TALK to the teacher or everyone, ASK, ANSWER and RAISE_HAND become a
  raised hand (one per turn; a hand already up stays where it is in the queue).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from troupe_es.domain import RunState
from troupe_es.domain.classroom import ClassroomState
from troupe_es.events import (
    ActionTaken,
    ClassActionRefused,
    Event,
    FloorGranted,
    FloorYielded,
    HandRaised,
    QuestionAnswered,
    QuestionAsked,
    RemarkMade,
    StimulusPerceived,
)

TEACHER_ACTIONS = ("CALL_ON", "ASK")
STUDENT_ACTIONS = ("RAISE_HAND", "ASK", "ANSWER")
_OUT_OF_TURN = {"TALK": "spoke out of turn", "ASK": "asked out of turn", "ANSWER": "answered out of turn",
                "RAISE_HAND": "raised"}


def classroom_of(state: RunState, agent: str) -> tuple[str, ClassroomState] | None:
    """``(world, classroom)`` of ``agent``'s world, when it is a classroom the agent is in."""
    a = state.agents.get(agent)
    world = state.worlds.get(a.world) if a is not None and a.world else None
    room = getattr(world, "classroom", None) if world is not None else None
    if room is None or (agent != room.teacher and agent not in room.students):
        return None
    return world.name, room


def _student(room: ClassroomState, text: str) -> str | None:
    folded = " ".join(text.split()).casefold()
    return next((s for s in room.students if s.casefold() == folded), None)


def decide_call(room: ClassroomState, world: str, teacher: str, content: str, hands: list[str],
                rng: random.Random) -> Event:
    """``FloorGranted`` for a CALL_ON, or ``ClassActionRefused`` (pure; ``hands`` is the queue
    as the turn goes, ``rng`` seeded by the run)."""
    text = content.strip()
    word = text.casefold()
    if word in ("", "next") and hands:
        return FloorGranted(world=world, student=hands[0], by=teacher, how="queue")
    if word in ("", "next", "anyone", "someone", "a student"):
        pool = hands if word == "anyone" and hands else list(room.students)
        return FloorGranted(world=world, student=rng.choice(pool), by=teacher, how="drawn")
    student = _student(room, text)
    if student is None:
        return ClassActionRefused(world=world, agent=teacher, action="CALL_ON", content=text,
                                  reason=f"{text!r} is not a student here (students: {', '.join(room.students)})")
    return FloorGranted(world=world, student=student, by=teacher, how="called")


def decide_teacher(state: RunState, world: str, room: ClassroomState, teacher: str, step: int,
                   actions: Sequence[ActionTaken]) -> list[Event]:
    """The classroom events of the teacher's actions."""
    events: list[Event] = []
    hands = [who for who, _ in room.hands]
    turn = state.agents[teacher].turns
    question = room.question_for(teacher)
    for a in actions:
        if a.action == "CALL_ON":
            rng = random.Random(f"{state.seed}:{world}:{teacher}:{turn}:{a.index}:call")
            event = decide_call(room, world, teacher, a.content or (a.target or ""), hands, rng)
            events.append(event)
            if isinstance(event, FloorGranted) and event.student in hands:
                hands.remove(event.student)
        elif a.action == "ASK":
            to = a.target if a.target in room.students else None
            events.append(QuestionAsked(world=world, question_id=f"q-{step}-{teacher}-{a.index}", by=teacher,
                                        to=to, question=a.content, turn=turn))
            if to is not None:
                events.append(FloorGranted(world=world, student=to, by=teacher, how="asked"))
        elif a.action == "TALK" and question is not None:
            events.append(QuestionAnswered(world=world, question_id=question.question_id, by=teacher,
                                           answer=a.content, turn=turn))
            question = None
        elif a.action == "TALK":
            events.append(RemarkMade(world=world, agent=teacher, to=a.target, turn=turn))
    return events


def decide_student(state: RunState, world: str, room: ClassroomState, student: str, step: int,
                   actions: Sequence[ActionTaken]) -> list[Event]:
    """The classroom events of a student's actions (see the module docstring)."""
    events: list[Event] = []
    turn = state.agents[student].turns
    if room.floor != student:
        hand = room.hand_up(student) is not None
        for a in actions:
            if a.action == "TALK" and a.target in room.students:
                events.append(RemarkMade(world=world, agent=student, to=a.target, whispered=True, turn=turn))
            elif a.action in _OUT_OF_TURN and not hand:
                events.append(HandRaised(world=world, student=student, content=a.content,
                                         reason=_OUT_OF_TURN[a.action], turn=turn))
                hand = True
        return events
    question = room.question_for(student)
    for a in actions:
        if a.action in ("TALK", "ANSWER") and question is not None:
            events.append(QuestionAnswered(world=world, question_id=question.question_id, by=student,
                                           answer=a.content, turn=turn))
            question = None
        elif a.action in ("TALK", "ANSWER"):
            events.append(RemarkMade(world=world, agent=student, to=a.target, turn=turn))
        elif a.action == "ASK":
            events.append(QuestionAsked(world=world, question_id=f"q-{step}-{student}-{a.index}", by=student,
                                        to=room.teacher, question=a.content, turn=turn))
        elif a.action == "RAISE_HAND":
            events.append(ClassActionRefused(world=world, agent=student, action="RAISE_HAND", content=a.content,
                                             reason="you already have the floor: just speak"))
    events.append(FloorYielded(world=world, student=student))
    return events


def decide_classroom(state: RunState, agent: str, turn: Sequence[Event]) -> list[Event]:
    """The session controller's decision for ``agent``'s turn (pure; ``state`` is the state the
    turn was decided on)."""
    found = classroom_of(state, agent)
    if found is None:
        return []
    world, room = found
    step = state.worlds[world].step
    actions = [e for e in turn if isinstance(e, ActionTaken) and e.agent == agent and e.action != "DONE"]
    if agent == room.teacher:
        return decide_teacher(state, world, room, agent, step, actions)
    return decide_student(state, world, room, agent, step, actions)


def classroom_deliveries(state: RunState, action: ActionTaken) -> list[tuple[str, Event]] | None:
    """Who perceives an action in a classroom (None: not a classroom action, deliver as usual).

    The teacher's TALK goes as usual; its ASK is heard by everyone. The floor holder's TALK goes
    as usual, its ASK and ANSWER are heard by everyone. Without the floor a TALK to a classmate is
    heard by that classmate only, as a whisper; nothing else of the student is heard."""
    found = classroom_of(state, action.agent)
    if found is None:
        return None
    world, room = found
    if action.action not in ("TALK", "ASK", "ANSWER", "RAISE_HAND", "CALL_ON"):
        return None
    if action.action == "TALK" and room.has_floor(action.agent):
        return None
    if action.action == "TALK" and action.target in room.students:
        return [(f"agent/{action.target}", StimulusPerceived(
            agent=action.target, kind="listen", content=f"(whispered) {action.content}", source=action.agent))]
    if action.action in ("ASK", "ANSWER") and room.has_floor(action.agent):
        hearers = state.worlds[world].accessible_to(action.agent)
        label = "Question" if action.action == "ASK" else "Answer"
        return [(f"agent/{h}", StimulusPerceived(agent=h, kind="listen", content=f"{label}: {action.content}",
                                                 source=action.agent)) for h in hearers]
    return []
