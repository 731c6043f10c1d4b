"""The bus snapshots the run state while it records, and snapshots equal the fold of the log."""

from __future__ import annotations

from pathlib import Path

from troupe_es.commands.plan import plan_from_scenario
from troupe_es.commands.scenario import execute
from troupe_es.bootstrap import make_bus, make_gateway
from troupe_es.domain import RunState, fold_state
from troupe_es.runtime import RuntimeSettings
from troupe_es.scenario import load_scenario
from troupe_es.snapshots import SNAPSHOT_NAME

ROOT = Path(__file__).resolve().parents[2]


def test_runs_write_snapshots_that_match_the_fold(store):
    plan = plan_from_scenario(load_scenario(ROOT / "examples" / "focus_group.yaml"))
    bus = make_bus(store, "snap-run", gateway=make_gateway(store), settings=RuntimeSettings(model=plan.model),
                   snapshot_every=10)
    assert execute(bus, plan).status == "completed"
    records = list(store.read(run_id="snap-run"))
    positions = []
    at = records[-1].position
    while (snap := store.load_snapshot("snap-run", SNAPSHOT_NAME, at_or_before=at)) is not None:
        positions.append(snap.position)
        expected = fold_state(r for r in records if r.position <= snap.position)
        assert RunState.from_dict(snap.state) == expected
        at = snap.position - 1
    assert len(positions) >= 5
