"""Scheduled items in real runs (mock LLM, in-process CLI): order, recurrence, cancellation,
deadlines, clock jumps, quiescence, parallel twins, replay and ``state --at``."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe_in_process
from tests.schedule.helpers import events, hashes, replay_verified, run, scenario

SOLO = [{"name": "Ana", "age": 30, "occupation": {"title": "Engineer"}}]


def fired(store: str, run_id: str) -> list:
    return [r for r in events(store, run_id, "ScheduledEventFired")]


def test_items_fire_in_time_priority_sequence_order_before_agents_act(tmp_path, sqlite_url):
    path = scenario(tmp_path, script=[{"run": 2}], schedule=[
        {"id": "second", "at": "10:00", "broadcast": "B"},
        {"id": "urgent", "at": "10:00", "priority": -1, "broadcast": "A"},
        {"id": "third", "at": "10:00", "tell": {"to": "Ana", "text": "C"}},
        {"id": "first", "at": "09:00", "think": {"to": "Ben", "text": "early"}},
    ])
    run_id = run(path, sqlite_url)
    recs = fired(sqlite_url, run_id)
    assert [r.event.schedule_id for r in recs] == ["first", "urgent", "second", "third"]
    assert [r.sim_time.hour for r in recs] == [9, 10, 10, 10]
    log = events(sqlite_url, run_id)
    # each firing's effect follows it, caused by it; all of it precedes the step's first LLM call
    started = [r for r in log if r.event.type == "StepStarted"][1]
    after = [r for r in log if r.position > started.position]
    firsts = next(i for i, r in enumerate(after) if r.event.type == "LLMCallRequested")
    kinds = [(r.event.type, getattr(r.event, "content", None)) for r in after[:firsts]]
    assert kinds[:3] == [("ScheduledEventFired", None), ("StimulusPerceived", "A"), ("StimulusPerceived", "A")]
    told = [r for r in after[:firsts] if r.event.type == "StimulusPerceived" and r.event.content == "C"]
    assert told[0].event.agent == "Ana" and told[0].causation_id == recs[-1].event_id
    replay_verified(sqlite_url, run_id)


def test_recurring_relative_absolute_and_cancelled_items(tmp_path, sqlite_url):
    # steps at 09, 10, 11; the cancel line runs at 12:00; steps at 12 and 13
    path = scenario(tmp_path, personas=SOLO, script=[{"run": 3}, {"cancel": "hourly"}, {"run": 2}], schedule=[
        {"id": "hourly", "every": "1h", "broadcast": "tick"},                            # 10, 11, then cancelled
        {"id": "relative", "in": "2h", "think": {"to": "Ana", "text": "two hours in"}},  # 11:00
        {"id": "absolute", "at": "2026-03-01T13:00:00", "see": {"to": "Ana", "text": "a memo"}},
        {"id": "never", "at": "2026-03-09T09:00:00", "broadcast": "too late for this run"},
    ])
    run_id = run(path, sqlite_url)
    ticks = fired(sqlite_url, run_id)
    times = [(r.event.schedule_id, r.sim_time.hour) for r in ticks]
    assert times == [("hourly", 10), ("hourly", 11), ("relative", 11), ("absolute", 13)]
    [cancelled] = events(sqlite_url, run_id, "ScheduleCancelled")
    assert cancelled.event.schedule_id == "hourly" and cancelled.sim_time.hour == 12
    assert [r.event.occurrence for r in ticks if r.event.schedule_id == "hourly"] == [0, 1]
    assert ticks[0].event.next_due.hour == 11 and ticks[2].event.next_due is None
    heard = [r.event for r in events(sqlite_url, run_id, "StimulusPerceived")]
    assert [(e.kind, e.content) for e in heard] == [("listen", "tick"), ("listen", "tick"),
                                                    ("think", "two hours in"), ("see", "a memo")]
    replay_verified(sqlite_url, run_id)


def test_cron_weekdays_and_deadlines(tmp_path, sqlite_url):
    # daily steps from Sunday 1 March 09:00: the first chance for the 09:30 items is Monday 09:00
    path = scenario(tmp_path, personas=SOLO, world={"step": "1d"}, script=[{"run": 9}], schedule=[
        {"id": "standup", "cron": "0 9 * * 1-5", "broadcast": "Stand-up"},
        {"id": "strict", "at": "2026-03-01T09:30:00", "deadline": "10m", "broadcast": "x"},
        {"id": "lenient", "at": "2026-03-01T09:30:00", "deadline": "1d", "broadcast": "y"},
    ])
    run_id = run(path, sqlite_url)
    days = [(r.event.schedule_id, r.sim_time.strftime("%a %d")) for r in fired(sqlite_url, run_id)]
    assert ("lenient", "Mon 02") in days and all(s != "strict" for s, _ in days)
    assert [d for s, d in days if s == "standup"] == ["Mon 02", "Tue 03", "Wed 04", "Thu 05", "Fri 06", "Mon 09"]
    [missed] = events(sqlite_url, run_id, "ScheduledEventMissed")
    assert missed.event.schedule_id == "strict" and missed.event.late_seconds == 23.5 * 3600
    assert "x" not in [r.event.content for r in events(sqlite_url, run_id, "StimulusPerceived")]
    replay_verified(sqlite_url, run_id)


def test_an_idle_world_jumps_its_clock_to_the_next_due_item(tmp_path, sqlite_url):
    path = scenario(tmp_path, personas=SOLO, world={"skip_idle": True, "everyone_accessible": False},
                    script=[{"run": 4}], schedule=[{"id": "daily", "at": "09:00", "every": "1d", "broadcast": "Morning"}])
    run_id = run(path, sqlite_url)
    jumps = events(sqlite_url, run_id, "ClockJumped")
    assert [(j.event.from_time.isoformat()[:16], j.event.to_time.isoformat()[:16]) for j in jumps] == [
        ("2026-03-01T10:00", "2026-03-02T09:00"), ("2026-03-02T10:00", "2026-03-03T09:00"),
        ("2026-03-03T10:00", "2026-03-04T09:00")]
    starts = [r.sim_time.isoformat()[:16] for r in events(sqlite_url, run_id, "StepStarted")]
    assert starts == ["2026-03-01T09:00", "2026-03-02T09:00", "2026-03-03T09:00", "2026-03-04T09:00"]
    # the jumped time cost no turn: one LLM call per day, when the broadcast woke Ana
    assert len(events(sqlite_url, run_id, "LLMCallRequested")) == 4
    replay_verified(sqlite_url, run_id)


def test_quiescence_stops_the_run_with_the_reason(tmp_path, sqlite_url):
    path = scenario(tmp_path, world={"skip_idle": True}, stop_when_idle=2, script=[{"run": 50}])
    run_id = run(path, sqlite_url)
    [done] = events(sqlite_url, run_id, "RunCompleted")
    assert done.event.reason == "idle: no agent acted for 2 steps (stop_when_idle: 2)" and done.event.steps == 2
    assert len(events(sqlite_url, run_id, "StepCompleted")) == 2
    replay_verified(sqlite_url, run_id)
    res = troupe_in_process("runs", "--json", store=sqlite_url)
    assert res.code == 0 and json.loads(res.out)[0]["status"] == "completed"


def test_without_stop_when_idle_a_run_plays_its_whole_script(tmp_path, sqlite_url):
    path = scenario(tmp_path, world={"skip_idle": True}, script=[{"run": 3}])
    run_id = run(path, sqlite_url)
    [done] = events(sqlite_url, run_id, "RunCompleted")
    assert done.event.reason is None and "reason" not in done.event.payload() and done.event.steps == 3


def test_parallel_1_and_8_give_identical_hashes(tmp_path, sqlite_url):
    people = [{"name": n, "age": 30 + i} for i, n in enumerate(["Ana", "Ben", "Cy", "Di"])]
    path = scenario(tmp_path, personas=people, script=[{"run": 2}, {"schedule": {"in": "1h", "broadcast": "Later"}},
                                                        {"run": 2}],
                    schedule=[{"at": "10:00", "every": "2h", "broadcast": "Ping"},
                              {"in": "1h", "tell": {"to": "Cy", "text": "psst", "from": "Di"}}])
    one = run(path, sqlite_url, "--parallel", "1")
    eight = run(path, sqlite_url, "--parallel", "8")
    assert hashes(sqlite_url, one) == hashes(sqlite_url, eight)
    assert len(fired(sqlite_url, one)) == 4
    replay_verified(sqlite_url, eight)


def test_state_at_a_position_shows_the_pending_schedule(tmp_path, sqlite_url):
    path = scenario(tmp_path, personas=SOLO, script=[{"run": 2}], schedule=[
        {"id": "daily", "at": "10:00", "every": "1d", "broadcast": "Morning"},
        {"id": "memo", "at": "2026-03-04T09:00:00", "priority": 2, "see": {"to": "Ana", "text": "memo"}}])
    run_id = run(path, sqlite_url)
    first_fire = fired(sqlite_url, run_id)[0].position
    before = json.loads(troupe_in_process("state", run_id, "--at", str(first_fire - 1), "--json",
                                          store=sqlite_url).out)["schedule"]
    assert [(p["id"], p["due"][:16]) for p in before["pending"]] == [("daily", "2026-03-01T10:00"),
                                                                     ("memo", "2026-03-04T09:00")]
    after = json.loads(troupe_in_process("state", run_id, "--at", str(first_fire), "--json",
                                         store=sqlite_url).out)["schedule"]
    assert [(p["id"], p["due"][:16], p["occurrence"]) for p in after["pending"]] == [
        ("daily", "2026-03-02T10:00", 1), ("memo", "2026-03-04T09:00", 0)] and after["fired"] == 1
    human = troupe_in_process("state", run_id, "--at", str(first_fire), store=sqlite_url)
    assert human.code == 0 and "== schedule ==" in human.out and "daily" in human.out and "every 86400s" in human.out
