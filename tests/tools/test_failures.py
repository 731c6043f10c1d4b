"""Tools that fail never crash a run: an exception, a timeout, invalid arguments each give a
``ToolReturned`` error the caller perceives; replay never runs a tool again."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import troupe
from tests.tools.helpers import events, replay_ok, returned, run, scenario


def custom(tmp_path: Path, **extra) -> dict:
    return {"custom": {"test": {"module": "test_tools.py", "timeout": "0.3s",
                                "options": {"counter": str(tmp_path / "count.txt")}, **extra}}}


def perceived(store: str, run_id: str, agent: str, source: str) -> list[str]:
    return [r.event.content for r in events(store, run_id, "StimulusPerceived")
            if r.event.agent == agent and r.event.source == source]


def test_raising_slow_and_invalid_tools_become_errors_the_agent_perceives(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, custom(tmp_path), steps=4), store)
    rets = returned(store, run_id)
    kinds = {e.tool: e.error_kind for e in rets if not e.ok}
    assert kinds.get("explode") == "exception"
    assert kinds.get("sleepy") == "timeout"
    assert kinds.get("strict_count") == "invalid_arguments"
    boom = next(e for e in rets if e.tool == "explode")
    assert "ValueError: boom: testing" in boom.error
    assert any("failed: explode raised ValueError" in t for t in perceived(store, run_id, boom.agent, "tool explode"))
    invalid = next(e for e in rets if e.tool == "strict_count")
    assert "count" in invalid.error and "greater than or equal to 1" in invalid.error
    status = troupe("runs", "--json", store=store)
    assert '"completed"' in status.out
    replay_ok(store, run_id)


def test_replay_never_runs_a_tool_with_side_effects_again(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, custom(tmp_path), steps=4), store)
    counted = [e for e in returned(store, run_id, "counter") if e.ok]
    assert counted, "the mock made no counter call"
    counter = tmp_path / "count.txt"
    before = counter.read_text()
    assert int(before) == len(counted)
    replay_ok(store, run_id)
    replay_ok(store, run_id)
    assert counter.read_text() == before


def test_calls_are_recorded_with_deterministic_ids_and_results_are_perceived_next_turn(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"database": {"datasets": {"sales": "data/sales.csv"}}}, steps=3), store)
    recs = events(store, run_id, "ToolInvoked", "ToolReturned", "StimulusPerceived", "LLMCallRequested")
    invoked = [r for r in recs if r.event.type == "ToolInvoked"]
    assert invoked
    first = invoked[0]
    assert first.event.call_id.startswith(f"{first.event.agent}/t")
    after = [r for r in recs if r.position > first.position]
    ret = next(r for r in after if r.event.type == "ToolReturned" and r.event.call_id == first.event.call_id)
    assert ret.event.duration_ms is not None
    seen = next(r for r in after if r.event.type == "StimulusPerceived" and r.event.source == "tool database_query")
    assert seen.position > ret.position
    later = [r for r in after if r.event.type == "LLMCallRequested" and r.event.agent == first.event.agent]
    assert later and any("database_query returned" in m["content"] for m in later[0].event.messages)
