"""The scheduler's pure core: firing order, recurrence, deadlines, due times, the fold."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from troupe_es.commands.schedule import ScheduleItem, decide_firing, decide_schedule
from troupe_es.domain import RunState, WorldState
from troupe_es.domain.schedule import (
    ScheduleBook,
    ScheduledItem,
    check_cron,
    due_items,
    firing_order,
    next_occurrence,
)
from troupe_es.errors import SimulationError
from troupe_es.events import ScheduledEventFired, ScheduledEventMissed

UTC = timezone.utc


def item(id: str, due: str, priority: int = 0, sequence: int = 0, **kw) -> ScheduledItem:
    return ScheduledItem(id=id, world="W", due=datetime.fromisoformat(due).replace(tzinfo=UTC).isoformat(),
                         kind="broadcast", priority=priority, sequence=sequence, **kw)


def test_firing_order_is_time_then_priority_then_sequence():
    items = [item("late", "2026-03-01T10:00", priority=-5, sequence=0),
             item("b", "2026-03-01T09:00", priority=1, sequence=1),
             item("c", "2026-03-01T09:00", priority=0, sequence=3),
             item("a", "2026-03-01T09:00", priority=0, sequence=2)]
    assert [it.id for it in firing_order(items)] == ["a", "c", "b", "late"]
    book = ScheduleBook(pending=tuple(firing_order(items)))  # the fold keeps pending in firing order
    now = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert [it.id for it in due_items(book, "W", now)] == ["a", "c", "b"]
    assert due_items(book, "Other", now) == []


def test_every_recurs_and_counts_skipped_occurrences():
    hourly = item("h", "2026-03-01T09:00", every_seconds=3600)
    assert next_occurrence(hourly, datetime(2026, 3, 1, 9, 0, tzinfo=UTC)) == \
        (datetime(2026, 3, 1, 10, 0, tzinfo=UTC), 0)
    # a step of 3h30 later: 10:00, 11:00 and 12:00 were skipped, the next is 13:00
    assert next_occurrence(hourly, datetime(2026, 3, 1, 12, 30, tzinfo=UTC)) == \
        (datetime(2026, 3, 1, 13, 0, tzinfo=UTC), 3)
    assert next_occurrence(item("once", "2026-03-01T09:00"), datetime(2026, 3, 1, 12, tzinfo=UTC)) == (None, 0)


def test_cron_weekdays_at_nine():
    weekday = item("w", "2026-03-06T09:00", cron="0 9 * * 1-5")  # Friday
    following, skipped = next_occurrence(weekday, datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    assert following == datetime(2026, 3, 9, 9, 0, tzinfo=UTC) and skipped == 0  # Monday
    following, skipped = next_occurrence(weekday, datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert following == datetime(2026, 3, 11, 9, 0, tzinfo=UTC) and skipped == 2  # Mon 9th, Tue 10th


@pytest.mark.parametrize("bad", ["0 9 * *", "61 9 * * *", "every day", "0 9 * * 1-5 2026", "0 0 31 2 *"])
def test_bad_cron_is_refused_with_the_reason(bad):
    with pytest.raises(ValueError, match="cron"):
        check_cron(bad)


def test_deadline_decides_fired_or_missed():
    half_past = item("r", "2026-03-01T09:30", deadline_seconds=600)
    missed = decide_firing(half_past, datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    assert isinstance(missed, ScheduledEventMissed) and missed.late_seconds == 1800 and missed.next_due is None
    fired = decide_firing(half_past, datetime(2026, 3, 1, 9, 35, tzinfo=UTC))
    assert isinstance(fired, ScheduledEventFired) and fired.occurrence == 0
    recurring = item("r2", "2026-03-01T09:30", deadline_seconds=0, every_seconds=3600)
    missed = decide_firing(recurring, datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    assert isinstance(missed, ScheduledEventMissed)
    assert missed.next_due == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)  # a missed occurrence still recurs


def _state(clock: str = "2026-03-01T09:15:00+00:00") -> RunState:
    return RunState(worlds={"W": WorldState(name="W", clock=clock)})


def test_due_times_at_in_every_cron():
    state = _state()
    def due(**kw):
        return decide_schedule(state, ScheduleItem(world="W", kind="broadcast", data={"text": "x"}, **kw)).due
    assert due(at="09:00") == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 09:00 has passed today: tomorrow
    assert due(at="17:30") == datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    assert due(at="2026-03-05T08:00:00") == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert due(in_seconds=7200) == datetime(2026, 3, 1, 11, 15, tzinfo=UTC)
    assert due(every_seconds=3600) == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert due(cron="0 9 * * 1-5") == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 1 March 2026 is a Sunday
    assert due(cron="15 9 * * *") == datetime(2026, 3, 1, 9, 15, tzinfo=UTC)  # at the clock: due now


def test_ids_are_deterministic_and_unique_among_pending():
    state = _state()
    event = decide_schedule(state, ScheduleItem(world="W", kind="meeting", in_seconds=60))
    assert event.schedule_id == "meeting-0" and event.sequence == 0
    from dataclasses import replace
    taken = replace(state, schedule=ScheduleBook(pending=(item("x", "2026-03-01T10:00"),), sequence=1))
    with pytest.raises(SimulationError, match="already pending"):
        decide_schedule(taken, ScheduleItem(world="W", kind="meeting", in_seconds=60, id="x"))
    with pytest.raises(SimulationError, match="unknown world"):
        decide_schedule(state, ScheduleItem(world="Nope", kind="meeting", in_seconds=60))
    with pytest.raises(SimulationError, match="unknown agent"):
        decide_schedule(state, ScheduleItem(world="W", kind="tell", data={"to": "Zed", "text": "hi"}, in_seconds=60))


def test_the_schedule_survives_a_snapshot_round_trip():
    book = ScheduleBook(pending=(item("a", "2026-03-01T09:00", data={"to": "Ana"}, every_seconds=60.0),),
                        sequence=3, fired=2, skip_idle=True, stop_when_idle=4, idle_steps=1)
    state = RunState(schedule=book)
    assert RunState.from_dict(state.to_dict()) == state


def test_nothing_is_due_past_the_year_9999():
    late = item("late", "9999-12-31T23:00", every_seconds=7200)
    assert next_occurrence(late, datetime(9999, 12, 31, 23, 0, tzinfo=UTC)) == (None, 0)
    leap = item("leap", "9999-12-31T23:00", cron="0 0 29 2 *")
    assert next_occurrence(leap, datetime(9999, 12, 31, 23, 0, tzinfo=UTC)) == (None, 0)
    state = _state("9999-12-31T23:30:00+00:00")
    with pytest.raises(SimulationError, match="after the year 9999"):
        decide_schedule(state, ScheduleItem(world="W", kind="broadcast", at="09:00"))
    with pytest.raises(SimulationError, match="has no time after"):
        decide_schedule(state, ScheduleItem(world="W", kind="broadcast", cron="0 9 * * *"))


def test_skipped_cron_occurrences_are_counted_up_to_the_limit():
    from troupe_es.domain.schedule import SKIP_COUNT_LIMIT

    every_minute = item("m", "2026-03-01T09:00", cron="* * * * *")
    now = datetime(2026, 3, 20, 9, 0, 30, tzinfo=UTC)  # 27,360 minutes later
    following, skipped = next_occurrence(every_minute, now)
    assert skipped == SKIP_COUNT_LIMIT == 10_000 and following == datetime(2026, 3, 20, 9, 1, tzinfo=UTC)


def test_an_absolute_deadline_becomes_a_duration_after_the_first_due_time():
    event = decide_schedule(_state(), ScheduleItem(world="W", kind="broadcast", at="10:00",
                                                   deadline_at="2026-03-01T10:45:00"))
    assert event.deadline_seconds == 45 * 60
