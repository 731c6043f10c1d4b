"""Time travel through snapshots equals folding the whole log, at every position, on every backend."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.timetravel.builders import NAMES, RunBuilder, append_run
from troupe_es.domain import RunState, fold_state
from troupe_es.errors import ConfigurationError, SimulationError
from troupe_es.snapshots import (
    SNAPSHOT_NAME,
    SnapshotPolicy,
    SnapshotWriter,
    agent_state_at,
    agent_view,
    state_at,
    state_dict,
    write_snapshots,
)
from troupe_es.store import InMemoryEventStore


def _expected(records, p: int) -> RunState:
    return replace(fold_state(r for r in records if r.position <= p), position=p)


def test_state_at_equals_full_fold_at_every_position(store):
    records = append_run(store, RunBuilder(agents=NAMES[:3], everyone=False), steps=4)
    assert write_snapshots(store, "run-a", every=13) >= 5
    last = records[-1].position
    for p in range(1, last + 1):
        expected = _expected(records, p)
        assert state_at(store, "run-a", position=p) == expected, p
        assert state_at(store, "run-a", position=p, use_snapshots=False) == expected, p
        for name in expected.agents:
            view = agent_state_at(store, "run-a", name, position=p)
            assert view.agents == {name: expected.agents[name]}, (p, name)
            assert view.worlds == expected.worlds and view.status == expected.status, (p, name)
    assert state_at(store, "run-a") == _expected(records, last)


def test_interleaved_runs_travel_independently():
    store = InMemoryEventStore()
    a, b = RunBuilder("run-a", agents=NAMES[:2]), RunBuilder("run-b", agents=NAMES[2:5])
    recs: dict[str, list] = {"run-a": [], "run-b": []}
    for ba, bb in zip(a.batches(3), b.batches(3)):
        recs["run-a"] += store.append("run-a", ba)
        recs["run-b"] += store.append("run-b", bb)
    for run in ("run-a", "run-b"):
        write_snapshots(store, run, every=20)
    for p in range(1, store.last_position() + 1, 7):
        for run in ("run-a", "run-b"):
            assert state_at(store, run, position=p) == _expected(recs[run], p)
    assert set(state_at(store, "run-b").agents) == set(NAMES[2:5])


def test_writer_snapshots_when_a_multiple_is_crossed_like_the_bus():
    store = InMemoryEventStore()
    builder = RunBuilder(agents=NAMES[:3])
    writer = SnapshotWriter(SnapshotPolicy(every=25))
    state = RunState()
    saved = []
    for batch in builder.batches(5):
        for rec in store.append("run-a", batch):
            state = fold_state([rec], state)
        snap = writer.after_batch(store, "run-a", state)
        if snap is not None:
            saved.append(snap.position)
    assert saved and writer.written == len(saved)
    assert all(p2 // 25 > p1 // 25 for p1, p2 in zip(saved, saved[1:]))
    assert saved[0] // 25 >= 1
    stored = store.load_snapshot("run-a", SNAPSHOT_NAME, at_or_before=saved[1])
    assert stored.position == saved[1]
    assert RunState.from_dict(stored.state) == state_at(store, "run-a", position=saved[1], use_snapshots=False)
    # a new writer (a resumed process) continues from the stored snapshot, not from scratch
    fresh = SnapshotWriter(SnapshotPolicy(every=25))
    assert fresh.after_batch(store, "run-a", state) is None


def test_write_snapshots_is_idempotent_and_states_are_json_equal_to_to_dict():
    store = InMemoryEventStore()
    append_run(store, RunBuilder(agents=NAMES[:4]), steps=3)
    first = write_snapshots(store, "run-a", every=30)
    snap = store.load_snapshot("run-a", SNAPSHOT_NAME)
    assert write_snapshots(store, "run-a", every=30) == first
    assert store.load_snapshot("run-a", SNAPSHOT_NAME) == snap
    state = state_at(store, "run-a")
    assert json.dumps(state_dict(state), sort_keys=True) == json.dumps(state.to_dict(), sort_keys=True)


def test_step_means_just_before_step_started():
    store = InMemoryEventStore()
    records = append_run(store, RunBuilder(agents=NAMES[:2]), steps=3)
    started = {r.event.step: r.position for r in records if r.type == "StepStarted"}
    completed = {r.event.step: r.position for r in records if r.type == "StepCompleted"}
    for step, position in started.items():
        state = state_at(store, "run-a", step=step)
        assert state.position == position - 1 and state.worlds["Room"].step == step
    after_last = state_at(store, "run-a", step=3)
    assert after_last.position == completed[2] and after_last.worlds["Room"].step == 3
    with pytest.raises(SimulationError, match="no step 7"):
        state_at(store, "run-a", step=7)
    with pytest.raises(ConfigurationError):
        state_at(store, "run-a", position=3, step=1)


def test_agent_errors_and_view():
    store = InMemoryEventStore()
    append_run(store, RunBuilder(agents=NAMES[:2]), steps=1)
    with pytest.raises(SimulationError, match="no agent 'Bob'.*Lisa, Oscar"):
        agent_state_at(store, "run-a", "Bob")
    assert agent_state_at(store, "run-a", "Lisa", position=1, missing_ok=True).agents == {}
    view = agent_view(agent_state_at(store, "run-a", "Lisa"), "Lisa")
    assert view["accessible"] == ["Oscar"] and view["clock"] == "2026-03-01T09:15:00+00:00"
    assert view["persona"]["occupation"]["title"] == "Architect"
    with pytest.raises(ConfigurationError):
        SnapshotPolicy(0)
