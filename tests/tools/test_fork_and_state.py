"""Forks inherit mailboxes and open calls; ``troupe-es state --at`` shows the tools state."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe
from tests.tools.helpers import events, replay_ok, run, scenario


def test_a_fork_between_a_call_and_its_result_runs_the_call_and_replays(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"email": {}, "word_processor": {}}, steps=3), store)
    invoked = events(store, run_id, "ToolInvoked")
    assert invoked
    at = invoked[0].position
    state = json.loads(troupe("state", run_id, "--at", str(at), "--json", store=store).out)
    assert [c["call_id"] for c in state["tools"]["open"]] == [invoked[0].event.call_id]
    res = troupe("fork", run_id, "--at", str(at), "-q", store=store, timeout=600)
    assert res.code == 0, res.err
    fork_id = res.out.strip().splitlines()[-1]
    answered = [r.event for r in events(store, fork_id, "ToolReturned") if r.event.call_id == invoked[0].event.call_id]
    assert len(answered) == 1
    replay_ok(store, fork_id)
