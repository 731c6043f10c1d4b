"""Scheduler figures (issue 12, item 0), printed as a table.

    .venv/bin/python benchmarks/bench_schedule.py [--quick]

1. The core: firing keys pushed (scheduled) and popped (fired) through a binary heap, and whole
   ``ScheduledItem`` objects created and ordered by ``firing_order``, items/s.
2. Scheduled and fired through the pure decisions and the fold (what a run does, store aside):
   ``decide_schedule`` → ``EventScheduled`` folded, then ``due_items`` → ``decide_firing`` →
   ``ScheduledEventFired`` folded, with a steady number of items pending. The issue's target
   (>= 100k items/s, "a binary heap is enough") is met by the heap (1.), not by this path, which
   builds three pydantic models and folds two events per item.
3. A world of 1,000 dormant agents (``skip_idle``) and one item per simulated day, each telling one
   agent something, on the mock LLM and an in-memory store: simulated days per second, LLM calls
   per day, and the run-phase CPU of one step that wakes nobody ("costs nothing per idle step").
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def queue_rate(n: int) -> float:
    """Items/s through a binary heap of firing keys (time, priority, sequence): ``n`` pushed
    (scheduled) in random due order, then all popped (fired) in firing order."""
    import heapq
    import random

    rng = random.Random(1)
    keys = [((START + timedelta(minutes=rng.randint(0, 100_000))).isoformat(), rng.randint(0, 3), i)
            for i in range(n)]
    t = time.process_time()
    heap: list = []
    for key in keys:
        heapq.heappush(heap, key)
    fired = [heapq.heappop(heap) for _ in range(n)]
    elapsed = time.process_time() - t
    assert fired == sorted(keys)
    return n / elapsed


def heap_rate(n: int) -> float:
    """Items/s through the binary heap: ``n`` items in random due order, ordered and popped."""
    import random

    from troupe_es.domain.schedule import ScheduledItem, firing_order

    rng = random.Random(1)
    items = [ScheduledItem(id=f"i{i}", world="W", kind="broadcast", sequence=i, priority=rng.randint(0, 3),
                           due=(START + timedelta(minutes=rng.randint(0, 100_000))).isoformat()) for i in range(n)]
    t = time.process_time()
    ordered = firing_order(items)
    elapsed = time.process_time() - t
    assert len(ordered) == n
    return n / elapsed


class _Rec:
    """The envelope fields the fold reads."""

    __slots__ = ("event", "sim_time", "stream", "stream_version", "run_id", "position")

    def __init__(self, event, sim_time, position):  # noqa: ANN001
        self.event, self.sim_time, self.position = event, sim_time, position
        self.stream, self.stream_version, self.run_id = "world/W", position, "bench"


def fold_rate(total: int, pending: int) -> float:
    """Items/s scheduled and fired through decide + fold, ``pending`` items waiting at any time."""
    from troupe_es.commands.schedule import ScheduleItem, decide_firing, decide_schedule
    from troupe_es.domain import RunState, WorldState, evolve
    from troupe_es.domain.schedule import _with, due_items

    state = RunState(worlds={"W": WorldState(name="W", clock=START.isoformat())})
    position = 0

    def fold(state, event):  # noqa: ANN001, ANN202
        nonlocal position
        position += 1
        return evolve(state, _Rec(event, START, position))

    for i in range(pending):  # the standing backlog: due later than anything measured
        state = fold(state, decide_schedule(state, ScheduleItem(world="W", kind="memo", in_seconds=10**8 + i,
                                                                data={"to": "x"})))
    t = time.process_time()
    clock = START
    for i in range(total):
        state = fold(state, decide_schedule(state, ScheduleItem(world="W", kind="broadcast", in_seconds=60,
                                                                data={"text": "tick"})))
        clock += timedelta(seconds=60)
        state = _with(state, worlds={"W": _with(state.worlds["W"], clock=clock.isoformat())})
        for item in due_items(state.schedule, "W", clock):
            state = fold(state, decide_firing(item, clock))
    elapsed = time.process_time() - t
    assert state.schedule.fired == total and len(state.schedule.pending) == pending
    return total / elapsed


def dormant_world(agents: int, days: int) -> dict[str, float]:
    """A ``skip_idle`` world of ``agents`` agents and a daily tell to one of them, ``days`` days."""
    from troupe_es.bootstrap import make_bus, make_gateway
    from troupe_es.commands.models import AdvanceStep, CreateWorld, DefinePersona, JoinWorld, StartRun
    from troupe_es.commands.schedule import ScheduleItem
    from troupe_es.runtime import RuntimeSettings
    from troupe_es.store import open_store

    store = open_store("memory://")
    gateway = make_gateway(store, llm="mock", cache=False)
    bus = make_bus(store, "dormant", gateway=gateway, settings=RuntimeSettings(), snapshot_every=None)
    bus.handle(StartRun(scenario_name="dormant", seed=1, sim_start=START,
                        scenario={"name": "dormant", "world": {"skip_idle": True}}))
    bus.handle(CreateWorld(name="W", start=START, step_seconds=3600, everyone_accessible=False))
    names = [f"Agent {i:04d}" for i in range(agents)]
    for name in names:
        bus.handle(DefinePersona(name=name, persona={"name": name, "age": 30}))
    bus.handle(JoinWorld(world="W", agents=tuple(names)))
    bus.handle(ScheduleItem(world="W", kind="tell", at="09:00", every_seconds=86400,
                            data={"to": names[0], "text": "Good morning: anything new today?"}))
    t = time.process_time()
    steps = 0
    while bus.state.worlds["W"].clock_dt() < START + timedelta(days=days):
        bus.handle(AdvanceStep(world="W"))
        steps += 1
    cpu = time.process_time() - t
    calls = sum(1 for _ in store.read(run_id="dormant", types=["LLMCallRequested"]))
    jumps = bus.state.schedule.jumps
    # one step that wakes nobody and jumps nowhere (the schedule emptied): its whole cost
    bus.handle(__import__("troupe_es.commands.schedule", fromlist=["CancelSchedule"]).CancelSchedule(
        world="W", id=bus.state.schedule.pending[0].id))
    t = time.process_time()
    idle_steps = 20
    for _ in range(idle_steps):
        bus.handle(AdvanceStep(world="W"))
    idle_ms = (time.process_time() - t) / idle_steps * 1000
    gateway.close()
    return {"steps": steps, "days_per_s": days / cpu, "cpu_s": cpu, "calls": calls, "jumps": jumps,
            "idle_step_ms": idle_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller sizes (a smoke run).")
    args = parser.parse_args()
    n = 20_000 if args.quick else 200_000
    total = 20_000 if args.quick else 100_000
    days = 10 if args.quick else 60
    rows = [(f"binary heap: push and pop {n:,} firing keys", f"{queue_rate(n):,.0f}/s",
             "scheduled and fired in (time, priority, sequence) order; target >= 100k items/s"),
            (f"firing_order: build and order {n:,} ScheduledItems", f"{heap_rate(n):,.0f}/s",
             "items created, keyed, heapified and popped")]
    for pending in (10, 1_000):
        rows.append((f"decide + fold: {total:,} items scheduled and fired, {pending:,} pending",
                     f"{fold_rate(total, pending):,.0f}/s", "3 pydantic models + 2 folded events per item"))
    dormant = dormant_world(1_000, days)
    rows += [
        (f"1,000 dormant agents, a daily item, {days} days", f"{dormant['days_per_s']:,.1f} days/CPU s",
         f"{dormant['steps']} steps, {dormant['jumps']} clock jumps, {dormant['calls']} LLM calls "
         f"({dormant['calls'] / days:.1f} a day), {dormant['cpu_s']:.2f} s CPU"),
        ("  one step nobody is busy in (1,000 agents)", f"{dormant['idle_step_ms']:.2f} ms CPU",
         "no turn, no LLM call: StepStarted, the order drawn, StepCompleted"),
    ]
    print_rows(rows, value_width=18)
    print(machine_note())


if __name__ == "__main__":
    main()
