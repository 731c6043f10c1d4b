"""A crash after any committed batch of the workplace example (set-up, meeting, deadlines, tasks),
each resumed: the run completes with the same meeting, deadlines and tasks, and replays verified."""

from __future__ import annotations

from pathlib import Path

from tests.schedule.helpers import crash_everywhere
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workplace.yaml"
TYPES = ["WorkplaceDefined", "TaskAssigned", "EventScheduled", "MeetingStarted", "TaskCompleted", "DeadlineMissed",
         "ScheduledEventFired"]


def _facts(store, run_id: str) -> list:  # noqa: ANN001
    heard = sorted((r.event.agent, r.event.content) for r in store.read(run_id=run_id, types=["StimulusPerceived"])
                   if r.event.source == "calendar")
    facts = [(r.type, r.content_hash) for r in store.read(run_id=run_id, types=TYPES)]
    assert "MeetingStarted" in {t for t, _ in facts} and len(heard) == 3
    return facts + heard


def test_a_crash_after_any_batch_resumes_to_the_same_workplace():
    plan = plan_from_scenario(load_scenario(EXAMPLE)).with_script([{"run": 3}])
    assert crash_everywhere(plan, _facts, step=2) > 20
