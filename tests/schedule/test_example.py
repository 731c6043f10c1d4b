"""examples/daily-standup.yaml runs on the mock LLM, fires its schedule and replays verified."""

from __future__ import annotations

from pathlib import Path

from tests.schedule.helpers import events, replay_verified, run

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "daily-standup.yaml")


def test_the_daily_standup_example_runs_fires_its_schedule_and_replays_verified(sqlite_url):
    run_id = run(EXAMPLE, sqlite_url)
    fired = [(r.event.schedule_id, r.sim_time.isoformat()[:16]) for r in events(sqlite_url, run_id, "ScheduledEventFired")]
    assert fired[0] == ("standup", "2026-03-02T09:00")
    # the idle hour before the first stand-up was skipped: the clock jumped from 08:00 to 09:00
    jumps = events(sqlite_url, run_id, "ClockJumped")
    assert jumps and jumps[0].event.from_time.hour == 8 and jumps[0].event.to_time.hour == 9
    assert [r.event.schedule_id for r in events(sqlite_url, run_id, "EventScheduled")] == ["standup", "deck-reminder"]
    replay_verified(sqlite_url, run_id)
