"""A crash after any committed batch of the workplace example (set-up, meeting, deadlines, tasks),
each resumed: the run completes with the same meeting, deadlines and tasks, and replays verified."""

from __future__ import annotations

from pathlib import Path

from troupe_es.api.replay import replay_run
from troupe_es.api.resume import resume_on, runtime_settings, stopped_run
from troupe_es.bootstrap import make_bus, make_gateway
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.commands.scenario import execute
from troupe_es.runtime import RuntimeSettings
from troupe_es.scenario import load_scenario
from troupe_es.store import open_store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workplace.yaml"
TYPES = ["WorkplaceDefined", "TaskAssigned", "EventScheduled", "MeetingStarted", "TaskCompleted", "DeadlineMissed",
         "ScheduledEventFired"]


class Crash(BaseException):
    """The process dies."""


def _run(store, plan, run_id: str, crash_after: int) -> bool:
    count = 0

    def die(_rec) -> None:  # noqa: ANN001
        nonlocal count
        count += 1
        if count >= crash_after:
            raise Crash

    bus = make_bus(store, run_id, gateway=make_gateway(store, llm="mock", model=plan.model), observers=[die],
                   settings=RuntimeSettings(model=plan.model, max_actions=plan.max_actions))
    try:
        execute(bus, plan)
    except Crash:
        return True
    return False


def _facts(store, run_id: str) -> list:
    heard = sorted((r.event.agent, r.event.content) for r in store.read(run_id=run_id, types=["StimulusPerceived"])
                   if r.event.source == "calendar")
    return [(r.type, r.content_hash) for r in store.read(run_id=run_id, types=TYPES)] + heard


def test_a_crash_after_any_batch_resumes_to_the_same_workplace():
    plan = plan_from_scenario(load_scenario(EXAMPLE)).with_script([{"run": 3}])
    store = open_store("memory://")
    assert not _run(store, plan, "whole", 10**9)
    expected = _facts(store, "whole")
    assert ("MeetingStarted" in {t for t, *_ in expected if isinstance(t, str)})
    total = sum(1 for _ in store.read(run_id="whole"))
    for n in range(1, total, 2):
        run_id = f"crash-{n}"
        assert _run(store, plan, run_id, n)
        run = stopped_run(store, run_id)
        outcome, _ = resume_on(store, run, gateway=make_gateway(store, llm="mock", model=plan.model),
                               settings=runtime_settings(run, parallel=1))
        assert outcome.status == "completed", (n, outcome.error)
        assert _facts(store, run_id) == expected, n
        report = replay_run(store, run_id, verify=True)
        assert report.ok, (n, report.difference.diff if report.difference else report.divergence)
