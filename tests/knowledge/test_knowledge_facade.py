"""``sim.graph(at=P)`` and its helpers on the notebook facade, against the run's live state."""

from __future__ import annotations

import networkx as nx

from troupe_es.api import Simulation


def _sim(**knowledge):
    sim = Simulation.open("memory://", knowledge={"extract": True, **knowledge}, seed=3)
    people = [sim.person(n, age=a) for n, a in (("Lisa", 28), ("Oscar", 30))]
    world = sim.world("Room", people=people, step="15m")
    world.broadcast("Organic oats cost 4 euros. Would you buy granola or muesli?")
    world.run(4)
    return sim


def test_sim_graph_is_a_networkx_multidigraph_equal_to_the_live_state():
    sim = _sim()
    g = sim.graph()
    assert isinstance(g, nx.MultiDiGraph) and g.number_of_edges() > 5
    live = sim.state.knowledge  # built by the bus during the run
    open_now = {k for _, _, k, d in g.edges(keys=True, data=True) if d["valid_to"] is None}
    assert open_now == {f.id for f in live.open}
    assert all(g.nodes[n]["aliases"] for n in g.nodes)
    assert sim.replay().verified


def test_at_p_agent_neighbours_path_and_beliefs():
    sim = _sim()
    extractions = sim.events(type="FactsExtracted")
    first = extractions[0].position
    early = sim.graph(at=first)
    assert set(early.edges(keys=True)) < set(sim.graph().edges(keys=True))
    assert {d["agent"] for *_, d in sim.graph(agent="Lisa").edges(data=True)} == {"Lisa"}
    around = sim.neighbours("lisa")
    assert around and all("lisa" in (e["subject"], e["object"]) and e["valid_to"] is None for e in around)
    assert sim.path("Lisa", "Oscar")[0] == "Lisa" and sim.path("Lisa", "Oscar")[-1] == "Oscar"
    at_step_2 = sim.beliefs("Lisa", "Lisa", step=2)
    now = sim.beliefs("Lisa", "Lisa")
    step_2 = next(r.position for r in sim.events(type="StepStarted") if r.event.step == 2)
    assert at_step_2 and all(e["agent"] == "Lisa" and e["position"] < step_2 for e in at_step_2)
    assert {e["id"] for e in now} - {e["id"] for e in at_step_2}  # Lisa learnt more after step 2
    assert sim.knowledge().stats()["extractions"] == len(extractions)


def test_when_keeps_the_edges_holding_at_a_simulated_time():
    sim = _sim(exclusive_predicates=["talks about", "cares about", "is curious about"])
    every = sim.graph()
    closed = [(k, d) for *_, k, d in every.edges(keys=True, data=True) if (d["valid_from"] or "") < (d["valid_to"] or "")]
    assert closed
    key, data = closed[0]
    then = sim.graph(when=data["valid_from"])
    after = sim.graph(when=data["valid_to"])
    assert key in {k for *_, k in then.edges(keys=True)} and key not in {k for *_, k in after.edges(keys=True)}
    assert all(d["valid_to"] is None for *_, d in sim.graph(when=None).edges(data=True))
