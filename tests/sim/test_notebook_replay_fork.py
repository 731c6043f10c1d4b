"""Runs driven from Python record their commands, so they replay verified and fork like scenario runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import replay_with_changed_prompt, troupe
from troupe_es import Simulation
from troupe_es.bootstrap import make_gateway
from troupe_es.commands.models import AdvanceStep, Broadcast, CreateWorld, command_from_record
from troupe_es.commands.notebook import announce
from troupe_es.errors import ConfigurationError, ProviderError, SimulationError
from troupe_es.events import CommandIssued
from troupe_es.llm.mock_server import serve_in_thread
from troupe_es.snapshots import state_at
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PERSONAS = ROOT / "examples" / "personas"


def session(sim: Simulation) -> None:
    """The notebook session of the brief: personas, a world, a broadcast, two steps, a tell,
    a poll, a listen_and_act; then the run is closed."""
    lisa = sim.load_persona(PERSONAS / "lisa.agent.json", fragments=[PERSONAS / "frugal.fragment.json"])
    oscar = sim.person("Oscar", age=30, occupation={"title": "Architect"}, personality={"traits": ["dry"]})
    room = sim.world("Focus room", people=[lisa, oscar], step="15m")
    room.broadcast("What would make you buy a new breakfast cereal?")
    room.run(2)
    lisa.listen("Would you pay 20% more for organic?", source="Moderator")
    assert sum(room.poll("Organic or regular?", ["organic", "regular"]).values()) == 2
    assert oscar.listen_and_act("And you, Oscar?")[-1].action == "DONE"
    sim.close()


def commands_of(store, run_id: str) -> list[tuple[str, dict]]:
    return [(r.event.command, r.event.arguments) for r in store.read(run_id=run_id, types=["CommandIssued"])]


def test_notebook_run_replays_verified_through_the_cli_without_calling_the_llm(sqlite_url, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-notebook")
    with serve_in_thread() as server:
        sim = Simulation.open(sqlite_url, llm="openai", base_url=server.base_url, seed=11, name="nb replay")
        session(sim)
        served = server.request_count
        assert served == 7  # 2 steps x 2 agents, a poll of 2, one turn
        res = troupe("replay", sim.run_id, "--verify", "--json", store=sqlite_url)
        assert res.code == 0, res.err
        assert server.request_count == served  # zero LLM calls
    report = json.loads(res.out)
    with open_store(sqlite_url) as store:
        total = sum(1 for _ in store.read(run_id=sim.run_id))
        issued = [name for name, _ in commands_of(store, sim.run_id)]
    assert report["ok"] and report["verified"] and report["events"] == total
    assert report["llm_calls_from_log"] == 7
    assert issued == ["DefinePersona", "DefinePersona", "CreateWorld", "JoinWorld", "Broadcast", "AdvanceStep",
                      "AdvanceStep", "Perceive", "AskPoll", "Perceive", "TakeTurn", "CompleteRun"]
    # with the server gone too, and through the facade
    stopped = troupe("replay", sim.run_id, "--verify", store=sqlite_url,
                     env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert stopped.code == 0 and "verified" in stopped.out and "7 LLM calls answered from the log" in stopped.out
    assert sim.replay(verify=True).ok
    partial = troupe("replay", sim.run_id, "--until", "20", "--verify", "--json", store=sqlite_url)
    assert partial.code == 0 and json.loads(partial.out)["events"] == 20


def test_each_command_is_recorded_before_its_own_events_and_queries_record_nothing(store_url):
    sim = Simulation.open(store_url, seed=1)
    ann = sim.person("Ann")
    room = sim.world("Room", people=[ann])
    before = len(sim.events())
    _ = (sim.state, ann.state, room.state, sim.people, sim.worlds, sim.events(type="ActionTaken"))
    with pytest.raises(SimulationError, match="already exists"):
        sim.person("Ann")  # refused before it changed anything: not recorded
    assert len(sim.events()) == before
    room.broadcast("hello")
    events = sim.events()
    issued = events[before]
    assert issued.type == "CommandIssued" and issued.stream == "run"
    assert issued.event.command == "Broadcast"
    assert issued.event.arguments == {"world": "Room", "content": "hello", "source": "world"}
    assert [e.type for e in events[before + 1:]] == ["StimulusPerceived"]
    assert sim.events()[0].type == "RunStarted"
    sim.close()


def test_scenario_runs_record_no_commands(sqlite_url):
    res = troupe("run", str(ROOT / "examples" / "focus_group.yaml"), "-q", store=sqlite_url)
    assert res.code == 0, res.err
    with open_store(sqlite_url) as store:
        assert commands_of(store, res.out.strip()) == []


def test_facade_replay_and_fork_on_every_backend(store_url):
    sim = Simulation.open(store_url, llm="mock", seed=5, name="nb fork")
    session(sim)
    report = sim.replay(verify=True)
    assert report.ok and report.verified and report.llm_calls == 7
    at = next(r.position for r in sim.events(type="StepCompleted"))  # the end of step 0
    what_if = sim.fork(at=at)
    started = what_if.events()[0].event
    assert started.parent_run_id == sim.run_id and started.fork_position == at
    parent_then = state_at(sim.store, sim.run_id, position=at, use_snapshots=False)
    child_now = state_at(what_if.store, what_if.run_id, use_snapshots=False)
    assert child_now.agents == parent_then.agents and child_now.worlds == parent_then.worlds
    assert what_if.state.agents == parent_then.agents
    # drive the fork another way
    room = what_if.worlds["Focus room"]
    room.broadcast("New price: 2.99 a box.")
    room.run(1)
    what_if.people["Oscar"].think("Cheap is suspicious.")
    what_if.close()
    assert what_if.state.worlds["Focus room"].step == 2 and what_if.state.status == "completed"
    assert what_if.replay(verify=True).ok
    # a fork that plays the rest of the parent's commands ends where the parent ended
    rest = sim.fork(step=1, play_rest=True)
    rest.close()
    assert rest.state.agents == sim.state.agents and rest.state.worlds == sim.state.worlds
    assert rest.replay(verify=True).ok
    # a fork of a fork
    last_step = what_if.events(type="StepCompleted")[-1].position
    grandchild = what_if.fork(at=last_step)
    assert grandchild.state.agents == state_at(what_if.store, what_if.run_id, position=last_step).agents
    assert len(grandchild.state.agents["Oscar"].memory) == len(what_if.state.agents["Oscar"].memory) - 1
    grandchild.people["Lisa Carter"].listen_and_act("Last word?")
    grandchild.close()
    assert grandchild.replay(verify=True).ok


def test_cli_fork_of_a_notebook_run_continues_and_replays_verified(sqlite_url):
    sim = Simulation.open(sqlite_url, llm="mock", seed=9, name="nb cli fork")
    session(sim)
    with open_store(sqlite_url) as store:
        at = next(r.position for r in store.read(run_id=sim.run_id, types=["StepCompleted"]))
        parent_then = state_at(store, sim.run_id, position=at, use_snapshots=False)
        parent_commands = commands_of(store, sim.run_id)
    fork = troupe("fork", sim.run_id, "--at", str(at), "-q", store=sqlite_url)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    with open_store(sqlite_url) as store:
        events = list(store.read(run_id=child))
        assert events[0].event.parent_run_id == sim.run_id and events[0].event.fork_position == at
        first_own = next(i for i, e in enumerate(events) if e.type == "CommandIssued")
        inherited_end = events[first_own - 1].position
        child_then = state_at(store, child, position=inherited_end, use_snapshots=False)
        assert child_then.agents == parent_then.agents and child_then.worlds == parent_then.worlds
        # the rest of the parent's commands: step 2, the tell, the poll, the turn; then its own end
        assert commands_of(store, child)[:-1] == parent_commands[6:-1]
        assert commands_of(store, child)[-1] == ("CompleteRun", {"steps": 1})  # the steps it ran
        assert events[-1].type == "RunCompleted"
        child_end = state_at(store, child, use_snapshots=False)
        assert child_end.agents == sim.state.agents
    rows = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=sqlite_url).out)}
    assert rows[child]["parent_run_id"] == sim.run_id and rows[child]["fork_position"] == at
    replayed = troupe("replay", child, "--verify", store=sqlite_url)
    assert replayed.code == 0, replayed.err
    # the same fork again (its calls now cached, its wall-clock time another): the same content hashes
    twin = troupe("fork", sim.run_id, "--at", str(at), "-q", store=sqlite_url).out.strip().splitlines()[-1]
    with open_store(sqlite_url) as store:
        hashes = {run: [r.content_hash for r in store.iter_rows(run_id=run)] for run in (child, twin)}
        ends = [r.event for run in (child, twin) for r in store.read(run_id=run, types=["CommandIssued"])][-1:]
    assert hashes[child] == hashes[twin]
    assert ends[0].command == "CompleteRun" and ends[0].measurements["wall_seconds"] > 0
    # a fork of that fork, cut in the middle of its step: the step is played again from its start
    with open_store(sqlite_url) as store:
        own = [r for r in store.read(run_id=child) if r.position > inherited_end]
        mid = next(r.position for r in own if r.type == "ActionTaken")  # inside the fork's own step
        assert own[0].event.command == "AdvanceStep" and own[0].position < mid
    again = troupe("fork", child, "--at", str(mid), "--json", store=sqlite_url)
    assert again.code == 0, again.err
    summary = json.loads(again.out)
    assert summary["status"] == "completed" and summary["steps"] == 1
    assert troupe("replay", summary["run_id"], "--verify", store=sqlite_url).code == 0
    bad = troupe("fork", sim.run_id, "--at", "999999", store=sqlite_url)
    assert bad.code == 1 and "outside run" in bad.err and "Traceback" not in bad.err


def test_cli_fork_of_a_notebook_run_with_a_scenario_tail(sqlite_url, tmp_path):
    sim = Simulation.open(sqlite_url, llm="mock", seed=9, name="nb tail")
    session(sim)
    at = sim.events(type="StepCompleted")[0].position
    what_if = tmp_path / "what_if.yaml"
    what_if.write_text("name: what-if\nworld: {name: Focus room, start: 2026-01-01T09:00:00, step: 15m}\n"
                       "personas:\n  - name: Oscar\n    age: 30\n    occupation: {title: Architect}\n"
                       "    personality: {traits: [frugal]}\n"
                       "script:\n  - broadcast: 'New price: 2.99 a box.'\n  - run: 1\n")
    fork = troupe("fork", sim.run_id, "--at", str(at), "--scenario", str(what_if), "-q", store=sqlite_url)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    with open_store(sqlite_url) as store:
        changed = [r.event for r in store.read(run_id=child, types=["PersonaChanged"])]
        assert [c.agent for c in changed] == ["Oscar"] and "frugal" in str(changed[0].persona)
        types = [r.type for r in store.read(run_id=child)]
        assert "CommandIssued" not in types  # a scenario run now: its script is in RunStarted
        assert types[types.index("ScriptStepStarted"):].count("StepCompleted") == 1
    assert troupe("replay", child, "--verify", store=sqlite_url).code == 0


def test_a_command_that_failed_replays_as_it_failed(store_url):
    sim = Simulation.open(store_url, llm="mock", seed=3)
    room = sim.world("Room", people=[sim.person("Ann"), sim.person("Bob")])
    room.broadcast("hello")
    working = sim.bus.gateway
    sim.bus.gateway = make_gateway(sim.store, llm="mock", provider_options={"error_rate": 1.0, "error_kinds": ("400",)})
    with pytest.raises(ProviderError):
        room.run(1)  # recorded its step start and the failed calls, then raised
    sim.bus.gateway = working
    room.run(1)
    sim.close()
    assert len(sim.events(type="LLMCallFailed")) == 2
    assert [r.event.command for r in sim.events(type="CommandIssued")].count("AdvanceStep") == 2
    report = sim.replay(verify=True)
    assert report.ok, report.difference


def test_changed_prompt_template_makes_notebook_replay_diverge(sqlite_url):
    sim = Simulation.open(sqlite_url, llm="mock", seed=2, name="nb diverge")
    session(sim)
    first_request = sim.events(type="LLMCallRequested")[0].position
    proc = replay_with_changed_prompt(sqlite_url, sim.run_id)
    assert proc.code == 3, proc.err
    assert f"replay differs at position {first_request}" in proc.err
    assert "recorded LLMCallRequested, replayed LLMCallRequested" in proc.err


def test_unknown_or_unrecorded_commands_are_clear_errors(sqlite_url):
    sim = Simulation.open(sqlite_url, seed=1, name="nb unknown")
    sim.person("Ann")
    sim.bus.record([sim.bus.new("run", CommandIssued(command="Explode", arguments={"power": 9}))])
    position = sim.events(type="CommandIssued")[-1].position
    res = troupe("replay", sim.run_id, "--verify", store=sqlite_url)
    assert res.code == 1 and "Traceback" not in res.err
    assert res.err.strip().splitlines() == [res.err.strip()]
    assert f"position {position}: unknown command 'Explode'" in res.err
    with pytest.raises(SimulationError, match="command Broadcast is invalid: content"):
        command_from_record("Broadcast", {"world": "Room"})
    # a notebook run recorded before commands were: refused with a reason, not a false divergence
    from troupe_es.bootstrap import make_bus
    from troupe_es.commands.models import StartRun

    with open_store(sqlite_url) as store:
        bus = make_bus(store, "old-notebook", gateway=None)
        bus.handle(StartRun(scenario_name="old", scenario={"kind": "notebook"}, seed=0))
    old = troupe("replay", "old-notebook", store=sqlite_url)
    assert old.code == 1 and "did not record its commands" in old.err
    with open_store(sqlite_url) as store:
        start = next(iter(store.read(run_id="old-notebook"))).position
    assert "did not record" in troupe("fork", "old-notebook", "--at", str(start), store=sqlite_url).err


@pytest.mark.parametrize("command", [
    Broadcast(world="Room", content="hi"),
    AdvanceStep(world="Room", step_seconds=90.5),
    CreateWorld(name="Room", start=__import__("datetime").datetime(2026, 3, 1, 9, 0), step_seconds=900.0),
])
def test_a_recorded_command_is_rebuilt_equal(command):
    event, as_recorded = announce(command)
    assert as_recorded == command
    assert command_from_record(event.command, event.arguments) == command


def test_a_persona_is_handled_in_the_order_replay_rebuilds_it():
    from troupe_es.commands.models import DefinePersona

    command = DefinePersona(name="Ann", persona={"name": "Ann", "zeta": 1, "age": 3})
    _, handled = announce(command)
    assert list(handled.persona) == ["age", "name", "zeta"]  # sorted, as every store gives it back


def test_fork_of_a_scenario_run_is_not_a_notebook_fork(sqlite_url):
    from troupe_es.api.notebook_replay import notebook_fork

    run = troupe("run", str(ROOT / "examples" / "focus_group.yaml"), "-q", store=sqlite_url).out.strip()
    with open_store(sqlite_url) as store, pytest.raises(ConfigurationError, match="runs a scenario"):
        notebook_fork(store, run, 5)


def test_what_a_fork_plays_when_its_position_cuts_a_command():
    from troupe_es.api.notebook_replay import notebook_fork

    sim = Simulation.open("memory://", seed=4)
    room = sim.world("Room", people=[sim.person("Ann"), sim.person("Bob")])
    room.broadcast("hello")
    room.poll("Tea or coffee?", ["tea", "coffee"])
    room.run(1)
    sim.close()

    def tail_at(position: int) -> list[str]:
        return [type(c).__name__ for c in notebook_fork(sim.store, sim.run_id, position).tail]

    heard = sim.events(type="StimulusPerceived")[0].position  # the broadcast reached Ann, not yet Bob
    assert tail_at(heard) == ["AskPoll", "AdvanceStep"]  # an instantaneous command counts as done
    answered = sim.events(type="PollAnswered")[0].position  # one answer in, the poll not closed
    assert tail_at(answered) == ["AskPoll", "AdvanceStep"]  # asked again from its start
    closed = sim.events(type="PollClosed")[0].position
    assert tail_at(closed) == ["AdvanceStep"]
    assert tail_at(sim.events(type="StepStarted")[0].position) == ["AdvanceStep"]
    assert tail_at(sim.events(type="StepCompleted")[0].position) == []  # the ending is not inherited


def test_a_notebook_run_is_not_resumed_but_forked_at_its_last_position(sqlite_url):
    sim = Simulation.open(sqlite_url, seed=6, name="nb stopped")
    room = sim.world("Room", people=[sim.person("Ann"), sim.person("Bob")])
    room.run(1)  # never closed: the notebook's kernel died here
    res = troupe("resume", sim.run_id, "--force", store=sqlite_url)
    assert res.code == 1 and "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1
    assert "driven from Python" in res.err and "fork it at its last position" in res.err
    go_on = Simulation.fork_run(sim.run_id[:8], sqlite_url)  # from a new session: its last position
    assert go_on.events()[0].event.parent_run_id == sim.run_id
    assert go_on.state.agents == sim.state.agents and go_on.state.worlds == sim.state.worlds
    go_on.worlds["Room"].run(1)
    go_on.close()
    assert go_on.state.worlds["Room"].step == 2 and go_on.replay(verify=True).ok
