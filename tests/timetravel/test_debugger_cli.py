"""Every debugger command through the non-interactive paths: ``--commands`` and piped stdin."""

from __future__ import annotations

import re

from tests.cli.helpers import troupe

ECHO = re.compile(r"^\(debug @(\d+)\) (.*)$")


def session(url: str, commands: str, *, stdin: bool = False):
    """Run the debugger; returns (exit code, [(cursor before, command, output)])."""
    if stdin:
        r = troupe("debug", "run-a", store=url, input=commands)
    else:
        r = troupe("debug", "run-a", "--commands", commands, store=url)
    assert "Traceback" not in r.err, r.err
    parts: list[tuple[int, str, list[str]]] = []
    for line in r.out.splitlines():
        m = ECHO.match(line)
        if m:
            parts.append((int(m.group(1)), m.group(2), []))
        else:
            parts[-1][2].append(line)
    return r.code, [(cursor, cmd, "\n".join(out)) for cursor, cmd, out in parts]


def _first(records, type_, **match):
    return next(r for r in records if r.type == type_ and all(getattr(r.event, k) == v for k, v in match.items()))


def test_motion_commands(recorded):
    url, records = recorded
    last = records[-1].position
    step2 = _first(records, "StepStarted", step=2)
    oscar_llm = _first(records, "LLMCallCompleted", call_id="Oscar/step-2/turn-2")
    code, out = session(url, f"goto 40; step; step 3; back 2; goto step 2; next LLMCallCompleted; "
                             f"prev StepStarted; goto end; goto start; step 1000")
    assert code == 0
    assert [c for c, _, _ in out] == [1, 40, 41, 44, 42, step2.position, step2.position + 3, step2.position,
                                      last, 1]
    assert out[0][2].startswith("at 40 ")
    assert out[1][2].startswith("at 41 ") and out[2][2].startswith("at 44 ") and out[3][2].startswith("at 42 ")
    assert out[4][2] == f"step 2: at {step2.position} StepStarted  world/Room  world=Room step=2"
    assert out[5][2].startswith(f"at {step2.position + 3} LLMCallCompleted  llm")
    assert out[6][2].startswith(f"at {step2.position} StepStarted")
    assert out[7][2].startswith(f"at {last} RunCompleted") and out[8][2].startswith("at 1 RunStarted")
    assert out[9][2].startswith(f"end of run after {last - 1} events: at {last} RunCompleted")
    assert oscar_llm.position > step2.position


def test_breakpoints_continue_and_reverse_continue_via_stdin(recorded):
    url, records = recorded
    maria = [r.position for r in records if r.type == "ActionTaken" and r.event.agent == "Maria"]
    talks = [r.position for r in records if r.type == "StimulusPerceived" and r.event.source == "Oscar"]
    script = "\n".join(["break", "break ActionTaken agent=Maria", "break StimulusPerceived agent=Oscar",
                        "break", "continue", "continue", "reverse-continue", "delete 2", "break",
                        "goto end", "reverse-continue", "delete", "continue", "quit", "where"])
    code, out = session(url, script, stdin=True)
    assert code == 1  # `continue` without breakpoints fails, the session goes on
    text = {i: o for i, (_, _, o) in enumerate(out)}
    assert text[0] == "no breakpoints"
    assert text[1] == "breakpoint 1: ActionTaken agent=Maria"
    assert text[3] == "1: ActionTaken agent=Maria\n2: StimulusPerceived agent=Oscar"
    hits = sorted(p for p in maria + [r.position for r in records if r.type == "StimulusPerceived"
                                      and r.event.agent == "Oscar"] if p > 1)
    assert text[4].startswith(f"breakpoint {1 if hits[0] in maria else 2} (")
    assert f"at {hits[0]} " in text[4] and f"at {hits[1]} " in text[5]
    assert f"at {hits[0]} " in text[6]
    assert text[7].startswith("deleted breakpoint 2") and text[8] == "1: ActionTaken agent=Maria"
    assert text[10].startswith(f"breakpoint 1 (ActionTaken agent=Maria): at {maria[-1]} ActionTaken  agent/Maria")
    assert text[11] == "deleted 1 breakpoints"
    assert text[12] == "error: no breakpoints: add one with break TYPE [agent=A]"
    assert [cmd for _, cmd, _ in out][-1] == "quit"  # nothing after quit runs
    assert talks  # Oscar talked to someone in this run


def test_state_diff_where_and_list(recorded):
    url, records = recorded
    change = _first(records, "CognitiveStateChanged", agent="Maria")
    p = change.position
    code, out = session(url, f"goto {p}; where; state Maria; state; diff; diff {p - 10} {p}; diff 3; list 2")
    assert code == 0
    where = out[1][2]
    assert f"cursor {p} of 1..{records[-1].position}" in where and "step " in where
    assert f"== {p} CognitiveStateChanged ==" in where and re.search(rf"event_id\s+{change.event_id}", where)
    assert re.search(r"payload.agent\s+Maria", where)
    assert "== agent Maria ==" in out[2][2] and "== agent Lisa ==" not in out[2][2]
    assert all(f"== agent {n} ==" in out[3][2] for n in ("Lisa", "Oscar", "Maria"))
    assert f"changes from position {p - 1} to {p}" in out[4][2] and "== agent Maria (changed) ==" in out[4][2]
    assert f"changes from position {p - 10} to {p}" in out[5][2]
    assert f"changes from position 3 to {p}" in out[6][2] and "(added)" in out[6][2]
    listing = out[7][2].splitlines()
    assert len(listing) == 5 and listing[2].startswith(f"→ {p:>7} CognitiveStateChanged")


def test_why_llm_and_who_changed_follow_real_causation(recorded):
    url, records = recorded
    action = [r for r in records if r.type == "ActionTaken" and r.event.agent == "Oscar"
              and r.event.action == "TALK"][-1]
    completion = next(r for r in records if r.event_id == action.causation_id)
    request = next(r for r in records if r.event_id == completion.causation_id)
    emotions = [r for r in records if r.type == "CognitiveStateChanged" and r.event.agent == "Lisa"
                and r.event.emotions and r.position < action.position]
    code, out = session(url, f"goto {action.position}; why; llm; who-changed Lisa emotions; "
                             f"who-changed Room clock; who-changed Lisa persona.age; goto 2; llm")
    assert code == 1  # the last `llm` has no call behind WorldCreated
    why = out[1][2]
    assert why.splitlines()[0].startswith(f"{action.position} ActionTaken  agent/Oscar  Oscar TALK")
    assert f"← caused by {completion.position} LLMCallCompleted" in why
    assert f"← caused by {request.position} LLMCallRequested" in why
    assert "← caused by" in why and "StepStarted" in why and "(no recorded cause: a root event)" in why
    assert "[system] You are Oscar, a simulated person." in why and "What do you do now?" in why
    llm = out[2][2]
    assert f"== LLM call {request.event.call_id} ==" in llm and f"position     {request.position}" in llm
    assert "[user] Now:" in llm and f"tokens    {completion.event.input_tokens} in + " in llm
    assert "cache     miss" in llm and "latency   " in llm and completion.event.response_text[:40] in llm
    previous = emotions[-2].event.emotions if len(emotions) > 1 else ""
    assert out[3][2].splitlines()[0] == (f"Lisa.emotions last changed at {emotions[-1].position} by "
                                         f"CognitiveStateChanged: {previous!r} → {emotions[-1].event.emotions!r}")
    clock = [r for r in records if r.type in ("WorldCreated", "StepCompleted") and r.position <= action.position][-1]
    assert out[4][2].startswith(f"Room.clock last changed at {clock.position} by {clock.type}: ")
    assert out[5][2].startswith("Lisa.persona.age last changed at 3 by PersonaDefined: None → 25")
    assert out[7][2] == "error: no LLM call behind the event at 2 (WorldCreated: no LLM event in its causation chain)"


def test_errors_continue_the_session_and_set_exit_code(recorded):
    url, records = recorded
    code, out = session(url, "bogus; goto 99999; goto x; next ActionTaker; state Bob; who-changed Bob emotions; "
                             "back; help; where; goto end; who-changed Lisa mood")
    assert code == 1
    errors = [o for _, _, o in out[:7]]
    assert errors[0] == "error: unknown command 'bogus'; type help"
    assert errors[1] == f"error: position 99999 is outside run run-a (positions 1..{records[-1].position})"
    assert errors[2] == "error: position must be a whole number, not 'x'"
    assert errors[3] == "error: unknown event type 'ActionTaker' (did you mean ActionTaken?)"
    assert errors[4].startswith("error: no agent 'Bob' in run run-a")
    assert errors[5] == "error: no agent or world 'Bob' at position 1 (agents: none; worlds: none; or 'run')"
    assert out[10][2].startswith("error: unknown field 'mood' (fields: name, persona")
    assert errors[6] == "error: already at the run's first event (1)"
    assert "goto P | goto step N | goto start|end" in out[7][2] and "who-changed AGENT FIELD" in out[7][2]
    assert "cursor 1 of" in out[8][2]
    ok = troupe("debug", "run-a", "--commands", "where; quit", store=url)
    assert ok.code == 0 and "RunStarted" in ok.out
