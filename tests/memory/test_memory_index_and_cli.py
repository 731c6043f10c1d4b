"""The memory vector index (lancedb projection), ``troupe-es memory`` and ``Person.memory_stats``."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run, scenario
from troupe_es.store import open_store

QUERIES = ["the budget in euros", "when is the launch", "what did Ben say", "coffee"]


@pytest.fixture(scope="module")
def memory_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("index")
    store = f"sqlite:///{tmp / 'events.db'}"
    path = scenario(tmp, memory={"embedder": "hash", "max_episodic_memory_size": 15, "consolidation_threshold": 8},
                    script=[{"broadcast": "The budget is 4,000 euros and the launch is on May 3."}, {"run": 12}])
    return store, run(path, store), tmp


def _search(store: str, run_id: str, query: str, *extra: str) -> list:
    res = troupe("memory", run_id, "--search", query, "-k", "5", "--json", *extra, store=store)
    assert res.code == 0, res.err
    return json.loads(res.out)["search"]


def test_rebuild_from_the_log_gives_identical_search_results_with_zero_calls(memory_run):
    store, run_id, tmp = memory_run
    from troupe_es.projections.memory import MemoryIndex

    with open_store(store) as s:
        index = MemoryIndex(s)
        index.reset()
        for rec in s.read(types=["RunStarted", "MemoryStored", "MemoryForgotten"]):  # live: one event a write
            index.apply([rec])
        live = {q: index.search(run_id, q, k=5) for q in QUERIES}
        held = index.count()
        last = s.last_position()
    calls_before = len(events(store, run_id, "LLMCallRequested"))
    res = troupe("projections", "rebuild", "memory", "--json", store=store,
                 env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "sk-unused"})
    assert res.code == 0, res.err
    assert len(events(store, run_id, "LLMCallRequested")) == calls_before
    with open_store(store) as s:
        assert s.last_position() == last  # nothing was recorded: no call of any kind
        rebuilt = MemoryIndex(s)
        assert rebuilt.count() == held
        assert {q: rebuilt.search(run_id, q, k=5) for q in QUERIES} == live
    stored = {r.event.memory_id for r in events(store, run_id, "MemoryStored")}
    forgotten = {i for r in events(store, run_id, "MemoryForgotten") for i in r.event.memory_ids}
    assert held == len(stored - forgotten) and (tmp / "events.db.memory").is_dir()
    hits = _search(store, run_id, "budget euros launch")
    assert "4,000" in hits[0]["text"] and hits[0]["similarity"] >= hits[-1]["similarity"]


def test_applying_a_batch_twice_changes_nothing(memory_run):
    store, run_id, tmp = memory_run
    from troupe_es.projections.memory import MemoryIndex

    with open_store(store) as s:
        index = MemoryIndex(s, path=tmp / "twice")
        index.catch_up(batch=50)
        before = (index.count(), index.search(run_id, "budget", k=5))
        records = list(s.read(types=["MemoryStored"]))
        assert index.apply(records) == 0  # at or before the checkpoint: skipped
        index._save_checkpoint(0)  # a crash after the write, before the checkpoint: rows are keyed
        index.apply(list(s.read(types=["RunStarted", "MemoryStored", "MemoryForgotten"])))
        assert (index.count(), index.search(run_id, "budget", k=5)) == before


def test_memory_command_counts_and_plots(memory_run):
    store, run_id, tmp = memory_run
    res = troupe("memory", run_id, "--json", "--plot", str(tmp / "memory.png"), store=store)
    assert res.code == 0, res.err
    report = json.loads(res.out)
    ana = report["agents"]["Ana"]
    stored = [r.event for r in events(store, run_id, "MemoryStored") if r.event.agent == "Ana"]
    forgotten = [r.event for r in events(store, run_id, "MemoryForgotten") if r.event.agent == "Ana"]
    assert ana["stored"] == len(stored) and ana["forgotten"] == sum(len(f.memory_ids) for f in forgotten)
    assert ana["held"] == ana["stored"] - ana["forgotten"] and ana["by_kind"]["episodic"] <= 15
    assert ana["consolidated"] >= 8 and len(ana["series"]) == 12 and ana["growth_per_step"] > 0
    assert (tmp / "memory.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first = stored[0]
    early = json.loads(troupe("memory", run_id, "--agent", "Ana", "--at",
                              str(next(r.position for r in events(store, run_id, "MemoryStored")
                                       if r.event.memory_id == first.memory_id)), "--json", store=store).out)
    assert early["agents"]["Ana"]["held"] == 1 and early["agents"]["Ana"]["by_kind"] == {"episodic": 1}
    human = troupe("memory", run_id, store=store)
    assert human.code == 0 and "Ana" in human.out and "forgotten" in human.out
    bad = troupe("memory", run_id, "--agent", "Zed", store=store)
    assert bad.code == 1 and "Zed" in bad.err and len(bad.err.strip().splitlines()) == 1
    state = troupe("state", run_id, "--agent", "Ana", store=store)
    assert "stored memory" in state.out and f"{ana['stored']} stored" in state.out


def test_person_memory_stats_on_the_facade(tmp_path):
    from troupe_es.api import Simulation
    from troupe_es.bootstrap import make_bus, make_gateway
    from troupe_es.commands.models import StartRun
    from troupe_es.runtime import RuntimeSettings

    store = open_store(f"sqlite:///{tmp_path / 'facade.db'}")
    bus = make_bus(store, "facade-run", gateway=make_gateway(store), settings=RuntimeSettings())
    bus.handle(StartRun(scenario_name="facade", scenario={"kind": "notebook", "memory": {"embedder": "hash"}}, seed=1))
    sim = Simulation(store, bus, bus.gateway)
    ana, ben = sim.person("Ana", age=30), sim.person("Ben", age=40)
    sim.world("Room", people=[ana, ben]).run(3)
    stats = ana.memory_stats()
    assert stats["stored"] == len([r for r in sim.events(type="MemoryStored", agent="Ana")]) > 0
    assert len(stats["series"]) == 3 and stats["by_kind"]["episodic"] == stats["held"]
    sim.close()


def test_the_debuggers_state_shows_memory_as_it_was(memory_run):
    store, run_id, _ = memory_run
    forgotten = next(r for r in events(store, run_id, "MemoryForgotten") if r.event.agent == "Ana")
    gone = forgotten.event.memory_ids[0]
    res = troupe("debug", run_id, "--commands", f"goto {forgotten.position - 1}; state Ana; goto {forgotten.position}; "
                 "state Ana", store=store)
    assert res.code == 0, res.out + res.err
    before, after = res.out.split("== agent Ana ==")[1:3]
    assert "stored memory" in before and "forgotten" in before
    held = lambda text: int(text.split("held")[1].split()[0])  # noqa: E731
    assert held(after) == held(before) - len(forgotten.event.memory_ids)
    assert gone not in after
