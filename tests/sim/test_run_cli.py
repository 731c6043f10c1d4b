"""`troupe-es run` end to end: scenarios on the mock LLM, parallel determinism, failures, caching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from troupe_es.llm.mock_server import serve_in_thread
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")


def run_id_of(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_focus_group_runs_and_records_everything(sqlite_url):
    res = troupe("run", FOCUS, store=sqlite_url)
    assert res.code == 0, res.err
    run_id = run_id_of(res.out)
    assert run_id.startswith("cereal-focus-group-") and res.out.strip() == run_id
    with open_store(sqlite_url) as store:
        events = list(store.read(run_id=run_id))
    types = [e.type for e in events]
    assert types[0] == "RunStarted" and types[-1] == "RunCompleted"
    started = events[0].event
    assert started.seed == 42 and started.package_version and started.scenario["name"] == "cereal-focus-group"
    assert started.scenario["personas"][0]["persona"]["name"] == "Lisa Carter"
    assert types.count("StepCompleted") == 3 and types.count("LLMCallCompleted") == 9
    talks = [e.event for e in events if e.type == "ActionTaken" and e.event.action == "TALK"]
    suppressed = [e for e in events if e.type == "RepetitionSuppressed"]
    assert len(talks) + len(suppressed) >= 9 and all(t.content for t in talks)
    heard = [e.event for e in events if e.type == "StimulusPerceived" and e.event.source == "Oscar Lindqvist"]
    assert heard, "TALK is delivered to other agents"
    chat = troupe("log", run_id, "--transcript", store=sqlite_url)
    assert "Oscar Lindqvist" in chat.out and "says:" in chat.out and "Would you pay 20% more" in chat.out


def test_parallel_eight_equals_sequential(tmp_path):
    hashes = []
    for parallel in ("1", "8"):
        url = f"sqlite:///{tmp_path}/p{parallel}.db"
        res = troupe("run", str(ROOT / "examples" / "workplace_brainstorm.yaml"), "--parallel", parallel, "-q",
                     store=url)
        assert res.code == 0, res.err
        with open_store(url) as store:
            hashes.append([r.content_hash for r in store.read()])
    assert hashes[0] == hashes[1] and len(hashes[0]) > 40


def test_ad_evaluation_ends_with_a_vote(sqlite_url):
    res = troupe("run", str(ROOT / "examples" / "ad_evaluation.yaml"), "--json", store=sqlite_url)
    summary = json.loads(res.out)
    assert res.code == 0 and summary["status"] == "completed"
    assert set(summary) >= {"run_id", "steps", "events", "wall_seconds", "cpu_seconds", "process_seconds"}
    assert summary["process_seconds"] > summary["wall_seconds"]  # start-up included
    assert isinstance(summary["cpu_seconds"], float) and summary["cpu_seconds"] >= 0
    with open_store(sqlite_url) as store:
        closed = [r.event for r in store.read(types=["PollClosed"])]
        answers = [r.event for r in store.read(types=["PollAnswered"])]
    assert len(closed) == 1 and sum(closed[0].tally.values()) == 3 and len(answers) == 3
    assert closed[0].winner in ("Ad A", "Ad B", "Ad C") and all(a.reason for a in answers)


@pytest.mark.parametrize("text, expected", [
    ("name: x\nseed: [1\n", "YAML syntax error"),
    ("name: x\npersonas: [{name: A}]\nscript: [{tell: {to: B, text: hi}}]\n", "script[0].tell.to: unknown agent 'B'"),
    ("name: x\npersonas: [{name: A}]\nscript: [{run: -1}]\n", "script[0].run: must be >= 0"),
    ("name: x\npersonas: [{file: nobody.agent.json}]\n", "personas[0].file: persona file not found"),
    ("name: x\nworld: {colour: red}\npersonas: [{name: A}]\n", "world.colour: unknown field"),
])
def test_bad_scenarios_exit_1_with_one_line(tmp_path, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    res = troupe("run", str(path), store=f"sqlite:///{tmp_path}/x.db")
    assert res.code == 1 and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1 and expected in res.err and "bad.yaml" in res.err


def test_second_identical_run_sends_zero_http_requests_and_llm_failure_mid_run_keeps_prior_events(tmp_path):
    url = f"sqlite:///{tmp_path}/cache.db"
    env = {"OPENAI_API_KEY": "sk-test-cache"}
    with serve_in_thread() as srv:
        first = troupe("run", FOCUS, "--llm", "openai", "--base-url", srv.base_url, "-q", store=url, env=env)
        assert first.code == 0, first.err
        served = srv.request_count
        assert served == 9
        second = troupe("run", FOCUS, "--llm", "openai", "--base-url", srv.base_url, "-q", store=url, env=env)
        assert second.code == 0 and srv.request_count == served
    longer = tmp_path / "longer.yaml"
    longer.write_text(Path(FOCUS).read_text().replace("examples/", "") + "  - run: 1\n")
    for p in (ROOT / "examples" / "personas").iterdir():
        (tmp_path / "personas").mkdir(exist_ok=True)
        (tmp_path / "personas" / p.name).write_text(p.read_text())
    # the same endpoint (the endpoint is part of the request key), now answering malformed JSON
    with serve_in_thread(port=srv.port, malformed_rate=1.0) as broken:
        res = troupe("run", str(longer), "--llm", "openai", "--base-url", broken.base_url, store=url, env=env)
        assert broken.counters.chat == 3 * 3  # only the new 4th step reaches the server: 3 agents x 3 attempts
    assert res.code == 1 and "failed" in res.err and "invalid" in res.err and "Traceback" not in res.err
    failed_id = run_id_of(res.out)
    with open_store(url) as store:
        rows = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}
        assert rows[failed_id]["status"] == "failed" and rows[failed_id]["cache_hits"] == 9
        events = list(store.read(run_id=failed_id))
        assert [e.type for e in events].count("StepCompleted") == 3 and events[-1].type == "RunFailed"
        assert "InvalidOutputError" == events[-1].event.error_type


def test_fragment_conflicting_with_a_scalar_exits_1_with_one_line(tmp_path):
    (tmp_path / "p.agent.json").write_text('{"type": "TinyPerson", "persona": {"name": "Ana", "age": 28}}')
    (tmp_path / "old.fragment.json").write_text('{"type": "Fragment", "persona": {"age": 61}}')
    path = tmp_path / "conflict.yaml"
    path.write_text("name: x\npersonas:\n  - file: p.agent.json\n    fragments: [old.fragment.json]\n")
    res = troupe("run", str(path), store=f"sqlite:///{tmp_path}/x.db")
    assert res.code == 1 and "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1
    assert "conflict.yaml: personas[0].fragments[0]: age: conflicts with the persona (28 vs 61)" in res.err
