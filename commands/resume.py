"""Resume: continue a run that stopped early from its last committed event.

A run can stop before its script ends: its process was killed (SIGKILL, power loss), a provider
outage failed it, a signal interrupted it, or its budget ran out. Its log still says exactly how
far it got. :func:`continuation` reads that from the progress events (pure), and
:func:`finish_step` completes a world step that was cut short: agents whose turn was committed
keep it (a finished turn is never played, nor paid, twice), the others act against the state the
step started from, exactly as they would have.

Like Temporal's workflow resumption, nothing is re-executed from the start: the state is folded
from the log (snapshots make that fast) and the script continues where the log ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import FinishStep, InterruptRun, ResumeRun
from troupe_es.commands.schedule import awake, fire_due, react_unfinished
from troupe_es.commands.step import after_turns, apply_interventions, draw_order, play_turns
from troupe_es.errors import SimulationError
from troupe_es.events import RandomDrawn, RunInterrupted, RunResumed, StepCompleted
from troupe_es.commands.plan import run_steps

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

PROGRESS_TYPES = ("ScriptStepStarted", "StepStarted", "StepCompleted", "PollClosed")
"""The events that tell how far a run's script had got."""


@dataclass(frozen=True)
class Continuation:
    """Where a stopped run's script goes on (pure data).

    ``open_index`` is the script line that was in progress (None: set-up was not finished or no
    line had started); ``open_step`` tells that one of its world steps was cut short;
    ``open_rest`` is what is left of that line after the open step (a ``run`` line with the steps
    still to play, or a poll to ask again), or None; ``next_index`` is the first line not started.
    """

    open_index: int | None
    open_step: bool
    open_rest: dict[str, Any] | None
    next_index: int


def continuation(script: Sequence[dict[str, Any]], progress: Iterable["Recorded"], *,
                 events_after_last_line: int) -> Continuation:
    """Where the script continues after the given progress events (pure).

    ``events_after_last_line`` counts the run's events after the last ``ScriptStepStarted``: an
    instantaneous line (broadcast, tell, ...) whose events were never committed is played again.
    """
    index: int | None = None
    steps_done = 0
    open_step = False
    poll_closed = False
    for rec in progress:
        kind = rec.event.type
        if kind == "ScriptStepStarted":
            index, steps_done, open_step, poll_closed = rec.event.index, 0, False, False  # type: ignore[attr-defined]
        elif kind == "StepStarted" and index is not None:
            open_step = True
        elif kind == "StepCompleted" and index is not None:
            steps_done += 1
            open_step = False
        elif kind == "PollClosed":
            poll_closed = True
    if index is None:
        return Continuation(None, False, None, 0)
    line = dict(script[index])
    rest: dict[str, Any] | None = None
    if "run" in line:
        value = line["run"]
        total = run_steps(value)
        left = total - steps_done - (1 if open_step else 0)
        if left > 0:
            rest = {"run": {**value, "steps": left} if isinstance(value, dict) else left}
    elif "poll" in line:
        rest = None if poll_closed else line  # asked again: answers already paid come from the cache
    elif events_after_last_line == 0:
        rest = line
    return Continuation(index, open_step, rest, index + 1)


@dataclass(frozen=True)
class OpenStep:
    """A world step that started and never completed, as its events tell."""

    started: "Recorded"
    order: tuple[str, ...] | None
    order_position: int | None
    done: frozenset[str]
    interventions: frozenset[str]
    undelivered: tuple["Recorded", ...]


def open_step(records: Sequence["Recorded"]) -> OpenStep:
    """What the events of a cut-short step (its ``StepStarted`` first) say about it (pure)."""
    started = records[0]
    order: tuple[str, ...] | None = None
    order_position: int | None = None
    done: set[str] = set()
    interventions: set[str] = set()
    actions: list[Recorded] = []
    delivered: set[str] = set()
    for rec in records[1:]:
        event = rec.event
        if isinstance(event, RandomDrawn) and event.purpose.startswith("agent order"):
            order, order_position = tuple(event.value), rec.position
        elif event.type == "InterventionApplied":
            interventions.add(event.name)  # type: ignore[attr-defined]
        elif event.type == "ActionTaken":
            actions.append(rec)
            if event.action == "DONE":  # type: ignore[attr-defined]
                done.add(event.agent)  # type: ignore[attr-defined]
        elif event.type in ("StimulusPerceived", "AccessibilityChanged") and rec.causation_id:
            delivered.add(rec.causation_id)
    undelivered = tuple(r for r in actions if r.event_id not in delivered)
    return OpenStep(started, order, order_position, frozenset(done), frozenset(interventions), undelivered)


def _open_step_records(bus: "MessageBus", world: str) -> list["Recorded"]:
    from troupe_es.timeline import rows_before, run_bounds
    from troupe_es.store.rows import decode_row

    last = run_bounds(bus.store, bus.run_id)[1]
    marks = rows_before(bus.store, bus.run_id, last + 1, 1, types=("StepStarted", "StepCompleted"),
                        where=lambda row: json.loads(row.payload).get("world") == world)
    if not marks or marks[-1].type != "StepStarted":
        raise SimulationError(f"world {world!r} of run {bus.run_id} has no unfinished step")
    start = decode_row(marks[-1])
    return [start] + list(bus.store.read(run_id=bus.run_id, from_position=start.position + 1))


def finish_step(cmd: FinishStep, bus: "MessageBus") -> list["Recorded"]:
    """Complete the world's cut-short step; raises the first agent's LLM error after recording."""
    from troupe_es.snapshots import state_at

    bus.require_world(cmd.world)
    name = cmd.world
    step_records = _open_step_records(bus, name)
    step_info = open_step(step_records)
    started = step_info.started
    step = started.event.step  # type: ignore[attr-defined]
    recorded: list[Recorded] = []
    if step_info.order is None:
        pending = [iv for iv in bus.settings.interventions if iv.name not in step_info.interventions]
        react_unfinished(bus, name, step_records)
        fire_due(bus, name, started.event_id)
        apply_interventions(bus, name, step, started.event_id, pending)
        order = awake(bus.state, name, draw_order(bus.state, name, step))
        recorded += bus.record([bus.new("run", RandomDrawn(purpose=f"agent order {name} step {step}", value=order),
                                        world=name, causation_id=started.event_id)])
        snapshot = None
        agents = order
    else:
        snapshot = state_at(bus.store, bus.run_id, position=step_info.order_position)
        agents = [a for a in step_info.order if a not in step_info.done]
    records, failure = play_turns(bus, name, agents, step=step, causation_id=started.event_id,
                                  snapshot=snapshot, undelivered=step_info.undelivered)
    recorded += records
    if failure is not None:
        raise failure
    recorded += after_turns(bus, name, step, started.event_id)
    world = bus.state.worlds[name]
    seconds = cmd.step_seconds or world.step_seconds
    end = started.sim_time + timedelta(seconds=seconds) if started.sim_time else None
    recorded += bus.record([bus.new(f"world/{name}", StepCompleted(world=name, step=step), sim_time=end)])
    return recorded


def resume_run(cmd: ResumeRun, bus: "MessageBus") -> list["Recorded"]:
    """Record that the run continues (its status becomes ``running`` again)."""
    if bus.state.status == "completed":
        raise SimulationError(f"run {bus.run_id} completed: there is nothing to resume")
    return bus.record([bus.new("run", RunResumed(
        events_before=cmd.events_before, llm_provider=getattr(bus.gateway, "identity", None),
        previous_status=cmd.previous_status, settings=cmd.settings))])


def interrupt_run(cmd: InterruptRun, bus: "MessageBus") -> list["Recorded"]:
    """Record that the run stopped early and can be resumed."""
    return bus.record([bus.new("run", RunInterrupted(cause=cmd.cause, reason=cmd.reason))])
