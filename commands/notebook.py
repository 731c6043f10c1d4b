"""Runs driven from Python: their commands are the log's script (pure functions).

A scenario run keeps its whole script in ``RunStarted``; a notebook run has none, so each command
the facade issues is recorded as a ``CommandIssued`` event (see :func:`announce`, installed on the
bus by ``bootstrap.make_bus(record_commands=True)``). Replay rebuilds those commands and
dispatches them again; a fork at position P inherits the state at P and plays the commands that
come after it (:func:`fork_tail`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import (
    AdvanceStep,
    AskPoll,
    Command,
    CompleteRun,
    FailRun,
    InterruptRun,
    ResumeRun,
    StartRun,
    TakeTurn,
    command_from_record,
)
from troupe_es.errors import ReplayDivergenceError, TroupeError
from troupe_es.events import CommandIssued, Recorded, canonical_json

if TYPE_CHECKING:
    from troupe_es.runtime import MessageBus

Inherit = Callable[["MessageBus"], None]

NOTEBOOK_KIND = "notebook"
RESUMABLE = (AdvanceStep, TakeTurn, AskPoll)
"""Commands that, cut in the middle by a fork position, are issued again from their start (the
way a scenario fork plays a cut ``run`` step or poll again); other commands are instantaneous."""
RUN_MARKERS = (CompleteRun, FailRun, InterruptRun, ResumeRun)
"""Commands that end or resume a run: a fork does not inherit them (it starts and ends itself)."""


def announce(command: Any) -> tuple[CommandIssued, Command] | None:
    """The event recording ``command`` and the command as replay will rebuild it from that event
    (``StartRun`` is not recorded: ``RunStarted`` is)."""
    if isinstance(command, StartRun) or not isinstance(command, Command):
        return None
    dump = _stored_form(command.model_dump(mode="json"))
    volatile = command.volatile_fields()
    event = CommandIssued(command=type(command).__name__,
                          arguments={k: v for k, v in dump.items() if k not in volatile},
                          measurements={k: v for k, v in dump.items() if k in volatile})
    return event, command_from_record(event.command, dump)


def _stored_form(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as every store gives them back (canonical JSON: sorted keys), so the command a
    run handles and the one its replay rebuilds are equal down to the order of a persona's keys
    (which orders the facts in its prompts)."""
    return json.loads(canonical_json(arguments))


def notebook_record(*, model: str, llm_parameters: dict[str, Any], max_actions: int) -> dict[str, Any]:
    """What a notebook run's ``RunStarted.scenario`` holds: the kind and what shapes its prompts."""
    return {"kind": NOTEBOOK_KIND, "model": model, "llm_parameters": dict(llm_parameters),
            "max_actions": max_actions}


def is_notebook(scenario: dict[str, Any]) -> bool:
    """Whether a ``RunStarted.scenario`` is a run driven from Python."""
    return scenario.get("kind") == NOTEBOOK_KIND


def recorded_command(rec: Recorded) -> Command:
    """The command a ``CommandIssued`` record holds, validated again."""
    event: Any = rec.event
    return command_from_record(event.command, _stored_form({**event.arguments, **event.measurements}),
                               where=f"run {rec.run_id} position {rec.position}: ")


def fork_tail(issued: Iterable[Recorded], at: int, *, first_after: str | None) -> list[Command]:
    """The commands a fork at position ``at`` still has to play, from the parent's
    ``CommandIssued`` records and the type of the parent's first event after ``at``.

    Commands issued after ``at`` are kept. The command issued at or before ``at`` whose events go
    on past it (the first event after ``at`` is not a new command) is cut: a step, turn or poll is
    issued again from its start; an instantaneous command counts as done. Run endings are dropped
    (the fork ends itself)."""
    tail: list[Command] = []
    current: Recorded | None = None
    for rec in issued:
        if rec.position <= at:
            current = rec
        else:
            tail.append(recorded_command(rec))
    cut = current is not None and first_after is not None and first_after != "CommandIssued"
    if cut:
        command = recorded_command(current)  # type: ignore[arg-type]
        if isinstance(command, RESUMABLE):
            tail.insert(0, command)
    return [c for c in tail if not isinstance(c, RUN_MARKERS)]


def steps_of(commands: Sequence[Command]) -> int:
    """World steps a list of commands runs (for progress bars)."""
    return sum(isinstance(c, AdvanceStep) for c in commands)


def begin(bus: "MessageBus", start: StartRun, inherit: Inherit | None = None) -> None:
    """Start the run; a fork then copies its parent's state up to the fork position."""
    bus.handle(start)
    if inherit is not None:
        inherit(bus)


def replay_commands(bus: "MessageBus", commands: Iterable[Command]) -> None:
    """Dispatch recorded commands again. One that failed when it was issued fails the same way
    now and is passed over, as the notebook went on after it; a replay divergence is raised."""
    for command in commands:
        try:
            bus.handle(command)
        except ReplayDivergenceError:
            raise
        except TroupeError:
            continue


def complete(bus: "MessageBus") -> CompleteRun:
    """The command that ends a notebook run: its steps are the worlds' step counters."""
    return CompleteRun(steps=sum(w.step for w in bus.state.worlds.values()))
