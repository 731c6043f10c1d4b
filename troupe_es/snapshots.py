"""Snapshots of the run state, and time travel: the state of a run at any position.

Time travel is "fold up to position P" (:func:`troupe_es.domain.fold_state`, the one fold),
accelerated by snapshots: the ``run_state`` snapshot nearest at or before P is loaded and only the
state-changing events (:data:`STATE_EVENT_TYPES`) after it are read and folded.

Writing snapshots:

* live, :class:`SnapshotWriter` is called by the message bus after every recorded batch and
  saves ``state.to_dict()`` whenever the run's position crossed a multiple of
  :attr:`SnapshotPolicy.every` since its last snapshot (a dict lookup when it did not);
* afterwards, :func:`write_snapshots` (re)builds them for an existing run
  (``troupe-es projections rebuild run_state``).

Reading one agent (:func:`agent_state_at`) is faster still: it folds only the agent's own
stream ``agent/<name>`` plus the run- and world-level events (runs record every event about an
agent in the agent's stream; world events in ``world/<name>``).

``step=N`` everywhere means the position just before ``StepStarted`` of step N: the state the
agents acted on in that step (see :func:`troupe_es.timeline.step_position`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from troupe_es.domain.memory import MEMORY_HANDLERS
from troupe_es.domain import STATE_EVENT_TYPES, AgentState, RunState, evolve, fold_state
from troupe_es.errors import ConfigurationError, CorruptEventError, SimulationError
from troupe_es.events.envelope import Recorded
from troupe_es.store.base import EventStore, Snapshot
from troupe_es.store.rows import OnCorrupt
from troupe_es.timeline import run_bounds, step_position

SNAPSHOT_NAME = "run_state"
"""Name of the run-state snapshots in the store's snapshot table."""

AGENT_STREAM_TYPES = frozenset({"StimulusPerceived", "ActionTaken", "CognitiveStateChanged",
                                "RepetitionSuppressed", "PersonaChanged", *MEMORY_HANDLERS})
"""State events that only ever change the agent whose stream they are recorded in."""

SHARED_TYPES = frozenset(STATE_EVENT_TYPES - AGENT_STREAM_TYPES)
"""State events every agent's view needs: run lifecycle, personas, worlds, steps, links."""


def state_dict(state: RunState) -> dict:
    """``state.to_dict()``, several times faster: the same JSON once encoded (tuples appear as
    lists or tuples alike), without :func:`dataclasses.asdict`'s deep copies. Values are shared
    with ``state``, which is immutable; stores serialize or copy snapshots when saving them."""
    data = dict(vars(state))
    data["agents"] = {name: _agent_dict(a) for name, a in state.agents.items()}
    data["worlds"] = {name: dict(vars(w)) for name, w in state.worlds.items()}
    data["schedule"] = state.schedule.to_dict()
    data["library"] = {"chunks": [dict(vars(c)) for c in state.library.chunks], "grounded": state.library.grounded}
    data["tools"] = state.tools.to_dict()
    data["knowledge"] = {**vars(state.knowledge), "open": [dict(vars(f)) for f in state.knowledge.open]}
    for name, w in state.worlds.items():
        if w.space is not None:  # a grid world's space (maps, positions) as plain data
            data["worlds"][name]["space"] = w.space.to_dict()
        if w.classroom is not None:  # a classroom's session as plain data
            data["worlds"][name]["classroom"] = w.classroom.to_dict()
        if w.store is not None:  # a store's shoppers and baskets as plain data
            data["worlds"][name]["store"] = w.store.to_dict()
    data["market"] = state.market.to_dict() if state.market is not None else None
    data["workplace"] = state.workplace.to_dict() if state.workplace is not None else None
    return data


def _agent_dict(agent: AgentState) -> dict:
    data = dict(vars(agent))
    data["memory"] = [dict(vars(m)) for m in agent.memory]
    book = dict(vars(agent.book))
    book["items"] = [dict(vars(m)) for m in agent.book.items]
    data["book"] = book
    if agent.emotion is not None:  # the PAD state (emotions) as plain data
        data["emotion"] = dict(vars(agent.emotion))
    return data


@dataclass(frozen=True)
class SnapshotPolicy:
    """How often to snapshot: after the batch in which a run's position crosses a multiple of
    ``every`` (positions are global, so every run is snapshotted about every ``every`` events)."""

    every: int = 1000

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ConfigurationError(f"snapshot interval must be at least 1 event, not {self.every}")


@dataclass
class SnapshotWriter:
    """Saves ``run_state`` snapshots as a run is recorded; call :meth:`after_batch` after each
    appended batch with the state folded up to its last event."""

    policy: SnapshotPolicy = field(default_factory=SnapshotPolicy)
    name: str = SNAPSHOT_NAME
    written: int = 0
    _last: dict[str, int] = field(default_factory=dict, repr=False)

    def after_batch(self, store: EventStore, run_id: str, state: RunState) -> Snapshot | None:
        """Snapshot ``state`` if the run crossed a multiple of ``policy.every`` since its last
        snapshot (or since the writer first saw it); returns the snapshot written, if any."""
        position = state.position
        last = self._last.get(run_id)
        if last is None:
            previous = store.load_snapshot(run_id, self.name)
            last = previous.position if previous is not None else position
            self._last[run_id] = last
        every = self.policy.every
        if position // every <= last // every:
            return None
        snapshot = Snapshot(run_id, self.name, position, state_dict(state))
        store.save_snapshot(snapshot)
        self._last[run_id] = position
        self.written += 1
        return snapshot


def write_snapshots(store: EventStore, run_id: str, every: int = SnapshotPolicy.every, *,
                    name: str = SNAPSHOT_NAME, on_corrupt: OnCorrupt | None = None) -> int:
    """(Re)build a run's snapshots from its log: one after the first event at or past every
    multiple of ``every``; returns how many were written. Existing snapshots at the same
    positions are replaced, so running it twice changes nothing.

    An undecodable state event raises :class:`~troupe_es.errors.CorruptEventError`; with
    ``on_corrupt`` it is reported there and the run gets no snapshot past it (a state folded
    without one of its events would be wrong)."""
    policy = SnapshotPolicy(every)
    state = RunState()
    written = 0
    boundary: int | None = None
    broken: list[object] = []

    def report(error: CorruptEventError) -> None:
        broken.append(error)
        if on_corrupt is not None:
            on_corrupt(error)

    for rec in store.read(run_id=run_id, types=STATE_EVENT_TYPES, on_corrupt=report if on_corrupt else None):
        if broken:
            break
        if boundary is None:
            boundary = (rec.position // policy.every + 1) * policy.every
        if rec.position >= boundary:
            store.save_snapshot(Snapshot(run_id, name, state.position, state_dict(state)))
            written += 1
            boundary = (rec.position // policy.every + 1) * policy.every
        state = evolve(state, rec)
    return written


def resolve_position(store: EventStore, run_id: str, *, position: int | None = None,
                     step: int | None = None, world: str | None = None) -> int:
    """The log position a time-travel request names: ``position``, the start of ``step``
    (see :func:`~troupe_es.timeline.step_position`), or the run's last event."""
    if position is not None and step is not None:
        raise ConfigurationError("give a position or a step, not both")
    if step is not None:
        return step_position(store, run_id, step, world)
    if position is not None:
        if position < 0:
            raise SimulationError(f"position must be 0 or more, not {position}")
        return position
    return run_bounds(store, run_id)[1]


def _nearest(store: EventStore, run_id: str, target: int, use_snapshots: bool) -> Snapshot | None:
    return store.load_snapshot(run_id, SNAPSHOT_NAME, at_or_before=target) if use_snapshots else None


def state_at(store: EventStore, run_id: str, *, position: int | None = None, step: int | None = None,
             world: str | None = None, use_snapshots: bool = True) -> RunState:
    """The whole run state after the event at ``position`` (default: the run's end).

    Folds from the nearest snapshot at or before the target, reading only the run's state events
    after it. The returned state's ``position`` is the target position."""
    target = resolve_position(store, run_id, position=position, step=step, world=world)
    snapshot = _nearest(store, run_id, target, use_snapshots)
    state = RunState.from_dict(snapshot.state) if snapshot is not None else RunState()
    start = snapshot.position + 1 if snapshot is not None else None
    state = fold_state(store.read(run_id=run_id, types=STATE_EVENT_TYPES, from_position=start,
                                  until_position=target), state)
    return replace(state, position=target)


def _placeholder_state(data: dict, agent: str) -> RunState:
    """A snapshot restored with only ``agent`` in full (other agents are name placeholders)."""
    others = {name: {"name": name, "persona": {}} for name in data.get("agents", {}) if name != agent}
    if agent in data.get("agents", {}):
        others[agent] = data["agents"][agent]
    return RunState.from_dict({**data, "agents": others})


def agent_records(store: EventStore, run_id: str, agent: str | None, lo: int | None,
                  hi: int | None) -> Iterator[Recorded]:
    """The state events needed for one agent's view in positions ``lo..hi`` (inclusive): its
    stream plus :data:`SHARED_TYPES`; every state event when ``agent`` is None."""
    if agent is None:
        yield from store.read(run_id=run_id, types=STATE_EVENT_TYPES, from_position=lo, until_position=hi)
        return
    own = store.read(run_id=run_id, stream=f"agent/{agent}", from_position=lo, until_position=hi)
    shared = store.read(run_id=run_id, types=SHARED_TYPES, from_position=lo, until_position=hi)
    last = 0
    for rec in heapq.merge(own, shared, key=lambda r: r.position):
        if rec.position != last:  # an agent's PersonaDefined is in both
            last = rec.position
            yield rec


def agent_base(snapshot: Snapshot | None, agent: str | None) -> RunState:
    """The state a fold for ``agent`` (None: everyone) starts from."""
    if snapshot is None:
        return RunState()
    return RunState.from_dict(snapshot.state) if agent is None else _placeholder_state(snapshot.state, agent)


def agent_state_at(store: EventStore, run_id: str, agent: str, *, position: int | None = None,
                   step: int | None = None, world: str | None = None,
                   use_snapshots: bool = True, missing_ok: bool = False) -> RunState:
    """The run state with only ``agent`` (worlds and run-level fields are complete), computed
    from the agent's stream and the shared events: much cheaper than :func:`state_at`.

    An agent not (yet) in the run raises :class:`SimulationError`, or gives a state without
    agents when ``missing_ok``."""
    target = resolve_position(store, run_id, position=position, step=step, world=world)
    snapshot = _nearest(store, run_id, target, use_snapshots)
    start = snapshot.position + 1 if snapshot is not None else None
    state = fold_state(agent_records(store, run_id, agent, start, target), agent_base(snapshot, agent))
    if agent not in state.agents:
        if missing_ok:
            return replace(state, agents={}, position=target)
        known = ", ".join(sorted(state.agents)) or "none"
        raise SimulationError(f"no agent {agent!r} in run {run_id} at position {target} (agents: {known})")
    return replace(state, agents={agent: state.agents[agent]}, position=target)


def agent_view(state: RunState, agent: str) -> dict:
    """An agent's state as a JSON-compatible dict, plus ``accessible`` (who it can reach) and
    ``clock`` (its world's simulated time)."""
    a: AgentState = state.agents[agent]
    data = RunState(agents={agent: a}).to_dict()["agents"][agent]
    world = state.worlds.get(a.world) if a.world else None
    data["accessible"] = list(world.accessible_to(agent)) if world else []
    data["clock"] = world.clock if world else None
    if world is not None and world.space is not None and agent in world.space.positions:
        data["position"] = list(world.space.positions[agent])  # a grid world: its cell (x, y)
    if world is not None and world.store is not None and agent in world.store.shoppers:
        data["shopper"] = world.store.to_dict()["shoppers"][agent]  # a store: list, budget, basket (cents)
    return data

