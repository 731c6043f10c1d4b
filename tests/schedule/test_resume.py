"""A crash after any committed batch of a scheduled run (clock jumps, firings and their effects,
a missed item, quiescence), each resumed: the run completes with the same firings, effects and
stop, and replays verified."""

from __future__ import annotations

from collections import Counter

from tests.schedule.helpers import crash_everywhere, scenario
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.scenario import load_scenario


def _summary(store, run_id: str):  # noqa: ANN001, ANN202
    fired = [(r.event.schedule_id, r.sim_time) for r in store.read(run_id=run_id, types=["ScheduledEventFired"])]
    heard = Counter((r.event.agent, r.event.content) for r in store.read(run_id=run_id, types=["StimulusPerceived"])
                    if r.event.source in ("schedule", "Calendar"))
    jumps = len(list(store.read(run_id=run_id, types=["ClockJumped"])))
    missed = [r.event.schedule_id for r in store.read(run_id=run_id, types=["ScheduledEventMissed"])]
    [done] = list(store.read(run_id=run_id, types=["RunCompleted"]))
    return fired, heard, jumps, missed, done.event.reason


def test_a_crash_after_any_batch_resumes_to_the_same_schedule(tmp_path):
    path = scenario(tmp_path, personas=[{"name": n} for n in ("Ana", "Ben", "Cy")], stop_when_idle=2,
                    world={"start": "2026-03-02T08:00:00", "skip_idle": True, "everyone_accessible": False},
                    script=[{"run": 10}], schedule=[
                        {"id": "standup", "at": "09:00", "broadcast": "Stand-up time"},
                        {"id": "reminder", "at": "14:00", "priority": -1,
                         "tell": {"to": "Ben", "text": "The deck is due", "from": "Calendar"}},
                        {"id": "late", "at": "09:30", "deadline": "0s", "broadcast": "never heard"}])
    plan = plan_from_scenario(load_scenario(path))

    def facts(store, run_id):  # noqa: ANN001, ANN202
        summary = _summary(store, run_id)
        if run_id == "whole":  # what the uncrashed run did, which every resumed one must do again
            fired, heard, jumps, missed, reason = summary
            assert [f[0] for f in fired] == ["standup", "reminder"] and reason.startswith("idle")
            assert jumps == 2 and missed == ["late"] and heard
        return summary

    assert crash_everywhere(plan, facts) > 50
