"""Forks: where a parent position falls in its script, and what is left to play (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from troupe_es.events import Recorded
from troupe_es.commands.plan import run_steps

PROGRESS_TYPES = ("ScriptStepStarted", "StepCompleted", "PollClosed")
"""The events that tell how far a run's script had got."""


def remaining_script(script: list[dict[str, Any]] | tuple[dict[str, Any], ...],
                     progress: Iterable[Recorded]) -> list[dict[str, Any]]:
    """The script lines still to play after the given progress events (those up to the fork).

    A ``run: N`` line in progress keeps its unfinished steps (a step cut in the middle is played
    again from its start); an unfinished poll is asked again; other lines are instantaneous.
    """
    index: int | None = None
    steps_done = 0
    poll_closed = False
    for rec in progress:
        kind = rec.event.type
        if kind == "ScriptStepStarted":
            index, steps_done, poll_closed = rec.event.index, 0, False  # type: ignore[attr-defined]
        elif kind == "StepCompleted":
            steps_done += 1
        elif kind == "PollClosed":
            poll_closed = True
    if index is None:
        return [dict(line) for line in script]
    line = dict(script[index])
    head: list[dict[str, Any]] = []
    if "run" in line:
        value = line["run"]
        total = run_steps(value)
        left = total - steps_done
        if left > 0:
            head = [{"run": {**value, "steps": left} if isinstance(value, dict) else left}]
    elif "poll" in line and not poll_closed:
        head = [line]
    return head + [dict(x) for x in script[index + 1:]]
