"""The workplace brainstorm: a social network, internalized goals and an intervention, end to end."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import troupe
from troupe_es.domain import fold_state
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def test_brainstorm_relations_goals_and_intervention(sqlite_url):
    res = troupe("run", str(ROOT / "examples" / "workplace_brainstorm.yaml"), "-q", store=sqlite_url)
    assert res.code == 0, res.err
    run_id = res.out.strip()
    with open_store(sqlite_url) as store:
        records = list(store.read(run_id=run_id))
    types = [r.type for r in records]
    applied = [r for r in records if r.type == "InterventionApplied"]
    assert [a.event.name for a in applied] == ["cfo-constraint"] and applied[0].event.step == 1
    budget_news = [r for r in records if r.type == "StimulusPerceived" and "250k" in r.event.content]
    assert len(budget_news) == 3 and all(r.causation_id == applied[0].event_id for r in budget_news)
    assert types.count("RelationChanged") == 2 and types.count("RandomDrawn") == 2
    state = fold_state(records)
    room = state.worlds["Brightfield Foods"]
    assert room.kind == "social_network" and not room.everyone_accessible
    assert room.accessible_to("Priya Nair") == ("Daniel Reyes",)
    assert set(room.accessible_to("Daniel Reyes")) == {"Amara Okafor", "Priya Nair"}
    assert "Agree on one launch idea for the new high-protein cereal by noon." in " ".join(
        m.text for m in state.agents["Amara Okafor"].memory)
    # whoever Priya spoke to, it was someone she can reach
    talks = [r.event for r in records if r.type == "ActionTaken" and r.event.agent == "Priya Nair"
             and r.event.action == "TALK" and r.event.target]
    assert all(t.target == "Daniel Reyes" for t in talks)
