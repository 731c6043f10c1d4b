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


BIG_SCENARIO = """\
name: town-hall
seed: 11
llm: {model: gpt-4o-mini}
world: {name: Hall, start: 2026-03-01T09:00:00, step: 10m, everyone_accessible: true}
personas:
%s
script:
  - broadcast: "The town is deciding whether to turn the old mill into a bakery or a library. Discuss."
  - run: 30
"""


def test_a_cli_run_is_snapshotted_at_the_default_interval(tmp_path):
    """`troupe-es run` with no snapshot setting: a run past 2,000 events has a snapshot after
    each multiple of 1,000 (make_bus's default), each equal to the fold of the log up to it."""
    from tests.cli.helpers import troupe
    from troupe_es.store import open_store

    people = [("Ana", "Baker"), ("Ben", "Librarian"), ("Cai", "Miller"), ("Dee", "Teacher"),
              ("Eli", "Mayor"), ("Fay", "Nurse"), ("Gus", "Farmer"), ("Hal", "Student")]
    personas = "\n".join(f"  - {{name: {n}, age: 40, occupation: {{title: {job}}}}}" for n, job in people)
    scenario = tmp_path / "town.yaml"
    scenario.write_text(BIG_SCENARIO % personas, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/town.db"
    result = troupe("run", str(scenario), "-q", store=url)
    assert result.code == 0, result.err
    run_id = result.out.strip()
    with open_store(url) as store:
        records = list(store.read(run_id=run_id))
        last = records[-1].position
        assert last > 2000 and records[0].position == 1
        snapshots = []
        at = last
        while (snap := store.load_snapshot(run_id, SNAPSHOT_NAME, at_or_before=at)) is not None:
            snapshots.append(snap.position)
            assert RunState.from_dict(snap.state) == fold_state(r for r in records if r.position <= snap.position)
            at = snap.position - 1
    snapshots.reverse()
    assert len(snapshots) == last // 1000  # one per multiple of 1,000 crossed, none in between
    for n, position in enumerate(snapshots, start=1):
        assert n * 1000 <= position < n * 1000 + 100  # written with the batch that crossed it
