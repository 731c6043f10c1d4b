"""The debugger on a real scenario run, where agent names have spaces."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import troupe

ROOT = Path(__file__).resolve().parents[2]


def test_debugger_handles_multi_word_agent_names_and_reaches_the_speakers_llm_call(sqlite_url):
    run_id = troupe("run", str(ROOT / "examples" / "focus_group.yaml"), "-q", store=sqlite_url).out.strip()
    script = ("goto step 1; who-changed Lisa Carter emotions; break ActionTaken agent=Mei Tanaka; continue; "
              "state Mei Tanaka; next StimulusPerceived; why")
    res = troupe("debug", run_id, "--commands", script, store=sqlite_url)
    assert res.code == 0, res.out + res.err
    assert "Lisa Carter.emotions last changed at" in res.out
    assert "breakpoint 1 (ActionTaken agent=Mei Tanaka)" in res.out
    assert "== agent Mei Tanaka ==" in res.out
    # a heard sentence is caused by the speaker's action, which is caused by its LLM call
    why = res.out.split("(debug", )[-1]
    assert "ActionTaken" in why and "LLMCallCompleted" in why and "LLMCallRequested" in why
