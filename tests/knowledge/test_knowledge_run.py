"""Knowledge end to end on the mock LLM through the real CLI: extraction (one call per episode at
most), graph-aware retrieval, rebuild equal to the run's own graph, evidence that exists,
contradictions closed in simulated time, time travel with --at, replay and parallel turns."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from tests.cli.helpers import troupe
from tests.knowledge.helpers import scenario
from tests.memory.helpers import events, run
from troupe_es.domain import fold_state
from troupe_es.domain.knowledge import normalise
from troupe_es.projections.knowledge import knowledge_graph, missing_evidence
from troupe_es.snapshots import state_at
from troupe_es.store import open_store


@pytest.fixture(scope="module")
def kn_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("knowledge")
    store = f"sqlite:///{tmp / 'events.db'}"
    path = scenario(tmp, knowledge={"extract": True, "graph_retrieval": True})
    return store, run(path, store), path, tmp


def _graph(store, run_id, at=None):
    with open_store(store) as s:
        return knowledge_graph(s, run_id, at=at)


def test_facts_are_extracted_with_at_most_one_call_per_agent_and_episode(kn_run):
    store, run_id, _, _ = kn_run
    requests = [r.event for r in events(store, run_id, "LLMCallRequested") if r.event.purpose == "knowledge"]
    extracted = events(store, run_id, "FactsExtracted")
    assert extracted and len(requests) == len(extracted)
    per_step = [(e.agent, e.step) for e in requests]
    assert len(per_step) == len(set(per_step))  # one per agent and step at most
    assert sum(len(r.event.facts) for r in extracted) > 20
    res = troupe("graph", run_id, "--json", store=store)
    stats = json.loads(res.out)["stats"]
    assert stats["extraction_calls"] == stats["episodes"] == len(extracted)
    audit = json.loads(troupe("audit", run_id, "--format", "json", store=store).out)
    rows = audit if isinstance(audit, list) else audit.get("calls", audit)
    assert sum(1 for row in rows if row.get("purpose") == "knowledge") == len(extracted)
    table = troupe("audit", run_id, store=store).out
    assert f"knowledge {len(extracted)}" in table.split("calls by purpose:")[1]


def test_the_graph_rebuilt_from_the_log_equals_the_graph_the_run_built(kn_run):
    store, run_id, _, _ = kn_run
    with open_store(store) as s:
        live = state_at(s, run_id).knowledge  # the write side's graph (from snapshots and the fold)
        scratch = fold_state(s.read(run_id=run_id)).knowledge
    graph = _graph(store, run_id)
    assert live == scratch
    assert [(f.id, f.agent, *f.keys[1:], f.valid_from, f.evidence) for f in live.open] == \
        [(e.id, e.agent, e.subject, normalise(e.predicate), e.object, e.valid_from, tuple(e.evidence))
         for e in graph.open_edges()]
    assert live.facts == graph.facts and live.extractions == graph.extractions


def test_every_edge_cites_events_that_exist_in_the_log(kn_run):
    store, run_id, _, _ = kn_run
    records = events(store, run_id)
    refs = {f"{r.stream}@{r.stream_version}": r for r in records}
    graph = _graph(store, run_id)
    assert graph.edges and missing_evidence(graph, set(refs)) == []
    for rec in events(store, run_id, "FactsExtracted"):
        for ref in (ref for fact in rec.event.facts for ref in fact.evidence):
            # an agent's facts rest on what it perceived or did before the extraction
            assert refs[ref].event.type in ("StimulusPerceived", "ActionTaken")
            assert refs[ref].stream == f"agent/{rec.event.agent}"
            assert refs[ref].position < rec.position


def test_a_contradicted_fact_is_closed_at_the_simulated_time_of_the_contradiction(kn_run):
    store, run_id, _, _ = kn_run
    graph = _graph(store, run_id)
    closed = [e for e in graph.edges.values() if e.valid_to is not None]
    assert closed, "the mock's 'prefers' facts contradict each other"
    for edge in closed:
        closer = graph.edges.get(edge.closed_by)
        contradiction = next(f for r in events(store, run_id, "FactsExtracted") if r.position == edge.closed_at_position
                             for f in r.event.facts)
        assert contradiction is not None
        assert closer is None or (closer.agent, closer.subject) == (edge.agent, edge.subject)
        if closer is not None:
            assert closer.valid_from == edge.valid_to and closer.object != edge.object and closer.exclusive
        assert edge.valid_from <= edge.valid_to


def test_at_p_shows_the_graph_as_it_was(kn_run):
    store, run_id, _, _ = kn_run
    graph = _graph(store, run_id)
    edge = next(e for e in graph.edges.values() if e.valid_to is not None)
    before = edge.closed_at_position - 1
    res = troupe("graph", run_id, "--at", str(before), "--json", store=store)
    assert res.code == 0, res.err
    then = json.loads(res.out)
    by_id = {e["id"]: e for e in then["edges"]}
    assert by_id[edge.id]["valid_to"] is None  # still open then
    assert all(e["position"] <= before for e in then["edges"])
    assert then["stats"]["position"] == before
    now = {e["id"]: e for e in json.loads(troupe("graph", run_id, "--json", store=store).out)["edges"]}
    assert now[edge.id]["valid_to"] == edge.valid_to
    assert set(by_id) < set(now)
    step = json.loads(troupe("graph", run_id, "--step", "1", "--json", store=store).out)
    assert 0 < len(step["edges"]) < len(now)


def test_turns_recall_the_facts_around_the_entities_of_their_query(kn_run):
    store, run_id, _, _ = kn_run
    records = events(store, run_id)
    fact_recalls = [r for r in records if r.event.type == "MemoriesRecalled"
                    and all(i.startswith("fact:") for i in r.event.memory_ids)]
    assert fact_recalls
    for rec in fact_recalls:
        state = fold_state(r for r in records if r.position < rec.position)
        open_ids = {f.id: f for f in state.knowledge.open}
        assert set(rec.event.memory_ids) <= set(open_ids)  # only facts that held then
        request = next(r.event for r in records if r.position > rec.position and r.event.type == "LLMCallRequested"
                       and r.event.agent == rec.event.agent and r.event.purpose == "turn")
        prompt = request.messages[-1]["content"]
        for fact_id in rec.event.memory_ids:
            fact = open_ids[fact_id]
            assert f"- {fact.subject} {fact.predicate} {fact.object}" in prompt
            assert fact.agent in (rec.event.agent, None)


def test_replay_verifies_and_parallel_turns_give_the_same_hashes(kn_run):
    store, run_id, path, _ = kn_run
    res = troupe("replay", run_id, "--verify", store=store)
    assert res.code == 0, res.out + res.err
    parallel = run(path, store, "--parallel", "8")
    hashes = [[r.content_hash for r in events(store, rid)] for rid in (run_id, parallel)]
    assert hashes[0] == hashes[1]


def test_exports(kn_run, tmp_path):
    store, run_id, _, _ = kn_run
    out = tmp_path / "g.graphml"
    assert troupe("graph", run_id, "--format", "graphml", "--out", str(out), store=store).code == 0
    g = nx.read_graphml(out, force_multigraph=True)
    assert g.number_of_edges() == len(_graph(store, run_id).edges)
    dot = troupe("graph", run_id, "--format", "dot", "--agent", "Lisa", store=store).out
    assert dot.startswith("digraph knowledge {") and "->" in dot and 'label="Lisa"' in dot
    assert "style=dashed" in troupe("graph", run_id, "--format", "dot", store=store).out  # closed edges
    page = troupe("graph", run_id, "--format", "html", store=store).out
    assert page.startswith("<!doctype html>") and "<table>" in page and "fact:0" in page
    data = json.loads(troupe("graph", run_id, "--format", "json", "--about", "Lisa", "--open-only", store=store).out)
    assert data["edges"] and all("lisa" in (e["subject"], e["object"]) and e["valid_to"] is None for e in data["edges"])
    table = troupe("graph", run_id, store=store)
    assert table.code == 0 and "extraction calls" in table.out and "fact:0" in table.out


def test_bad_arguments_get_one_line_errors(kn_run):
    store, run_id, _, _ = kn_run
    for args, needle in ((["--agent", "Nobody"], "has no facts"), (["--at", "999999"], "outside run"),
                         (["--valid-at", "soon"], "not an ISO date-time"),
                         (["--format", "dot", "--out", "/nonexistent-folder/g.dot"], "--out")):
        res = troupe("graph", run_id, *args, store=store)
        assert res.code == 1 and needle in res.err and "Traceback" not in res.err


def test_knowledge_is_off_by_default(tmp_path):
    store = f"sqlite:///{tmp_path / 'e.db'}"
    run_id = run(scenario(tmp_path, knowledge=None, steps=2), store)
    [started] = events(store, run_id, "RunStarted")
    assert "knowledge" not in started.event.scenario
    assert events(store, run_id, "FactsExtracted") == []
    assert all(r.event.purpose != "knowledge" for r in events(store, run_id, "LLMCallRequested"))


def test_a_bad_knowledge_section_is_one_clear_line(tmp_path):
    path = scenario(tmp_path, knowledge={"extract": True, "max_facts": 3})
    res = troupe("run", path, store=f"sqlite:///{tmp_path / 'e.db'}")
    assert res.code == 1 and "knowledge" in res.err and "max_facts" in res.err and "Traceback" not in res.err


def test_the_example_scenario_runs_on_the_mock_and_replays_verified(tmp_path):
    from pathlib import Path

    store = f"sqlite:///{tmp_path / 'e.db'}"
    example = Path(__file__).resolve().parents[2] / "examples" / "knowledge_panel.yaml"
    run_id = run(str(example), store)
    graph = _graph(store, run_id)
    assert graph.edges and any(e.valid_to for e in graph.edges.values())
    res = troupe("replay", run_id, "--verify", store=store)
    assert res.code == 0, res.out + res.err
