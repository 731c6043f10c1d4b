"""Replay speed: a run recorded against a 200 ms-latency mock server, then `replay --verify`.

    .venv/bin/python benchmarks/bench_replay.py [--agents 8] [--steps 3]

Prints the original run's wall time, the verified replay's time (server stopped, no provider
constructed) and the speed-up (issue 5's target: >= 100x).
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

from bench_sim import run_in_process, scenario  # noqa: E402

from troupe_es.api.replay import replay_run  # noqa: E402
from troupe_es.llm.mock_server import serve_in_thread  # noqa: E402
from report import print_rows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = scenario(Path(tmp) / "replay.yaml", args.agents, args.steps, "replay-bench")
        with serve_in_thread(latency_ms=200) as server:
            store, outcome, original = run_in_process(f"sqlite:///{tmp}/r.db", path, parallel=args.parallel,
                                                      llm="openai", base_url=server.base_url)
        assert outcome.status == "completed", outcome.error
        timings = []
        for _ in range(3):
            t = time.perf_counter()
            report = replay_run(store, outcome.run_id, verify=True)
            timings.append(time.perf_counter() - t)
            assert report.ok, report.difference
        store.close()
    best = min(timings)
    rows = [
        (f"original run ({args.agents} agents x {args.steps} steps, 200 ms/call, --parallel {args.parallel})",
         f"{original:.2f} s", f"{report.llm_calls} LLM calls"),
        ("replay --verify (server stopped, best of 3, incl. loading and hash checks)", f"{best * 1000:.0f} ms",
         f"{report.events} events re-produced and verified"),
        ("speed-up", f"{original / best:.0f}x", "target >= 100x"),
    ]
    print_rows(rows)


if __name__ == "__main__":
    main()
