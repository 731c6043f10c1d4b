"""Tool figures (issue 13), printed as a table.

    .venv/bin/python benchmarks/bench_tools.py [--quick]

1. Dispatch overhead per tool call (target <= 0.5 ms): everything troupe-es adds around a tool
   that does nothing, run in a worker thread (its deadline) and inline (state-only tools) — the call validated against its argument model and recorded
   (``ToolInvoked``), run in its worker thread with a deadline, the result validated, the
   stimulus rendered, ``ToolReturned`` and the stimulus appended to an in-memory store and
   folded into the run state. Measured per call over many calls.
2. The database tool over a 1M-row parquet dataset (target <= 100 ms per query): polars SQL
   through the tool (checks, row limit, JSON rows), median of repeated queries, after one
   warm-up (the first query, which scans the file's metadata, is shown too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402


def dispatch_overhead(calls: int, inline: bool = False, agents: int = 8, record: bool = True) -> float:
    """Mean milliseconds per call of the whole dispatch around a no-op tool (``inline``: run in the
    caller's thread, as the mailbox, documents and calendar tools are; else in a worker thread).

    As in a run: each of ``agents`` agents makes one call a step; the calls are decided and
    recorded with the turns (``ToolInvoked``), then run and recorded in the step's batch by the
    real executor (:func:`troupe_es.commands.tools.execute.run_pending` on a message bus).
    ``record=False``: the tools layer alone (validation, run, events built), nothing stored."""
    from pydantic import BaseModel

    from troupe_es.commands.tools.decide import decide_calls
    from troupe_es.commands.tools.execute import run_call, run_pending
    from troupe_es.domain.tools import OpenCall
    from troupe_es.tools.executor import run_live
    from troupe_es.domain import AgentState, RunState, WorldState
    from troupe_es.runtime import MessageBus
    from troupe_es.store import InMemoryEventStore
    from troupe_es.tools import Tool
    from troupe_es.tools.toolset import Toolset

    class Echo(Tool):
        name = "echo"
        description = "Returns its text."

        class Arguments(BaseModel):
            text: str
            times: int

        class Result(BaseModel):
            text: str

        def run(self, args, ctx):  # noqa: ANN001, ANN201
            return self.Result(text=args.text * args.times)

    Echo.inline = inline
    toolset = Toolset({"echo": Echo()}, {"echo": "bench"}, {"bench": {"personas": None, "timeout": 5.0}})
    held = {"echo": toolset.tools["echo"]}
    names = [f"agent{i}" for i in range(agents)]
    people = {n: AgentState(name=n, persona={"name": n}, world="Office") for n in names}
    state = RunState(run_id="bench", agents=people, tools_config={"custom": {}},
                     worlds={"Office": WorldState(name="Office", clock="2026-03-01T09:00:00+00:00",
                                                  members=tuple(names))})
    bus = MessageBus(InMemoryEventStore(), "bench", handlers={}, gateway=None, persona_facts=lambda p: [],
                     state=state)
    steps = max(1, calls // agents)
    t0 = time.perf_counter()
    for i in range(steps):
        invoked = []
        for name in names:
            raw = [{"tool": "echo", "arguments": {"text": f"hello {i}", "times": 2}}]
            invoked += [bus.new(f"agent/{name}", e) for e in decide_calls(bus.state, name, raw, held, 3)]
        if not record:
            for new in invoked:
                call = OpenCall(new.event.agent, new.event.call_id, "echo", new.event.arguments)
                run_call(bus.state, toolset, call, run_live, {})
            continue
        bus.record(invoked)
        run_pending(bus, toolset, "Office", None)
        bus.state = type(bus.state)(**{**bus.state.__dict__, "agents": people})  # memory windows stay flat
    return (time.perf_counter() - t0) * 1000 / (steps * agents)


def database_queries(rows: int, repeats: int) -> list[tuple[str, float, float]]:
    """``(query, first ms, median ms)`` of database tool queries over a parquet dataset of ``rows``."""
    import polars as pl

    from troupe_es.tools import ToolContext
    from troupe_es.tools.database import DatabaseQuery
    from troupe_es.tools.executor import run_live

    folder = Path(tempfile.mkdtemp(prefix="bench-tools-"))
    path = folder / "sales.parquet"
    regions = ["North", "South", "East", "West", "Central"]
    pl.DataFrame({"id": range(rows), "region": [regions[i % 5] for i in range(rows)],
                  "units": [(i * 7919) % 1000 for i in range(rows)],
                  "revenue": [((i * 104729) % 100000) / 100 for i in range(rows)]}).write_parquet(path)
    ctx = ToolContext("Ana", "Ana/t0/c0", None, {"datasets": {"sales": str(path)}, "row_limit": 100})
    tool = DatabaseQuery()
    queries = {
        "group by region (sum, avg)": "SELECT region, SUM(revenue) AS revenue, AVG(units) AS units FROM sales "
                                      "GROUP BY region ORDER BY region",
        "filter + order + limit 100": "SELECT id, revenue FROM sales WHERE units > 990 ORDER BY revenue DESC LIMIT 100",
        "count(*) with a filter": "SELECT COUNT(*) AS n FROM sales WHERE region = 'South' AND revenue > 500",
    }
    out = []
    for label, sql in queries.items():
        t = time.perf_counter()
        first = run_live(tool, {"sql": sql}, ctx, 30)
        first_ms = (time.perf_counter() - t) * 1000
        assert first.ok, first.error
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            ret = run_live(tool, {"sql": sql}, ctx, 30)
            times.append((time.perf_counter() - t) * 1000)
            assert ret.ok, ret.error
        out.append((label, first_ms, statistics.median(times)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    opts = parser.parse_args()
    calls = 500 if opts.quick else 3000
    dispatch_overhead(100)  # warm-up
    variants = {"thread": {}, "inline": {"inline": True}, "layer": {"record": False}}
    best = {name: min(dispatch_overhead(calls, **kw) for _ in range(3)) for name, kw in variants.items()}
    rows = [("tool dispatch overhead per call (worker thread)", f"{best['thread']:.3f} ms",
             f"target <= 0.5 ms; best of 3 x {calls} calls of a no-op tool: validated, run with a deadline, "
             "recorded, folded"),
            ("tool dispatch overhead per call (inline tool)", f"{best['inline']:.3f} ms",
             "the same for a tool that only reads the run's state (mailbox, documents, calendar)"),
            ("  of which the tools layer (worker thread)", f"{best['layer']:.3f} ms",
             "validation, deadline, result, events built; the rest is the store and the fold (3 events a call)")]
    for label, first, median in database_queries(1_000_000, 5 if opts.quick else 15):
        rows.append((f"database 1M rows: {label}", f"{median:.1f} ms",
                     f"target <= 100 ms (median); first query {first:.1f} ms"))
    rows.append(("machine", "", machine_note()))
    print_rows(rows)


if __name__ == "__main__":
    main()
