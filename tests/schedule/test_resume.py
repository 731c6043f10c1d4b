"""A crash after any committed batch of a scheduled run (clock jumps, firings and their effects,
a missed item, quiescence), each resumed: the run completes with the same firings, effects and
stop, and replays verified."""

from __future__ import annotations

from collections import Counter
from troupe_es.api.replay import replay_run
from troupe_es.api.resume import resume_on, runtime_settings, stopped_run
from troupe_es.bootstrap import make_bus, make_gateway
from tests.schedule.helpers import scenario
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.commands.scenario import execute
from troupe_es.runtime import RuntimeSettings
from troupe_es.scenario import load_scenario
from troupe_es.store import open_store

class Crash(BaseException):
    """The process dies."""


def _plan(tmp_path):
    path = scenario(tmp_path, personas=[{"name": n} for n in ("Ana", "Ben", "Cy")], stop_when_idle=2,
                    world={"start": "2026-03-02T08:00:00", "skip_idle": True, "everyone_accessible": False},
                    script=[{"run": 10}], schedule=[
                        {"id": "standup", "at": "09:00", "broadcast": "Stand-up time"},
                        {"id": "reminder", "at": "14:00", "priority": -1,
                         "tell": {"to": "Ben", "text": "The deck is due", "from": "Calendar"}},
                        {"id": "late", "at": "09:30", "deadline": "0s", "broadcast": "never heard"}])
    return plan_from_scenario(load_scenario(path))


def _run(store, plan, run_id: str, crash_after: int) -> bool:
    count = 0

    def die(_rec) -> None:  # noqa: ANN001
        nonlocal count
        count += 1
        if count >= crash_after:
            raise Crash

    gateway = make_gateway(store, llm="mock", model=plan.model)
    bus = make_bus(store, run_id, gateway=gateway, observers=[die],
                   settings=RuntimeSettings(model=plan.model, max_actions=plan.max_actions))
    try:
        execute(bus, plan)
    except Crash:
        return True
    return False


def _summary(store, run_id: str):
    fired = [(r.event.schedule_id, r.sim_time) for r in store.read(run_id=run_id, types=["ScheduledEventFired"])]
    heard = Counter((r.event.agent, r.event.content) for r in store.read(run_id=run_id, types=["StimulusPerceived"])
                    if r.event.source in ("schedule", "Calendar"))
    [done] = list(store.read(run_id=run_id, types=["RunCompleted"]))
    return fired, heard, done.event.reason, done.event.steps


def test_a_crash_after_any_batch_resumes_to_the_same_schedule(tmp_path):
    plan = _plan(tmp_path)
    store = open_store("memory://")
    assert not _run(store, plan, "whole", 10**9)
    expected = _summary(store, "whole")
    assert [f[0] for f in expected[0]] == ["standup", "reminder"] and expected[2].startswith("idle")
    assert len(list(store.read(run_id="whole", types=["ClockJumped"]))) == 2
    assert len(list(store.read(run_id="whole", types=["ScheduledEventMissed"]))) == 1
    total = sum(1 for _ in store.read(run_id="whole"))
    for n in range(1, total):
        run_id = f"crash-{n}"
        assert _run(store, plan, run_id, n)
        run = stopped_run(store, run_id)
        outcome, _ = resume_on(store, run, gateway=make_gateway(store, llm="mock", model=plan.model),
                               settings=runtime_settings(run, parallel=1))
        assert outcome.status == "completed", (n, outcome.error)
        fired, heard, reason, _steps = _summary(store, run_id)
        assert (fired, heard, reason) == expected[:3], n
        report = replay_run(store, run_id, verify=True)
        assert report.ok, (n, report.difference.diff if report.difference else report.divergence)
