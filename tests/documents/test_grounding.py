"""Grounding: a grounded agent is told it only knows what its documents say, and with memory on
it recalls only document chunks (its other memories are not searched)."""

from __future__ import annotations

from pathlib import Path

from tests.documents.helpers import write_scenario
from tests.memory.helpers import events, run


def test_a_grounded_agent_recalls_only_from_its_documents(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    script = [{"broadcast": "Ben here: my favourite colour is teal and I cycle to work."}, {"run": 2},
              {"broadcast": "What is the launch price of the Acme Kettle?"}, {"run": 2},
              {"poll": {"question": "Would you buy the kettle?", "options": ["Yes", "No"]}}]
    path = write_scenario(tmp_path, script=script, memory={"embedder": "hash", "newest_memories": 0},
                          documents={"paths": ["brief.md"], "embedder": "hash"},
                          personas=[{"name": "Ana", "age": 30, "documents": {"grounding": True}},
                                    {"name": "Ben", "age": 41}])
    run_id = run(path, store)
    recalls = [r.event for r in events(store, run_id, "MemoriesRecalled")]
    ana = [e for e in recalls if e.agent == "Ana"]
    ben = [e for e in recalls if e.agent == "Ben"]
    assert ana and all(e.citations and all(m.startswith("doc:") for m in e.memory_ids) for e in ana)
    assert any(not e.citations for e in ben)  # Ben, not grounded, also recalls his episodic memories
    prompts = [r.event.messages[-1]["content"] for r in events(store, run_id, "LLMCallRequested")]
    turns = [p for p in prompts if "You can reach: Ben" in p and "Poll:" not in p]
    assert len(turns) == 4 and all("you only know what your documents say" in p for p in turns)
    polls = [p for p in prompts if "Poll:" in p]
    ana_poll = [p for p in polls if "You can reach: Ben" in p]
    assert ana_poll and "you only know what your documents say" in ana_poll[0]  # a poll: grounding, no recall
    assert all("From your documents" not in p for p in polls)
