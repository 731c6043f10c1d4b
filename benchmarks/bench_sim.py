"""Simulation cost: CPU per agent-step, parallel speed-up, prompt size and memory.

    .venv/bin/python benchmarks/bench_sim.py [--quick] [--personas A.agent.json B.agent.json]

1. In-process: CPU per agent-step of the run phase with the zero-latency in-process mock LLM on
   SQLite (no HTTP, no start-up; the mock's own work included). Not comparable with figures
   measured over HTTP, where the model's work happens in another process.
2. Whole process over HTTP: `troupe-es run --llm openai --base-url URL` as a child process
   against `troupe-es mock-llm serve` (a separate process, zero latency), 2 agents (the
   personas below) x N steps. CPU per agent-step of the whole process (start-up included) and
   of the run phase alone (`cpu_seconds` of `run --json`).
3. `--parallel 8` vs `--parallel 1` over HTTP at 200 ms a call, 8 agents x 3 steps
   (examples/meal_kit_panel.yaml): speed-up of the run phase and of the whole process (wall).
4. Prompt characters per agent call at steps 0, 1, 10, 30, 100 and 199 of a 2-agent run (the
   personas below; in-process mock LLM), to show how the prompt grows and where it levels off.
5. Peak memory (RSS) of a 3-agent, 10-step run in a fresh process.

The personas default to this repository's Lisa and Oscar (examples/personas, written for
troupe-es in TinyTroupe's file format; they are shorter than TinyTroupe's own). Pass other
`.agent.json` files with --personas to compare prompt sizes with the same personas.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from procs import PANEL, PERSONAS, extra_people, mock_server, scenario, troupe  # noqa: E402
from report import machine_note, print_rows  # noqa: E402

PROMPT_STEPS = (1, 10, 30, 100, 199)
TINYTROUPE_CHARS = 28_000
"""TinyTroupe 0.6's characters per action-list call: a separate measurement of TinyTroupe
reported by our review (never measured in this repository)."""


def run_in_process(store_url: str, scenario_path: Path, *, parallel: int = 1, llm: str = "mock",
                   base_url: str | None = None):  # noqa: ANN201
    """Execute a scenario in this process; returns (store, outcome, run-phase CPU seconds)."""
    from troupe_es.bootstrap import make_bus, make_gateway, new_run_id
    from troupe_es.commands.plan import plan_from_scenario
    from troupe_es.commands.scenario import execute
    from troupe_es.runtime import RuntimeSettings
    from troupe_es.scenario import load_scenario
    from troupe_es.store import open_store

    store = open_store(store_url)
    plan = plan_from_scenario(load_scenario(scenario_path))
    gateway = make_gateway(store, llm=llm, base_url=base_url, cache=False, max_concurrency=max(8, parallel),
                           provider_options={"api_key": "sk-bench"} if llm == "openai" else None)
    bus = make_bus(store, new_run_id(store, plan.name), gateway=gateway,
                   settings=RuntimeSettings(model=plan.model, parallel=parallel, max_actions=plan.max_actions))
    t = time.process_time()
    outcome = execute(bus, plan)
    cpu = time.process_time() - t
    gateway.close()
    return store, outcome, cpu


def overhead(tmp: Path, agents: int, steps: int) -> float:
    """Run-phase CPU ms per agent-step, in process, zero-latency in-process mock."""
    people = [PERSONAS / f"{n}.agent.json" for n in ("lisa", "oscar", "mei", "helen")][:agents]
    path = scenario(tmp / "overhead.yaml", people, steps, "overhead")
    store, outcome, elapsed = run_in_process(f"sqlite:///{tmp}/overhead.db", path)
    assert outcome.status == "completed", outcome.error
    store.close()
    return elapsed / (agents * steps) * 1000


def run_over_http(tmp: Path, name: str, path: Path, base_url: str, parallel: int = 1) -> tuple[float, float, dict]:
    """(whole-process CPU s, whole-process wall s, `run --json` summary) of one child run."""
    done = troupe("--store", f"sqlite:///{tmp}/{name}.db", "run", str(path), "--llm", "openai",
                  "--base-url", base_url, "--no-cache", "--parallel", str(parallel), "--json")
    summary = done.json()
    assert summary["status"] == "completed", summary
    return done.cpu, done.wall, summary


def cpu_over_http(tmp: Path, personas: list[Path], steps: int) -> dict[str, float]:
    path = scenario(tmp / "http.yaml", personas, steps, "http")
    with mock_server(latency_ms=0) as url:
        run_over_http(tmp, "warm", path, url)  # bytecode cache, page cache
        cpu, wall, summary = run_over_http(tmp, "http", path, url)
    agent_steps = len(personas) * steps
    return {"agent_steps": agent_steps, "whole": cpu / agent_steps * 1000,
            "run": summary["cpu_seconds"] / agent_steps * 1000, "startup": cpu - summary["cpu_seconds"],
            "wall": wall}


def parallel_over_http(tmp: Path, latency_ms: int) -> dict[int, tuple[float, float, float]]:
    """--parallel 1 and 8: (run-phase wall, whole-process wall, whole-process CPU)."""
    out = {}
    with mock_server(latency_ms=latency_ms) as url:
        for parallel in (1, 8):
            cpu, wall, summary = run_over_http(tmp, f"par{parallel}", PANEL, url, parallel)
            out[parallel] = (summary["wall_seconds"], wall, cpu)
    return out


def prompt_sizes(tmp: Path, personas: list[Path], steps: int) -> dict[int, int]:
    """Largest prompt (characters of all messages) of an agent call at each step."""
    path = scenario(tmp / "long.yaml", personas, steps, "long")
    store, outcome, _ = run_in_process(f"sqlite:///{tmp}/long.db", path)
    assert outcome.status == "completed", outcome.error
    sizes: dict[int, int] = {}
    for rec in store.read(types=["LLMCallRequested"]):
        chars = sum(len(m["content"]) for m in rec.event.messages)
        sizes[rec.event.step] = max(sizes.get(rec.event.step, 0), chars)
    store.close()
    return sizes


MEMORY = """
import json, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from bench_sim import run_in_process
from pathlib import Path
store, outcome, _ = run_in_process({url!r}, Path({path!r}))
print(json.dumps({{"status": outcome.status, "peak_rss_mb": [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0] / 1024}}))
"""


def peak_memory(tmp: Path) -> float:
    path = scenario(tmp / "memory.yaml", [PERSONAS / "lisa.agent.json", *extra_people(2)], 10, "memory")
    code = MEMORY.format(root=str(ROOT), bench=str(ROOT / "benchmarks"), url=f"sqlite:///{tmp}/memory.db",
                         path=str(path))
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout)
    return out["peak_rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps (prompt sizes up to step 39)")
    parser.add_argument("--personas", nargs=2, type=Path, metavar="FILE",
                        default=[PERSONAS / "lisa.agent.json", PERSONAS / "oscar.agent.json"],
                        help="the two .agent.json files of the HTTP and prompt-size runs")
    parser.add_argument("--latency-ms", type=int, default=200, help="mock server latency of the parallel runs")
    args = parser.parse_args()
    personas = [p.resolve() for p in args.personas]
    long_steps = 40 if args.quick else 200
    http_steps = 5 if args.quick else 50
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        per_agent_step = overhead(tmp, 4, 5 if args.quick else 25)
        http = cpu_over_http(tmp, personas, http_steps)
        par = parallel_over_http(tmp, args.latency_ms)
        sizes = prompt_sizes(tmp, personas, long_steps)
        rss = peak_memory(tmp)
    names = " and ".join(p.name for p in personas)
    (run1, whole1, cpu1), (run8, whole8, cpu8) = par[1], par[8]
    rows = [
        ("in-process mock LLM, no HTTP: run-phase CPU per agent-step", f"{per_agent_step:.2f} ms",
         "4 agents; the mock's own work included"),
        (f"over HTTP, 2 agents x {http_steps} steps ({names}):", "", ""),
        ("  CPU per agent-step, whole process (start-up included)", f"{http['whole']:.1f} ms",
         f"{http['agent_steps']} agent-steps"),
        ("  CPU per agent-step, run phase only", f"{http['run']:.1f} ms", ""),
        ("  start-up CPU of the process (whole minus run phase)", f"{http['startup']:.2f} s",
         "mostly importing the openai SDK"),
        (f"8 agents x 3 steps over HTTP @ {args.latency_ms} ms (meal_kit_panel), wall:", "", ""),
        ("  --parallel 1: run phase / whole process", f"{run1:.2f} / {whole1:.2f} s", f"CPU {cpu1:.2f} s"),
        ("  --parallel 8: run phase / whole process", f"{run8:.2f} / {whole8:.2f} s", f"CPU {cpu8:.2f} s"),
        ("  speed-up of --parallel 8, run phase", f"x{run1 / run8:.1f}", ""),
        ("  speed-up of --parallel 8, whole process", f"x{whole1 / whole8:.1f}", ""),
        (f"prompt characters per agent call ({names}, in-process mock):", "", ""),
    ]
    for step in (0, *PROMPT_STEPS):
        if step in sizes:
            rows.append((f"  step {step}", f"{sizes[step]:,} chars",
                         f"x{sizes[step] / sizes[1]:.2f} of step 1; x{sizes[step] / TINYTROUPE_CHARS:.2f} of "
                         "TinyTroupe 0.6's ~28k (the review's separate measurement)"))
    rows.append(("peak RSS of a 3-agent, 10-step run", f"{rss:.0f} MB", "target <= 150 MB"))
    print(machine_note())
    print_rows(rows, value_width=16)


if __name__ == "__main__":
    main()
