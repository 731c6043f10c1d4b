"""Scenario documents end to end through the CLI: a fact only a document holds is recalled
(``MemoriesRecalled`` cites its chunk), the run replays verified even after the files change,
and bad ``documents:`` entries are one-line errors."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import troupe
from tests.documents.helpers import write_scenario
from tests.memory.helpers import events, run


def test_a_fact_only_in_a_document_is_recalled_and_replay_ignores_changed_files(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    path = write_scenario(tmp_path, documents=["brief.md"], personas=[
        {"name": "Ana", "age": 30, "occupation": {"title": "Engineer"}, "documents": ["notes.txt"]},
        {"name": "Ben", "age": 41, "occupation": {"title": "Designer"}}])
    run_id = run(path, store)
    chunks = [r.event for r in events(store, run_id, "DocumentChunkIngested")]
    assert [(c.agent, c.source, c.index) for c in chunks] == [(None, "brief.md", 0), ("Ana", "notes.txt", 0)]
    assert {r.stream for r in events(store, run_id, "DocumentChunkIngested")} == {"documents"}
    assert "79 euros" in chunks[0].text
    recalled = {r.event.agent: r.event for r in events(store, run_id, "MemoriesRecalled")}
    ben = recalled["Ben"]
    assert ben.citations == ["brief.md#0"] and ben.memory_ids == [chunks[0].chunk_id]  # Ben has no notes
    assert ben.recency == ben.importance == [0.0] and ben.total == ben.relevance
    assert "launch price" in ben.query  # what the turn perceived is the query
    started = events(store, run_id, "RunStarted")[0].event
    assert started.embedder["name"] == "wordllama"  # no memory: section, yet the embedder is recorded
    assert recalled["Ana"].citations[0] == "brief.md#0" and "notes.txt#0" in recalled["Ana"].citations
    prompts = [r.event for r in events(store, run_id, "LLMCallRequested") if r.event.agent == "Ben"]
    assert "79 euros" in prompts[0].messages[-1]["content"]  # the recalled chunk reached the prompt
    assert "supplier in Porto" not in prompts[0].messages[-1]["content"]

    (tmp_path / "brief.md").write_text("The launch price is 99 euros.\n")
    (tmp_path / "notes.txt").unlink()
    res = troupe("replay", run_id, "--verify", store=store)
    assert res.code == 0, res.out + res.err
    assert "verified" in res.out


def test_documents_work_with_memory_and_parallel_runs_match(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    path = write_scenario(tmp_path, documents={"paths": ["."], "chunk_size": 120, "chunk_overlap": 30,
                                               "top_k": 2, "embedder": "wordllama"},
                          memory={"embedder": "hash", "newest_memories": 0},
                          script=[{"broadcast": "What is the launch price of the Acme Kettle?"}, {"run": 3}])
    sequential = run(path, store)
    parallel = run(path, store, "--parallel", "8")
    chunks = [r.event for r in events(store, sequential, "DocumentChunkIngested")]
    assert {c.source for c in chunks} == {"./brief.md", "./notes.txt"}  # the folder's documents, not the YAML
    assert max(len(c.text) for c in chunks) <= 120 and all(c.chunk_size == 120 for c in chunks)
    recalls = events(store, sequential, "MemoriesRecalled")
    doc_recalls = [r.event for r in recalls if r.event.citations]
    assert doc_recalls and all(len(e.memory_ids) <= 2 for e in doc_recalls)
    pairs = [(a.event.citations, b.event.citations) for a, b in zip(recalls, recalls[1:])
             if a.stream == b.stream and b.position == a.position + 1]
    assert pairs and all(not first and second for first, second in pairs)  # memory's recall, then documents'
    assert events(store, sequential, "RunStarted")[0].event.embedder["name"] == "hash"  # the memory's embedder
    hashes = [[r.content_hash for r in events(store, rid)] for rid in (sequential, parallel)]
    assert hashes[0] == hashes[1]
    assert troupe("replay", parallel, "--verify", store=store).code == 0


def test_a_missing_document_is_one_line_naming_the_scenario_and_the_path(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, documents=["brief.md", "specs/missing.pdf"])
    res = troupe("run", path, store=f"sqlite:///{tmp_path / 'r.db'}")
    assert res.code == 1
    assert res.err.strip() == f"error: {path}: documents.paths[1]: document not found: specs/missing.pdf"
    path = write_scenario(tmp_path, personas=[{"name": "Ana", "documents": {"paths": ["gone.txt"]}}], name="p")
    res = troupe("run", path, store=f"sqlite:///{tmp_path / 'r.db'}")
    assert res.code == 1 and "Traceback" not in res.err
    assert res.err.strip() == f"error: {path}: personas[0].documents[0]: document not found: gone.txt"


def test_bad_documents_settings_are_one_line_errors(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'r.db'}"
    cases = [
        ({"paths": ["brief.md"], "chunk_size": 100, "chunk_overlap": 100}, "must be smaller than chunk_size"),
        ({"paths": ["brief.md"], "personas": {"Zoe": ["notes.txt"]}}, "documents.personas.Zoe: unknown agent 'Zoe'"),
        ({"paths": ["brief.md"], "chunksize": 10}, "chunksize"),
        ({"paths": ["brief.md"], "chunk_size": 10, "chunk_overlap": 0}, "chunk_size"),
        (["brief.md", "picture.png"], "picture.png"),
    ]
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    for documents, needle in cases:
        path = write_scenario(tmp_path, documents=documents)
        res = troupe("run", path, store=store)
        assert res.code == 1 and "Traceback" not in res.err, res.err
        assert needle in res.err and res.err.count("\n") == 1, res.err


def test_document_chunks_are_document_memories_in_the_lancedb_index(tmp_path: Path) -> None:
    import json

    store = f"sqlite:///{tmp_path / 'runs.db'}"
    path = write_scenario(tmp_path, documents=["brief.md"], personas=[
        {"name": "Ana", "age": 30, "documents": ["notes.txt"]}, {"name": "Ben", "age": 41}])
    run_id = run(path, store)
    res = troupe("memory", run_id, "--search", "warranty heating element supplier", "-k", "5", "--json",
                 store=store)
    assert res.code == 0, res.err
    hits = json.loads(res.out)["search"]
    assert hits[0]["kind"] == "document" and hits[0]["agent"] == "Ana" and "Porto" in hits[0]["text"]
    assert {h["agent"] for h in hits} == {"Ana", "*"}
    ben = json.loads(troupe("memory", run_id, "--agent", "Ben", "--search", "warranty heating element", "--json",
                            store=store).out)["search"]
    assert ben and {h["agent"] for h in ben} == {"*"}  # Ben finds everyone's documents, never Ana's
