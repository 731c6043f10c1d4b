"""The workplace: org chart, meetings on the schedule, tasks, COMPLETE_TASK and missed deadlines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe_in_process
from tests.schedule.helpers import events, hashes, replay_verified, run, scenario
from troupe_es.commands.workplace import decide_tasks
from troupe_es.domain import RunState
from troupe_es.domain.workplace import Task, WorkplaceState
from troupe_es.errors import ScenarioError
from troupe_es.events import ActionTaken, StimulusPerceived, TaskCompleted
from troupe_es.scenario import load_scenario

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "workplace.yaml")
TEAM = [{"name": "Ana", "age": 30}, {"name": "Ben", "age": 45}, {"name": "Cy", "age": 22}]
ORG = {"rooms": ["Blue room"], "roles": {"Ben": "Manager", "Ana": "Engineer", "Cy": "Intern"},
       "reports_to": {"Ana": "Ben", "Cy": "Ana"}}


def test_the_example_holds_its_meeting_assigns_tasks_and_replays_verified(sqlite_url):
    run_id = run(EXAMPLE, sqlite_url)
    [meeting] = events(sqlite_url, run_id, "MeetingStarted")
    assert meeting.event.room == "Blue room" and meeting.event.facilitator == "Daniel Reyes"
    assert meeting.event.agenda[0] == "launch date for the new cereal" and len(meeting.event.attendees) == 3
    assert meeting.sim_time.isoformat()[:16] == "2026-03-02T09:30"
    assigned = {r.event.task: (r.event.owner, r.event.assigned_by) for r in events(sqlite_url, run_id, "TaskAssigned")}
    assert assigned == {"mockups": ("Amara Okafor", "Daniel Reyes"), "research": ("Mei Tanaka", "Amara Okafor")}
    heard = [r for r in events(sqlite_url, run_id, "StimulusPerceived") if r.event.source == "calendar"]
    assert {r.event.agent for r in heard} == set(meeting.event.attendees)
    assert all("Agenda: 1. launch date for the new cereal; 2. packaging mock-ups" in r.event.content for r in heard)
    # the prompt carries the org chart and the open tasks, with the mock's choices line
    first = next(r for r in events(sqlite_url, run_id, "LLMCallRequested") if r.event.agent == "Mei Tanaka")
    prompt = first.event.messages[-1]["content"]
    assert "Workplace: your role: Design intern; you report to Amara Okafor." in prompt
    assert "- research: Summarise the taste-test notes, due 2026-03-02 10:00" in prompt
    assert "Choices for COMPLETE_TASK: research" in prompt
    state = json.loads(troupe_in_process("state", run_id, "--json", store=sqlite_url).out)
    assert state["workplace"]["reports_to"] == {"Amara Okafor": "Daniel Reyes", "Mei Tanaka": "Amara Okafor"}
    assert state["workplace"]["meetings"] == 1
    assert state["agents"]["Mei Tanaka"]["location"] == "Blue room"
    replay_verified(sqlite_url, run_id)


def test_a_task_open_at_its_due_time_is_a_missed_deadline(tmp_path, sqlite_url):
    path = scenario(tmp_path, personas=TEAM, script=[{"run": 3}],
                    workplace={**ORG, "tasks": [{"id": "fix", "title": "Fix the build", "owner": "Ana", "due": "09:00"},
                                                {"id": "later", "title": "Plan Q3", "owner": "Cy",
                                                 "due": "2026-03-09T09:00:00"}]})
    run_id = run(path, sqlite_url)
    [missed] = events(sqlite_url, run_id, "DeadlineMissed")
    assert (missed.event.task, missed.event.owner, missed.stream) == ("fix", "Ana", "agent/Ana")
    first_action = events(sqlite_url, run_id, "ActionTaken")[0]
    assert missed.position < first_action.position  # due at 09:00: missed before anyone acted
    told = [r.event for r in events(sqlite_url, run_id, "StimulusPerceived") if r.causation_id
            and "deadline for task fix" in r.event.content]
    assert told and told[0].agent == "Ana" and told[0].source == "Ben"
    done = [r.event for r in events(sqlite_url, run_id, "TaskCompleted")]
    assert all(e.late for e in done if e.task == "fix")
    state = json.loads(troupe_in_process("state", run_id, "--json", store=sqlite_url).out)
    statuses = {t["id"]: t["status"] for t in state["workplace"]["tasks"]}
    assert statuses["fix"] in ("missed", "late") and statuses["later"] in ("open", "done")
    at = json.loads(troupe_in_process("state", run_id, "--at", str(missed.position), "--json", store=sqlite_url).out)
    assert {t["id"]: t["status"] for t in at["workplace"]["tasks"]} == {"fix": "missed", "later": "open"}
    before = json.loads(troupe_in_process("state", run_id, "--at", str(missed.position - 1), "--json",
                                          store=sqlite_url).out)
    assert {t["id"]: t["status"] for t in before["workplace"]["tasks"]} == {"fix": "open", "later": "open"}
    replay_verified(sqlite_url, run_id)


def test_parallel_1_and_8_give_identical_hashes(tmp_path, sqlite_url):
    path = scenario(tmp_path, personas=TEAM, script=[{"run": 4}], workplace={
        **ORG, "meetings": [{"id": "sync", "in": "1h", "every": "2h", "room": "Blue room", "facilitator": "Ben",
                             "agenda": ["status"], "attendees": ["Ana", "Ben"]}],
        "tasks": [{"id": "fix", "title": "Fix the build", "owner": "Ana", "due": "10:00"}]})
    one, eight = run(path, sqlite_url), run(path, sqlite_url, "--parallel", "8")
    assert hashes(sqlite_url, one) == hashes(sqlite_url, eight)
    meetings = events(sqlite_url, one, "MeetingStarted")  # steps at 09..12: held at 10:00 and 12:00
    assert [(m.sim_time.hour, m.event.occurrence) for m in meetings] == [(10, 0), (12, 1)]
    assert meetings[0].event.attendees == ["Ana", "Ben"]
    thoughts = [r.event for r in events(sqlite_url, one, "StimulusPerceived") if r.event.kind == "think"
                and r.causation_id and "I facilitate" in r.event.content]
    assert [t.agent for t in thoughts] == ["Ben", "Ben"]


def _state_with(tasks: tuple[Task, ...]) -> RunState:
    return RunState(workplace=WorkplaceState(world="W", tasks=tasks))


def test_complete_task_records_done_late_or_a_thought_for_a_bad_id():
    state = _state_with((Task("a", "A", "Ana"), Task("b", "B", "Ana", status="missed"), Task("c", "C", "Ben")))
    turn = [ActionTaken(agent="Ana", action="COMPLETE_TASK", content=" a ", index=0),
            ActionTaken(agent="Ana", action="COMPLETE_TASK", content="b", index=1),
            ActionTaken(agent="Ana", action="COMPLETE_TASK", content="a", index=2),
            ActionTaken(agent="Ana", action="COMPLETE_TASK", content="c", index=3),
            ActionTaken(agent="Ana", action="TALK", content="a", index=4)]
    out = decide_tasks(state, "Ana", turn)
    assert out[:2] == [TaskCompleted(task="a", owner="Ana"), TaskCompleted(task="b", owner="Ana", late=True)]
    assert all(isinstance(e, StimulusPerceived) and e.agent == "Ana" and e.kind == "think" for e in out[2:])
    assert "'a' did nothing" in out[2].content and "'c' did nothing" in out[3].content and len(out) == 4


@pytest.mark.parametrize("workplace, problem", [
    ({"reports_to": {"Ana": "Ben", "Ben": "Ana"}}, "workplace: reports_to: a reporting cycle through 'Ana'"),
    ({"reports_to": {"Ana": "Ana"}}, "cannot report to themselves"),
    ({"meetings": [{"id": "m", "in": "1h", "room": "Attic"}]}, "meetings[0].room: unknown room 'Attic'"),
    ({"meetings": [{"id": "m", "room": None}]}, "say when: give at, in, every or cron"),
    ({"tasks": [{"id": "t", "title": "x", "owner": "Zed"}]}, "workplace.tasks[0].owner: unknown agent 'Zed'"),
    ({"tasks": [{"id": "t", "title": "x", "owner": "Ana"}, {"id": "t", "title": "y", "owner": "Ben"}]},
     "tasks: duplicate id 't'"),
    ({"tasks": [{"id": "t", "title": "x", "owner": "Ana", "due": "noon"}]}, "neither a time of day"),
])
def test_a_bad_workplace_is_one_line_naming_the_problem(tmp_path, workplace, problem):
    path = scenario(tmp_path, personas=TEAM, script=[{"run": 1}], workplace=workplace)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert problem in str(err.value) and "\n" not in str(err.value) and "workplace" in str(err.value)


def test_a_deadline_of_a_task_done_in_time_fires_silently():
    from datetime import datetime, timezone

    from troupe_es.commands.workplace import on_deadline
    from troupe_es.events import DeadlineMissed, ScheduledEventFired

    due = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    fired = ScheduledEventFired(schedule_id="deadline:a", world="W", kind="task_deadline", data={"task": "a"},
                                due=due, occurrence=0)
    assert on_deadline(_state_with((Task("a", "A", "Ana", status="done"),)), fired) == []
    out = on_deadline(_state_with((Task("a", "A", "Ana", assigned_by="Ben"),)), fired)
    assert out[0] == ("agent/Ana", DeadlineMissed(task="a", owner="Ana", due=due))
    assert out[1].agent == "Ana" and out[1].source == "Ben"


def test_the_facade_makes_a_world_a_workplace_and_replays_verified(sqlite_url):
    from datetime import datetime

    from troupe_es import Simulation
    from troupe_es.errors import SimulationError

    sim = Simulation.open(sqlite_url, llm="mock", seed=4, name="workplace facade")
    for person in TEAM:
        sim.person(person["name"], age=person["age"])
    office = sim.world("Office", people=["Ana", "Ben", "Cy"], start=datetime(2026, 3, 2, 9, 0), step="1h")
    with pytest.raises(SimulationError, match="unknown agent 'Zed'"):
        office.workplace(roles={"Zed": "Boss"})
    with pytest.raises(SimulationError, match="^workplace: reports_to: a reporting cycle through 'Ana'$"):
        office.workplace(reports_to={"Ana": "Ben", "Ben": "Ana"})
    office.workplace(**ORG, meetings=[{"id": "standup", "at": "10:00", "room": "Blue room", "agenda": ["blockers"]}],
                     tasks=[{"id": "fix", "title": "Fix the build", "owner": "Ana", "due": "09:00"}])
    office.run(2)
    assert sim.state.workplace.roles["Ben"] == "Manager" and sim.state.workplace.meetings == 1
    assert [r.event.task for r in sim.events(type="DeadlineMissed")] == ["fix"]
    sim.close()
    assert sim.replay(verify=True).ok
