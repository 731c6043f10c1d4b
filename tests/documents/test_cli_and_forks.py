"""``troupe-es documents`` lists what a run was given (from the log, never the files); time
travel and forks see the documents as they were at a position."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import troupe
from tests.documents.helpers import write_scenario
from tests.memory.helpers import events, run


def _scenario_run(tmp_path: Path) -> tuple[str, str]:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    path = write_scenario(tmp_path, documents=["brief.md"], personas=[
        {"name": "Ana", "age": 30, "documents": {"paths": ["notes.txt"], "grounding": True}},
        {"name": "Ben", "age": 41}])
    return store, run(path, store)


def test_documents_command_lists_documents_per_agent_and_position(tmp_path: Path) -> None:
    store, run_id = _scenario_run(tmp_path)
    (tmp_path / "brief.md").unlink()  # the listing reads the log only
    res = troupe("documents", run_id, "--json", store=store)
    assert res.code == 0, res.err
    listing = json.loads(res.out)
    assert [(d["agent"], d["source"], d["title"], d["chunks"]) for d in listing["documents"]] == [
        (None, "brief.md", "Acme Kettle brief", 1), ("Ana", "notes.txt", "notes", 1)]
    assert listing["grounded"] == ["Ana"]
    ben = json.loads(troupe("documents", run_id, "--agent", "Ben", "--json", store=store).out)
    assert [d["source"] for d in ben["documents"]] == ["brief.md"]
    first = listing["documents"][0]["position"]
    before = json.loads(troupe("documents", run_id, "--at", str(first - 1), "--json", store=store).out)
    assert before["documents"] == []
    table = troupe("documents", run_id, store=store)
    assert table.code == 0 and "brief.md" in table.out and "grounded: Ana" in table.out
    assert "never opened" in troupe("documents", "--help").out


def test_a_fork_inherits_the_documents_and_replays_verified(tmp_path: Path) -> None:
    store, run_id = _scenario_run(tmp_path)
    chunks = events(store, run_id, "DocumentChunkIngested")
    res = troupe("fork", run_id, "--at", str(chunks[-1].position), "-q", store=store)
    assert res.code == 0, res.err
    child = res.out.strip().splitlines()[-1]
    assert not events(store, child, "DocumentChunkIngested")[len(chunks):]  # inherited, not read again
    recalled = {r.event.agent: r.event.citations for r in events(store, child, "MemoriesRecalled")}
    assert recalled["Ben"] == ["brief.md#0"] and "notes.txt#0" in recalled["Ana"]
    assert troupe("replay", child, "--verify", store=store).code == 0


def test_a_fork_from_before_ingestion_takes_the_parents_recorded_chunks(tmp_path: Path) -> None:
    store, run_id = _scenario_run(tmp_path)
    parent_chunks = [r.event for r in events(store, run_id, "DocumentChunkIngested")]
    world = events(store, run_id, "AgentJoinedWorld")[-1].position
    (tmp_path / "brief.md").write_text("Changed after the run.\n")
    (tmp_path / "notes.txt").unlink()
    res = troupe("fork", run_id, "--at", str(world), "-q", store=store)
    assert res.code == 0, res.err
    child = res.out.strip().splitlines()[-1]
    assert [r.event for r in events(store, child, "DocumentChunkIngested")] == parent_chunks
    assert [r.event.agent for r in events(store, child, "GroundingChanged")] == ["Ana"]
    assert troupe("replay", child, "--verify", store=store).code == 0


def test_a_fork_with_a_new_scenario_reads_only_the_documents_the_parent_lacked(tmp_path: Path) -> None:
    store, run_id = _scenario_run(tmp_path)
    (tmp_path / "ben.md").write_text("Ben's sheet: the kettle lid is made of bamboo.\n")
    (tmp_path / "brief.md").write_text("Changed after the run: it must not be read again.\n")
    new = write_scenario(tmp_path, documents=["brief.md"], name="what-if", personas=[
        {"name": "Ana", "age": 30, "documents": {"paths": ["notes.txt"], "grounding": True}},
        {"name": "Ben", "age": 41, "documents": ["ben.md"]}])
    (tmp_path / "brief.md").write_text("Changed after the run: it must not be read again.\n")
    last = events(store, run_id, "DocumentChunkIngested")[-1].position
    res = troupe("fork", run_id, "--at", str(last), "--scenario", new, "-q", store=store)
    assert res.code == 0, res.err
    child = res.out.strip().splitlines()[-1]
    chunks = [r.event for r in events(store, child, "DocumentChunkIngested")]
    assert [(c.agent, c.source) for c in chunks] == [(None, "brief.md"), ("Ana", "notes.txt"), ("Ben", "ben.md")]
    assert "79 euros" in chunks[0].text  # inherited, not read again
    assert troupe("replay", child, "--verify", store=store).code == 0
