"""``Simulation.add_documents``: a notebook run's documents are recorded once, recalled, and
its replay (re-executing the recorded commands) reads the recorded chunks, not the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents.helpers import BRIEF, NOTES
from troupe_es import Simulation
from troupe_es.errors import DocumentError, SimulationError
from troupe_es.store import InMemoryEventStore


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "brief.md").write_text(BRIEF)
    (tmp_path / "notes.txt").write_text(NOTES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_add_documents_is_recalled_and_replays_without_the_files(folder: Path) -> None:
    sim = Simulation.open(InMemoryEventStore(), llm="mock", seed=3)
    ana, ben = sim.person("Ana", age=30), sim.person("Ben", age=41)
    room = sim.world("Room", people=[ana, ben])
    assert sim.add_documents("docs") > 0
    assert sim.add_documents("docs") == 0  # the same document again: nothing new
    assert sim.add_documents(["notes.txt"], person=ana, chunk_size=200, chunk_overlap=20, grounding=True) == 1
    room.broadcast("When does the Acme Kettle ship, and what is its launch price?")
    room.run(1)
    recalled = {r.event.agent: r.event for r in sim.events(type="MemoriesRecalled")}
    assert recalled["Ben"].citations == ["docs/brief.md#0"]
    assert set(recalled["Ana"].citations) == {"docs/brief.md#0", "notes.txt#0"}
    ana_prompt = [r.event for r in sim.events(type="LLMCallRequested") if r.event.agent == "Ana"][0]
    assert "you only know what your documents say" in ana_prompt.messages[-1]["content"]
    assert sim.state.library.is_grounded("Ana") and not sim.state.library.is_grounded("Ben")

    (folder / "notes.txt").write_text("Ana's notes, second edition: the warranty is now seven years.\n")
    assert sim.add_documents("notes.txt", person=ana) == 1  # a changed file is a new document
    assert [d["chunks"] for d in sim.state.library.documents() if d["source"] == "notes.txt"] == [1, 1]
    (folder / "docs" / "brief.md").write_text("Nothing about kettles.\n")
    (folder / "notes.txt").unlink()
    report = sim.replay(verify=True)
    assert report.ok, report.difference


def test_add_documents_refuses_bad_input_before_recording(folder: Path) -> None:
    sim = Simulation.open(InMemoryEventStore(), llm="mock")
    sim.person("Ana", age=30)
    before = len(sim.events())
    with pytest.raises(DocumentError, match="document not found: nope.md"):
        sim.add_documents(["notes.txt", "nope.md"])
    with pytest.raises(SimulationError, match="grounding needs a person"):
        sim.add_documents("notes.txt", grounding=True)
    with pytest.raises(DocumentError, match="chunk_overlap"):
        sim.add_documents("notes.txt", chunk_size=100, chunk_overlap=100)
    with pytest.raises(SimulationError, match="unknown agent 'Zoe'"):
        sim.add_documents("notes.txt", person="Zoe")
    assert len(sim.events()) == before


def test_a_notebook_fork_keeps_the_documents(folder: Path) -> None:
    sim = Simulation.open(InMemoryEventStore(), llm="mock", seed=4)
    ana = sim.person("Ana", age=30)
    room = sim.world("Room", people=[ana, sim.person("Ben", age=41)])
    sim.add_documents("docs/brief.md", person=ana, grounding=True)
    (folder / "docs" / "brief.md").unlink()
    child = sim.fork()
    child.worlds["Room"].broadcast("What does the Acme Kettle cost?")
    child.worlds["Room"].run(1)
    recalled = {r.event.agent: r.event.citations for r in child.events(type="MemoriesRecalled")}
    assert recalled == {"Ana": ["docs/brief.md#0"]} and child.state.library.is_grounded("Ana")
    assert child.replay(verify=True).ok
    room.run(1)  # the parent goes on as before
