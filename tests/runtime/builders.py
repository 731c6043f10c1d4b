"""Build run states from real events (through the real fold), for the runtime's unit tests."""

from __future__ import annotations

from datetime import datetime, timezone

from troupe_es.domain import RunState, fold_state
from troupe_es.events import (
    AgentJoinedWorld,
    NewEvent,
    PersonaDefined,
    RunStarted,
    WorldCreated,
)
from troupe_es.store import InMemoryEventStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def state_with(agents=("Lisa", "Oscar"), *, everyone=True, extra=()) -> tuple[RunState, InMemoryEventStore]:
    """A run with a world holding ``agents``; ``extra`` events are appended after."""
    store = InMemoryEventStore()
    events = [NewEvent("run", RunStarted(scenario_name="t", seed=7, package_version="0"), T0),
              NewEvent("world/Room", WorldCreated(world="Room", start=T0, step_seconds=900,
                                                  everyone_accessible=everyone), T0)]
    for name in agents:
        events.append(NewEvent(f"agent/{name}", PersonaDefined(agent=name, persona={"name": name}), T0))
        events.append(NewEvent("world/Room", AgentJoinedWorld(world="Room", agent=name), T0))
    events += [e if isinstance(e, NewEvent) else NewEvent("x", e, T0) for e in extra]
    store.append("r1", events)
    return fold_state(store.read(run_id="r1")), store
