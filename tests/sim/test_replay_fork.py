"""Replay with --verify (server stopped), divergence on a changed prompt, and forks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import replay_with_changed_prompt, troupe
from troupe_es.domain import fold_state
from troupe_es.llm.mock_server import serve_in_thread
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")
ENV = {"OPENAI_API_KEY": "sk-test-replay"}


def _recorded_over_http(url: str, scenario: str = FOCUS) -> str:
    with serve_in_thread(latency_ms=20) as srv:
        res = troupe("run", scenario, "--llm", "openai", "--base-url", srv.base_url, "--parallel", "3", "-q",
                     store=url, env=ENV)
        assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def test_replay_verify_passes_with_the_server_stopped(sqlite_url):
    run_id = _recorded_over_http(sqlite_url)
    res = troupe("replay", run_id, "--verify", "--json", store=sqlite_url, env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert res.code == 0, res.err
    report = json.loads(res.out)
    with open_store(sqlite_url) as store:
        total = sum(1 for _ in store.read(run_id=run_id))
    assert report["ok"] and report["verified"] and report["events"] == total and report["llm_calls_from_log"] == 9
    assert report["original_process_seconds"] > report["original_seconds"] > 0  # start-up + run phase
    assert report["process_seconds"] > 0 and report["process_speedup"] > 0
    human = troupe("replay", run_id, "--verify", store=sqlite_url)
    assert human.code == 0 and "verified" in human.out and "9 LLM calls answered from the log" in human.out
    # speed is compared between whole processes (start-up included), never in-process times alone
    assert "this process took" in human.out and "the original run's process" in human.out
    partial = troupe("replay", run_id, "--until", "20", "--verify", "--json", store=sqlite_url)
    assert partial.code == 0 and json.loads(partial.out)["events"] == 20


def test_changed_prompt_template_makes_verify_exit_3_at_the_first_affected_event(sqlite_url):
    run_id = _recorded_over_http(sqlite_url)
    with open_store(sqlite_url) as store:
        first_request = next(r.position for r in store.read(run_id=run_id, types=["LLMCallRequested"]))
    proc = replay_with_changed_prompt(sqlite_url, run_id)
    assert proc.code == 3, proc.err
    assert f"replay differs at position {first_request}" in proc.err
    assert "recorded LLMCallRequested, replayed LLMCallRequested" in proc.err
    assert "-  \"messages\"" in proc.err or "Stay fully in character" in proc.err


def test_fork_at_the_middle_starts_from_the_parents_state(sqlite_url):
    res = troupe("run", FOCUS, "-q", store=sqlite_url)
    parent = res.out.strip()
    with open_store(sqlite_url) as store:
        steps = [r.position for r in store.read(run_id=parent, types=["StepCompleted"])]
        at = steps[0]  # the end of the first step
        parent_state = fold_state(store.read(run_id=parent, until_position=at))
    fork = troupe("fork", parent, "--at", str(at), "-q", store=sqlite_url)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    with open_store(sqlite_url) as store:
        events = list(store.read(run_id=child))
        started = events[0].event
        assert started.parent_run_id == parent and started.fork_position == at
        first_own = next(i for i, e in enumerate(events) if e.type == "ScriptStepStarted")
        child_state = fold_state(events[:first_own])
        assert child_state.agents == parent_state.agents and child_state.worlds == parent_state.worlds
        own = [e.type for e in events[first_own:]]
        assert own.count("StepCompleted") == 2  # the two steps left of the script
        assert events[-1].type == "RunCompleted"
    rows = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=sqlite_url).out)}
    assert rows[child]["parent_run_id"] == parent and rows[child]["fork_position"] == at
    assert "fork of" in troupe("runs", store=sqlite_url).out
    replayed = troupe("replay", child, "--verify", store=sqlite_url)
    assert replayed.code == 0, replayed.err


def test_fork_with_a_changed_persona_and_tail(sqlite_url, tmp_path):
    parent = troupe("run", FOCUS, "-q", store=sqlite_url).out.strip()
    what_if = tmp_path / "what_if.yaml"
    text = Path(FOCUS).read_text().replace("personas/", str(ROOT / "examples" / "personas") + "/")
    text = text.split("script:")[0].replace("- file: " + str(ROOT / "examples/personas/oscar.agent.json"),
                                            "- file: " + str(ROOT / "examples/personas/oscar.agent.json")
                                            + "\n    fragments: [" + str(ROOT / "examples/personas/frugal.fragment.json") + "]")
    what_if.write_text(text + "script:\n  - broadcast: 'New price: 2.99 a box.'\n  - run: 1\n")
    fork = troupe("fork", parent, "--at", "30", "--scenario", str(what_if), "-q", store=sqlite_url)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    with open_store(sqlite_url) as store:
        types = [r.type for r in store.read(run_id=child)]
        changed = [r.event for r in store.read(run_id=child, types=["PersonaChanged"])]
    assert [c.agent for c in changed] == ["Oscar Lindqvist"] and "store brands" in str(changed[0].persona)
    assert types[types.index("ScriptStepStarted"):].count("StepCompleted") == 1
    bad = troupe("fork", parent, "--at", "99999", store=sqlite_url)
    assert bad.code == 1 and "outside run" in bad.err
