"""The session controller's pure decisions, the classroom fold and its snapshots, and the
classroom section's scenario errors (docs/environments.md, "Classroom")."""

from __future__ import annotations

import dataclasses
import random

import pytest
import yaml

from tests.cli.helpers import troupe_in_process
from tests.schedule.helpers import events, run
from troupe_es.commands.classroom import classroom_lines
from troupe_es.commands.classroom.control import classroom_deliveries, decide_call, decide_classroom
from troupe_es.domain import AgentState, RunState, WorldState
from troupe_es.domain.classroom import ClassroomState, OpenQuestion
from troupe_es.domain.evolve import fold_state
from troupe_es.events import ActionTaken, Recorded

T, S = "Teacher", ("Ana", "Ben", "Cy")


def state(**room: object) -> RunState:
    cls = ClassroomState(teacher=T, students=S, topic="fractions", segments=("Halves",), segment=1,
                         **room)  # type: ignore[arg-type]
    world = WorldState(name="Room", members=(T, *S), classroom=cls)
    agents = {n: AgentState(name=n, persona={"name": n}, world="Room", turns=2) for n in (T, *S)}
    return RunState(seed=3, agents=agents, worlds={"Room": world})


def act(agent: str, action: str, content: str = "hello", target: str | None = None, index: int = 0) -> ActionTaken:
    return ActionTaken(agent=agent, action=action, content=content, target=target, index=index)


def types(events_: list) -> list[str]:
    return [e.type for e in events_]


def test_a_student_without_the_floor_raises_a_hand_once_per_turn_and_is_not_heard():
    s = state()
    turn = [act("Ana", "TALK"), act("Ana", "ASK", "why?", index=1), act("Ana", "RAISE_HAND", index=2)]
    out = decide_classroom(s, "Ana", turn)
    assert types(out) == ["HandRaised"]
    assert out[0].reason == "spoke out of turn" and out[0].content == "hello"
    for a in turn:
        assert classroom_deliveries(s, a) == []
    up = state(hands=(("Ana", "earlier"),))
    assert decide_classroom(up, "Ana", [act("Ana", "ANSWER")]) == []  # the hand stays where it is


def test_a_talk_to_a_classmate_without_the_floor_is_a_whisper():
    s = state()
    whisper = act("Ana", "TALK", "psst", target="Ben")
    [event] = decide_classroom(s, "Ana", [whisper])
    assert event.type == "RemarkMade" and event.whispered and event.to == "Ben"
    [(stream, heard)] = classroom_deliveries(s, whisper)
    assert stream == "agent/Ben" and heard.content == "(whispered) psst" and heard.source == "Ana"
    to_teacher = act("Ana", "TALK", target=T)
    assert types(decide_classroom(s, "Ana", [to_teacher])) == ["HandRaised"]
    assert classroom_deliveries(s, to_teacher) == []


def test_the_floor_holder_is_heard_answers_the_open_question_and_yields():
    q = OpenQuestion("q-1-Teacher-0", T, None, "What is half of 8?")
    s = state(floor="Ben", open_questions=(q,))
    turn = [act("Ben", "TALK", "Four"), act("Ben", "TALK", "I think", index=1), act("Ben", "ASK", "And 9?", index=2)]
    out = decide_classroom(s, "Ben", turn)
    assert types(out) == ["QuestionAnswered", "RemarkMade", "QuestionAsked", "FloorYielded"]
    assert out[0].question_id == q.question_id and out[0].answer == "Four"
    assert out[2].to == T and out[2].question_id == "q-0-Ben-2"
    assert classroom_deliveries(s, turn[0]) is None  # delivered as usual
    heard = classroom_deliveries(s, turn[2])
    assert sorted(e.agent for _, e in heard) == ["Ana", "Cy", T] and heard[0][1].content == "Question: And 9?"
    refused = decide_classroom(s, "Ben", [act("Ben", "RAISE_HAND")])
    assert types(refused) == ["ClassActionRefused", "FloorYielded"]


def test_call_on_by_name_next_and_anyone():
    s = state(hands=(("Cy", ""), ("Ana", "")))
    calls = [act(T, "CALL_ON", "next"), act(T, "CALL_ON", "ben", index=1), act(T, "CALL_ON", "Zed", index=2)]
    out = decide_classroom(s, T, calls)
    assert [(e.type, getattr(e, "student", None), getattr(e, "how", None)) for e in out] == [
        ("FloorGranted", "Cy", "queue"), ("FloorGranted", "Ben", "called"), ("ClassActionRefused", None, None)]
    assert "'Zed' is not a student here" in out[2].reason
    room = s.worlds["Room"].classroom
    drawn = [decide_call(room, "Room", T, "anyone", ["Ana", "Cy"], random.Random(i)).student for i in range(20)]
    assert set(drawn) == {"Ana", "Cy"}  # anyone: among the raised hands
    nobody = [decide_call(room, "Room", T, "next", [], random.Random(i)).student for i in range(30)]
    assert set(nobody) == set(S)  # no hand up: a draw among all students
    again = decide_classroom(s, T, [act(T, "CALL_ON", "anyone")])
    assert again == decide_classroom(s, T, [act(T, "CALL_ON", "anyone")])  # seeded by the run: deterministic


def test_teacher_asks_the_class_or_a_student_and_answers_a_students_question():
    s = state()
    out = decide_classroom(s, T, [act(T, "ASK", "Half of 6?"), act(T, "ASK", "Half of 10?", target="Cy", index=1)])
    assert [(e.type, getattr(e, "to", None)) for e in out] == [
        ("QuestionAsked", None), ("QuestionAsked", "Cy"), ("FloorGranted", None)]
    assert out[2].student == "Cy" and out[2].how == "asked"
    asked = state(open_questions=(OpenQuestion("q-1-Ana-0", "Ana", T, "Why?"),))
    assert types(decide_classroom(asked, T, [act(T, "TALK", "Because"), act(T, "TALK", "More", index=1)])) == [
        "QuestionAnswered", "RemarkMade"]


def _rec(position: int, event: object) -> Recorded:
    from datetime import datetime, timezone

    return Recorded(position=position, run_id="r", stream="world/Room", stream_version=position, event_id=f"e{position}",
                    event=event, recorded_at=datetime(2026, 1, 1, tzinfo=timezone.utc), sim_time=None,
                    causation_id=None, content_hash="", chain_hash="")  # type: ignore[arg-type]


def test_the_fold_keeps_the_queue_the_floor_counts_and_survives_snapshots():
    from troupe_es.events import ClassActionRefused, FloorGranted, HandRaised, QuestionAsked

    s = state()
    events_ = [HandRaised(world="Room", student="Cy", turn=2), HandRaised(world="Room", student="Ana", turn=2),
               HandRaised(world="Room", student="Cy", turn=3),
               FloorGranted(world="Room", student="Cy", by=T, how="queue"),
               ClassActionRefused(world="Room", agent=T, action="CALL_ON", content="Zed", reason="no such student")]
    events_ += [QuestionAsked(world="Room", question_id=f"q{i}", by=T, question="?", turn=2) for i in range(10)]
    after = fold_state([_rec(i + 1, e) for i, e in enumerate(events_)], s)
    room = after.worlds["Room"].classroom
    assert room.floor == "Cy" and room.hands == (("Ana", ""),)  # the hand went down with the floor
    assert room.counts["Cy"]["hands"] == 2 and room.counts["Cy"]["active_turns"] == 2
    assert room.asked == 10 and len(room.open_questions) == 8 and room.counts[T]["active_turns"] == 1
    assert after.agents[T].feedback == ("Your CALL_ON was refused: no such student",)
    assert RunState.from_dict(after.to_dict()) == after
    from troupe_es.snapshots import state_dict

    assert RunState.from_dict(state_dict(after)) == after


def test_prompt_sections_offer_choices_to_the_mock():
    s = state(hands=(("Ana", "a question"),), open_questions=(OpenQuestion("q", T, None, "Half of 4?"),))
    teacher = "\n".join(classroom_lines(s, T))
    assert "Choices for CALL_ON: Ana | next" in teacher and "Hands raised (in order): Ana (a question)." in teacher
    ben = "\n".join(classroom_lines(s, "Ben"))
    assert "Choices for RAISE_HAND:" in ben and "Choices for ANSWER:" in ben and "Open question from Teacher" in ben
    ana = "\n".join(classroom_lines(s, "Ana"))
    assert "Your hand is up (1 of 1 in the queue)." in ana and "Choices for RAISE_HAND" not in ana


PEOPLE = [{"name": n, "age": 12, "occupation": {"title": "Student"}} for n in ("Tess", "Al", "Bo")]


def write(tmp_path, classroom: dict, script: list | None = None) -> str:
    data = {"name": "class-test", "seed": 4, "world": {"name": "Lab", "start": "2026-03-02T09:00:00", "step": "10m"},
            "personas": PEOPLE, "classroom": classroom, "script": script or [{"run": 2}]}
    path = tmp_path / "class.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("classroom, message", [
    ({"teacher": "Zed"}, "classroom.teacher: unknown agent 'Zed'"),
    ({"teacher": "Tess", "students": ["Al", "Tess"]}, "classroom.students[1]: 'Tess' is the teacher"),
    ({"teacher": "Tess", "students": ["Al", "Al"]}, "classroom.students[1]: 'Al' is listed twice"),
    ({"teacher": "Tess", "lesson": [{"title": "X"}]}, "give at or in"),
    ({"teacher": "Tess", "lesson": [{"title": "X", "at": 9}]}, "quote a time of day"),
    ({"teacher": "Tess", "pupils": ["Al"]}, "pupils"),
])
def test_bad_classroom_sections_are_one_line_errors(tmp_path, classroom, message):
    res = troupe_in_process("run", write(tmp_path, classroom), store=f"sqlite:///{tmp_path / 't.db'}")
    assert res.code == 1 and message in res.err and "Traceback" not in res.err


def test_no_students_is_an_error(tmp_path):
    data = {"name": "c", "world": {"name": "Lab"}, "personas": PEOPLE[:1], "classroom": {"teacher": "Tess"},
            "script": [{"run": 1}]}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    res = troupe_in_process("run", str(path), store=f"sqlite:///{tmp_path / 't.db'}")
    assert res.code == 1 and "the class has no students" in res.err


def test_segments_start_in_or_at_and_a_cancelled_segment_never_starts(tmp_path):
    lesson = [{"title": "One", "at": "09:00"}, {"title": "Two", "in": "10m"}, {"title": "Three", "at": "09:20"}]
    path = write(tmp_path, {"teacher": "Tess", "topic": "maps", "lesson": lesson},
                 script=[{"run": 1}, {"cancel": "lesson-2"}, {"run": 3}])
    url = f"sqlite:///{tmp_path / 't.db'}"
    run_id = run(path, url)
    started = [(r.event.index, r.event.title) for r in events(url, run_id, "LessonSegmentStarted")]
    assert started == [(1, "One"), (3, "Three")]
    opened = events(url, run_id, "ClassroomOpened")[0].event
    assert opened.students == ["Al", "Bo"] and opened.segments == ["One", "Two", "Three"]
    scheduled = [r.event for r in events(url, run_id, "EventScheduled")]
    assert [(e.schedule_id, e.kind, e.source) for e in scheduled] == [
        (f"lesson-{i}", "lesson_segment", "classroom") for i in (1, 2, 3)]
    assert [e.due.strftime("%H:%M") for e in scheduled] == ["09:00", "09:10", "09:20"]  # in: after the start


def test_engagement_is_the_share_of_turns_with_a_contribution(tmp_path):
    import json

    from troupe_es.projections.classroom import people_frame

    url = f"sqlite:///{tmp_path / 't.db'}"
    run_id = run(write(tmp_path, {"teacher": "Tess", "lesson": [{"title": "One", "at": "09:00"}]},
                       script=[{"run": 6}]), url)
    res = troupe_in_process("classroom", run_id, "--json", store=url)
    report = json.loads(res.out)
    for name, p in report["people"].items():
        assert p["turns"] == 6
        assert p["engagement"] == round(p["active_turns"] / 6, 4)
        assert p["active_turns"] <= min(6, p["remarks"] + p["hands"] + p["asked"] + p["answered"])
    students = [report["people"][s] for s in report["students"]]
    assert report["engagement"] == round(sum(p["engagement"] for p in students) / len(students), 4)
    heard = [p for p in students if p["remarks"] + p["asked"] + p["answered"]]
    assert report["participation"] == round(len(heard) / len(students), 4)
    frame = people_frame(report)
    assert frame.height == 3 and set(frame["name"]) == {"Tess", "Al", "Bo"}
    assert dataclasses.is_dataclass(ClassroomState)
