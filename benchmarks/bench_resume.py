"""Resume speed: how long `resume` takes on a long run before its first new turn.

    .venv/bin/python benchmarks/bench_resume.py [--events 100000] [--agents 3]

Records a run on the mock LLM (embedded SQLite, snapshots at the default interval) until it has
``--events`` events, then "crashes" it (the writer stops between two committed batches, exactly
what a SIGKILL leaves). Prints, for the resumed run: the time to read the stopped run (state folded
from the nearest snapshot, progress, budget spent) and the time until its first new turn's request
is committed — in-process, and for the whole `troupe-es resume` process (CPU and wall).
Issue 9's target: <= 2 s before the first new turn on a 100k-event run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import print_rows  # noqa: E402

from troupe_es.api.resume import resume_on, runtime_settings, stopped_run  # noqa: E402
from troupe_es.bootstrap import make_bus, make_gateway  # noqa: E402
from troupe_es.commands.plan import plan_from_scenario  # noqa: E402
from troupe_es.commands.scenario import execute  # noqa: E402
from troupe_es.runtime import RuntimeSettings  # noqa: E402
from troupe_es.scenario import load_scenario  # noqa: E402
from troupe_es.store import open_store  # noqa: E402


class Crash(BaseException):
    pass


class FirstTurn(BaseException):
    pass


def record_long_run(url: str, events: int, agents: int) -> str:
    """A run of ``agents`` agents stopped after about ``events`` events."""
    plan = plan_from_scenario(load_scenario(ROOT / "examples" / "focus_group.yaml"))
    personas = plan.personas[:agents]
    plan = plan.with_script([{"broadcast": "Tell each other about your breakfast."}, {"run": 100_000}])
    from dataclasses import replace

    plan = replace(plan, personas=personas)
    store = open_store(url)
    count = 0

    def crash(_rec) -> None:  # noqa: ANN001
        nonlocal count
        count += 1
        if count >= events:
            raise Crash

    settings = RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters, max_actions=plan.max_actions)
    bus = make_bus(store, "long-run", gateway=make_gateway(store, llm="mock", model=plan.model),
                   settings=settings, observers=[crash])
    try:
        execute(bus, plan)
    except Crash:
        pass
    store.close()
    return "long-run"


def in_process(url: str, run_id: str) -> tuple[float, float]:
    """Seconds to read the stopped run, and until the first new turn's request is committed."""
    store = open_store(url)
    t0 = time.perf_counter()
    run = stopped_run(store, run_id)
    read = time.perf_counter() - t0

    def first_turn(rec) -> None:  # noqa: ANN001
        if rec.type == "LLMCallRequested":
            raise FirstTurn

    try:
        resume_on(store, run, gateway=make_gateway(store, llm="mock", model=run.plan.model),
                  settings=runtime_settings(run), observers=[first_turn])
    except FirstTurn:
        pass
    first = time.perf_counter() - t0
    store.close()
    return read, first


def whole_process(url: str, run_id: str) -> tuple[float, float]:
    """CPU and wall seconds of `troupe-es resume RUN` up to its first new turn (the process is
    stopped there with SIGTERM by watching the log), measured around the subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    code = ("import sys\n"
            "from troupe_es.events import Recorded\n"
            "import troupe_es.runtime as rt\n"
            "record = rt.MessageBus.record\n"
            "def stop_at_first_turn(self, events):\n"
            "    out = record(self, events)\n"
            "    if any(r.type == 'LLMCallRequested' for r in out):\n"
            "        raise SystemExit(0)\n"
            "    return out\n"
            "rt.MessageBus.record = stop_at_first_turn\n"
            "from troupe_es.cli import main\n"
            f"main(['--store', {url!r}, 'resume', {run_id!r}, '--force', '-q'])\n")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/long.db"
        t0 = time.perf_counter()
        run_id = record_long_run(url, args.events, args.agents)
        recorded = time.perf_counter() - t0
        with open_store(url) as store:
            events = next(s.events for s in store.run_summaries() if s.run_id == run_id)
        cpu, wall = whole_process(url, run_id)
        read, first = in_process(url, run_id)
        print_rows([
            ("events in the stopped run", f"{events:,}", f"{args.agents} agents, mock LLM, recorded in {recorded:.1f} s"),
            ("read the stopped run", f"{read * 1000:.0f} ms", "in-process: state from the nearest snapshot, progress, spend"),
            ("until the first new turn", f"{first * 1000:.0f} ms", "in-process, target <= 2 s"),
            ("`troupe-es resume`, whole process", f"{cpu:.2f} s CPU", f"{wall:.2f} s wall, start-up included"),
        ])


if __name__ == "__main__":
    main()
