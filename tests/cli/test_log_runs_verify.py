"""`troupe-es runs`, `log` and `verify` through the real entry point."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest

from tests.cli.helpers import troupe
from troupe_es.events import (
    ActionTaken,
    LLMCallCompleted,
    NewEvent,
    RunCompleted,
    RunStarted,
    StimulusPerceived,
)
from troupe_es.store import open_store

T0 = datetime(2026, 3, 1, 9, 0)


@pytest.fixture
def recorded(sqlite_url):
    with open_store(sqlite_url) as store:
        store.append("run-alpha", [
            NewEvent("run", RunStarted(scenario_name="cereal", seed=42, package_version="0.1.0"), T0),
            NewEvent("agent/Lisa", StimulusPerceived(agent="Lisa", kind="listen", content="Which cereal?",
                                                     source="world"), T0),
            NewEvent("llm", LLMCallCompleted(call_id="Lisa:0", request_key="k1", provider="mock",
                                             model="gpt-4o-mini", response_text="{}", input_tokens=100,
                                             output_tokens=20, cost_usd=0.002, latency_ms=5.0), T0),
            NewEvent("agent/Lisa", ActionTaken(agent="Lisa", action="TALK", content="Oats, always."), T0),
            NewEvent("run", RunCompleted(steps=1), T0),
        ])
        store.append("run-beta", [
            NewEvent("run", RunStarted(scenario_name="ads", seed=1, package_version="0.1.0",
                                       parent_run_id="run-alpha", fork_position=3), T0),
            NewEvent("agent/Oscar", ActionTaken(agent="Oscar", action="THINK", content="Hmm."), T0),
        ])
    return sqlite_url


def test_runs_json_lists_each_run_with_usage_and_lineage(recorded):
    res = troupe("runs", "--json", store=recorded)
    assert res.code == 0, res.err
    rows = {r["run_id"]: r for r in json.loads(res.out)}
    assert rows["run-alpha"]["status"] == "completed"
    assert rows["run-alpha"]["events"] == 5
    assert rows["run-alpha"]["llm_calls"] == 1 and rows["run-alpha"]["tokens"] == 120
    assert rows["run-alpha"]["cost_usd"] == pytest.approx(0.002)
    assert rows["run-beta"]["status"] == "running"
    assert rows["run-beta"]["parent_run_id"] == "run-alpha" and rows["run-beta"]["fork_position"] == 3


def test_runs_table_shows_family_tree(recorded):
    res = troupe("runs", store=recorded)
    assert res.code == 0
    assert "run-alpha" in res.out and "└─ run-beta" in res.out and "run-alpha @ 3" in res.out and "cereal" in res.out


def test_log_json_lines_have_envelope_and_payload(recorded):
    res = troupe("log", "run-al", "--json", store=recorded)
    assert res.code == 0, res.err
    lines = [json.loads(ln) for ln in res.out.splitlines()]
    assert [ln["position"] for ln in lines] == [1, 2, 3, 4, 5]
    first = lines[3]
    for key in ("position", "run_id", "stream", "stream_version", "type", "sim_time", "recorded_at",
                "content_hash", "chain_hash", "causation_id", "payload"):
        assert key in first
    assert first["payload"] == {"agent": "Lisa", "action": "TALK", "content": "Oats, always.",
                                "target": None, "index": 0}
    assert first["stream_version"] == 2 and first["sim_time"].startswith("2026-03-01T09:00:00")


def test_log_filters_by_type_stream_agent_and_range(recorded):
    by_type = troupe("log", "run-alpha", "--json", "--type", "ActionTaken", store=recorded)
    assert [json.loads(ln)["type"] for ln in by_type.out.splitlines()] == ["ActionTaken"]
    by_stream = troupe("log", "run-alpha", "--json", "--stream", "run", store=recorded)
    assert [json.loads(ln)["position"] for ln in by_stream.out.splitlines()] == [1, 5]
    by_range = troupe("log", "run-alpha", "--json", "--from", "2", "--until", "3", store=recorded)
    assert [json.loads(ln)["position"] for ln in by_range.out.splitlines()] == [2, 3]
    by_agent = troupe("log", "last", "--json", "--agent", "Oscar", store=recorded)
    assert [json.loads(ln)["run_id"] for ln in by_agent.out.splitlines()] == ["run-beta"]


def test_log_follow_stops_at_run_end_and_transcript_reads_like_chat(recorded):
    res = troupe("log", "run-alpha", "--follow", store=recorded, timeout=30)
    assert res.code == 0 and "RunCompleted" in res.out
    chat = troupe("log", "run-alpha", "--transcript", store=recorded)
    assert "Lisa says: Oats, always." in chat.out
    assert "LLMCall" not in chat.out


def test_unknown_run_is_one_line_error_exit_1(recorded):
    res = troupe("log", "nope", store=recorded)
    assert res.code == 1
    assert res.err.strip().count("\n") == 0 and "no run 'nope'" in res.err
    assert "Traceback" not in res.err


def test_verify_ok_then_tampered_exit_3(recorded):
    ok = troupe("verify", store=recorded)
    assert ok.code == 0 and "7 events in 2 run(s) verified" in ok.out
    path = recorded.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER troupe_events_no_update")
        conn.execute("UPDATE troupe_events SET payload = replace(payload, 'Oats', 'Corn') WHERE position = 4")
    bad = troupe("verify", "--json", store=recorded)
    assert bad.code == 3
    report = json.loads(bad.out)
    assert report["ok"] is False and report["first_bad_position"] == 4
    human = troupe("verify", "run-alpha", store=recorded)
    assert human.code == 3 and "position 4" in human.err
    other = troupe("verify", "run-beta", store=recorded)
    assert other.code == 0


def test_unreachable_store_is_one_line(tmp_path):
    res = troupe("runs", store="postgresql+psycopg://postgres:secretpw@127.0.0.1:1/test")
    assert res.code == 1
    assert "cannot open event store" in res.err and "secretpw" not in res.err
    assert len(res.err.strip().splitlines()) == 1
