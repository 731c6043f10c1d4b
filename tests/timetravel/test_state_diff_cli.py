"""``troupe-es state``, ``diff`` and ``projections`` through the real CLI."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe
from troupe_es.snapshots import state_at
from troupe_es.store import open_store


def test_state_text_shows_worlds_agents_minds_and_memory(recorded):
    url, records = recorded
    r = troupe("state", "run-a", "--at", "60", store=url)
    assert r.code == 0, r.err
    assert "run run-a  position 60  status running" in r.out
    assert "== worlds ==" in r.out and "Lisa, Oscar, Maria" in r.out and "everyone" in r.out
    for name in ("Lisa", "Oscar", "Maria"):
        assert f"== agent {name} ==" in r.out
    assert "occupation.title" in r.out and "Architect" in r.out
    assert "goals" in r.out and "find a healthy cereal" in r.out
    assert "accessible  Oscar; Maria" in r.out
    assert "What would make you buy a new cereal? (scenario)" in r.out


def test_state_json_agent_and_step(recorded):
    url, records = recorded
    store = open_store(url)
    try:
        whole = troupe("state", "run", "--at", "45", "--json", store=url)
        assert whole.code == 0, whole.err
        assert json.loads(whole.out) == json.loads(json.dumps(state_at(store, "run-a", position=45).to_dict()))
        lisa = json.loads(troupe("state", "run-a", "--agent", "Lisa", "--json", store=url).out)
        final = state_at(store, "run-a").agents["Lisa"]
        assert lisa["name"] == "Lisa" and lisa["emotions"] == final.emotions
        assert lisa["accessible"] == ["Oscar", "Maria"] and lisa["memory_total"] == final.memory_total
        started = next(r for r in records if r.type == "StepStarted" and r.event.step == 2)
        step = json.loads(troupe("state", "run-a", "--step", "2", "--json", store=url).out)
        assert step["position"] == started.position - 1 and step["worlds"]["Room"]["step"] == 2
        text = troupe("state", "run-a", "--step", "2", "--agent", "Oscar", store=url)
        assert "== agent Oscar ==" in text.out and "== agent Lisa ==" not in text.out
    finally:
        store.close()


def test_state_errors_are_one_line(recorded):
    url, records = recorded
    far = troupe("state", "run-a", "--at", "99999", store=url)
    assert far.code == 1 and far.err.strip() == (
        f"error: --at 99999 is outside run run-a (positions 1..{records[-1].position})")
    bob = troupe("state", "run-a", "--agent", "Bob", store=url)
    assert bob.code == 1 and "no agent 'Bob'" in bob.err and "Traceback" not in bob.err
    step = troupe("state", "run-a", "--step", "9", store=url)
    assert step.code == 1 and "no step 9" in step.err


def test_diff_text_and_json(recorded):
    url, records = recorded
    change = next(r for r in records if r.type == "CognitiveStateChanged" and r.event.emotions)
    r = troupe("diff", "run-a", "--from", str(change.position - 1), "--to", str(change.position), store=url)
    assert r.code == 0, r.err
    assert f"changes from position {change.position - 1} to {change.position}" in r.out
    assert f"== agent {change.event.agent} (changed) ==" in r.out
    assert "emotions" in r.out and f'"{change.event.emotions}"' in r.out
    data = json.loads(troupe("diff", "run-a", "--from", "3", "--to", "60", "--json", store=url).out)
    assert data["from"] == 3 and data["to"] == 60
    assert data["agents"]["Oscar"]["status"] == "added" and data["worlds"]["Room"]["fields"]["step"]["to"] == 2
    assert data["agents"]["Lisa"]["memory_added"][0]["text"] == "What would make you buy a new cereal?"
    one = json.loads(troupe("diff", "run-a", "--from", "10", "--to", "60", "--agent", "Maria", "--json",
                            store=url).out)
    assert list(one["agents"]) == ["Maria"] and one["run"] == {}
    text = troupe("diff", "run-a", "--from", "10", "--to", "60", "--agent", "Maria", store=url)
    assert "+ memory" in text.out and "== agent Lisa" not in text.out
    same = troupe("diff", "run-a", "--from", "59", "--to", "60", store=url)
    assert "no changes" in same.out
    bad = troupe("diff", "run-a", "--from", "1", "--to", "99999", store=url)
    assert bad.code == 1 and "--to 99999 is outside run run-a" in bad.err


def test_projections_list_status_rebuild(tmp_path, recorded):
    src, records = recorded
    url = f"sqlite:///{tmp_path / 'p.db'}"
    from tests.timetravel.builders import RunBuilder, append_run

    store = open_store(url)
    append_run(store, RunBuilder("run-p"), steps=2)
    last = store.last_position()
    store.close()
    listed = troupe("projections", "list", store=url)
    assert listed.code == 0 and "run_state" in listed.out and "runs" in listed.out and "Snapshots" in listed.out
    names = {p["name"] for p in json.loads(troupe("projections", "list", "--json", store=url).out)}
    assert {"runs", "run_state"} <= names
    before = json.loads(troupe("projections", "status", "run_state", "--json", store=url).out)
    assert before["runs"] == [{"run_id": "run-p", "last_snapshot": None, "last_position": last,
                               "events_after_snapshot": last}]
    rebuilt = troupe("projections", "rebuild", "run_state", "--every", "10", store=url)
    assert rebuilt.code == 0 and "rebuilt run_state" in rebuilt.out
    after = json.loads(troupe("projections", "status", "run_state", "--json", store=url).out)
    run = after["runs"][0]
    assert after["checkpoint"] == last and run["last_snapshot"] is not None
    assert run["events_after_snapshot"] == last - run["last_snapshot"] < 10 + 20
    everything = troupe("projections", "rebuild", store=url)
    assert "rebuilt runs" in everything.out and "rebuilt run_state" in everything.out
    status = troupe("projections", "status", store=url)
    assert f"runs (fold): checkpoint {last} of {last}, 0 events behind" in status.out
    assert "run run-p: last snapshot" in status.out
    unknown = troupe("projections", "status", "nope", store=url)
    assert unknown.code == 1 and "unknown projection 'nope' (known: llm_cache, memory, run_state, runs" in unknown.err
