"""The message bus: routes commands to handlers and keeps the run's state folded from the log.

Nothing lives only in memory: every change goes through :meth:`MessageBus.record`, which appends
events to the store and folds the stored records into :attr:`MessageBus.state`. Handlers are
registered by the composition root (:mod:`troupe_es.bootstrap`), so this module knows no command.

A bus built with an ``announce`` function records each command handed to :meth:`MessageBus.handle`
(the notebook facade's runs do): the announcing event goes to the ``run`` stream in the same
atomic batch as the command's first events, so a command that changes nothing leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from troupe_es.domain import RunState, evolve
from troupe_es.errors import SimulationError
from troupe_es.events import Event, NewEvent, Recorded
from troupe_es.store.base import EventStore
from troupe_es.store.rows import new_event_id

Handler = Callable[[Any, "MessageBus"], Any]
Announcer = Callable[[Any], "tuple[Event, Any] | None"]
"""Given a command about to be handled, the event that records it and the command as recorded,
which is the one handled (so a run and its replay handle equal commands); None: not recorded."""


class Observer(Protocol):
    """Sees every recorded event as it is committed (progress bars, live views)."""

    def __call__(self, record: Recorded) -> None: ...


@dataclass(frozen=True)
class RuntimeSettings:
    """How agents are run: model and parameters, parallelism, actions per turn."""

    model: str = "gpt-4o-mini"
    llm_parameters: Mapping[str, Any] = field(default_factory=dict)
    parallel: int = 1
    max_actions: int = 15
    interventions: Sequence[Any] = ()


class MessageBus:
    """One run's command dispatcher, state holder and event recorder."""

    def __init__(self, store: EventStore, run_id: str, *, handlers: Mapping[type, Handler],
                 gateway: Any, persona_facts: Callable[[dict[str, Any]], list[str]],
                 settings: RuntimeSettings = RuntimeSettings(), state: RunState | None = None,
                 observers: Sequence[Observer] = (), snapshots: Any = None,
                 announce: Announcer | None = None, capabilities: Sequence[Any] = (),
                 services: Mapping[str, Any] | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self.handlers = dict(handlers)
        self.gateway = gateway
        self.persona_facts = persona_facts
        self.settings = settings
        self.state = state or RunState()
        self.observers = list(observers)
        self.snapshots = snapshots  # e.g. troupe_es.snapshots.SnapshotWriter: after_batch(store, run, state)
        self.announce = announce
        self._preamble: list[NewEvent] = []
        self._depth = 0
        self.capabilities = tuple(capabilities)  # what composes an agent's turn (commands.turn.Capability)
        self.services = dict(services or {})  # ports the capabilities use (e.g. "embedder")

    def handle(self, command: Any) -> Any:
        """Run the handler registered for the command's type (announcing it first, if the bus
        records commands; a command handled inside another one is not announced)."""
        handler = self.handlers.get(type(command))
        if handler is None:
            raise SimulationError(f"no handler for command {type(command).__name__}")
        if self._depth == 0 and self.announce is not None:
            announced = self.announce(command)
            if announced is not None:
                event, command = announced
                self._preamble = [self.new("run", event, world=getattr(command, "world", None))]
        self._depth += 1
        try:
            return handler(command, self)
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._preamble = []

    def record(self, events: Sequence[NewEvent]) -> list[Recorded]:
        """Append a batch atomically and fold it into the state; returns the stored records.

        The first batch a command records carries the command's announcing event in front."""
        if not events:
            return []
        if self._preamble:
            events, self._preamble = [*self._preamble, *events], []
        records = self.store.append(self.run_id, list(events))
        for rec in records:
            self.state = evolve(self.state, rec)
            for observer in self.observers:
                observer(rec)
        if self.snapshots is not None:
            self.snapshots.after_batch(self.store, self.run_id, self.state)
        return records

    def new(self, stream: str, event: Event, *, world: str | None = None,
            sim_time: datetime | None = None, causation_id: str | None = None) -> NewEvent:
        """A :class:`NewEvent` stamped with a fresh id and the world's clock (or ``sim_time``)."""
        if sim_time is None:
            sim_time = self.clock(world)
        return NewEvent(stream, event, sim_time=sim_time, event_id=new_event_id(),
                        causation_id=causation_id)

    def clock(self, world: str | None = None) -> datetime | None:
        """The simulated clock of ``world`` (or of the first world; None before any)."""
        worlds = self.state.worlds
        if world is not None and world in worlds:
            return worlds[world].clock_dt()
        for w in worlds.values():
            return w.clock_dt()
        return None

    def require_agent(self, name: str, where: str = "") -> None:
        """Raise :class:`SimulationError` unless the run has an agent called ``name``."""
        if name not in self.state.agents:
            known = ", ".join(self.state.agents) or "none"
            raise SimulationError(f"{where}unknown agent {name!r} (known: {known})")

    def require_world(self, name: str) -> None:
        """Raise :class:`SimulationError` unless the run has a world called ``name``."""
        if name not in self.state.worlds:
            raise SimulationError(f"unknown world {name!r} (known: {', '.join(self.state.worlds) or 'none'})")
