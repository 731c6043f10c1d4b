"""The classroom example end to end on the mock LLM, through the real CLI: the lesson plan's
segments fire from the schedule, hands go up, the teacher calls on students and asks, students
answer; the run replays verified, ``--parallel 8`` gives the same content hashes as
``--parallel 1``, and ``state --at P`` / ``classroom --at P`` show the class as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe_in_process
from tests.schedule.helpers import events, hashes, replay_verified, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "classroom.yaml")
ROOM = "Room 12"
STUDENTS = ["Ana", "Ben", "Chloe", "Dev"]


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('classroom') / 'troupe.db'}"
    return url, run(EXAMPLE, url, "--parallel", "1")


def report(url: str, run_id: str, *args: str) -> dict:
    res = troupe_in_process("classroom", run_id, "--json", *args, store=url)
    assert res.code == 0, res.err
    return json.loads(res.out)


def test_the_lesson_plan_runs_from_the_schedule(lesson):
    url, run_id = lesson
    types = [r.event.type for r in events(url, run_id)]
    assert types.count("ClassroomOpened") == 1
    started = [r.event for r in events(url, run_id, "LessonSegmentStarted")]
    assert [(e.index, e.title) for e in started] == [(1, "Evaporation"), (2, "Condensation"), (3, "Precipitation")]
    fired = [r.event for r in events(url, run_id, "ScheduledEventFired")]
    assert [e.kind for e in fired] == ["lesson_segment"] * 3
    heard = [r.event for r in events(url, run_id, "StimulusPerceived") if "Next in our lesson: Condensation" in r.event.content]
    assert sorted(e.agent for e in heard) == STUDENTS  # the teacher announced it to the class


def test_questions_are_asked_and_answered_and_hands_raised(lesson):
    url, run_id = lesson
    r = report(url, run_id)
    assert r["questions"]["asked"] >= 1 and r["questions"]["answered"] >= 1
    assert sum(p["hands"] for p in r["people"].values()) >= 3
    assert events(url, run_id, "FloorGranted")
    answered = {e.event.question_id for e in events(url, run_id, "QuestionAnswered")}
    asked = {e.event.question_id for e in events(url, run_id, "QuestionAsked")}
    assert answered and answered <= asked  # every answer answers a question that was asked


def test_students_are_heard_by_the_class_only_with_the_floor(lesson):
    url, run_id = lesson
    from troupe_es.snapshots import state_at
    from troupe_es.store import open_store

    recs = events(url, run_id)
    talks = [r for r in recs if r.event.type == "ActionTaken" and r.event.action == "TALK" and r.event.agent in STUDENTS]
    assert talks
    checked = {"floor": 0, "whisper": 0, "withheld": 0}
    with open_store(url) as s:
        for t in talks:
            step_start = max(r.position for r in recs if r.event.type == "StepStarted" and r.position < t.position)
            room = state_at(s, run_id, position=step_start).worlds[ROOM].classroom
            heard = [r.event for r in recs if r.causation_id == t.event_id and r.event.type == "StimulusPerceived"]
            if room.floor == t.event.agent:
                checked["floor"] += 1
                assert heard and all(not h.content.startswith("(whispered)") for h in heard)
            elif t.event.target in STUDENTS:
                checked["whisper"] += 1
                assert [(h.agent, h.content[:11]) for h in heard] == [(t.event.target, "(whispered)")]
            else:
                checked["withheld"] += 1
                assert heard == []
    assert checked["whisper"] and checked["withheld"]


def test_replay_verifies_and_parallel_runs_share_content_hashes(lesson):
    url, run_id = lesson
    replay_verified(url, run_id)
    other = run(EXAMPLE, url, "--parallel", "8")
    assert hashes(url, other) == hashes(url, run_id)


def test_state_at_a_position_shows_the_class_as_it_was(lesson):
    url, run_id = lesson
    grant = events(url, run_id, "FloorGranted")[0]
    before = troupe_in_process("state", run_id, "--at", str(grant.position - 1), "--json", store=url)
    after = troupe_in_process("state", run_id, "--at", str(grant.position), "--json", store=url)
    assert before.code == 0 and after.code == 0
    room_before = json.loads(before.out)["worlds"][ROOM]["classroom"]
    room_after = json.loads(after.out)["worlds"][ROOM]["classroom"]
    assert room_before["floor"] != grant.event.student and room_after["floor"] == grant.event.student
    assert room_after["counts"][grant.event.student]["floor"] == room_before["counts"][grant.event.student]["floor"] + 1
    assert report(url, run_id, "--at", str(grant.position))["floor"] == grant.event.student
    first = events(url, run_id, "ClassroomOpened")[0].position
    early = report(url, run_id, "--at", str(first))
    assert early["segment"] == 0 and early["questions"]["asked"] == 0
    assert report(url, run_id)["segment"] == 3


def test_classroom_text_view_and_errors(lesson):
    url, run_id = lesson
    res = troupe_in_process("classroom", run_id, store=url)
    assert res.code == 0 and "Segment 3/3: Precipitation" in res.out and "Engagement:" in res.out
    for name in ["Ms Rivera", *STUDENTS]:
        assert name in res.out
    bad = troupe_in_process("classroom", run_id, "--world", "Gym", store=url)
    assert bad.code == 1 and "no classroom 'Gym'" in bad.err and "Traceback" not in bad.err


def test_a_fork_carries_the_class_and_plays_the_rest_of_the_lesson(lesson):
    url, run_id = lesson
    cut = [r for r in events(url, run_id, "StepCompleted")][1].position
    res = troupe_in_process("fork", run_id, "--at", str(cut), store=url)
    assert res.code == 0, res.err
    fork = res.out.strip().splitlines()[-1]
    replay_verified(url, fork)
    def before_step_2(run: str) -> dict:  # the fork's log starts with a copy of the parent's up to the cut
        start = next(r for r in events(url, run, "StepStarted") if r.event.step == 2)
        return report(url, run, "--at", str(start.position - 1))

    parent_then, fork_start = before_step_2(run_id), before_step_2(fork)
    assert parent_then["segment"] == 1 and parent_then["questions"]["asked"] >= 1
    assert {k: fork_start[k] for k in ("floor", "hands", "questions", "segment")} == \
        {k: parent_then[k] for k in ("floor", "hands", "questions", "segment")}
    # the same completions come back from the cache: the fork ends where the parent did
    end, fork_end = report(url, run_id), report(url, fork)
    assert fork_end["people"] == end["people"] and fork_end["questions"] == end["questions"]


def test_state_text_view_shows_the_class(lesson):
    url, run_id = lesson
    grant = events(url, run_id, "FloorGranted")[0]
    res = troupe_in_process("state", run_id, "--at", str(grant.position), store=url)
    assert res.code == 0, res.err
    assert f"classroom {ROOM}:" in res.out and f"floor {grant.event.student}" in res.out
