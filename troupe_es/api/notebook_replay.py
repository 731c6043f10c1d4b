"""Replay and fork of runs driven from Python (the notebook facade).

A notebook run has no scenario to re-execute: its ``RunStarted.scenario`` is
``{"kind": "notebook", "model": ..., "llm_parameters": ..., "max_actions": ...}`` and every
command the facade issued is in the log as a ``CommandIssued`` event. Replay dispatches those
commands again through a fresh bus with the strict replay gateway; a fork at position P copies
the parent's state up to P (as a scenario fork does) and plays the parent's commands after P
(:func:`troupe_es.commands.notebook.fork_tail`) — or a scenario's script, with
``troupe-es fork RUN --at P --scenario FILE``, which makes a scenario run of the fork.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from troupe_es.api.replay import fork_start, inheritance, inheritor
from troupe_es.commands.models import Command, StartRun
from troupe_es.commands.notebook import (
    begin,
    fork_tail,
    is_notebook,
    notebook_record,
    recorded_command,
    replay_commands,
)
from troupe_es.errors import ConfigurationError
from troupe_es.events import RunStarted
from troupe_es.runtime import MessageBus, RuntimeSettings
from troupe_es.store import EventStore
from troupe_es.timeline import rows_after


def notebook_settings(started: RunStarted, *, model: str | None = None, parallel: int | None = None) -> RuntimeSettings:
    """How a notebook run's agents were run, from its ``RunStarted`` (``model`` overrides it)."""
    record = started.scenario
    if "model" not in record:
        raise ConfigurationError("this run was driven from Python by a troupe-es version that did not record "
                                 "its commands: it cannot be replayed or forked (fork it with --scenario)")
    return RuntimeSettings(model=model or record["model"], llm_parameters=dict(record.get("llm_parameters") or {}),
                           parallel=parallel or int(started.settings.get("parallel", 1) or 1),
                           max_actions=int(record.get("max_actions") or 15))


def start_of(started: RunStarted) -> StartRun:
    """The command that records ``started`` again."""
    return StartRun(scenario_name=started.scenario_name, scenario=started.scenario, seed=started.seed,
                    sim_start=started.sim_start, parent_run_id=started.parent_run_id,
                    fork_position=started.fork_position, settings=dict(started.settings))


def notebook_replayer(store: EventStore, run_id: str,
                      started: RunStarted) -> tuple[RuntimeSettings, Callable[[MessageBus], None]]:
    """The settings and the driver that re-execute notebook run ``run_id`` on a bus."""
    settings = notebook_settings(started)
    commands = [recorded_command(rec) for rec in store.read(run_id=run_id, types=["CommandIssued"])]

    def drive(bus: MessageBus) -> None:
        begin(bus, start_of(started), inheritance(store, started))
        replay_commands(bus, commands)

    return settings, drive


@dataclass(frozen=True)
class NotebookFork:
    """A fork of a notebook run, ready to start on a bus that records commands."""

    start: StartRun
    inherit: Callable[[MessageBus], None]
    tail: tuple[Command, ...]
    settings: RuntimeSettings

    def begin(self, bus: MessageBus, run_settings: dict[str, Any] | None = None) -> None:
        """Record the fork's ``RunStarted`` and the parent's state up to the fork position."""
        start = self.start if run_settings is None else self.start.model_copy(update={"settings": run_settings})
        begin(bus, start, self.inherit)


def notebook_fork(store: EventStore, parent_run_id: str, position: int, *, model: str | None = None,
                  parallel: int | None = None) -> NotebookFork:
    """The fork of notebook run ``parent_run_id`` at ``position``: its start, the state it
    inherits and the parent's commands still to play."""
    parent: RunStarted = fork_start(store, parent_run_id, position).event  # type: ignore[assignment]
    if not is_notebook(parent.scenario):
        raise ConfigurationError(f"run {parent_run_id} runs a scenario: fork it with `troupe-es fork`")
    settings = notebook_settings(parent, model=model, parallel=parallel)
    record = notebook_record(model=settings.model, llm_parameters=dict(settings.llm_parameters),
                             max_actions=settings.max_actions)
    start = StartRun(scenario_name=parent.scenario_name, scenario=record, seed=parent.seed,
                     sim_start=parent.sim_start, parent_run_id=parent_run_id, fork_position=position,
                     settings={"model": settings.model, "parallel": settings.parallel})
    after = rows_after(store, parent_run_id, position)
    tail = fork_tail(store.read(run_id=parent_run_id, types=["CommandIssued"]), position,
                     first_after=after[0].type if after else None)
    return NotebookFork(start, inheritor(store, parent_run_id, position), tuple(tail), settings)
