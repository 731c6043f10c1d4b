"""Every example scenario, run with frequent snapshots into SQLite (which stores them as JSON):
each capability's state (memory, documents, knowledge, emotions, schedule, space, market,
workplace, classroom, retail, tools) survives a snapshot, and the snapshot equals the fold."""

from __future__ import annotations

from pathlib import Path

import pytest

from troupe_es.bootstrap import make_bus, make_gateway
from troupe_es.commands.plan import plan_from_scenario
from troupe_es.commands.scenario import execute
from troupe_es.domain import RunState, fold_state
from troupe_es.runtime import RuntimeSettings
from troupe_es.scenario import load_scenario
from troupe_es.snapshots import SNAPSHOT_NAME
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml") if "personas" not in p.parts)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT / "examples")))
def test_snapshots_of_every_example_equal_the_fold(path: Path, tmp_path: Path) -> None:
    plan = plan_from_scenario(load_scenario(path))
    with open_store(f"sqlite:///{tmp_path / 'snap.db'}") as store:
        bus = make_bus(store, "snap", gateway=make_gateway(store),
                       settings=RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters),
                       snapshot_every=40)
        assert execute(bus, plan).status == "completed"
        records = list(store.read(run_id="snap"))
        at, checked = records[-1].position, 0
        while checked < 3 and (snap := store.load_snapshot("snap", SNAPSHOT_NAME, at_or_before=at)) is not None:
            assert RunState.from_dict(snap.state) == fold_state(r for r in records if r.position <= snap.position)
            at, checked = snap.position - 1, checked + 1
        assert checked >= 1
