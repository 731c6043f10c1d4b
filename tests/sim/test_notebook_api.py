"""The notebook facade: every call appends events; nothing lives only in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from troupe_es import Simulation
from troupe_es.domain import fold_state
from troupe_es.errors import SimulationError

ROOT = Path(__file__).resolve().parents[2]


def test_simulation_facade_records_everything(store_url):
    sim = Simulation.open(store_url, llm="mock", seed=5, name="notebook demo")
    lisa = sim.load_persona(ROOT / "examples/personas/lisa.agent.json",
                            fragments=[ROOT / "examples/personas/frugal.fragment.json"])
    oscar = sim.person("Oscar", age=30, occupation={"title": "Architect"},
                       personality={"traits": ["meticulous"]})
    room = sim.world("Focus room", people=[lisa, oscar], step="15m")
    room.broadcast("What would make you buy a new breakfast cereal?")
    room.run(2)
    actions = oscar.listen_and_act("Would you pay 20% more for organic?")
    assert actions[-1].action == "DONE" and any(a.action in ("TALK", "THINK") for a in actions)
    tally = room.poll("Organic or regular?", ["organic", "regular"])
    assert sum(tally.values()) == 2
    assert lisa.state.turns == 2 and oscar.state.turns == 3
    assert "store brands" in str(lisa.state.persona)
    # the state is exactly the fold of the log
    assert fold_state(sim.store.read(run_id=sim.run_id)) == sim.state
    assert {e.type for e in sim.events(agent="Oscar")} >= {"PersonaDefined", "StimulusPerceived", "ActionTaken"}
    with pytest.raises(SimulationError, match="steps must be >= 0"):
        room.run(-1)
    with pytest.raises(SimulationError, match="unknown agent 'Nobody'"):
        sim.bus.handle(__import__("troupe_es.commands.models").commands.models.Perceive(agent="Nobody", kind="listen", content="x"))
    sim.close()
    assert sim.state.status == "completed"


def test_names_are_unique_per_run_not_per_process(tmp_path):
    url = f"sqlite:///{tmp_path}/n.db"
    with Simulation.open(url) as a, Simulation.open(url) as b:
        a.person("Lisa")
        b.person("Lisa")  # another run: fine
        with pytest.raises(SimulationError, match="already exists"):
            a.person("Lisa")
