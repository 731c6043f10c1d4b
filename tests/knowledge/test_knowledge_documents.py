"""Facts extracted from ingested document chunks: shared knowledge (agent None) citing the
``DocumentChunkIngested`` events, one extraction call per document batch, replay verified."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe
from tests.documents.helpers import write_scenario
from tests.memory.helpers import events, run
from troupe_es.projections.knowledge import knowledge_graph
from troupe_es.store import open_store


def test_document_chunks_become_shared_facts_citing_their_chunks(tmp_path):
    store = f"sqlite:///{tmp_path / 'e.db'}"
    path = write_scenario(tmp_path, documents={"paths": ["brief.md"], "embedder": "hash", "chunk_size": 120,
                                               "chunk_overlap": 0},
                          script=[{"broadcast": "What is the launch price of the Acme Kettle?"}, {"run": 3}])
    text = open(path).read() + "knowledge: {episode_items: 2}\n"
    open(path, "w").write(text)
    run_id = run(path, store)
    chunks = events(store, run_id, "DocumentChunkIngested")
    assert len(chunks) >= 3
    refs = {f"{r.stream}@{r.stream_version}": r for r in events(store, run_id)}
    shared = [r for r in events(store, run_id, "FactsExtracted") if r.event.covered_chunks is not None]
    # batches of at most 2 chunks, each extracted once, in order, one call each
    assert len(shared) == min(3, (len(chunks) + 1) // 2)  # one batch a step, 3 steps
    assert [r.event.covered_chunks for r in shared] == [min(2 * (i + 1), len(chunks)) for i in range(len(shared))]
    calls = [r.event for r in events(store, run_id, "LLMCallRequested") if r.event.call_id.startswith("documents/")]
    assert len(calls) == len(shared)
    cited = {ref for r in shared for f in r.event.facts for ref in f.evidence}
    assert cited and all(refs[ref].event.type == "DocumentChunkIngested" for ref in cited)
    with open_store(store) as s:
        graph = knowledge_graph(s, run_id)
    assert any(e.agent is None for e in graph.edges.values())
    assert {e["agent"] for e in json.loads(troupe("graph", run_id, "--agent", "Ana", "--json",
                                                  store=store).out)["edges"]} == {"Ana", None}
    res = troupe("replay", run_id, "--verify", store=store)
    assert res.code == 0, res.out + res.err
