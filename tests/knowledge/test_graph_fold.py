"""The knowledge graph fold: aliases merged, restatements merged, contradictions closed at the
simulated time of the contradiction (never deleted), state and projection always agreeing."""

from __future__ import annotations

from troupe_es.domain import fold_state
from troupe_es.domain.knowledge import fold_graph, normalise
from troupe_es.events import RunStarted
from troupe_es.events import NewEvent
from troupe_es.projections.knowledge import beliefs, knowledge_graph, path, to_networkx
from troupe_es.store import InMemoryEventStore
from tests.knowledge.helpers import START, append, facts_event


def _store(*events):
    store = InMemoryEventStore()
    store.append("r", [NewEvent("run", RunStarted(scenario_name="k", seed=1, scenario={"knowledge": {}}, package_version="0"))])
    append(store, "r", *events)
    return store


def test_names_are_normalised_so_aliases_merge_into_one_node():
    assert normalise("The  Organic-Cereal!") == normalise("organic cereal") == "organic cereal"
    graph = knowledge_graph(_store(facts_event("Lisa", ("Lisa", "likes", "The Organic Cereal", 0, False),
                                               ("lisa", "likes", "organic cereal", 5, False))), "r")
    assert list(graph.nodes) == ["lisa", "organic cereal"]
    assert graph.nodes["organic cereal"].aliases == ["The Organic Cereal", "organic cereal"]
    [edge] = graph.edges.values()  # the restatement adds no edge
    assert edge.id == "fact:0" and graph.facts == 2


def test_an_exclusive_fact_closes_the_older_edge_at_its_own_simulated_time():
    store = _store(facts_event("Lisa", ("Oscar", "prefers", "granola", 0, True), ("Oscar", "likes", "oats", 0, False)),
                   facts_event("Lisa", ("Oscar", "prefers", "muesli", 45, True), ("Oscar", "likes", "tea", 45, True)))
    graph = knowledge_graph(store, "r")
    old, oats, new, tea = graph.edges.values()
    assert (old.object, old.valid_to, old.closed_by) == ("granola", (START.replace(minute=45)).isoformat(), "fact:2")
    assert new.valid_to is None and new.valid_from == old.valid_to
    assert oats.valid_to == tea.valid_from  # "likes" stated exclusive the second time closes "oats"
    assert len(graph.edges) == 4  # closed edges stay
    assert [e["object"] for e in beliefs(graph, "Lisa", "Oscar")] == ["muesli", "tea"]
    assert [e["object"] for e in beliefs(graph, "Lisa", "Oscar", when=START.replace(minute=10).isoformat())] == \
        ["granola", "oats"]


def test_facts_of_different_agents_never_close_each_other():
    graph = knowledge_graph(_store(facts_event("Lisa", ("Oscar", "prefers", "granola", 0, True)),
                                   facts_event("Marta", ("Oscar", "prefers", "muesli", 10, True))), "r")
    assert all(e.valid_to is None for e in graph.edges.values())


def test_the_run_state_keeps_exactly_the_projections_open_edges():
    store = _store(facts_event("Lisa", ("Oscar", "prefers", "granola", 0, True), ("Oscar", "likes", "oats", 0, False)),
                   facts_event("Lisa", ("Oscar", "prefers", "muesli", 45, True), ("oscar", "likes", "Oats", 50, False)),
                   facts_event(None, ("granola", "costs", "6 euros", 60, True)))
    records = list(store.read(run_id="r"))
    state = fold_state(records).knowledge
    graph = fold_graph(records)
    assert [(f.id, f.evidence) for f in state.open] == [(e.id, tuple(e.evidence)) for e in graph.open_edges()]
    assert state.facts == graph.facts == 5 and state.extractions == graph.extractions == 3


def test_networkx_view_and_paths():
    graph = knowledge_graph(_store(facts_event("Lisa", ("Lisa", "spoke with", "Oscar", 0, False),
                                               ("Oscar", "prefers", "granola", 0, True)),
                                   facts_event(None, ("granola", "costs", "6 euros", 0, False))), "r")
    g = to_networkx(graph)
    assert sorted(g.nodes) == ["6 euros", "granola", "lisa", "oscar"]
    assert g.nodes["oscar"]["name"] == "Oscar"
    assert [(a, b, k) for a, b, k in g.edges(keys=True)][0] == ("lisa", "oscar", "fact:0")
    assert path(graph, "Lisa", "6 euros") == ["Lisa", "Oscar", "granola", "6 euros"]
    assert path(graph, "Lisa", "nobody") == []
    assert sorted(to_networkx(graph, agent="Marta").nodes) == ["6 euros", "granola"]  # shared facts only


def test_decide_maps_evidence_numbers_to_events_and_drops_facts_citing_nothing_shown():
    from troupe_es.commands.knowledge.extract import ExtractionOutput, decide_facts
    from troupe_es.domain import AgentState, MemoryItem
    from troupe_es.scenario.model import KnowledgeSpec

    items = [MemoryItem(3, "2026-03-01T09:00:00+00:00", "heard", "Granola costs 6 euros", "Oscar", "agent/Lisa@4"),
             MemoryItem(4, "2026-03-01T09:15:00+00:00", "did", "TALK: I like oats", None, "agent/Lisa@6")]
    agent = AgentState(name="Lisa", persona={}, memory=tuple(items), memory_total=5)
    output = ExtractionOutput.model_validate({"facts": [
        {"subject": "granola", "predicate": "costs", "object": "6 euros", "exclusive": False, "evidence": [1, 2, 9]},
        {"subject": "Lisa", "predicate": "Lives  in", "object": "Bergen", "exclusive": False, "evidence": [7]},
        {"subject": "Lisa", "predicate": "lives in", "object": "Oslo", "exclusive": False, "evidence": [2]},
        {"subject": " ", "predicate": "is", "object": "x", "exclusive": False, "evidence": [1]}]})
    spec = KnowledgeSpec(exclusive_predicates=["Lives in"])
    event = decide_facts(agent.name, items, output, spec, "Lisa/step-1/facts-3", covered_upto=agent.memory_total)
    assert [(f.subject, f.object, f.evidence, f.exclusive) for f in event.facts] == [
        ("granola", "6 euros", ["agent/Lisa@4", "agent/Lisa@6"], False), ("Lisa", "Oslo", ["agent/Lisa@6"], True)]
    assert event.facts[0].valid_from.isoformat() == "2026-03-01T09:15:00+00:00"  # the newest cited memory
    assert event.covered_upto == 5
    empty = decide_facts(agent.name, items, ExtractionOutput(facts=[]), spec, "e", covered_upto=5)
    assert empty.facts == [] and empty.covered_upto == 5  # recorded anyway: the episode is done


def test_every_knob_is_documented_with_its_default():
    import re
    from pathlib import Path

    from troupe_es.scenario.model import KnowledgeSpec

    doc = (Path(__file__).resolve().parents[2] / "docs" / "knowledge.md").read_text()
    rows = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", doc, re.M)}
    for name, field in KnowledgeSpec.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = f"`{str(default).lower()}`" if isinstance(default, bool) else f"`{default}`"
        assert rows.get(name) == shown, (name, rows.get(name), shown)
