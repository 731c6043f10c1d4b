"""Simulation overhead, parallel speed-up, prompt size and memory (issue 4's figures).

    .venv/bin/python benchmarks/bench_sim.py [--quick]

1. Framework overhead per agent-step with a zero-latency in-process mock LLM, on SQLite.
2. 8 agents x 3 steps against the mock server at 200 ms latency: --parallel 8 vs --parallel 1.
3. Prompt size per call at step 10 and step 200 of a 2-agent run (characters and ~tokens).
4. Peak memory (RSS) of a 3-agent, 10-step run in a fresh process.
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

from report import print_rows  # noqa: E402

PERSONAS = sorted(str(p) for p in (ROOT / "examples" / "personas").glob("*.agent.json"))


def scenario(path: Path, agents: int, steps: int, name: str) -> Path:
    lines = [f"name: {name}", "seed: 1", "world: {name: Room, step: 15m}", "personas:"]
    for i in range(agents):
        if i < len(PERSONAS):
            lines.append(f"  - file: {PERSONAS[i]}")
        else:
            lines.append(f"  - {{name: Person {i}, age: {20 + i}, occupation: {{title: Tester}}}}")
    lines += ["script:", "  - broadcast: What would make you buy a new breakfast cereal?", f"  - run: {steps}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_in_process(store_url: str, scenario_path: Path, *, parallel: int = 1, llm: str = "mock",
                   base_url: str | None = None):  # noqa: ANN201
    from troupe_es.commands.plan import plan_from_scenario
    from troupe_es.commands.scenario import execute
    from troupe_es.bootstrap import make_bus, make_gateway, new_run_id
    from troupe_es.runtime import RuntimeSettings
    from troupe_es.scenario import load_scenario
    from troupe_es.store import open_store

    store = open_store(store_url)
    plan = plan_from_scenario(load_scenario(scenario_path))
    gateway = make_gateway(store, llm=llm, base_url=base_url, cache=False, max_concurrency=max(8, parallel),
                           provider_options={"api_key": "sk-bench"} if llm == "openai" else None)
    bus = make_bus(store, new_run_id(store, plan.name), gateway=gateway,
                   settings=RuntimeSettings(model=plan.model, parallel=parallel, max_actions=plan.max_actions))
    t = time.perf_counter()
    outcome = execute(bus, plan)
    elapsed = time.perf_counter() - t
    gateway.close()
    return store, outcome, elapsed


def overhead(tmp: Path, agents: int, steps: int) -> float:
    path = scenario(tmp / "overhead.yaml", agents, steps, "overhead")
    store, outcome, elapsed = run_in_process(f"sqlite:///{tmp}/overhead.db", path)
    assert outcome.status == "completed", outcome.error
    store.close()
    return elapsed / (agents * steps) * 1000


def parallel_speedup(tmp: Path) -> tuple[float, float]:
    from troupe_es.llm.mock_server import serve_in_thread

    path = scenario(tmp / "parallel.yaml", 8, 3, "parallel")
    times = []
    with serve_in_thread(latency_ms=200) as server:
        for parallel in (1, 8):
            store, outcome, elapsed = run_in_process(f"sqlite:///{tmp}/par{parallel}.db", path, parallel=parallel,
                                                     llm="openai", base_url=server.base_url)
            assert outcome.status == "completed", outcome.error
            store.close()
            times.append(elapsed)
    return times[0], times[1]


def prompt_sizes(tmp: Path, steps: int) -> dict[int, int]:
    path = scenario(tmp / "long.yaml", 2, steps, "long")
    store, outcome, _ = run_in_process(f"sqlite:///{tmp}/long.db", path)
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
    path = scenario(tmp / "memory.yaml", 3, 10, "memory")
    code = MEMORY.format(root=str(ROOT), bench=str(ROOT / "benchmarks"), url=f"sqlite:///{tmp}/memory.db",
                         path=str(path))
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout)
    return out["peak_rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    long_steps = 40 if args.quick else 200
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        per_agent_step = overhead(tmp, 4, 5 if args.quick else 25)
        sequential, parallel = parallel_speedup(tmp)
        sizes = prompt_sizes(tmp, long_steps)
        rss = peak_memory(tmp)
    early, late = sizes[10], sizes[long_steps - 1]
    rows = [
        ("framework overhead per agent-step (in-process mock, SQLite)", f"{per_agent_step:.2f} ms", "target <= 5 ms"),
        ("8 agents x 3 steps @ 200 ms: --parallel 1", f"{sequential:.2f} s", ""),
        ("8 agents x 3 steps @ 200 ms: --parallel 8", f"{parallel:.2f} s",
         f"1/{sequential / parallel:.1f} of sequential (target <= 1/6)"),
        ("prompt per call at step 10", f"{early:,} chars", f"~{early // 4:,} tokens"),
        (f"prompt per call at step {long_steps - 1}", f"{late:,} chars",
         f"~{late // 4:,} tokens; x{late / early:.2f} of step 10 (target <= 1.2)"),
        ("  vs TinyTroupe 0.6 (~28,000 chars, ~7k tokens per action call)", f"x{late / 28000:.2f}",
         "target <= 0.5"),
        ("peak RSS of a 3-agent, 10-step run", f"{rss:.0f} MB", "target <= 150 MB"),
    ]
    print_rows(rows)


if __name__ == "__main__":
    main()
