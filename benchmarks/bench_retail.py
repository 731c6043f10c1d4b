"""Retail store overhead: CPU per agent-step of the run phase in the retail store vs a plain
world, the same four personas and steps, in process, zero-latency in-process mock LLM, SQLite.

    .venv/bin/python benchmarks/bench_retail.py [--steps N] [--repeat R]

Both runs use examples/retail/corner-grocery.yaml's personas, seed and script; the plain run
drops the store (``retail:``) and the grid (``world.kind``), so its world is an ordinary one.
The figure is the run phase only (``execute``: turns, the mock's work, fold, store writes,
retail and space decisions, moves, congestion, noticing), not process start-up. Best of R.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402

EXAMPLE = ROOT / "examples" / "retail" / "corner-grocery.yaml"


def variant(tmp: Path, steps: int, store: bool) -> Path:
    """The example with ``steps`` steps, as a store or as a plain world (persona and layout paths made absolute)."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text())
    data["script"] = [data["script"][0], {"run": steps}]
    data["personas"] = [{"file": str((EXAMPLE.parent / p["file"]).resolve())} for p in data["personas"]]
    if store:
        data["retail"]["layout"] = str(EXAMPLE.parent / data["retail"]["layout"])
    else:
        data.pop("retail")
        data["world"] = {k: v for k, v in data["world"].items()
                         if k not in ("kind", "sight", "speed", "hearing_radius")}
    path = tmp / f"{'store' if store else 'plain'}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run_phase_ms(tmp: Path, path: Path, label: str, agents: int, steps: int) -> float:
    """Run-phase CPU ms per agent-step of one in-process run."""
    from troupe_es.bootstrap import make_bus, make_gateway, new_run_id
    from troupe_es.commands.plan import plan_from_scenario
    from troupe_es.commands.scenario import execute
    from troupe_es.runtime import RuntimeSettings
    from troupe_es.scenario import load_scenario
    from troupe_es.store import open_store

    store = open_store(f"sqlite:///{tmp}/{label}.db")
    plan = plan_from_scenario(load_scenario(path))
    gateway = make_gateway(store, llm="mock", cache=False)
    bus = make_bus(store, new_run_id(store, plan.name), gateway=gateway,
                   settings=RuntimeSettings(model=plan.model, parallel=1, max_actions=plan.max_actions))
    t = time.process_time()
    outcome = execute(bus, plan)
    cpu = time.process_time() - t
    assert outcome.status == "completed", outcome.error
    gateway.close()
    store.close()
    return cpu / (agents * steps) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    agents = 4
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        paths = {True: variant(tmp, args.steps, True), False: variant(tmp, args.steps, False)}
        best: dict[bool, float] = {}
        for i in range(args.repeat):
            for store in (False, True):
                ms = run_phase_ms(tmp, paths[store], f"{'store' if store else 'plain'}{i}", agents, args.steps)
                best[store] = min(best.get(store, ms), ms)
    rows.append(("plain world, run phase CPU per agent-step", f"{best[False]:.2f} ms",
                 f"{agents} agents x {args.steps} steps, in-process mock (0 ms), best of {args.repeat}"))
    rows.append(("retail store, run phase CPU per agent-step", f"{best[True]:.2f} ms", "same personas, seed, steps"))
    rows.append(("retail overhead per agent-step", f"{best[True] - best[False]:+.2f} ms",
                 f"{(best[True] / best[False] - 1) * 100:+.0f}% (grid world + store on top of a plain world)"))
    print_rows(rows)
    print(machine_note())


if __name__ == "__main__":
    main()
