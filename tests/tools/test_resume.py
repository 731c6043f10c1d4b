"""A run that dies while a tool runs resumes: the open call runs once more, every finished call
keeps its recorded result, and the resumed run replays verified without running a tool."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe
from tests.tools.helpers import events, replay_ok, scenario

CRASHING = '''
import os
import signal
from pathlib import Path

from pydantic import BaseModel

from troupe_es.tools import Tool


class CrashOnce(Tool):
    name = "crash_once"
    description = "Kills its process the first time it runs (a crash mid-call), then counts."
    capabilities = frozenset({"side_effects"})

    class Arguments(BaseModel):
        note: str

    class Result(BaseModel):
        executions: int

    def run(self, args, ctx):
        path = Path(ctx.config["counter"])
        count = int(path.read_text()) + 1 if path.exists() else 1
        path.write_text(str(count))
        if count == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return self.Result(executions=count)

    def examples(self, ctx):
        return [{"note": "go"}]


TOOLS = [CrashOnce]
'''


def test_a_run_killed_inside_a_tool_resumes_and_replays(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    counter = tmp_path / "count.txt"
    path = scenario(tmp_path, {"custom": {"crash": {"module": "crashing.py", "options": {"counter": str(counter)}}}},
                    steps=3)
    (tmp_path / "crashing.py").write_text(CRASHING)
    died = troupe("run", path, "-q", "--llm", "mock", store=store, timeout=600)
    assert died.code != 0 and counter.read_text() == "1"
    [row] = json.loads(troupe("runs", "--json", store=store).out)
    run_id = row["run_id"]
    invoked = [r.event for r in events(store, run_id, "ToolInvoked")]
    assert invoked and not events(store, run_id, "ToolReturned")
    resumed = troupe("resume", run_id, store=store, timeout=600)
    assert resumed.code == 0, resumed.err
    rets = [r.event for r in events(store, run_id, "ToolReturned")]
    first = invoked[0].call_id
    assert [e.result for e in rets if e.call_id == first] == [{"executions": 2}]
    assert len({e.call_id for e in rets}) == len(rets)  # every call answered once
    executions = counter.read_text()
    replay_ok(store, run_id)
    assert counter.read_text() == executions
